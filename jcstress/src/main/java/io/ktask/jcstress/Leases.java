package io.ktask.jcstress;

import io.ktask.scheduler.KTaskScheduler;

/** Scheduler set-up shared by the lease stress tests: one fresh scheduler per state. */
final class Leases {

    private Leases() {
    }

    /** A fresh scheduler with the given global helper limit; leasing alone starts no thread. */
    static KTaskScheduler scheduler(int maxHelpers) {
        KTaskScheduler scheduler = KTaskScheduler.create();
        scheduler.setMaxHelpers(maxHelpers);
        return scheduler;
    }

    /** @return the helpers the scheduler still counts as running; disposes it afterwards */
    static int helpersRunningThenDispose(KTaskScheduler scheduler) {
        int running = scheduler.stats().helpersRunning();
        scheduler.dispose();
        return running;
    }
}
