package io.ktask.scheduler;


import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable snapshot of a {@link KTaskScheduler}'s counters, taken by
 * {@link KTaskScheduler#stats()}. The fields are read one by one without a global lock, so under
 * load the snapshot is not atomic across fields (each value was true at some instant during the
 * call).
 *
 * @param helpersRunning helpers holding a permit now, over all nodes and the any-node group
 * @param helpersRunningPerNode helpers holding a permit now on each node (index = node id);
 *     helpers in the unpinned any-node group are counted only in {@code helpersRunning}
 * @param tasksRunning tasks open now (started and not yet ended)
 * @param chunksDone chunks finished since the scheduler was created
 * @param refusedByGlobalLimit helpers asked for but refused because the global limit was reached
 * @param placedElsewhereByNodeLimit helpers that could not go on their preferred node because its
 *     limit was reached and were placed on another node or in the any-node group instead
 * @param enabled whether helpers are enabled ({@code ktask.enabled})
 * @param priorityHandOffs times a helper was raised to its task's own thread's priority (see
 *     ktask's "will its priority") since the scheduler was created
 * @param disabledReason why helpers are off, empty while they are on: the power policy
 *     ({@code "power policy: cpufreq governor powersave on CPU 0"}, see
 *     {@link KTaskSchedulerBuilder#powerAware(boolean)}), {@code "enabled(false) on the builder"},
 *     {@code "system property ktask.enabled=false"} or {@code "setEnabled(false)"}
 */
public record KTaskStats(
        int helpersRunning,
        int[] helpersRunningPerNode,
        int tasksRunning,
        long chunksDone,
        long refusedByGlobalLimit,
        long placedElsewhereByNodeLimit,
        boolean enabled,
        long priorityHandOffs,
        String disabledReason) {

    /**
     * Copies {@code helpersRunningPerNode}, so the caller's array cannot change this snapshot.
     *
     * @param helpersRunning see the record's description
     * @param helpersRunningPerNode see the record's description
     * @param tasksRunning see the record's description
     * @param chunksDone see the record's description
     * @param refusedByGlobalLimit see the record's description
     * @param placedElsewhereByNodeLimit see the record's description
     * @param enabled see the record's description
     * @param priorityHandOffs see the record's description
     * @param disabledReason see the record's description
     * @throws NullPointerException if {@code helpersRunningPerNode} or {@code disabledReason} is null
     */
    public KTaskStats {
        helpersRunningPerNode = helpersRunningPerNode.clone();
        Objects.requireNonNull(disabledReason, "disabledReason");
    }

    /** {@return a copy of the helpers running on each node (index = node id)} */
    @Override
    public int[] helpersRunningPerNode() {
        return helpersRunningPerNode.clone();
    }

    /**
     * {@return the helpers running on {@code node} when the snapshot was taken}
     *
     * @param node a node of the snapshot, {@code 0 <= node < helpersRunningPerNode().length}
     * @throws IndexOutOfBoundsException if {@code node} is not a node of the snapshot
     */
    public int helpersRunning(int node) {
        return helpersRunningPerNode[Objects.checkIndex(node, helpersRunningPerNode.length)];
    }

    /** Compares the per-node counts by content, not by array identity. */
    @Override
    public boolean equals(Object o) {
        return o instanceof KTaskStats s
                && helpersRunning == s.helpersRunning
                && Arrays.equals(helpersRunningPerNode, s.helpersRunningPerNode)
                && tasksRunning == s.tasksRunning
                && chunksDone == s.chunksDone
                && refusedByGlobalLimit == s.refusedByGlobalLimit
                && placedElsewhereByNodeLimit == s.placedElsewhereByNodeLimit
                && enabled == s.enabled
                && priorityHandOffs == s.priorityHandOffs
                && disabledReason.equals(s.disabledReason);
    }

    @Override
    public int hashCode() {
        return Objects.hash(helpersRunning, Arrays.hashCode(helpersRunningPerNode), tasksRunning,
                chunksDone, refusedByGlobalLimit, placedElsewhereByNodeLimit, enabled, priorityHandOffs, disabledReason);
    }

    @Override
    public String toString() {
        return "KTaskStats[helpersRunning=" + helpersRunning
                + ", helpersRunningPerNode=" + Arrays.toString(helpersRunningPerNode)
                + ", tasksRunning=" + tasksRunning + ", chunksDone=" + chunksDone
                + ", refusedByGlobalLimit=" + refusedByGlobalLimit
                + ", placedElsewhereByNodeLimit=" + placedElsewhereByNodeLimit + ", enabled=" + enabled
                + ", priorityHandOffs=" + priorityHandOffs + ", disabledReason=" + disabledReason + "]";
    }
}
