package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Scannable;
import reactor.core.scheduler.Schedulers;
import reactor.util.annotation.Nullable;
import reactor.util.context.Context;

/**
 * A JVM-fatal error met by the drain that an upstream's terminal signal runs (a merge's or an
 * undo's) reaches the signalling thread's uncaught-exception handler once, and is not thrown back
 * into the upstream: {@code generate} turned it into {@code onError}, which found the task over
 * and dropped it, so the error was signalled twice and rethrown nowhere (seen in the fault
 * injection suite's fatalErrors family at seeds from 70000000, with a generate upstream). It is
 * reported as a scheduler reports a task's error, so {@code Schedulers.onHandleError} hooks hear
 * of it too.
 */
class FatalDrainFromUpstreamTest {

    private static final String HOOK = "fatal-drain-test";

    @Test
    void aFatalErrorFromTheDrainInOnCompleteGoesToTheThreadOnceAndNotToTheUpstream() throws Exception {
        assertFatalDrainReachesTheThread(PushedSource::onComplete);
    }

    @Test
    void aFatalErrorFromTheDrainInOnErrorGoesToTheThreadOnceAndNotToTheUpstream() throws Exception {
        assertFatalDrainReachesTheThread(source -> source.onError(new IllegalStateException("upstream failed")));
    }

    @AfterEach
    void resetHook() {
        Schedulers.resetOnHandleError(HOOK);
    }

    private static void assertFatalDrainReachesTheThread(Signal signal) throws Exception {
        KTaskScheduler.builder(); // a running task always has a scheduler: its classes are loaded
        List<Throwable> hooked = new CopyOnWriteArrayList<>();
        Schedulers.onHandleError(HOOK, (thread, e) -> hooked.add(e));
        StackOverflowError fatal = new StackOverflowError("injected in a merge (test)");
        DrainThrows task = new DrainThrows(fatal);
        PushedSource<Integer> source = new PushedSource<>(task, 4, false);
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        List<Throwable> thrownToUpstream = new CopyOnWriteArrayList<>();
        Thread upstream = new Thread(() -> {
            try {
                signal.send(source);
            } catch (Throwable e) {
                thrownToUpstream.add(e);
            }
        }, "upstream");
        upstream.setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        upstream.start();
        upstream.join(10_000);

        assertThat(upstream.isAlive()).isFalse();
        assertThat(thrownToUpstream).as("thrown back into the upstream").isEmpty();
        assertThat(uncaught).as("reported to the signalling thread").containsExactly(fatal);
        // A Reactor thread's own handler only logs: the hooks are where its owner hears of it
        // (fatalErrors seed 190000426, a publishOn upstream on parallel(): rethrown nowhere).
        assertThat(hooked).as("reported to Schedulers.onHandleError hooks").containsExactly(fatal);
        assertThat(task.drains.get()).isEqualTo(1);
    }

    private interface Signal {
        void send(PushedSource<Integer> source);
    }

    /** A task whose drain meets a JVM-fatal error; nothing else of it may be used on this path. */
    private static final class DrainThrows implements RunningTask<Integer> {
        final AtomicInteger drains = new AtomicInteger();
        private final Error fatal;

        DrainThrows(Error fatal) {
            this.fatal = fatal;
        }

        @Override
        public void drain() {
            drains.incrementAndGet();
            throw fatal;
        }

        @Override
        public Context context() {
            return Context.empty();
        }

        @Override
        public void fail(Throwable error, @Nullable Chunk<Integer> chunk) {
            // the upstream's error is recorded; nothing to check here
        }

        @Override
        public boolean stopped() {
            return true;
        }

        @Override
        public void subscribed(ChunkSource<Integer> source) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Scannable downstream() {
            throw new UnsupportedOperationException();
        }

        @Override
        public KTaskSpec<Integer, ?> spec() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int threads() {
            throw new UnsupportedOperationException();
        }

        @Override
        public NodeTopology topology() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int homeNode() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean inWindow(long index) {
            throw new UnsupportedOperationException();
        }

        @Override
        public TaskWorkers workers() {
            throw new UnsupportedOperationException("workers must not be woken once the task met a fatal error");
        }

        @Override
        public ChunkSource<Integer> source() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void workLoop(int node, boolean helper, @Nullable BooleanSupplier released) {
            throw new UnsupportedOperationException();
        }
    }
}
