package io.ktask.spark;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One engine on Spark's local mode ({@code local[2,2]}: two task threads in this JVM, a chunk
 * tried at most twice) per test class: built before the class's first test, closed after its
 * last, so that classes never hold two Spark contexts at once. Register it as a static field.
 */
final class LocalSpark implements BeforeAllCallback, AfterAllCallback {

    private final String appName;
    private SparkKTask spark;

    LocalSpark(String appName) {
        this.appName = appName;
    }

    /** @return the class's engine; only between its first and last test */
    SparkKTask spark() {
        return spark;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        spark = SparkKTask.builder().master("local[2,2]").appName(appName).build();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        spark.close();
    }
}
