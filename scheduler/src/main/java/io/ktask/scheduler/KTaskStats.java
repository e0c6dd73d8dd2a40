package io.ktask.scheduler;

/**
 * An immutable snapshot of a {@link KTaskScheduler}'s counters, taken by
 * {@link KTaskScheduler#stats()}. The fields are read one by one without a global lock, so under
 * load the snapshot is not atomic across fields (each value was true at some instant during the
 * call).
 *
 * @param helpersRunning helpers holding a permit now, over all nodes and the any-node group
 * @param helpersRunningPerNode helpers holding a permit now on each node (index = node id);
 *     helpers in the unpinned any-node group are counted only in {@code helpersRunning}
 * @param tasksRunning tasks open now ({@link KTaskScheduler#openTask()} not yet closed)
 * @param chunksDone chunks finished since the scheduler was created
 * @param refusedByGlobalLimit helpers asked for but refused because the global limit was reached
 * @param placedElsewhereByNodeLimit helpers that could not go on their preferred node because its
 *     limit was reached and were placed on another node or in the any-node group instead
 * @param enabled whether helpers are enabled ({@code ktask.enabled})
 */
public record KTaskStats(
        int helpersRunning,
        int[] helpersRunningPerNode,
        int tasksRunning,
        long chunksDone,
        long refusedByGlobalLimit,
        long placedElsewhereByNodeLimit,
        boolean enabled) {
}
