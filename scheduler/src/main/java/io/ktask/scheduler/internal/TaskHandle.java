package io.ktask.scheduler.internal;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.KTaskStats;
import io.ktask.scheduler.TaskListener;

/**
 * The scheduler's record of one running task, opened by {@link SchedulerInternals#openTask(KTaskScheduler)}: it
 * feeds {@link KTaskStats#tasksRunning()} and {@link KTaskStats#chunksDone()}, says whether a
 * helper would find a thread awake, leases the task's helpers, and lets the task's own thread lend
 * its priority to them.
 *
 * <p>Thread-safety: every method may be called from any thread; {@link #close()} is idempotent
 * (only the first call counts the task as ended).
 */
public interface TaskHandle extends AutoCloseable {

    /**
     * Adds {@code chunks} finished chunks to the scheduler's counter.
     *
     * @param chunks how many chunks finished since the last call
     * @throws IllegalArgumentException if {@code chunks < 0}
     */
    void chunksDone(long chunks);

    /**
     * Takes permits for helpers of this task: the same as {@link SchedulerInternals#lease(KTaskScheduler, int, int)},
     * and the helpers it starts belong to this task, so {@link #lendPriority()} can raise them.
     *
     * @param wanted how many helpers the task would like, {@code >= 0}
     * @param preferredNode a node id, or {@link io.ktask.scheduler.NodeTopology#ANY_NODE} for no preference
     * @return the permits granted, between 0 and {@code wanted}
     * @throws IllegalArgumentException as {@link SchedulerInternals#lease(KTaskScheduler, int, int)}
     * @throws java.util.concurrent.RejectedExecutionException if the scheduler is disposed
     */
    HelperLease lease(int wanted, int preferredNode);

    /**
     * Whether a helper leased now for the node would join at once: an idle helper thread of the
     * node, on a CPU other than the calling thread's, spins for work (it finished a body less than
     * some 50 us ago), where a parked one would join 10-30 us after it is asked for. A node limit
     * that places the lease elsewhere makes the answer moot for that lease. A task too small to pay for
     * waking a helper may still be worth splitting with one that is awake. A hint, stale at once:
     * the helper started next may still be a parked one. Never blocks; costs the calling thread
     * one {@code sched_getcpu} and a read per CPU of the node.
     *
     * @param preferredNode a node id, or {@link io.ktask.scheduler.NodeTopology#ANY_NODE} (whose
     *     helpers never spin)
     * @return true if such a helper spins now; false also when helpers are not pinned per CPU,
     *     helpers are off, or the scheduler is disposed
     * @throws IllegalArgumentException if the node is not a node of the scheduler's topology
     */
    boolean helperAwake(int preferredNode);

    /**
     * Lends the calling thread's priority to one running helper of this task (ktask: the caller
     * "wills its priority"). Call it from the task's own thread when it finds no chunk left to
     * claim while helpers of the task still run theirs: on a busy machine a low-priority helper
     * would otherwise hold the whole task up with the last chunk.
     *
     * <p>The helper keeps the lent nice value until its body (started through {@link #lease})
     * ends, normally or by an exception; its thread then goes back to the helpers' nice value
     * itself, before it can run anything else, and passes the lent priority on to another running
     * helper of this task, if any: one helper at a time, until the task is {@linkplain #close()
     * closed}. A helper starting while none holds it takes it. Never blocks, and calling it again
     * while a helper holds the priority costs no system call.
     *
     * <p>Nothing is lent when helpers already run at the calling thread's nice value or higher
     * (e.g. {@code helperNice(0)}, or a call from a helper thread), off Linux, or after the task
     * closed. Raising another thread's priority needs {@code CAP_SYS_NICE} or
     * {@code RLIMIT_NICE}; without it the refusal is logged once (logger
     * {@code io.ktask.scheduler}) and the task runs on without lending. Each raise is counted in
     * {@link KTaskStats#priorityHandOffs()}.
     *
     * @return true if a helper of this task holds the lent priority (or is being given it) when
     *     this returns; false if nothing was lent
     */
    boolean lendPriority();

    /**
     * Says how the task ends, for the {@link TaskListener}s that {@link #close()} tells. Call it
     * once the outcome is decided and before the task's end is visible to the thread that will
     * close it; only the first call counts. A task closed without it is reported as
     * {@link TaskListener.Mode#UNKNOWN UNKNOWN}, {@link TaskListener.Outcome#UNKNOWN UNKNOWN}.
     *
     * @param mode how the task delivered its results
     * @param outcome how it ended
     * @throws NullPointerException if {@code mode} or {@code outcome} is null
     */
    void ended(TaskListener.Mode mode, TaskListener.Outcome outcome);

    /**
     * Marks the task as ended; no helper is raised from then on, and the scheduler's
     * {@link TaskListener}s are told (see {@link #ended}). Idempotent.
     */
    @Override
    void close();
}
