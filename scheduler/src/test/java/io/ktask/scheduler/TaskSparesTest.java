package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.concurrent.locks.LockSupport;

import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.SpareBody;
import io.ktask.scheduler.internal.TaskSpares;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/**
 * Blocking compensation (DESIGN section 6, cmwq): a thread bound to a task that declares a
 * blocking call gets one spare helper running the task's body until the call returns; spares are
 * counted apart from the helper limits and never exceed their own limit.
 */
class TaskSparesTest {

    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final KTaskScheduler scheduler = KTaskScheduler.builder().name("spares")
            .topology(NodeTopology.uniform(1, 2)).maxHelpers(1).maxSpares(2).pinning(false).build();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() throws InterruptedException {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        scheduler.dispose();
    }

    /** A spare body that records where it ran, then holds its permit until released. */
    private static final class HeldBody implements SpareBody {
        final CountDownLatch started = new CountDownLatch(1);
        final Queue<String> threads = new ConcurrentLinkedQueue<>();
        final AtomicInteger calls = new AtomicInteger();
        volatile int node = Integer.MIN_VALUE;

        @Override
        public void run(int node, BooleanSupplier released) {
            this.node = node;
            threads.add(Thread.currentThread().getName());
            calls.incrementAndGet();
            started.countDown();
            awaitTrue(released);
        }
    }

    @Test
    void aBoundThreadThatBlocksGetsOneSpareUntilItsCallReturns() throws Exception {
        HeldBody body = new HeldBody();
        TaskSpares task = scheduler.spares(body);
        TaskSpares outer = task.bind();
        try {
            TaskSpares.Blocked blocked = Spares.blocked();
            assertThat(body.started.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(scheduler.sparesRunning()).isEqualTo(1);
            assertThat(body.threads).singleElement().asString().startsWith("spares-helper-any-");
            assertThat(body.node).as("a thread of no scheduler gets an any-node spare").isEqualTo(NodeTopology.ANY_NODE);
            assertThat(scheduler.stats().helpersRunning()).as("a spare takes no helper permit").isZero();

            blocked.close();
            blocked.close(); // idempotent

            awaitCount(scheduler::sparesRunning, 0);
            assertThat(body.calls).hasValue(1);
        } finally {
            Spares.restore(outer);
        }
    }

    @Test
    void anUnboundThreadAndABlockInsideABlockGetNoSpare() throws Exception {
        HeldBody body = new HeldBody();
        TaskSpares task = scheduler.spares(body);

        try (TaskSpares.Blocked unbound = Spares.blocked()) {
            assertThat(scheduler.sparesRunning()).isZero();
        }

        TaskSpares outer = task.bind();
        try (TaskSpares.Blocked first = Spares.blocked()) {
            assertThat(body.started.await(10, TimeUnit.SECONDS)).isTrue();
            try (TaskSpares.Blocked nested = Spares.blocked()) {
                assertThat(scheduler.sparesRunning()).as("one spare per blocked thread").isEqualTo(1);
            }
        } finally {
            Spares.restore(outer);
        }
        awaitCount(scheduler::sparesRunning, 0);
        assertThat(body.calls).hasValue(1);
        try (TaskSpares.Blocked afterRestore = Spares.blocked()) {
            assertThat(scheduler.sparesRunning()).as("restore unbinds the thread").isZero();
        }
    }

    @Test
    void sparesAreCountedApartFromHelpersAndNeverExceedTheirLimit() throws Exception {
        int blockedThreads = 5;
        HeldBody body = new HeldBody();
        TaskSpares task = scheduler.spares(body);
        CyclicBarrier allBlocked = new CyclicBarrier(blockedThreads + 1);
        CountDownLatch release = new CountDownLatch(1);
        List<Future<?>> blockers = new ArrayList<>();
        for (int i = 0; i < blockedThreads; i++) {
            blockers.add(threads.submit(() -> {
                TaskSpares outer = task.bind();
                try (TaskSpares.Blocked blocked = Spares.blocked()) {
                    allBlocked.await(10, TimeUnit.SECONDS);
                    return release.await(10, TimeUnit.SECONDS);
                } finally {
                    Spares.restore(outer);
                }
            }));
        }
        allBlocked.await(10, TimeUnit.SECONDS);
        awaitCount(body.calls::get, 2);

        assertThat(scheduler.sparesRunning()).isEqualTo(2);
        assertThat(scheduler.sparesRefused()).isEqualTo(3);
        try (HelperLease lease = scheduler.lease(1, 0)) {
            assertThat(lease.granted()).as("spares leave the helper permits alone").isEqualTo(1);
        }
        release.countDown();
        for (Future<?> blocker : blockers) {
            assertThat(blocker.get(10, TimeUnit.SECONDS)).isEqualTo(true);
        }
        awaitCount(scheduler::sparesRunning, 0);
        assertThat(body.calls).as("refused calls never start one later").hasValue(2);
        assertThat(scheduler.stats().helpersRunning()).isZero();
    }

    @Test
    void aSpareIsBoundToItsTaskSoItsOwnBlockGetsASpareWithinTheLimit() throws Exception {
        CountDownLatch deepest = new CountDownLatch(1);
        AtomicInteger depth = new AtomicInteger();
        AtomicInteger refusedAtDepth = new AtomicInteger(-1);
        TaskSpares task = scheduler.spares((node, released) -> {
            int level = depth.incrementAndGet();
            long refusedBefore = scheduler.sparesRefused();
            try (TaskSpares.Blocked blocked = Spares.blocked()) {
                if (scheduler.sparesRefused() > refusedBefore) {
                    // An outer level may see the deeper level's refusal too (the spare its block
                    // started was refused meanwhile): keep the deepest, and let only the deepest
                    // level started so far say it is done.
                    refusedAtDepth.accumulateAndGet(level, Math::max);
                    if (level == depth.get()) {
                        deepest.countDown();
                    }
                }
                awaitTrue(released);
            }
        });
        TaskSpares outer = task.bind();
        try (TaskSpares.Blocked blocked = Spares.blocked()) {
            assertThat(deepest.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(scheduler.sparesRunning()).isEqualTo(2);
            assertThat(refusedAtDepth).as("the second spare's block is past the limit of 2").hasValue(2);
        } finally {
            Spares.restore(outer);
        }
        // Each spare's own blocked call returns only once it is released: they unwind in turn.
        awaitCount(scheduler::sparesRunning, 0);
    }

    @Test
    void noSpareWhenCompensationIsOffHelpersAreDisabledOrTheSchedulerIsDisposed() throws Exception {
        HeldBody body = new HeldBody();
        TaskSpares task = scheduler.spares(body);
        TaskSpares outer = task.bind();
        try {
            scheduler.setMaxSpares(0);
            Spares.blocked().close();
            scheduler.setMaxSpares(2);
            scheduler.setEnabled(false);
            Spares.blocked().close();
            scheduler.setEnabled(true);
            scheduler.dispose();
            Spares.blocked().close();
        } finally {
            Spares.restore(outer);
        }
        assertThat(body.calls).hasValue(0);
        assertThat(scheduler.sparesRunning()).isZero();
    }

    @Test
    void loweringTheLimitLetsRunningSparesFinishAndOnlyStopsNewOnes() throws Exception {
        HeldBody body = new HeldBody();
        TaskSpares task = scheduler.spares(body);
        TaskSpares outer = task.bind();
        try (TaskSpares.Blocked blocked = Spares.blocked()) {
            assertThat(body.started.await(10, TimeUnit.SECONDS)).isTrue();
            scheduler.setMaxSpares(0);
            assertThat(scheduler.sparesRunning()).isEqualTo(1);
            Future<Long> other = threads.submit(() -> {
                TaskSpares previous = task.bind();
                try (TaskSpares.Blocked refused = Spares.blocked()) {
                    return scheduler.sparesRefused();
                } finally {
                    Spares.restore(previous);
                }
            });
            assertThat(other.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        } finally {
            Spares.restore(outer);
        }
        awaitCount(scheduler::sparesRunning, 0);
        assertThat(body.calls).hasValue(1);
    }

    @Test
    void aFailingBodyOrAFailingHookStillReturnsThePermit() throws Exception {
        CountDownLatch failed = new CountDownLatch(1);
        KTaskScheduler failing = KTaskScheduler.builder().name("spares-failing").topology(NodeTopology.uniform(1, 2))
                .maxSpares(1).pinning(false).build();
        TaskSpares task = failing.spares((node, released) -> {
            throw new IllegalStateException("body failed");
        });
        TaskSpares outer = task.bind();
        try {
            Spares.blocked().close();
            awaitCount(failing::sparesRunning, 0);
            Schedulers.onScheduleHook("spares-test", r -> {
                failed.countDown();
                throw new IllegalArgumentException("hook failed");
            });
            assertThatThrownBy(Spares::blocked).isInstanceOf(IllegalArgumentException.class).hasMessage("hook failed");
            assertThat(failed.getCount()).isZero();
            assertThat(failing.sparesRunning()).isZero();
        } finally {
            Schedulers.resetOnScheduleHook("spares-test");
            Spares.restore(outer);
            failing.dispose();
        }
    }

    @Test
    void manyThreadsBlockingAtOnceNeverRunMoreSparesThanTheLimit() throws Exception {
        int limit = 3;
        int blockers = 8;
        int rounds = 300;
        scheduler.setMaxSpares(limit);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        TaskSpares task = scheduler.spares((node, released) -> {
            int now = running.incrementAndGet();
            most.accumulateAndGet(now, Math::max);
            awaitTrue(released);
            running.decrementAndGet();
        });
        List<Future<?>> all = new ArrayList<>();
        for (int i = 0; i < blockers; i++) {
            all.add(threads.submit(() -> {
                TaskSpares outer = task.bind();
                try {
                    for (int r = 0; r < rounds; r++) {
                        try (TaskSpares.Blocked blocked = Spares.blocked()) {
                            Thread.onSpinWait(); // the "blocking call": over at once, its spare released
                        }
                    }
                } finally {
                    Spares.restore(outer);
                }
                return null;
            }));
        }
        for (Future<?> f : all) {
            f.get(60, TimeUnit.SECONDS);
        }
        awaitCount(scheduler::sparesRunning, 0);
        assertThat(most.get()).isBetween(1, limit);
        assertThat(running).hasValue(0);
    }

    /** Polls {@code condition} until true, failing after {@link #WAIT_NANOS}. */
    static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("condition not met within 10 s");
            }
            LockSupport.parkNanos(50_000);
        }
    }

    private static void awaitCount(IntSupplier count, int expected) {
        awaitTrue(() -> count.getAsInt() == expected);
        assertThat(count.getAsInt()).isEqualTo(expected);
    }
}
