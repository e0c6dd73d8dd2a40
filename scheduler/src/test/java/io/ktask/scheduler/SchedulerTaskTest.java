package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.Exceptions;
import reactor.core.publisher.Hooks;

/**
 * A dispose racing a submission: the submitter either gets the task rejected (and it never runs)
 * or gets it accepted because it already started; it is never accepted and then silently dropped.
 * A rejection for want of a thread withdraws the task too, and drops (with an error each) the tasks
 * other submitters queued meanwhile. A failing task's error reaches its
 * thread's handler, and a handler that throws neither strands the loop's timers nor the task.
 */
class SchedulerTaskTest {

    private final WorkerLoop loop = new WorkerLoop(Executors.defaultThreadFactory(), TimeUnit.SECONDS.toNanos(60));

    @AfterEach
    void shutdown() {
        loop.shutdown(false); // lets the test's last task finish uninterrupted
    }

    private Disposable schedule(Runnable task) {
        return SchedulerTask.schedule(loop, null, task, 0, -1, TimeUnit.NANOSECONDS, () -> false);
    }

    @Test
    void taskQueuedWhenTheSchedulerTurnsOutDisposedIsWithdrawnAndNeverRuns() throws Exception {
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        schedule(() -> {
            busy.countDown();
            LeaseTest.await(release);
        });
        assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();
        AtomicBoolean ran = new AtomicBoolean();
        assertThatThrownBy(() -> SchedulerTask.schedule(loop, null, () -> ran.set(true), 0, -1,
                TimeUnit.NANOSECONDS, () -> true)).isSameAs(Exceptions.failWithRejected());
        release.countDown();
        CountDownLatch after = new CountDownLatch(1);
        schedule(after::countDown);
        assertThat(after.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).isFalse();
    }

    @Test
    void taskThatAlreadyStartedIsAcceptedEvenIfTheSchedulerIsDisposedMeanwhile() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Disposable d = SchedulerTask.schedule(loop, null, () -> {
            started.countDown();
            LeaseTest.await(finish);
        }, 0, -1, TimeUnit.NANOSECONDS, () -> {
            LeaseTest.await(started);
            return true;
        });
        assertThat(d.isDisposed()).isFalse();
        finish.countDown();
    }

    @Test
    void taskRejectedForWantOfAThreadIsWithdrawnAndNeverRuns() {
        AtomicInteger starts = new AtomicInteger();
        ThreadFactory failsOnce = body -> {
            if (starts.getAndIncrement() == 0) {
                throw new OutOfMemoryError("unable to create native thread (test)");
            }
            return Executors.defaultThreadFactory().newThread(body);
        };
        WorkerLoop failing = new WorkerLoop(failsOnce, TimeUnit.SECONDS.toNanos(60));
        try {
            Disposable.Composite pending = Disposables.composite();
            AtomicBoolean ran = new AtomicBoolean();
            assertThatThrownBy(() -> SchedulerTask.schedule(failing, pending, () -> ran.set(true), 0, -1,
                    TimeUnit.NANOSECONDS, () -> false)).isSameAs(Exceptions.failWithRejected());
            assertThat(pending.size()).isZero();
            // The next hand-off starts a thread, which polls the rejected task first (FIFO).
            CountDownLatch next = new CountDownLatch(1);
            SchedulerTask.schedule(failing, pending, next::countDown, 0, -1, TimeUnit.NANOSECONDS, () -> false);
            LeaseTest.await(next);
            assertThat(ran).as("a task its submitter was told is rejected ran").isFalse();
        } finally {
            failing.shutdown(true);
        }
    }

    /**
     * A failed thread start drops, with an error each, the tasks that other submitters queued
     * while it was being tried (they saw a thread starting and were told "accepted"); before,
     * they waited for a next hand-off that may never come, or vanished in a shutdown.
     */
    @Test
    void tasksQueuedByOthersDuringAFailedThreadStartAreDroppedAndReported() throws InterruptedException {
        CountDownLatch starting = new CountDownLatch(1);
        CountDownLatch fail = new CountDownLatch(1);
        AtomicInteger starts = new AtomicInteger();
        ThreadFactory slowThenFailing = body -> {
            if (starts.getAndIncrement() == 0) {
                starting.countDown();
                LeaseTest.await(fail);
                throw new OutOfMemoryError("unable to create native thread (test)");
            }
            return Executors.defaultThreadFactory().newThread(body);
        };
        WorkerLoop loop = new WorkerLoop(slowThenFailing, TimeUnit.SECONDS.toNanos(60));
        List<Throwable> dropped = new CopyOnWriteArrayList<>();
        Hooks.onErrorDropped(dropped::add);
        try {
            AtomicBoolean ran = new AtomicBoolean();
            AtomicReference<Throwable> firstSubmitter = new AtomicReference<>();
            Thread first = new Thread(() -> {
                try {
                    SchedulerTask.schedule(loop, null, () -> ran.set(true), 0, -1, TimeUnit.NANOSECONDS, () -> false);
                } catch (Throwable e) {
                    firstSubmitter.set(e);
                }
            });
            first.start();
            LeaseTest.await(starting);
            Disposable accepted = SchedulerTask.schedule(loop, null, () -> ran.set(true), 0, -1,
                    TimeUnit.NANOSECONDS, () -> false);
            Disposable acceptedDelayed = SchedulerTask.schedule(loop, null, () -> ran.set(true), 1, -1,
                    TimeUnit.HOURS, () -> false);
            fail.countDown();
            first.join(10_000);

            assertThat(firstSubmitter.get()).isSameAs(Exceptions.failWithRejected());
            assertThat(accepted.isDisposed()).isTrue();
            assertThat(acceptedDelayed.isDisposed()).isTrue();
            assertThat(dropped).hasSize(2).allSatisfy(e -> assertThat(e)
                    .isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("dropped")
                    .hasRootCauseInstanceOf(OutOfMemoryError.class));
            // The loop still works once threads can be started, and nothing dropped runs.
            CountDownLatch next = new CountDownLatch(1);
            SchedulerTask.schedule(loop, null, next::countDown, 0, -1, TimeUnit.NANOSECONDS, () -> false);
            LeaseTest.await(next);
            assertThat(ran).isFalse();
        } finally {
            Hooks.resetOnErrorDropped();
            loop.shutdown(true);
        }
    }

    /** A loop whose threads count themselves and report errors to {@code handler}. */
    private static WorkerLoop loopWithHandler(AtomicInteger threads, Thread.UncaughtExceptionHandler handler) {
        return new WorkerLoop(body -> {
            Thread t = new Thread(body, "scheduler-task-test");
            t.setDaemon(true);
            t.setUncaughtExceptionHandler(handler);
            threads.incrementAndGet();
            return t;
        }, TimeUnit.SECONDS.toNanos(60));
    }

    @Test
    void aThrowingUncaughtHandlerKillsNeitherTheLoopNorItsTimersNorTheTask() {
        AtomicInteger reported = new AtomicInteger();
        AtomicInteger threads = new AtomicInteger();
        WorkerLoop handled = loopWithHandler(threads, (t, e) -> {
            reported.incrementAndGet();
            throw new IllegalStateException("the handler fails too");
        });
        try {
            CountDownLatch delayedRan = new CountDownLatch(1);
            SchedulerTask.schedule(handled, null, delayedRan::countDown, 20, -1, TimeUnit.MILLISECONDS, () -> false);
            CountDownLatch threeRuns = new CountDownLatch(3);
            SchedulerTask.schedule(handled, null, () -> {
                threeRuns.countDown();
                throw new IllegalArgumentException("periodic failure");
            }, 0, 1, TimeUnit.MILLISECONDS, () -> false);
            Disposable failing = SchedulerTask.schedule(handled, null, () -> {
                throw new IllegalArgumentException("one-shot failure");
            }, 0, -1, TimeUnit.NANOSECONDS, () -> false);
            LeaseTest.await(delayedRan);
            LeaseTest.await(threeRuns);
            assertThat(failing.isDisposed()).as("the failed one-shot task is over, not stuck running").isTrue();
            assertThat(reported.get()).isGreaterThanOrEqualTo(3);
            assertThat(threads).as("the loop kept its thread").hasValue(1);
        } finally {
            handled.shutdown(true);
        }
    }

    @Test
    void aLoopThreadEndedByAFatalHandlerErrorIsReplacedForTheDelayedTasks() {
        // The delayed task must still be waiting when the failing one ends the thread: on a busy
        // host the delay may pass first (the scenario did not happen), so it is tried again with
        // a longer one.
        for (long delayMillis = 20; ; delayMillis *= 10) {
            if (delayedTaskOutlivesAFatalHandlerError(delayMillis) || delayMillis >= 20_000) {
                return;
            }
        }
    }

    /** @return false if the delayed task ran on the old thread, before the failing one ended it */
    private boolean delayedTaskOutlivesAFatalHandlerError(long delayMillis) {
        AtomicReference<Throwable> escaped = new AtomicReference<>();
        AtomicInteger threads = new AtomicInteger();
        WorkerLoop handled = loopWithHandler(threads, (t, e) -> {
            if (e instanceof IllegalArgumentException) {
                throw new OutOfMemoryError("the handler fails fatally (test)");
            }
            escaped.set(e); // the fatal error, ending the loop's thread
        });
        try {
            CountDownLatch filed = new CountDownLatch(1);
            CountDownLatch delayedRan = new CountDownLatch(1);
            AtomicReference<Thread> oldThread = new AtomicReference<>();
            AtomicReference<Thread> delayedThread = new AtomicReference<>();
            SchedulerTask.schedule(handled, null, () -> {
                delayedThread.set(Thread.currentThread());
                delayedRan.countDown();
            }, delayMillis, -1, TimeUnit.MILLISECONDS, () -> false);
            SchedulerTask.schedule(handled, null, () -> {
                oldThread.set(Thread.currentThread());
                filed.countDown();
            }, 0, -1, TimeUnit.NANOSECONDS, () -> false);
            LeaseTest.await(filed); // FIFO: the delayed task is in the loop's timers now
            Disposable failing = SchedulerTask.schedule(handled, null, () -> {
                throw new IllegalArgumentException("one-shot failure");
            }, 0, -1, TimeUnit.NANOSECONDS, () -> false);
            LeaseTest.await(delayedRan);
            if (delayedThread.get() == oldThread.get()) {
                return false;
            }
            ThreadLifecycleTest.awaitTrue(() -> escaped.get() != null, () -> "the fatal error ends the old thread");
            assertThat(escaped.get()).isInstanceOf(OutOfMemoryError.class);
            assertThat(threads).as("a fresh thread took over the timers").hasValue(2);
            assertThat(failing.isDisposed()).as("the failed task is over, not stuck running").isTrue();
            return true;
        } finally {
            handled.shutdown(true);
        }
    }

    /**
     * A worker's dispose cancels its tasks one at a time: the interrupt of the running one may end
     * that run and let the loop reach a pending one before the composite does. Made deterministic
     * by a composite that, once marked disposed and past the running task, waits until the loop
     * has run a later marker task before it disposes the pending one.
     */
    @Test
    void aPendingTaskOfAWorkerBeingDisposedNeverStartsEvenBeforeTheCompositeReachesIt() throws Exception {
        SteppedComposite tasks = new SteppedComposite();
        CountDownLatch running = new CountDownLatch(1);
        Disposable first = SchedulerTask.schedule(loop, tasks, () -> {
            running.countDown();
            try {
                new CountDownLatch(1).await(5, TimeUnit.SECONDS); // until the dispose interrupts it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, 0, -1, TimeUnit.NANOSECONDS, () -> false);
        AtomicBoolean pendingRan = new AtomicBoolean();
        Disposable pending = SchedulerTask.schedule(loop, tasks, () -> pendingRan.set(true), 0, -1,
                TimeUnit.NANOSECONDS, () -> false);
        assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();

        tasks.disposed = true;           // as a worker's dispose() begins
        first.dispose();                 // interrupts the running task: the loop moves on
        CountDownLatch passed = new CountDownLatch(1);
        schedule(passed::countDown);     // queued behind the pending task
        assertThat(passed.await(5, TimeUnit.SECONDS)).isTrue();
        pending.dispose();               // only now does the composite reach it

        assertThat(pendingRan).as("a task of a disposed worker ran").isFalse();
        assertThat(pending.isDisposed()).isTrue();
    }

    /** A worker's task set whose dispose the test performs step by step. */
    private static final class SteppedComposite implements Disposable.Composite {
        volatile boolean disposed;
        private final List<Disposable> members = new CopyOnWriteArrayList<>();

        @Override
        public boolean add(Disposable d) {
            return !disposed && members.add(d);
        }

        @Override
        public boolean remove(Disposable d) {
            return members.remove(d);
        }

        @Override
        public int size() {
            return members.size();
        }

        @Override
        public void dispose() {
            disposed = true;
            members.forEach(Disposable::dispose);
        }

        @Override
        public boolean isDisposed() {
            return disposed;
        }
    }
}
