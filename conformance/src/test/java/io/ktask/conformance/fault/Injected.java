package io.ktask.conformance.fault;

/** A throwable the suite throws on purpose: it names its scenario's seed and where it was thrown. */
interface Injected {

    /** @return the scenario and place that threw it */
    Origin origin();

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

    /**
     * @param seed the seed of the scenario that threw it
     * @param site where it was thrown
     * @param where the place, for the message (a chunk, a merge)
     */
    record Origin(long seed, Site site, String where) {

        String message(String kind) {
            return kind + " injected by seed " + seed + " in " + where;
        }
    }
}
