package io.ktask.conformance;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;

/**
 * The one place the suites build schedulers, so they all name their threads and set limits the
 * same way. Thread names start with the given name, which the hygiene checks rely on.
 */
public final class TestSchedulers {

    private TestSchedulers() {
    }

    /**
     * A scheduler named {@code name} on a simulated topology with the given global helper limit
     * (per-node limits keep their default, 80% of the node's CPUs). Simulated CPU ids need not
     * exist, so threads are not pinned; helpers keep normal priority so that a loaded CI box
     * does not starve the thread a test waits for.
     */
    public static KTaskScheduler create(String name, NodeTopology topology, int maxHelpers) {
        return KTaskScheduler.builder()
                .name(name)
                .topology(topology)
                .maxHelpers(maxHelpers)
                .pinning(false)
                .helperNice(0)
                .build();
    }

    /**
     * A one-node scheduler with one helper permit, but 64 simulated CPUs: the operator sizes
     * tasks by CPUs, so small ranges are cut into one-unit chunks (chunk = max(minChunk,
     * size / (threads * 4))) while at most one helper races the caller.
     */
    public static KTaskScheduler small(String name) {
        return create(name, NodeTopology.uniform(1, 64), 1);
    }
}
