package io.ktask.samples;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;

/** Builds the pipeline's scheduler from the command line's topology and limit. */
final class SchedulerFactory {

    private SchedulerFactory() {
    }

    /** @param maxHelpers the global helper limit, or -1 for the scheduler's default */
    static KTaskScheduler create(NodeTopology topology, int maxHelpers) {
        KTaskScheduler scheduler = KTaskScheduler.create(); // TODO: builder().topology(topology) once it lands
        if (maxHelpers > 0) {
            scheduler.setMaxHelpers(maxHelpers);
        }
        return scheduler;
    }
}
