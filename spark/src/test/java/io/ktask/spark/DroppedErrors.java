package io.ktask.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.core.publisher.Hooks;

/**
 * Records every error Reactor drops during a test and fails the test if there was one: a job's
 * error is delivered once, to its subscriber, and never also dropped.
 */
final class DroppedErrors implements BeforeEachCallback, AfterEachCallback {

    final List<Throwable> errors = new CopyOnWriteArrayList<>();

    @Override
    public void beforeEach(ExtensionContext context) {
        errors.clear();
        Hooks.onErrorDropped(errors::add);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Hooks.resetOnErrorDropped();
        assertThat(errors).as("errors delivered once, none dropped").isEmpty();
    }
}
