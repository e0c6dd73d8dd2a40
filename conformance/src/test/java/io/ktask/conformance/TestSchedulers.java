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
     * A scheduler named {@code name} on a simulated topology with the given global helper limit.
     */
    public static KTaskScheduler create(String name, NodeTopology topology, int maxHelpers) {
        KTaskScheduler scheduler = KTaskScheduler.create();
        scheduler.setMaxHelpers(maxHelpers);
        return scheduler;
    }

    /** A one-node, two-CPU scheduler with one helper: enough for a caller and a helper to race. */
    public static KTaskScheduler small(String name) {
        return create(name, NodeTopology.uniform(1, 2), 1);
    }
}
