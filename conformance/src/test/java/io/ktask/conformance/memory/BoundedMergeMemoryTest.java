package io.ktask.conformance.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merge mode's memory is bounded for a fused upstream (issue 10, D2): a separate JVM with a
 * 64 MB heap merges ten million {@code Flux.range} elements in one-element chunks, then again
 * with chunk 0 held back for 200 ms while the other threads run ahead, and must print the right
 * sum both times. The child exits at its first {@code OutOfMemoryError}
 * ({@code -XX:+ExitOnOutOfMemoryError}), so a task that kept its out-of-order results fails
 * here rather than limping on; it is killed if it runs past {@link #LIMIT_SECONDS}.
 */
class BoundedMergeMemoryTest {

    static final int ELEMENTS = 10_000_000;
    static final long SUM = (long) ELEMENTS * (ELEMENTS - 1) / 2;
    /** About 15 s on a quiet 2-core box; the bound only stops a hung child. */
    static final long LIMIT_SECONDS = 150;

    @Test
    void mergeOfTenMillionOneElementChunksFitsIn64Megabytes(@TempDir Path dir) throws IOException, InterruptedException {
        Path output = dir.resolve("child.log");
        Process child = new ProcessBuilder(javaExecutable(), "-Xmx64m", "-XX:+ExitOnOutOfMemoryError",
                // the scheduler binds libc through JNA: JDK 24+ warns without this flag, 17 accepts it
                "--enable-native-access=ALL-UNNAMED",
                // surefire's classpath (or its manifest-only jar, which names the same entries)
                "-cp", System.getProperty("java.class.path"),
                BoundedMergeMain.class.getName(), Integer.toString(ELEMENTS))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        boolean exited = child.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS);
        if (!exited) {
            child.destroyForcibly().waitFor();
        }
        List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        String log = String.join("\n", lines);
        System.out.println(log); // sums, run times and peak heap, for the surefire report

        assertThat(exited).as("child still running after %d s:\n%s", LIMIT_SECONDS, log).isTrue();
        assertThat(log).as("child output").doesNotContain("OutOfMemoryError");
        assertThat(child.exitValue()).as("child exit code; output:\n%s", log).isZero();
        assertThat(lines).as("child output")
                .anyMatch(l -> l.startsWith("plain sum=" + SUM + " "))
                .anyMatch(l -> l.startsWith("delayed sum=" + SUM + " "));
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
