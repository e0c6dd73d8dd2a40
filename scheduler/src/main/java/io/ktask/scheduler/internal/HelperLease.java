package io.ktask.scheduler.internal;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;

/**
 * Permits for up to {@link #granted()} helper threads of one task, taken from a
 * {@link KTaskScheduler} by {@link SchedulerInternals#lease(KTaskScheduler, int, int)}.
 *
 * <p>A lease never blocks and never queues: it holds exactly the permits the limits allowed at the
 * moment it was taken (possibly none). Each permit is returned exactly once, whichever comes
 * first:
 * <ul>
 *   <li>when the body passed to {@link #start(int, Runnable)} for that helper ends (normally or
 *       by throwing), or when the scheduler rejects it;</li>
 *   <li>by {@link #close()}, for every helper that was never started.</li>
 * </ul>
 * A permit therefore cannot leak (close the lease, typically in a {@code finally} or
 * try-with-resources) and cannot be returned twice (each helper slot changes state by CAS).
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public interface HelperLease extends AutoCloseable {

    /** @return how many helpers this lease may start, between 0 and the number asked for */
    int granted();

    /**
     * @param helper a helper slot, {@code 0 <= helper < granted()}
     * @return the node that helper is placed on, or {@link NodeTopology#ANY_NODE} when it was
     *     placed in the unpinned any-node group
     * @throws IndexOutOfBoundsException if {@code helper} is not a granted slot
     */
    int node(int helper);

    /**
     * Runs {@code body} once on a helper thread of slot {@code helper}'s node. The permit is
     * returned when {@code body} ends. An exception thrown by {@code body} is passed to the
     * thread's uncaught-exception handler after the permit is returned; callers that care catch
     * their own errors.
     *
     * @param helper a granted slot, {@code 0 <= helper < granted()}
     * @param body what the helper runs
     * @return {@code true} if the helper was started; {@code false} if the scheduler was disposed
     *     (the permit has then already been returned)
     * @throws IndexOutOfBoundsException if {@code helper} is not a granted slot
     * @throws IllegalStateException if that slot was already started or the lease was closed
     * @throws NullPointerException if {@code body} is null
     */
    boolean start(int helper, Runnable body);

    /**
     * Returns the permit of every slot that was not started. Idempotent; helpers already running
     * are not affected and return their own permits when they end.
     */
    @Override
    void close();
}
