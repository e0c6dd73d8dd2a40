package io.ktask.scheduler.internal;

import java.util.function.BooleanSupplier;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;

/**
 * Not API: what a spare helper of one task runs, the task's own chunk loop, supplied once per
 * task to {@link SchedulerInternals#spares(KTaskScheduler, SpareBody)} (blocking compensation,
 * see {@link TaskSpares}).
 *
 * <p>Contract:
 * <ul>
 *   <li><b>Started</b> when a thread bound to the task ({@link TaskSpares#bind()}) declares that it
 *       is about to block ({@link SchedulerInternals#blocked()}), no spare of that thread is running, the
 *       scheduler is enabled and not disposed, and the spare limit ({@link KTaskScheduler#maxSpares()}) allows one more; at most one
 *       spare per blocked call. Never queued: a refused spare is simply not started.</li>
 *   <li><b>Runs</b> on a helper thread of the blocked thread's node (the unpinned any-node group
 *       when the blocked thread is not one of the scheduler's), at the helpers' nice value, bound
 *       to the same task, so that a chunk it runs may block and get a spare of its own, within the
 *       same limit.</li>
 *   <li><b>Stops</b> by returning: it must return once {@code released} says true (the blocked call
 *       has returned, so the blocked thread runs chunks again), after at most the work in hand (one
 *       chunk), and should return as soon as it finds no work; it must never wait for work.</li>
 *   <li><b>Permits</b>: a spare holds one spare permit from its start until this method returns
 *       (normally or by throwing); it takes no helper permit, does not count in
 *       {@code stats().helpersRunning()} and is not subject to the per-node limits. An
 *       exception it throws goes to the thread's uncaught-exception handler after the permit is
 *       returned.</li>
 * </ul>
 */
@FunctionalInterface
public interface SpareBody {

    /**
     * Runs the task's chunks on a spare helper, see the interface comment.
     *
     * @param node the node the spare runs on, or {@link NodeTopology#ANY_NODE}
     * @param released true once the blocked call this spare stands in for has returned; read it
     *     before taking each piece of work
     */
    void run(int node, BooleanSupplier released);
}
