package io.ktask.conformance.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.ktask.conformance.TestSchedulers;
import io.ktask.operators.CallerRuns;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskException;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Hooks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Deterministic reproducers of a defect the fault-injection suite found
 * ({@code tinyChunkMergesOverFusedUpstreams} seeds 20181585 and 40000296,
 * {@code throwingAndDecoratingHooks} seed 30000996: an upstream error both the cause of the
 * task's KTaskException and dropped). A task that aborts on a non-blocking thread hands its undo
 * to a task thread of the scheduler; that thread marks the task terminated before it undoes, and
 * marks the failure reported only after, without holding the drain. A drain in between (here a
 * cancel's, while an undo runs) takes the failure for a late one and drops it, and closes the
 * task's handle while the undo still runs; the abort then reports the failure again.
 */
class CancelDuringHandedOffUndoTest {

    private static final KTaskScheduler SCHEDULER =
            TestSchedulers.create("ktask-handed-off-undo", NodeTopology.uniform(1, 2), 1);
    private static final long WAIT_SECONDS = 10;

    private final List<Throwable> dropped = Collections.synchronizedList(new ArrayList<>());
    private final Scheduler nonBlocking = Schedulers.newSingle("handed-off-undo-caller");

    @BeforeEach
    void recordDroppedErrors() {
        Hooks.onErrorDropped(dropped::add);
    }

    @AfterEach
    void restore() {
        Hooks.resetOnErrorDropped();
        nonBlocking.dispose();
    }

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    @Test
    void aFailureIsDeliveredOnceWhenACancelComesDuringTheHandedOffUndo() throws InterruptedException {
        Run run = new Run();
        run.cancelDuringUndo();
        run.releaseUndo();
        run.awaitKTaskException();
        awaitTaskEnd();

        assertThat(run.reported().stream().filter(e -> e == run.failure || e.getCause() == run.failure).count())
                .as("the failure, by itself or as a KTaskException's cause, in %s", run.reported()).isOne();
        assertThat(run.reported()).allMatch(e -> e == run.failure || e instanceof KTaskException);
    }

    /** "No task running" means every signal of the task was made: not while its undo still runs. */
    @Test
    void aTaskUndoingOnItsUndoThreadStillCountsAsRunning() throws InterruptedException {
        Run run = new Run();
        run.cancelDuringUndo();
        int runningDuringUndo = SCHEDULER.stats().tasksRunning();
        run.releaseUndo();
        run.awaitKTaskException();
        awaitTaskEnd();

        assertThat(runningDuringUndo).as("tasks running while the handed-off undo runs").isOne();
    }

    /**
     * One task whose caller runs both chunks on its non-blocking thread (ALWAYS, one thread):
     * chunk 1 fails there, so the abort is handed to a task thread, whose undo of chunk 0 waits
     * until the test lets it go.
     */
    private final class Run {

        final RuntimeException failure = new RuntimeException("work of chunk 1");
        private final CountDownLatch undoing = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);
        private final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        private final BaseSubscriber<Long> subscriber = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            protected void hookOnError(Throwable error) {
                errors.add(error);
            }
        };

        /** Starts the task and cancels it once the undo of chunk 0 has begun on the undo thread. */
        void cancelDuringUndo() throws InterruptedException {
            KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(chunk -> {
                if (chunk.index() == 1) {
                    throw failure;
                }
                return chunk.index();
            }).merge(Long::sum).undo((chunk, result) -> {
                undoing.countDown();
                await(released);
            }).minChunk(1).maxThreads(1).callerRuns(CallerRuns.ALWAYS).scheduler(SCHEDULER).build();
            KTask.range(0, 2).transform(KTask.parallelize(spec)).subscribeOn(nonBlocking).subscribe(subscriber);
            assertThat(undoing.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("undo of chunk 0 started").isTrue();
            subscriber.cancel();
        }

        void releaseUndo() {
            released.countDown();
        }

        /** Waits until the abort has reported its KTaskException (signalled, or dropped after the cancel). */
        void awaitKTaskException() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (reported().stream().noneMatch(KTaskException.class::isInstance) && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // polling with a deadline: the undo thread signals on its own time
            }
            assertThat(reported()).as("reported").anyMatch(KTaskException.class::isInstance);
        }

        List<Throwable> reported() {
            List<Throwable> all = new ArrayList<>(List.copyOf(errors));
            all.addAll(List.copyOf(dropped));
            return all;
        }
    }

    private static void awaitTaskEnd() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (SCHEDULER.stats().tasksRunning() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // polling with a deadline: the task ends on the undo thread
        }
        assertThat(SCHEDULER.stats().tasksRunning()).as("tasks running").isZero();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never cancelled");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
