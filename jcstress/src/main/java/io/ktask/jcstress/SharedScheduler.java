package io.ktask.jcstress;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;

/**
 * The scheduler the task-level stress tests share: one helper permit in all, so two tasks racing
 * for it exercise both the granted and the refused path. Never disposed (the forked JVM exits).
 */
final class SharedScheduler {

    static final KTaskScheduler ONE_HELPER = create();

    private SharedScheduler() {
    }

    private static KTaskScheduler create() {
        // two simulated CPUs so that a task sizes itself for two threads; helpers at normal
        // priority so that the arbiter does not wait on a starved nice-19 thread
        return KTaskScheduler.builder()
                .name("jcstress-task")
                .topology(NodeTopology.uniform(1, 2))
                .maxHelpers(1)
                .pinning(false)
                .helperNice(0)
                .build();
    }
}
