package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.ktask.scheduler.internal.HelperLease;
import org.junit.jupiter.api.Test;

/**
 * {@link KTaskScheduler#helperAwake(int)}: true while an idle per-CPU helper spins for work on a
 * CPU other than the caller's, false once it parked, where nothing spins, and after dispose.
 */
class HelperAwakeTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aHelperIsAwakeAfterItsBodyAndNoLongerOnceItParks() throws Exception {
        KTaskScheduler scheduler = KTaskScheduler.builder().name("awake").topology(NodeTopology.uniform(1, 2)).build();
        try {
            assertThat(scheduler.helperAwake(0)).as("no helper ran yet").isFalse();
            // The body's thread spins for some 50 us once it returns.
            assertThat(seenAwake(scheduler)).as("a helper seen awake after its body").isTrue();
            // The spin is bounded: the thread parks and the hint says so.
            long parkedBy = System.nanoTime() + 10 * SECOND;
            while (scheduler.helperAwake(0) && System.nanoTime() - parkedBy < 0) {
                Thread.onSpinWait();
            }
            assertThat(scheduler.helperAwake(0)).as("the helper parked").isFalse();
        } finally {
            scheduler.dispose();
        }
        assertThat(scheduler.helperAwake(0)).as("disposed").isFalse();
    }

    @Test
    void unpinnedHelpersNeverSpinSoNoneIsEverAwake() throws Exception {
        KTaskScheduler scheduler = KTaskScheduler.builder().name("awake-unpinned")
                .topology(NodeTopology.uniform(1, 2)).pinning(false).build();
        try {
            for (int i = 0; i < 50; i++) {
                runOneHelperBody(scheduler);
                long look = System.nanoTime() + SECOND / 1000;
                while (System.nanoTime() - look < 0) {
                    assertThat(scheduler.helperAwake(0)).as("attempt %s", i).isFalse();
                }
            }
        } finally {
            scheduler.dispose();
        }
    }

    @Test
    void disabledHelpersAreNeverAwakeAndABadNodeIsNamed() throws Exception {
        KTaskScheduler scheduler = KTaskScheduler.builder().name("awake-off").topology(NodeTopology.uniform(1, 2)).build();
        try {
            assertThat(seenAwake(scheduler)).as("a helper seen awake after its body").isTrue();
            scheduler.setEnabled(false);
            long look = System.nanoTime() + SECOND / 100;
            while (System.nanoTime() - look < 0) {
                assertThat(scheduler.helperAwake(0)).as("helpers off").isFalse();
            }
            assertThat(scheduler.helperAwake(NodeTopology.ANY_NODE)).as("the any-node group never spins").isFalse();
            assertThatThrownBy(() -> scheduler.helperAwake(3))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("node").hasMessageContaining("3");
        } finally {
            scheduler.dispose();
        }
    }

    /**
     * Runs helper bodies until one's thread is seen spinning right after it (a preemption or a
     * migration of this thread onto the helper's CPU can hide that once, not in every attempt).
     *
     * @return whether one was seen within 20 s
     */
    private static boolean seenAwake(KTaskScheduler scheduler) throws InterruptedException {
        long deadline = System.nanoTime() + 20 * SECOND;
        while (System.nanoTime() - deadline < 0) {
            runOneHelperBody(scheduler);
            long look = System.nanoTime() + SECOND / 200;
            while (System.nanoTime() - look < 0) {
                if (scheduler.helperAwake(0)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Leases one helper, once the last one's permit is back (it returns it after its body),
     * runs an empty body on it, and returns once the body has run.
     */
    private static void runOneHelperBody(KTaskScheduler scheduler) throws InterruptedException {
        long deadline = System.nanoTime() + 10 * SECOND;
        while (scheduler.stats().helpersRunning() > 0 && System.nanoTime() - deadline < 0) {
            Thread.onSpinWait();
        }
        assertThat(scheduler.stats().helpersRunning()).as("the last helper's permit back").isZero();
        CountDownLatch ran = new CountDownLatch(1);
        try (HelperLease lease = scheduler.lease(1, 0)) {
            assertThat(lease.granted()).isEqualTo(1);
            assertThat(lease.start(0, ran::countDown)).isTrue();
        }
        assertThat(ran.await(10, TimeUnit.SECONDS)).as("the helper body ran").isTrue();
    }
}
