package io.ktask.conformance.fault;

/** A throwable the suite throws on purpose: it names its scenario's seed and where it was thrown. */
interface Injected {

    /** @return the seed of the scenario that threw it */
    long seed();

    /** @return where it was thrown */
    Site site();

    /** Where a fault is injected. */
    enum Site {
        WORK, MERGE, UNDO, UPSTREAM, UPSTREAM_AFTER_COMPLETE, SCHEDULE_HOOK;

        /**
         * @return whether this fault fails the task: a failed undo is only reported, and an
         *     upstream's error after its onComplete is dropped
         */
        boolean failsTask() {
            return this != UNDO && this != UPSTREAM_AFTER_COMPLETE;
        }
    }
}
