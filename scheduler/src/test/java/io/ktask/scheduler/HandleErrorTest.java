package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Exceptions;
import reactor.core.scheduler.Schedulers;

/** {@link HandleError}: reactor-core's error path and the fallback used where it is unreachable. */
class HandleErrorTest {

    private final Thread current = Thread.currentThread();
    private final Thread.UncaughtExceptionHandler old = current.getUncaughtExceptionHandler();

    @AfterEach
    void tearDown() {
        current.setUncaughtExceptionHandler(old == current.getThreadGroup() ? null : old);
        Schedulers.resetOnHandleError("handle-error-test");
    }

    @Test
    void everySupportedReactorCoreIsReached() {
        assertThat(HandleError.reachesHooks()).isTrue();
    }

    @Test
    void handlerThenHooksSeeTheUnwrappedError() {
        List<String> seen = new ArrayList<>();
        current.setUncaughtExceptionHandler((t, e) -> seen.add("handler " + e.getMessage() + " " + (t == current)));
        // The hook is JVM-wide: a thread of an earlier test that reports its error meanwhile is not ours.
        Schedulers.onHandleError("handle-error-test", (t, e) -> {
            if (t == current) {
                seen.add("hook " + e.getMessage() + " " + (t == current));
            }
        });
        HandleError.handle(Exceptions.propagate(new Exception("checked")));
        assertThat(seen).containsExactly("handler checked true", "hook checked true");
    }

    @Test
    void anExceptionFromTheHandlerPropagates() {
        current.setUncaughtExceptionHandler((t, e) -> {
            throw new IllegalStateException("handler failed on " + e.getMessage());
        });
        assertThatThrownBy(() -> HandleError.handle(new RuntimeException("boom")))
                .isInstanceOf(IllegalStateException.class).hasMessage("handler failed on boom");
    }

    @Test
    void fallbackCallsOnlyTheUncaughtHandlerWithTheUnwrappedError() {
        List<String> seen = new ArrayList<>();
        current.setUncaughtExceptionHandler((t, e) -> seen.add("handler " + e.getMessage()));
        Schedulers.onHandleError("handle-error-test", (t, e) -> {
            if (t == current) {
                seen.add("hook");
            }
        });
        HandleError.uncaught(Exceptions.propagate(new Exception("checked")));
        assertThat(seen).containsExactly("handler checked");
    }
}
