package io.ktask.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.ktask.operators.KTask;
import io.ktask.operators.KTaskException;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.internal.TaskHandle;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.RequiredSearch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class KTaskMetricsTest {

    private final KTaskScheduler scheduler = KTaskScheduler.builder().name("metrics")
            .topology(NodeTopology.uniform(2, 5)).maxHelpers(5).maxHelpersPerNode(2).enabled(true).jmx(false).build();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final KTaskMetrics metrics = new KTaskMetrics(scheduler, Tags.of("app", "test"));

    @AfterEach
    void tearDown() {
        metrics.close();
        scheduler.dispose();
        registry.close();
    }

    private RequiredSearch meter(String name) {
        return registry.get(name).tag("scheduler", "metrics").tag("app", "test");
    }

    @Test
    void gaugesAndCountersFollowTheScheduler() throws Exception {
        metrics.bindTo(registry);
        assertThat(meter("ktask.helpers.limit").gauge().value()).isEqualTo(5);
        assertThat(meter("ktask.node.helpers.limit").tag("node", "1").gauge().value()).isEqualTo(2);
        assertThat(meter("ktask.helpers.enabled").gauge().value()).isEqualTo(1);
        CountDownLatch release = new CountDownLatch(1);
        try (TaskHandle task = SchedulerInternals.openTask(scheduler); HelperLease lease = task.lease(4, 1)) {
            // 4 asked on node 1 (limit 2): 2 there, 2 pushed to node 0
            for (int i = 0; i < lease.granted(); i++) {
                lease.start(i, () -> {
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            task.chunksDone(7);
            assertThat(meter("ktask.helpers.running").gauge().value()).isEqualTo(4);
            assertThat(meter("ktask.node.helpers.running").tag("node", "0").gauge().value()).isEqualTo(2);
            assertThat(meter("ktask.node.helpers.running").tag("node", "1").gauge().value()).isEqualTo(2);
            assertThat(meter("ktask.tasks.running").gauge().value()).isEqualTo(1);
            assertThat(meter("ktask.helpers.refused").tag("limit", "node").functionCounter().count()).isEqualTo(2);
            try (HelperLease more = SchedulerInternals.lease(scheduler, 3, 0)) {
                assertThat(more.granted()).isEqualTo(1); // global limit 5: one more
            }
            assertThat(meter("ktask.helpers.refused").tag("limit", "global").functionCounter().count()).isEqualTo(2);
        } finally {
            release.countDown();
        }
        assertThat(meter("ktask.chunks").functionCounter().count()).isEqualTo(7);
        assertThat(meter("ktask.priority.handoffs").functionCounter().count())
                .isEqualTo(scheduler.stats().priorityHandOffs());
        scheduler.setMaxHelpersPerNode(1, 3);
        scheduler.setEnabled(false);
        assertThat(meter("ktask.node.helpers.limit").tag("node", "1").gauge().value()).isEqualTo(3);
        assertThat(meter("ktask.helpers.enabled").gauge().value()).isZero();
    }

    @Test
    void tasksAreTimedByModeAndOutcome() {
        metrics.bindTo(registry);
        KTaskSpec<Long, Long> merge = KTaskSpec.<Long, Long>of(c -> c.size()).merge(Long::sum).minChunk(10)
                .scheduler(scheduler).build();
        KTaskSpec<Long, Long> ordered = KTaskSpec.<Long, Long>of(c -> c.size()).ordered().minChunk(10)
                .scheduler(scheduler).build();
        KTaskSpec<Long, Long> failing = KTaskSpec.<Long, Long>of(c -> {
            throw new IllegalStateException("chunk fails");
        }).merge(Long::sum).scheduler(scheduler).build();
        for (int i = 0; i < 3; i++) {
            StepVerifier.create(KTask.range(0, 1_000).transform(KTask.parallelize(merge))).expectNext(1_000L).verifyComplete();
        }
        StepVerifier.create(KTask.range(0, 1_000).transform(KTask.parallelize(ordered)))
                .thenConsumeWhile(r -> true).verifyComplete();
        StepVerifier.create(KTask.range(0, 1_000).transform(KTask.parallelize(failing)))
                .expectError(KTaskException.class).verify();
        StepVerifier.create(KTask.range(0, 1_000).transform(KTask.parallelize(ordered)), 1)
                .expectNextCount(1).thenCancel().verify();
        awaitTasksEnded(6);
        assertThat(timer("merge", "completed").count()).isEqualTo(3);
        assertThat(timer("merge", "completed").totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(timer("ordered", "completed").count()).isEqualTo(1);
        assertThat(timer("merge", "failed").count()).isEqualTo(1);
        assertThat(timer("ordered", "cancelled").count()).isEqualTo(1);
        assertThat(registry.find("ktask.tasks").timers()).hasSize(4); // only the combinations seen
    }

    @Test
    void closeStopsTimingAndForbidsNewBindings() {
        metrics.bindTo(registry);
        SimpleMeterRegistry second = new SimpleMeterRegistry();
        metrics.bindTo(second);
        SchedulerInternals.openTask(scheduler).close();
        assertThat(registry.get("ktask.tasks").tag("mode", "unknown").timer().count()).isEqualTo(1);
        assertThat(second.get("ktask.tasks").tag("mode", "unknown").timer().count()).isEqualTo(1);
        metrics.close();
        metrics.close();
        SchedulerInternals.openTask(scheduler).close();
        assertThat(registry.get("ktask.tasks").tag("mode", "unknown").timer().count()).isEqualTo(1);
        assertThat(second.get("ktask.tasks").tag("mode", "unknown").timer().count()).isEqualTo(1);
        assertThatThrownBy(() -> metrics.bindTo(registry)).isInstanceOf(IllegalStateException.class)
                .hasMessage("this KTaskMetrics of metrics was closed");
        second.close();
    }

    @Test
    void nullsAreRejectedByName() {
        assertThatThrownBy(() -> new KTaskMetrics(null)).isInstanceOf(NullPointerException.class).hasMessage("scheduler");
        assertThatThrownBy(() -> new KTaskMetrics(scheduler, null)).isInstanceOf(NullPointerException.class).hasMessage("tags");
        assertThatThrownBy(() -> metrics.bindTo(null)).isInstanceOf(NullPointerException.class).hasMessage("registry");
    }

    private Timer timer(String mode, String outcome) {
        return meter("ktask.tasks").tag("mode", mode).tag("outcome", outcome).timer();
    }

    /** A task's report comes after its last signal, maybe on a helper: wait for it, with a deadline. */
    private void awaitTasksEnded(long count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (registry.find("ktask.tasks").timers().stream().mapToLong(Timer::count).sum() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + count + " task reports");
            }
            Thread.onSpinWait();
        }
    }
}
