package io.ktask.scheduler.internal;

import java.util.Objects;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.KTaskSchedulerBuilder;
import reactor.util.annotation.Nullable;

/**
 * Not API: what the operator needs from a {@link KTaskScheduler} beyond its public face. The
 * scheduler package installs the one {@link Bridge} when {@code KTaskScheduler} is initialised,
 * so every call below, which takes a scheduler instance, finds it installed.
 */
public final class SchedulerInternals {

    /** Implemented once, inside the scheduler package, where the package-private state lives. */
    public interface Bridge {
        /** See {@link SchedulerInternals#createDefault}. */
        KTaskScheduler createDefault(KTaskSchedulerBuilder builder);

        /** See {@link SchedulerInternals#openTask}. */
        TaskHandle openTask(KTaskScheduler scheduler);

        /** See {@link SchedulerInternals#lease}. */
        HelperLease lease(KTaskScheduler scheduler, int wanted, int preferredNode);

        /** See {@link SchedulerInternals#startTaskThread}. */
        boolean startTaskThread(KTaskScheduler scheduler, int node, Runnable body);

        /** See {@link SchedulerInternals#returnPermitNow}. */
        boolean returnPermitNow();

        /** See {@link SchedulerInternals#reportUncaught}. */
        void reportUncaught(Throwable error);

        /** See {@link SchedulerInternals#stoppedAtOnce}. */
        boolean stoppedAtOnce(KTaskScheduler scheduler);

        /** See {@link SchedulerInternals#enterSignalPriority}. */
        int enterSignalPriority();

        /** See {@link SchedulerInternals#leaveSignalPriority}. */
        void leaveSignalPriority(int previous);

        /** See {@link SchedulerInternals#spares}. */
        TaskSpares spares(KTaskScheduler scheduler, SpareBody body);

        /** See {@link SchedulerInternals#restoreSpares}. */
        void restoreSpares(TaskSpares previous);

        /** See {@link SchedulerInternals#blocked}. */
        TaskSpares.Blocked blocked();
    }

    private static volatile Bridge bridge;

    private SchedulerInternals() {
    }

    /**
     * Called once by the scheduler package's static initialiser.
     *
     * @param installed the bridge
     * @throws IllegalStateException on a second call
     */
    public static synchronized void install(Bridge installed) {
        if (bridge != null) {
            throw new IllegalStateException("the scheduler bridge was already installed");
        }
        bridge = Objects.requireNonNull(installed, "installed");
    }

    /**
     * Builds the operators' default scheduler (that of specs that name none): the same as
     * {@link KTaskScheduler#create()}, except that its MXBean is registered on a daemon thread of
     * its own, moments after this returns, so that a fresh JVM's first task does not wait while
     * the platform MBean server starts.
     *
     * @return the scheduler, ready to use
     * @throws IllegalArgumentException if a {@code ktask.*} system property has a bad value
     */
    public static KTaskScheduler createDefault() {
        // Using KTaskScheduler initialises it, which installs the bridge: the builder is that use.
        KTaskSchedulerBuilder builder = KTaskScheduler.builder();
        return bridge.createDefault(builder);
    }

    /**
     * Records the start of one task, for {@code stats().tasksRunning()} and {@code chunksDone()};
     * close the handle when the task ends.
     *
     * @param scheduler the scheduler the task runs on
     * @return the task's handle
     */
    public static TaskHandle openTask(KTaskScheduler scheduler) {
        return bridge.openTask(scheduler);
    }

    /**
     * Takes permits for up to {@code wanted} helpers, placed on {@code preferredNode} while its
     * limit allows, then anywhere while the global limit allows. Never blocks and never queues.
     * Close the lease when done with it.
     *
     * @param scheduler whose limits to take from
     * @param wanted how many helpers, {@code >= 0}
     * @param preferredNode a node id, or {@link io.ktask.scheduler.NodeTopology#ANY_NODE}
     * @return the lease
     * @throws IllegalArgumentException if {@code wanted < 0} or the node is not a node of the
     *     scheduler's topology
     * @throws java.util.concurrent.RejectedExecutionException if the scheduler is disposed
     */
    public static HelperLease lease(KTaskScheduler scheduler, int wanted, int preferredNode) {
        return bridge.lease(scheduler, wanted, preferredNode);
    }

    /**
     * Runs {@code body} once as a task's own thread on a helper thread of {@code node}, without a
     * permit (ktask never counts a task's own thread): never queued, may block, at the helpers'
     * nice value. The body's exception goes to the thread's uncaught-exception handler.
     *
     * @param scheduler whose threads to use
     * @param node a node id, or {@link io.ktask.scheduler.NodeTopology#ANY_NODE}
     * @param body what the thread runs
     * @return true if started; false if the scheduler is disposed
     * @throws IllegalArgumentException if the node is not a node of the scheduler's topology
     * @throws RuntimeException whatever a {@code Schedulers.onScheduleHook} throws
     */
    public static boolean startTaskThread(KTaskScheduler scheduler, int node, Runnable body) {
        return bridge.startTaskThread(scheduler, node, body);
    }

    /**
     * Called from inside a helper body that will take no more work: returns that helper's permit
     * now, so a task started by the signal the body is about to make can lease it. A priority
     * lent to the body stays until the body ends, so that signal is not made at helper priority.
     *
     * @return true if a permit was returned; false if the calling thread runs no helper body or
     *     already returned its permit
     */
    public static boolean returnPermitNow() {
        Bridge b = bridge;
        return b != null && b.returnPermitNow();
    }

    /**
     * Reports an error met on the calling thread that nothing will rethrow, as reactor-core's
     * schedulers report a task's error ({@code Schedulers.handleError}): the thread's
     * uncaught-exception handler, then the {@code Schedulers.onHandleError} hooks. Before any
     * scheduler class is loaded, the thread's handler alone.
     *
     * @param error the error
     */
    public static void reportUncaught(Throwable error) {
        Bridge b = bridge;
        if (b != null) {
            b.reportUncaught(error);
        } else {
            Thread t = Thread.currentThread();
            t.getUncaughtExceptionHandler().uncaughtException(t, error);
        }
    }

    /**
     * @param scheduler a scheduler
     * @return true once {@code dispose()} was called: running threads are being interrupted. A
     *     graceful dispose alone does not count: it lets running tasks finish.
     */
    public static boolean stoppedAtOnce(KTaskScheduler scheduler) {
        return bridge.stoppedAtOnce(scheduler);
    }

    /**
     * Before a task signals its subscriber: a helper or task thread (at the helpers' low nice)
     * raises itself to the process's normal nice, so downstream code never runs at helper
     * priority. Any other thread: nothing happens.
     *
     * @return what to pass to {@link #leaveSignalPriority(int)} after the signal
     */
    public static int enterSignalPriority() {
        return bridge.enterSignalPriority();
    }

    /**
     * After the signal: puts back the nice that {@link #enterSignalPriority()} replaced.
     *
     * @param previous what {@link #enterSignalPriority()} returned
     */
    public static void leaveSignalPriority(int previous) {
        bridge.leaveSignalPriority(previous);
    }

    /**
     * Blocking compensation for one task: spare helpers that run {@code body} while a thread of
     * the task is blocked in a call it declared (see {@link TaskSpares} and {@link SpareBody}).
     * Call once per task, before its chunks run.
     *
     * @param scheduler whose spare limit and helper threads to use
     * @param body what a spare runs
     * @return the task's spares, to {@link TaskSpares#bind() bind} its threads to
     * @throws NullPointerException if {@code body} is null
     */
    public static TaskSpares spares(KTaskScheduler scheduler, SpareBody body) {
        return bridge.spares(scheduler, body);
    }

    /**
     * Binds the calling thread back to what {@link TaskSpares#bind()} returned: a task, or none.
     *
     * @param previous the earlier binding, or null
     */
    public static void restoreSpares(@Nullable TaskSpares previous) {
        bridge.restoreSpares(previous);
    }

    /**
     * Declares that the calling thread is about to block, and starts a spare for the task it is
     * bound to if the rules of {@link TaskSpares} allow. Any thread; one bound to no task gets no
     * spare.
     *
     * @return what to close, on this thread, once the blocking call has returned; never null
     * @throws RuntimeException if a {@code Schedulers.onScheduleHook} throws (no spare started)
     */
    public static TaskSpares.Blocked blocked() {
        return bridge.blocked();
    }
}
