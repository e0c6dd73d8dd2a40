package io.ktask.scheduler;

import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.TaskHandle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * A task's own thread lends its priority to one helper of the task at a time
 * ({@link TaskHandle#lendPriority()}, DESIGN.md 5), as the OS reports the helpers' nice values.
 * Helpers hold their body on latches; the test thread is the task's own thread.
 */
class PriorityLendingTest {

    private static final int HELPER_NICE = 19;

    private final KTaskScheduler scheduler = KTaskScheduler.builder().name("lend")
            .topology(NodeTopology.uniform(1, 2)).maxHelpers(2).maxHelpersPerNode(2)
            .keepAlive(Duration.ofMinutes(1)).build();
    private int callerNice;

    @BeforeEach
    void privileged() {
        Nice.assumeMayRaise();
        callerNice = ThreadPlacement.currentThreadNice();
    }

    @AfterEach
    void dispose() {
        scheduler.dispose();
    }

    @RepeatedTest(10)
    void oneHelperAtATimeHoldsTheCallersNiceAndEveryHelperEndsAtHelperNice() {
        TaskHandle task = scheduler.openTask();
        Held a = new Held(null);
        Held b = new Held(null);
        startBoth(task, a, b);
        assertThat(List.of(Nice.of(a.tid()), Nice.of(b.tid()))).containsOnly(HELPER_NICE);

        assertThat(task.lendPriority()).isTrue();
        Held holder = Nice.of(a.tid()) == callerNice ? a : b;
        Held other = holder == a ? b : a;
        assertThat(Nice.of(other.tid())).as("one helper at a time").isEqualTo(HELPER_NICE);
        assertThat(task.lendPriority()).as("a second call keeps the holder").isTrue();
        assertThat(scheduler.stats().priorityHandOffs()).isEqualTo(1);

        holder.release.countDown();
        awaitHelpersRunning(1);
        assertThat(Nice.of(holder.tid())).as("the holder went back when its body ended").isEqualTo(HELPER_NICE);
        assertThat(Nice.of(other.tid())).as("and passed the priority on").isEqualTo(callerNice);
        assertThat(scheduler.stats().priorityHandOffs()).isEqualTo(2);

        other.release.countDown();
        awaitHelpersRunning(0);
        assertThat(Nice.of(other.tid())).isEqualTo(HELPER_NICE);
        task.close();
        assertThat(a.startNice()).isEqualTo(HELPER_NICE);
        assertThat(b.startNice()).isEqualTo(HELPER_NICE);
    }

    @RepeatedTest(10)
    void aHelperStartingAfterTheLendTakesIt() {
        TaskHandle task = scheduler.openTask();
        try (HelperLease lease = task.lease(1, 0)) {
            assertThat(task.lendPriority()).as("no helper runs yet").isFalse();
            Held late = new Held(null);
            assertThat(lease.start(0, late)).isTrue();
            assertThat(late.startNice()).isEqualTo(callerNice);
            late.release.countDown();
            awaitHelpersRunning(0);
            assertThat(Nice.of(late.tid())).isEqualTo(HELPER_NICE);
        }
        task.close();
    }

    @RepeatedTest(5)
    void aReusedHelperStartsAtHelperNice() {
        TaskHandle task = scheduler.openTask();
        Held raised = startRaised(task, null);
        raised.release.countDown();
        awaitHelpersRunning(0);
        task.close();
        // The pool hands the next body to an idle thread, not always the same one: start bodies
        // of another task until one lands on the thread that was raised.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (;;) {
            TaskHandle next = scheduler.openTask();
            Held body = new Held(null);
            try (HelperLease lease = next.lease(1, 0)) {
                lease.start(0, body);
                body.release.countDown();
                assertThat(body.startNice()).isEqualTo(HELPER_NICE);
            }
            awaitHelpersRunning(0);
            next.close();
            if (body.tid() == raised.tid()) {
                return;
            }
            assertThat(System.nanoTime() - deadline).as("the raised thread is reused").isNegative();
        }
    }

    @RepeatedTest(5)
    void aFailingHelperGoesBackBeforeItsErrorIsReported() {
        TaskHandle task = scheduler.openTask();
        Held failing = startRaised(task, new IllegalStateException("chunk failed"));
        failing.release.countDown();
        assertThat(failing.error()).hasMessage("chunk failed");
        assertThat(failing.niceAtReport).isCompletedWithValue(HELPER_NICE);
        task.close();
    }

    @RepeatedTest(5)
    void disposeInterruptsTheRaisedHelperWhichGoesBack() {
        TaskHandle task = scheduler.openTask();
        Held held = startRaised(task, null);
        scheduler.dispose();
        assertThat(held.error()).hasCauseInstanceOf(InterruptedException.class);
        assertThat(held.niceAtReport).isCompletedWithValue(HELPER_NICE);
        task.close();
    }

    @RepeatedTest(5)
    void closingTheTaskStopsThePassingOn() {
        TaskHandle task = scheduler.openTask();
        Held a = new Held(null);
        Held b = new Held(null);
        startBoth(task, a, b);
        assertThat(task.lendPriority()).isTrue();
        Held holder = Nice.of(a.tid()) == callerNice ? a : b;
        Held other = holder == a ? b : a;

        task.close();
        assertThat(task.lendPriority()).as("closed").isFalse();
        holder.release.countDown();
        awaitHelpersRunning(1);
        assertThat(Nice.of(holder.tid())).isEqualTo(HELPER_NICE);
        assertThat(Nice.of(other.tid())).as("not passed on after close").isEqualTo(HELPER_NICE);
        other.release.countDown();
        awaitHelpersRunning(0);
        assertThat(scheduler.stats().priorityHandOffs()).isEqualTo(1);
    }

    @Test
    void nothingIsLentWhenHelpersRunAtTheCallersNiceOrHigher() {
        KTaskScheduler atZero = KTaskScheduler.builder().name("lend-zero").topology(NodeTopology.uniform(1, 2))
                .helperNice(0).build();
        try {
            assertNothingLent(atZero, 0, true); // privileged (see privileged()): nice 0 even under a niced runner
        } finally {
            atZero.dispose();
        }
        // A caller at the helpers' nice value (e.g. a task thread of the scheduler) has nothing to lend.
        CompletableFuture<Void> lowCaller = CompletableFuture.runAsync(() -> {
            assertThat(ThreadPlacement.setCurrentThreadNice(HELPER_NICE)).isTrue();
            assertNothingLent(scheduler, HELPER_NICE, false);
        }, r -> new Thread(r).start());
        lowCaller.join();
    }

    private void assertNothingLent(KTaskScheduler s, int expectedHelperNice, boolean checkHelperNice) {
        TaskHandle task = s.openTask();
        Held held = new Held(null);
        try (HelperLease lease = task.lease(1, 0)) {
            lease.start(0, held);
            if (checkHelperNice) {
                assertThat(held.startNice()).isEqualTo(expectedHelperNice);
            }
            assertThat(task.lendPriority()).isFalse();
            assertThat(Nice.of(held.tid())).isEqualTo(held.startNice());
            held.release.countDown();
        }
        assertThat(s.stats().priorityHandOffs()).isZero();
        task.close();
    }

    @Test
    void helpersOfAPlainLeaseBelongToNoTask() {
        TaskHandle task = scheduler.openTask();
        Held held = new Held(null);
        try (HelperLease lease = scheduler.lease(1, 0)) {
            lease.start(0, held);
            held.tid();
            assertThat(task.lendPriority()).isFalse();
            assertThat(Nice.of(held.tid())).isEqualTo(HELPER_NICE);
            held.release.countDown();
        }
        task.close();
    }

    /**
     * Helpers end at random points while the own thread lends again and again, so raises race
     * with helpers leaving (the RAISING case): once every task has ended, no thread that ever ran
     * a helper body is left raised.
     */
    @RepeatedTest(3)
    void racingLendsAndLeavesLeaveNoThreadRaised() {
        Set<Integer> tids = ConcurrentHashMap.newKeySet();
        AtomicInteger spin = new AtomicInteger();
        for (int round = 0; round < 300; round++) {
            TaskHandle task = scheduler.openTask();
            int work = round % 7 * 50;
            Runnable body = () -> {
                tids.add(ThreadPlacement.currentThreadId());
                for (int i = 0; i < work; i++) {
                    spin.incrementAndGet();
                }
            };
            try (HelperLease lease = task.lease(2, 0)) {
                for (int i = 0; i < lease.granted(); i++) {
                    lease.start(i, body);
                }
            }
            while (scheduler.stats().helpersRunning() != 0) {
                task.lendPriority();
            }
            task.close();
        }
        assertThat(tids).isNotEmpty();
        for (int tid : tids) {
            assertThat(Nice.of(tid)).as("thread %d", tid).isEqualTo(HELPER_NICE);
        }
        assertThat(scheduler.stats().priorityHandOffs()).isPositive();
    }

    /** Starts one helper of {@code task} and lends it the test thread's priority. */
    private Held startRaised(TaskHandle task, RuntimeException failure) {
        Held held = new Held(failure);
        try (HelperLease lease = task.lease(1, 0)) {
            assertThat(lease.start(0, held)).isTrue();
        }
        held.tid();
        assertThat(task.lendPriority()).isTrue();
        assertThat(Nice.of(held.tid())).isEqualTo(callerNice);
        return held;
    }

    private static void startBoth(TaskHandle task, Held a, Held b) {
        try (HelperLease lease = task.lease(2, 0)) {
            assertThat(lease.granted()).isEqualTo(2);
            assertThat(lease.start(0, a)).isTrue();
            assertThat(lease.start(1, b)).isTrue();
        }
        a.tid();
        b.tid();
    }

    private void awaitHelpersRunning(int count) {
        await(() -> scheduler.stats().helpersRunning() == count, count + " helpers running");
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for " + what).isNegative();
            Thread.onSpinWait();
        }
    }

    /**
     * A helper body that records its thread and its nice value at start, holds until released
     * (or interrupted), then returns or throws {@code failure}; its thread's uncaught-exception
     * handler records the error and the nice value the thread has by then.
     */
    private static final class Held implements Runnable {
        final CompletableFuture<int[]> started = new CompletableFuture<>();
        final CountDownLatch release = new CountDownLatch(1);
        final CompletableFuture<Throwable> reported = new CompletableFuture<>();
        final CompletableFuture<Integer> niceAtReport = new CompletableFuture<>();
        private final RuntimeException failure;

        Held(RuntimeException failure) {
            this.failure = failure;
        }

        @Override
        public void run() {
            Thread.currentThread().setUncaughtExceptionHandler((t, e) -> {
                niceAtReport.complete(Nice.ofThisThread());
                reported.complete(e);
            });
            started.complete(new int[] {ThreadPlacement.currentThreadId(), Nice.ofThisThread()});
            try {
                if (!release.await(10, TimeUnit.SECONDS)) {
                    throw new AssertionError("not released in 10 s");
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException("interrupted", e);
            }
            if (failure != null) {
                throw failure;
            }
        }

        int tid() {
            return started.orTimeout(10, TimeUnit.SECONDS).join()[0];
        }

        int startNice() {
            return started.orTimeout(10, TimeUnit.SECONDS).join()[1];
        }

        /** @return the error reported, once {@link #niceAtReport} is complete */
        Throwable error() {
            return reported.orTimeout(10, TimeUnit.SECONDS).join();
        }
    }
}
