package io.ktask.jcstress;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;

/** Scheduler set-up shared by the lease stress tests: one fresh scheduler per state. */
final class Leases {

    private Leases() {
    }

    /** A fresh one-node scheduler with the given global helper limit; leasing alone starts no thread. */
    static KTaskScheduler scheduler(int maxHelpers) {
        return KTaskScheduler.builder()
                .name("jcstress-lease")
                .topology(NodeTopology.uniform(1, 2))
                .maxHelpers(maxHelpers)
                .pinning(false)
                .build();
    }

    /** @return the helpers the scheduler still counts as running; disposes it afterwards */
    static int helpersRunningThenDispose(KTaskScheduler scheduler) {
        int running = scheduler.stats().helpersRunning();
        scheduler.dispose();
        return running;
    }
}
