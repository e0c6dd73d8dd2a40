package io.ktask.scheduler;

import io.ktask.scheduler.internal.HelperLease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.scheduler.NonBlocking;

/** A task's own thread: on a helper thread, never counted against the limits, may block. */
class TaskThreadTest {

    @Test
    void runsOnAHelperThreadWithoutAPermitEvenWhenEveryPermitIsTaken() throws InterruptedException {
        KTaskScheduler scheduler = KTaskScheduler.builder().name("own").topology(NodeTopology.uniform(2, 1)).build();
        try (HelperLease all = scheduler.lease(scheduler.maxHelpers(), NodeTopology.ANY_NODE)) {
            assertThat(scheduler.lease(1, NodeTopology.ANY_NODE).granted()).isZero();
            CountDownLatch ran = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicReference<Thread> thread = new AtomicReference<>();
            assertThat(scheduler.startTaskThread(1, () -> {
                thread.set(Thread.currentThread());
                ran.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS); // may block: not a NonBlocking thread
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            })).isTrue();
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(thread.get().getName()).startsWith("own-helper-n1");
            assertThat(thread.get()).isNotInstanceOf(NonBlocking.class);
            // only the lease's permits are counted, not the task's own thread
            assertThat(scheduler.stats().helpersRunning()).isEqualTo(scheduler.maxHelpers());
            release.countDown();
            assertThat(all.granted()).isEqualTo(scheduler.maxHelpers());
        } finally {
            scheduler.dispose();
        }
    }

    @Test
    void refusedAfterDisposeAndBadArguments() {
        KTaskScheduler scheduler = KTaskScheduler.builder().name("own-bad").topology(NodeTopology.uniform(2, 1)).build();
        assertThatThrownBy(() -> scheduler.startTaskThread(2, () -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("but was 2");
        assertThatThrownBy(() -> scheduler.startTaskThread(0, null))
                .isInstanceOf(NullPointerException.class).hasMessage("body must not be null");
        scheduler.dispose();
        assertThat(scheduler.startTaskThread(NodeTopology.ANY_NODE, () -> { })).isFalse();
    }
}
