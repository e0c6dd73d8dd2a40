package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import reactor.core.Exceptions;
import reactor.core.scheduler.Scheduler;

/** What our scheduler promises beyond {@code Schedulers.parallel()}'s behaviour. */
class KTaskSchedulerLifecycleTest {

    @Test
    void afterDisposeEveryCallThrowsTheSharedRejectionInstance() {
        KTaskScheduler s = KTaskScheduler.builder().topology(NodeTopology.uniform(2, 1)).build();
        Scheduler.Worker worker = s.createWorker(1);
        s.dispose();
        RejectedExecutionException shared = Exceptions.failWithRejected();
        assertThatThrownBy(() -> s.schedule(() -> { })).isSameAs(shared);
        assertThatThrownBy(() -> s.schedule(() -> { }, 1, TimeUnit.SECONDS)).isSameAs(shared);
        assertThatThrownBy(() -> s.schedulePeriodically(() -> { }, 1, 1, TimeUnit.SECONDS)).isSameAs(shared);
        assertThatThrownBy(s::createWorker).isSameAs(shared);
        assertThatThrownBy(() -> s.createWorker(0)).isSameAs(shared);
        assertThatThrownBy(() -> worker.schedule(() -> { })).isSameAs(shared);
        assertThatThrownBy(() -> s.lease(1, NodeTopology.ANY_NODE)).isSameAs(shared);
        assertThatThrownBy(s::init).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("was disposed");
    }

    @Test
    void createWorkerRejectsUnknownNode() {
        KTaskScheduler s = KTaskScheduler.builder().topology(NodeTopology.uniform(2, 1)).build();
        try {
            assertThatThrownBy(() -> s.createWorker(2)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("node must be a node in [0, 1] but was 2");
            assertThatThrownBy(() -> s.createWorker(-1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("node must be a node in [0, 1] but was -1");
            assertThatThrownBy(() -> s.schedule(null)).isInstanceOf(NullPointerException.class).hasMessage("task");
            assertThatThrownBy(() -> s.schedule(() -> { }, 1, null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("unit");
        } finally {
            s.dispose();
        }
    }

    @Test
    void nodeWorkerRunsOnItsNodesThreadAndKnowsItsNode() throws Exception {
        KTaskScheduler s = KTaskScheduler.builder().name("nodes").topology(NodeTopology.uniform(3, 1)).build();
        try {
            for (int node = 0; node < 3; node++) {
                java.util.concurrent.CompletableFuture<String> seen = new java.util.concurrent.CompletableFuture<>();
                Scheduler.Worker worker = s.createWorker(node);
                worker.schedule(() -> seen.complete(Thread.currentThread().getName() + " node " + s.currentNode()));
                assertThat(seen.get(5, TimeUnit.SECONDS)).startsWith("nodes-n" + node + "-w0-").endsWith(" node " + node);
                assertThat(reactor.core.Scannable.from(worker).scan(reactor.core.Scannable.Attr.NAME))
                        .isEqualTo("nodes.worker-n" + node);
                assertThat(reactor.core.Scannable.from(worker).scan(reactor.core.Scannable.Attr.PARENT)).isSameAs(s);
                worker.dispose();
            }
            assertThat(s.currentNode()).as("a foreign thread gets a real node").isBetween(0, 2);
        } finally {
            s.dispose();
        }
    }

    @Test
    void statsSnapshotIsImmutable() {
        int[] perNode = {1, 2};
        KTaskStats stats = new KTaskStats(3, perNode, 1, 10, 0, 0, true, 2, "");
        perNode[0] = 99;
        stats.helpersRunningPerNode()[1] = 99;
        assertThat(stats.helpersRunningPerNode()).containsExactly(1, 2);
        assertThat(stats.helpersRunning(1)).isEqualTo(2);
        assertThat(stats).isEqualTo(new KTaskStats(3, new int[] {1, 2}, 1, 10, 0, 0, true, 2, ""))
                .hasSameHashCodeAs(new KTaskStats(3, new int[] {1, 2}, 1, 10, 0, 0, true, 2, ""))
                .isNotEqualTo(new KTaskStats(3, new int[] {1, 2}, 1, 10, 0, 0, true, 3, ""))
                .isNotEqualTo(new KTaskStats(3, new int[] {1, 2}, 1, 10, 0, 0, true, 2, "setEnabled(false)"));
        assertThat(stats.toString()).contains("helpersRunningPerNode=[1, 2]").contains("priorityHandOffs=2");
        assertThatThrownBy(() -> stats.helpersRunning(2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new KTaskStats(0, null, 0, 0, 0, 0, true, 0, "")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new KTaskStats(0, new int[0], 0, 0, 0, 0, true, 0, null))
                .isInstanceOf(NullPointerException.class).hasMessage("disabledReason");
    }
}
