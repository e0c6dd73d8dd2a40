package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Exceptions;

/**
 * The node worker loop: its hand-off races (thread retiring while a task arrives, parking while
 * a task arrives), its timers, interrupts, shutdown, and that an idle loop costs no CPU.
 */
class WorkerLoopTest {

    /** Counts the loop's threads, so that a test can tell when they all ended. */
    private final AtomicInteger alive = new AtomicInteger();
    private final ThreadFactory factory = body -> {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } finally {
                alive.decrementAndGet();
            }
        }, "worker-loop-test");
        alive.incrementAndGet();
        t.setDaemon(true);
        return t;
    };
    private WorkerLoop loop;

    @AfterEach
    void tearDown() {
        if (loop != null) {
            loop.shutdown(true);
        }
    }

    private Disposable schedule(Runnable task, long delayNanos, long periodNanos) {
        return SchedulerTask.schedule(loop, null, task, delayNanos, periodNanos, TimeUnit.NANOSECONDS, () -> false);
    }

    private Disposable schedule(Runnable task) {
        return schedule(task, 0, -1);
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        ThreadLifecycleTest.awaitTrue(condition, () -> "not true within 10 s: " + what);
    }

    @RepeatedTest(5)
    void taskArrivingWhileTheThreadRetiresStillRuns() {
        // A keep-alive of 1 us: the thread retires between almost every two tasks, so the
        // producers' start and the loop's retirement race all the time.
        loop = new WorkerLoop(factory, 1_000);
        for (int i = 0; i < 1_000; i++) {
            CountDownLatch ran = new CountDownLatch(1);
            schedule(ran::countDown);
            LeaseTest.await(ran);
            if ((i & 7) == 0) {
                awaitTrue(() -> alive.get() == 0, "the thread retires after a keep-alive of 1 us");
            }
        }
        awaitTrue(() -> alive.get() == 0, "the thread retires after a keep-alive of 1 us");
    }

    @RepeatedTest(5)
    void taskArrivingWhileTheLoopParksStillRuns() {
        loop = new WorkerLoop(factory, TimeUnit.SECONDS.toNanos(60));
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 2_000; i++) {
            CountDownLatch ran = new CountDownLatch(1);
            schedule(ran::countDown);
            LeaseTest.await(ran);
            // Hands the next task in at a varying point of the loop's spin, at its end (the loop
            // publishing PARKED) or after it parked: each hand-off must wake it or be seen.
            long gap = random.nextInt((int) (3 * WorkerLoop.SPIN_NANOS));
            spinFor(gap);
        }
        assertThat(alive).hasValue(1);
    }

    @RepeatedTest(5)
    void concurrentProducersEachSeeTheirTasksRunInOrderAndNeverTwoAtOnce() throws Exception {
        loop = new WorkerLoop(factory, TimeUnit.SECONDS.toNanos(60));
        int producers = 3;
        int perProducer = 5_000;
        AtomicInteger running = new AtomicInteger();
        AtomicBoolean overlap = new AtomicBoolean();
        int[] last = new int[producers];
        AtomicBoolean outOfOrder = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(producers * perProducer);
        CyclicBarrier start = new CyclicBarrier(producers);
        List<Thread> threads = new CopyOnWriteArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            Thread t = new Thread(() -> {
                try {
                    start.await(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                for (int i = 1; i <= perProducer; i++) {
                    int seq = i;
                    schedule(() -> {
                        if (running.incrementAndGet() != 1) {
                            overlap.set(true);
                        }
                        // Only the loop thread touches last[]: tasks never run two at once.
                        if (last[producer] != seq - 1) {
                            outOfOrder.set(true);
                        }
                        last[producer] = seq;
                        running.decrementAndGet();
                        done.countDown();
                    });
                }
            });
            threads.add(t);
            t.start();
        }
        assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
        for (Thread t : threads) {
            t.join(10_000);
        }
        assertThat(overlap).as("two tasks ran at once").isFalse();
        assertThat(outOfOrder).as("a producer's tasks ran out of order").isFalse();
    }

    @Test
    void delayedTasksRunByDueTimeAndInSubmissionOrderWhenDueTogether() {
        loop = new WorkerLoop(factory, TimeUnit.SECONDS.toNanos(60));
        CountDownLatch gate = new CountDownLatch(1);
        schedule(() -> LeaseTest.await(gate)); // holds the loop so all below are filed together
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(4);
        long ms = TimeUnit.MILLISECONDS.toNanos(1);
        schedule(() -> { order.add("late"); done.countDown(); }, 40 * ms, -1);
        schedule(() -> { order.add("early-1"); done.countDown(); }, 20 * ms, -1);
        schedule(() -> { order.add("early-2"); done.countDown(); }, 20 * ms, -1);
        schedule(() -> { order.add("now"); done.countDown(); });
        gate.countDown();
        LeaseTest.await(done);
        assertThat(order.get(0)).isEqualTo("now");
        assertThat(order.get(3)).isEqualTo("late");
        assertThat(order).containsExactlyInAnyOrder("now", "early-1", "early-2", "late");
    }

    @Test
    void cancelledDelayedTaskLeavesTheQueueAtOnce() {
        loop = new WorkerLoop(factory, TimeUnit.SECONDS.toNanos(60));
        AtomicBoolean ran = new AtomicBoolean();
        Disposable d = schedule(() -> ran.set(true), TimeUnit.HOURS.toNanos(1), -1);
        awaitTrue(() -> loop.buffered() == 1, "the delayed task is filed");
        d.dispose();
        assertThat(d.isDisposed()).isTrue();
        awaitTrue(() -> loop.buffered() == 0, "the cancelled task leaves the timers");
        assertThat(ran).isFalse();
    }

    @RepeatedTest(20)
    void disposeInterruptsTheRunningTaskAndNotTheNextOne() {
        loop = new WorkerLoop(factory, TimeUnit.SECONDS.toNanos(60));
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        Disposable d = schedule(() -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        LeaseTest.await(started);
        d.dispose();
        AtomicReference<Boolean> nextSawInterrupt = new AtomicReference<>();
        CountDownLatch next = new CountDownLatch(1);
        schedule(() -> {
            nextSawInterrupt.set(Thread.currentThread().isInterrupted());
            next.countDown();
        });
        LeaseTest.await(next);
        assertThat(interrupted).isTrue();
        assertThat(nextSawInterrupt.get()).isFalse();
    }

    @Test
    void gracefulShutdownRunsQueuedAndDelayedTasksStopsPeriodicOnesAndRejectsNewOnes() {
        loop = new WorkerLoop(factory, TimeUnit.SECONDS.toNanos(60));
        CountDownLatch gate = new CountDownLatch(1);
        schedule(() -> LeaseTest.await(gate));
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger periodicRuns = new AtomicInteger();
        schedule(ran::incrementAndGet);
        schedule(ran::incrementAndGet, TimeUnit.MILLISECONDS.toNanos(20), -1);
        schedule(periodicRuns::incrementAndGet, TimeUnit.HOURS.toNanos(1), TimeUnit.HOURS.toNanos(1));
        loop.shutdown(false);
        assertThatThrownBy(() -> schedule(ran::incrementAndGet)).isSameAs(Exceptions.failWithRejected());
        gate.countDown();
        awaitTrue(loop::isTerminated, "the loop terminates once its one-shot tasks ran");
        awaitTrue(() -> alive.get() == 0, "the thread ends");
        assertThat(ran).hasValue(2);
        assertThat(periodicRuns).hasValue(0);
    }

    @RepeatedTest(5)
    void gracefulShutdownRacingTheThreadsRetirementStillTerminates() {
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 200; i++) {
            loop = new WorkerLoop(factory, 1_000);
            CountDownLatch ran = new CountDownLatch(1);
            schedule(ran::countDown);
            LeaseTest.await(ran);
            // Shuts down while the thread spins, retires (1 us keep-alive) or has retired.
            long gap = random.nextInt((int) (2 * WorkerLoop.SPIN_NANOS));
            spinFor(gap);
            loop.shutdown(false);
            awaitTrue(loop::isTerminated, "a graceful shutdown terminates the loop");
        }
        awaitTrue(() -> alive.get() == 0, "every thread ends");
    }

    @Test
    void gracefulShutdownDuringAFailedThreadStartStillTerminates() {
        CountDownLatch inFactory = new CountDownLatch(1);
        CountDownLatch fail = new CountDownLatch(1);
        loop = new WorkerLoop(body -> {
            inFactory.countDown();
            LeaseTest.await(fail);
            throw new OutOfMemoryError("unable to create native thread (test)");
        }, TimeUnit.SECONDS.toNanos(60));
        AtomicReference<Throwable> submitError = new AtomicReference<>();
        Thread submitter = new Thread(() -> {
            try {
                schedule(() -> { });
            } catch (Throwable e) {
                submitError.set(e);
            }
        });
        submitter.start();
        // The shutdown sees RUNNING (a thread is being started) and leaves the rest to it.
        LeaseTest.await(inFactory);
        loop.shutdown(false);
        fail.countDown();
        awaitTrue(() -> !submitter.isAlive(), "the submitter returns");
        assertThat(submitError.get()).isSameAs(Exceptions.failWithRejected());
        awaitTrue(loop::isTerminated, "a graceful shutdown terminates the loop whose thread never started");
    }

    @Test
    void aHugePeriodNeitherOverflowsNorHoldsBackLaterDelayedTasks() {
        loop = new WorkerLoop(factory, TimeUnit.SECONDS.toNanos(60));
        CountDownLatch firstRun = new CountDownLatch(1);
        AtomicInteger periodicRuns = new AtomicInteger();
        schedule(() -> {
            periodicRuns.incrementAndGet();
            firstRun.countDown();
        }, 0, Long.MAX_VALUE);
        LeaseTest.await(firstRun);
        // Filed after the periodic task's next due time was computed: due in 1 ms, not in 292 years.
        CountDownLatch delayed = new CountDownLatch(1);
        schedule(delayed::countDown, TimeUnit.MILLISECONDS.toNanos(1), -1);
        LeaseTest.await(delayed);
        assertThat(periodicRuns).hasValue(1);
    }

    @Test
    void timersCompareDueTimesAcrossTheNanoTimeWrap() {
        loop = new WorkerLoop(factory, TimeUnit.SECONDS.toNanos(60));
        CountDownLatch gate = new CountDownLatch(1);
        schedule(() -> LeaseTest.await(gate)); // the loop does not touch the tasks below meanwhile
        SchedulerTask beforeWrap = (SchedulerTask) schedule(() -> { }, TimeUnit.HOURS.toNanos(1), -1);
        SchedulerTask afterWrap = (SchedulerTask) schedule(() -> { }, TimeUnit.HOURS.toNanos(1), -1);
        try {
            // nanoTime() may wrap: 20 ns after Long.MAX_VALUE - 10 is Long.MIN_VALUE + 9.
            beforeWrap.due = Long.MAX_VALUE - 10;
            afterWrap.due = Long.MIN_VALUE + 9;
            assertThat(WorkerLoop.BY_DUE.compare(beforeWrap, afterWrap)).isNegative();
            assertThat(WorkerLoop.BY_DUE.compare(afterWrap, beforeWrap)).isPositive();
            afterWrap.due = beforeWrap.due;
            beforeWrap.filed = 1;
            afterWrap.filed = 2;
            assertThat(WorkerLoop.BY_DUE.compare(beforeWrap, afterWrap)).as("due together: filing order").isNegative();
        } finally {
            beforeWrap.filed = -1;
            afterWrap.filed = -1;
            beforeWrap.dispose();
            afterWrap.dispose();
            gate.countDown();
        }
    }

    @Test
    void shutdownNowDropsQueuedTasksAndEndsTheThread() {
        loop = new WorkerLoop(factory, TimeUnit.SECONDS.toNanos(60));
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        schedule(() -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        AtomicBoolean queuedRan = new AtomicBoolean();
        schedule(() -> queuedRan.set(true));
        LeaseTest.await(started);
        loop.shutdown(true);
        awaitTrue(() -> loop.isTerminated() && alive.get() == 0, "the loop and its thread end");
        assertThat(interrupted).isTrue();
        assertThat(queuedRan).isFalse();
    }

    @Test
    void anIdleLoopUsesNoCpu() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        loop = new WorkerLoop(factory, TimeUnit.SECONDS.toNanos(60));
        AtomicReference<Thread> worker = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1_000);
        for (int i = 0; i < 1_000; i++) {
            schedule(() -> {
                worker.set(Thread.currentThread());
                ran.countDown();
            });
        }
        LeaseTest.await(ran);
        long id = worker.get().getId();
        // Past the spin, the thread is parked: it must stay there, not wake and look around.
        awaitTrue(() -> worker.get().getState() == Thread.State.TIMED_WAITING, "the idle thread parks");
        long cpuBefore = mx.getThreadCpuTime(id);
        long wallBefore = System.nanoTime();
        long idle = TimeUnit.MILLISECONDS.toNanos(300);
        while (System.nanoTime() - wallBefore < idle) {
            LockSupport.parkNanos(idle - (System.nanoTime() - wallBefore));
        }
        long cpu = mx.getThreadCpuTime(id) - cpuBefore;
        assertThat(alive).hasValue(1);
        assertThat(cpu).as("CPU ns used by the idle worker thread in 300 ms").isLessThan(TimeUnit.MILLISECONDS.toNanos(5));
    }

    /** Spins for {@code nanos}: a hand-off at a chosen point of the loop's own spin. */
    private static void spinFor(long nanos) {
        long start = System.nanoTime();
        while (System.nanoTime() - start < nanos) {
            Thread.onSpinWait();
        }
    }

}
