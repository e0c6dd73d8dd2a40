package io.ktask.jcstress;

import io.ktask.scheduler.KTaskScheduler;

/**
 * The scheduler the task-level stress tests share: one helper permit in all, so two tasks racing
 * for it exercise both the granted and the refused path. Never disposed (the forked JVM exits).
 */
final class SharedScheduler {

    static final KTaskScheduler ONE_HELPER = create();

    private SharedScheduler() {
    }

    private static KTaskScheduler create() {
        KTaskScheduler scheduler = KTaskScheduler.create();
        scheduler.setMaxHelpers(1);
        return scheduler;
    }
}
