package io.ktask.scheduler;

import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.TaskHandle;
import io.ktask.scheduler.internal.SchedulerInternals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Exceptions;
import reactor.core.scheduler.Schedulers;

/** Placement and permit rules of {@link KTaskScheduler#lease(int, int)} (DESIGN.md 3, Limits). */
class LeaseTest {

    private final KTaskScheduler scheduler = KTaskScheduler.builder()
            .name("lease-test")
            .topology(NodeTopology.uniform(3, 2))
            .maxHelpers(5)
            .maxHelpersPerNode(2)
            .build();

    @AfterEach
    void dispose() {
        scheduler.dispose();
    }

    @Test
    void defaultsAreEightyPercentOfCpusAndAtLeastOne() {
        KTaskScheduler s = KTaskScheduler.builder().topology(NodeTopology.of(new int[] {0}, new int[] {1, 2, 3, 4, 5}))
                .build(key -> null);
        try {
            assertThat(s.maxHelpers()).isEqualTo(4);
            assertThat(s.maxHelpersPerNode(0)).isEqualTo(1);
            assertThat(s.maxHelpersPerNode(1)).isEqualTo(4);
            assertThat(s.isEnabled()).isTrue();
        } finally {
            s.dispose();
        }
    }

    @Test
    void placesOnPreferredNodeThenOtherNodesThenAnyNodeUpToGlobalLimit() {
        try (HelperLease lease = scheduler.lease(6, 1)) {
            assertThat(lease.granted()).isEqualTo(5);
            assertThat(new int[] {lease.node(0), lease.node(1), lease.node(2), lease.node(3), lease.node(4)})
                    .containsExactly(1, 1, 2, 2, 0);
            KTaskStats stats = scheduler.stats();
            assertThat(stats.helpersRunning()).isEqualTo(5);
            assertThat(stats.helpersRunningPerNode()).containsExactly(1, 2, 2);
            assertThat(stats.refusedByGlobalLimit()).isEqualTo(1);
            assertThat(stats.placedElsewhereByNodeLimit()).isEqualTo(3);
        }
        assertIdle(scheduler);
    }

    @Test
    void overflowsToAnyNodeGroupWhenEveryNodeIsFull() {
        KTaskScheduler s = KTaskScheduler.builder().topology(NodeTopology.uniform(2, 1))
                .maxHelpers(4).maxHelpersPerNode(1).build(key -> null);
        try (HelperLease lease = s.lease(4, NodeTopology.ANY_NODE)) {
            assertThat(lease.granted()).isEqualTo(4);
            assertThat(new int[] {lease.node(0), lease.node(1), lease.node(2), lease.node(3)})
                    .containsExactlyInAnyOrder(0, 1, NodeTopology.ANY_NODE, NodeTopology.ANY_NODE);
            assertThat(s.stats().helpersRunningPerNode()).containsExactly(1, 1);
            assertThat(s.stats().helpersRunning()).isEqualTo(4);
        } finally {
            s.dispose();
        }
    }

    @Test
    void pastTheGlobalLimitGrantsFewerAndNeverBlocks() {
        try (HelperLease first = scheduler.lease(5, 0); HelperLease second = scheduler.lease(3, 0)) {
            assertThat(first.granted()).isEqualTo(5);
            assertThat(second.granted()).isZero();
            assertThat(scheduler.stats().refusedByGlobalLimit()).isEqualTo(3);
        }
        assertIdle(scheduler);
    }

    @Test
    void theCallerIsNeverCountedSoALimitOfOneStillGrantsOneHelper() {
        scheduler.setMaxHelpers(1);
        try (HelperLease lease = scheduler.lease(1, 0)) {
            assertThat(lease.granted()).as("caller + 1 helper = 2 threads within maxHelpers = 1").isEqualTo(1);
            assertThat(scheduler.stats().helpersRunning()).isEqualTo(1);
        }
    }

    @Test
    void disabledGrantsNothingAndCountsNothing() {
        scheduler.setEnabled(false);
        try (HelperLease lease = scheduler.lease(3, 0)) {
            assertThat(lease.granted()).isZero();
            assertThat(scheduler.stats().enabled()).isFalse();
            assertThat(scheduler.stats().refusedByGlobalLimit()).isZero();
        }
        scheduler.setEnabled(true);
        try (HelperLease lease = scheduler.lease(1, 0)) {
            assertThat(lease.granted()).isEqualTo(1);
        }
    }

    @Test
    void enabledPropertyFalseGrantsNothing() {
        KTaskScheduler s = KTaskScheduler.builder().topology(NodeTopology.uniform(1, 4))
                .build(key -> key.equals("ktask.enabled") ? "false" : null);
        try (HelperLease lease = s.lease(2, 0)) {
            assertThat(s.isEnabled()).isFalse();
            assertThat(lease.granted()).isZero();
        } finally {
            s.dispose();
        }
    }

    @Test
    void zeroWantedGrantsZero() {
        try (HelperLease lease = scheduler.lease(0, NodeTopology.ANY_NODE)) {
            assertThat(lease.granted()).isZero();
            assertThatThrownBy(() -> lease.node(0)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void permitReturnedWhenBodyEndsOnHelperThreadOfItsNode() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        AtomicReference<String> threadName = new AtomicReference<>();
        AtomicReference<Integer> node = new AtomicReference<>();
        AtomicReference<Boolean> nonBlocking = new AtomicReference<>();
        try (HelperLease lease = scheduler.lease(1, 2)) {
            assertThat(lease.start(0, () -> {
                threadName.set(Thread.currentThread().getName());
                nonBlocking.set(Schedulers.isInNonBlockingThread());
                node.set(scheduler.currentNode());
                await(release);
                ended.countDown();
            })).isTrue();
            assertThat(scheduler.stats().helpersRunning(2)).isEqualTo(1);
            release.countDown();
            assertThat(ended.await(5, TimeUnit.SECONDS)).isTrue();
        }
        awaitIdle(scheduler);
        assertThat(threadName.get()).startsWith("lease-test-helper-n2-");
        assertThat(node.get()).isEqualTo(2);
        assertThat(nonBlocking.get()).as("helpers run user code that may block").isFalse();
    }

    @Test
    void throwingBodyReturnsPermitThenReachesUncaughtHandler() throws Exception {
        AtomicReference<Throwable> seen = new AtomicReference<>();
        AtomicReference<Integer> runningWhenSeen = new AtomicReference<>();
        CountDownLatch handled = new CountDownLatch(1);
        IllegalStateException boom = new IllegalStateException("boom");
        try (HelperLease lease = scheduler.lease(1, 0)) {
            lease.start(0, () -> {
                Thread.currentThread().setUncaughtExceptionHandler((t, e) -> {
                    seen.set(e);
                    runningWhenSeen.set(scheduler.stats().helpersRunning());
                    Thread.currentThread().setUncaughtExceptionHandler(null);
                    handled.countDown();
                });
                throw boom;
            });
        }
        assertThat(handled.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(seen.get()).isSameAs(boom);
        assertThat(runningWhenSeen.get()).isZero();
    }

    @Test
    void slotStartsOnceAndNotAfterClose() {
        HelperLease lease = scheduler.lease(2, 0);
        CountDownLatch done = new CountDownLatch(1);
        lease.start(0, done::countDown);
        assertThatThrownBy(() -> lease.start(0, () -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessage("helper 0 of this lease was already started");
        lease.close();
        lease.close();
        assertThatThrownBy(() -> lease.start(1, () -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessage("helper 1 of this lease was closed");
        assertThatThrownBy(() -> lease.start(2, () -> { })).isInstanceOf(IndexOutOfBoundsException.class);
        awaitIdle(scheduler);
    }

    @Test
    void nullBodyIsRejectedAndKeepsTheSlot() {
        try (HelperLease lease = scheduler.lease(1, 0)) {
            assertThatThrownBy(() -> lease.start(0, null)).isInstanceOf(NullPointerException.class).hasMessage("body");
            assertThat(scheduler.stats().helpersRunning()).isEqualTo(1);
        }
        assertIdle(scheduler);
    }

    @Test
    void loweringALimitStopsNewHelpersOnlyAndRunningOnesFinish() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(2);
        HelperLease running = scheduler.lease(2, 0);
        for (int i = 0; i < 2; i++) {
            running.start(i, () -> {
                await(release);
                ended.countDown();
            });
        }
        scheduler.setMaxHelpers(1);
        scheduler.setMaxHelpersPerNode(0, 1);
        try (HelperLease refused = scheduler.lease(1, 0)) {
            assertThat(refused.granted()).isZero();
        }
        assertThat(scheduler.maxHelpers()).isEqualTo(1);
        assertThat(scheduler.maxHelpersPerNode(0)).isEqualTo(1);
        release.countDown();
        assertThat(ended.await(5, TimeUnit.SECONDS)).as("both helpers ran to the end").isTrue();
        running.close();
        awaitIdle(scheduler);
        try (HelperLease again = scheduler.lease(2, 0)) {
            assertThat(again.granted()).isEqualTo(1);
            assertThat(again.node(0)).isZero();
        }
    }

    @Test
    void startAfterDisposeReturnsFalseAndReturnsThePermit() {
        HelperLease lease = scheduler.lease(1, 0);
        scheduler.dispose();
        assertThat(lease.start(0, () -> { })).isFalse();
        assertIdle(scheduler);
        assertThatThrownBy(() -> scheduler.lease(1, 0)).isSameAs(Exceptions.failWithRejected())
                .isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void badArgumentsNameTheValue() {
        assertThatThrownBy(() -> scheduler.lease(-1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("wanted must be >= 0 but was -1");
        assertThatThrownBy(() -> scheduler.lease(1, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("preferredNode must be a node in [0, 2] but was 3");
        assertThatThrownBy(() -> scheduler.lease(1, -2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("preferredNode must be a node in [0, 2] but was -2");
        assertThatThrownBy(() -> scheduler.setMaxHelpers(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxHelpers must be >= 1 but was 0");
        assertThatThrownBy(() -> scheduler.setMaxHelpersPerNode(0, -3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("limit must be >= 1 but was -3");
        assertThatThrownBy(() -> scheduler.setMaxHelpersPerNode(7, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("node must be a node in [0, 2] but was 7");
        assertThatThrownBy(() -> scheduler.maxHelpersPerNode(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("node must be a node in [0, 2] but was -1");
        assertThat(scheduler.maxHelpers()).isEqualTo(5);
    }

    @Test
    void taskHandleCountsTasksAndChunks() {
        TaskHandle a = scheduler.openTask();
        TaskHandle b = scheduler.openTask();
        a.chunksDone(3);
        b.chunksDone(4);
        assertThat(scheduler.stats().tasksRunning()).isEqualTo(2);
        a.close();
        a.close();
        assertThat(scheduler.stats().tasksRunning()).isEqualTo(1);
        assertThatThrownBy(() -> b.chunksDone(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chunks must be >= 0 but was -1");
        b.close();
        assertThat(scheduler.stats().tasksRunning()).isZero();
        assertThat(scheduler.stats().chunksDone()).isEqualTo(7);
    }

    @Test
    void anyNodeRequestsSpreadOverTheNodes() {
        try (HelperLease lease = scheduler.lease(3, NodeTopology.ANY_NODE)) {
            assertThat(new int[] {lease.node(0), lease.node(1), lease.node(2)}).containsExactlyInAnyOrder(0, 1, 2);
            assertThat(scheduler.stats().placedElsewhereByNodeLimit()).as("no preference, nothing pushed off").isZero();
        }
    }

    @Test
    void permitsComeBackWhenTheSchedulerIsDisposedUnderRunningHelpers() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        HelperLease lease = scheduler.lease(2, 0);
        lease.start(0, () -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        scheduler.dispose();
        assertThat(interrupted.await(5, TimeUnit.SECONDS)).as("dispose interrupts running helpers").isTrue();
        assertThat(lease.start(1, () -> { })).isFalse();
        lease.close();
        awaitIdle(scheduler);
    }

    static void assertIdle(KTaskScheduler s) {
        KTaskStats stats = s.stats();
        assertThat(stats.helpersRunning()).as("helpers running").isZero();
        assertThat(stats.helpersRunningPerNode()).as("helpers running per node").containsOnly(0);
    }

    static void awaitIdle(KTaskScheduler s) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (s.stats().helpersRunning() != 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
        assertIdle(s);
    }

    static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("latch not released in 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void aBodyMayReturnItsPermitEarlyExactlyOnce() throws Exception {
        KTaskScheduler one = KTaskScheduler.builder().name("early").topology(NodeTopology.uniform(1, 2))
                .maxHelpers(1).pinning(false).build();
        try {
            assertThat(SchedulerInternals.returnPermitNow()).as("outside a helper body").isFalse();
            CountDownLatch returned = new CountDownLatch(1);
            CountDownLatch finish = new CountDownLatch(1);
            java.util.concurrent.CompletableFuture<Boolean> second = new java.util.concurrent.CompletableFuture<>();
            AtomicReference<Thread> bodyThread = new AtomicReference<>();
            CountDownLatch bodyEnding = new CountDownLatch(1);
            try (HelperLease lease = one.lease(1, 0)) {
                assertThat(lease.granted()).isEqualTo(1);
                lease.start(0, () -> {
                    bodyThread.set(Thread.currentThread());
                    boolean first = SchedulerInternals.returnPermitNow();
                    second.complete(SchedulerInternals.returnPermitNow());
                    if (first) {
                        returned.countDown();
                    }
                    await(finish);
                    bodyEnding.countDown(); // the body's last action: any later wait is the pool's
                });
            }
            assertThat(returned.await(10, TimeUnit.SECONDS)).as("the first call returned the permit").isTrue();
            assertThat(second.get(10, TimeUnit.SECONDS)).as("a second call returns nothing").isFalse();
            assertThat(one.stats().helpersRunning()).as("while the body still runs").isZero();
            try (HelperLease next = one.lease(1, 0)) {
                assertThat(next.granted()).as("the permit is free for the next task").isEqualTo(1);
                finish.countDown();
                // Once the body has ended (its pool thread waits for work again), it must not have
                // returned the permit a second time: the limit of 1 still holds.
                assertThat(bodyEnding.await(10, TimeUnit.SECONDS)).isTrue();
                ThreadLifecycleTest.awaitTrue(() -> bodyThread.get().getState() == Thread.State.WAITING
                        || bodyThread.get().getState() == Thread.State.TIMED_WAITING, () -> "the body ended");
                assertThat(one.stats().helpersRunning()).as("the next lease still counted").isEqualTo(1);
                try (HelperLease third = one.lease(1, 0)) {
                    assertThat(third.granted()).as("no permit beyond the limit").isZero();
                }
            }
            assertThat(one.stats().helpersRunning()).isZero();
        } finally {
            one.dispose();
        }
    }
}
