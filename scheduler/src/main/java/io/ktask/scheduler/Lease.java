package io.ktask.scheduler;

import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.TaskHandle;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerArray;

import reactor.core.scheduler.Schedulers;
import reactor.util.annotation.Nullable;

/**
 * The {@link HelperLease} of {@link KTaskScheduler#lease(int, int)}. Each slot holds one permit
 * and moves once, by CAS, from {@link #FREE} to {@link #STARTED} (the running body returns the
 * permit) or to {@link #CLOSED} ({@link #close()} returns it): whichever wins returns the permit,
 * so it is returned exactly once.
 */
final class Lease implements HelperLease {

    private static final int FREE = 0;
    private static final int STARTED = 1;
    private static final int CLOSED = 2;

    private final KTaskScheduler scheduler;
    private final HelperLimits limits;
    private final int[] nodes;
    private final AtomicIntegerArray slots;
    /** The task whose helpers these are ({@link TaskHandle#lease}), or null. */
    @Nullable
    private final LentPriority lending;

    Lease(KTaskScheduler scheduler, HelperLimits limits, int[] nodes, @Nullable LentPriority lending) {
        this.scheduler = scheduler;
        this.limits = limits;
        this.nodes = nodes;
        this.lending = lending;
        this.slots = new AtomicIntegerArray(nodes.length);
    }

    @Override
    public int granted() {
        return nodes.length;
    }

    @Override
    public int node(int helper) {
        return nodes[Objects.checkIndex(helper, nodes.length)];
    }

    @Override
    public boolean start(int helper, Runnable body) {
        Objects.checkIndex(helper, nodes.length);
        Objects.requireNonNull(body, "body");
        // Wins against a second start() and against close(): only the winner owns the permit.
        if (!slots.compareAndSet(helper, FREE, STARTED)) {
            throw new IllegalStateException("helper " + helper + " of this lease was "
                    + (slots.get(helper) == CLOSED ? "closed" : "already started"));
        }
        int node = nodes[helper];
        if (scheduler.isDisposed()) {
            limits.release(node);
            return false;
        }
        try {
            Runnable task = Schedulers.onSchedule(body);
            scheduler.startHelper(node, () -> runHelper(task, node));
            return true;
        } catch (RejectedExecutionException e) {
            // The scheduler was disposed between the check above and startHelper().
            limits.release(node);
            return false;
        } catch (Throwable e) {
            // An onSchedule hook failed: the body will never run, so its permit is ours to return.
            limits.release(node);
            throw e;
        }
    }

    private void runHelper(Runnable task, int node) {
        Running running = new Running(node);
        KTaskThread thread = Thread.currentThread() instanceof KTaskThread t ? t : null;
        Throwable error = null;
        try {
            if (lending != null) {
                running.helper = lending.enter();
            }
            if (thread != null) {
                thread.running = running;
            }
            task.run();
        } catch (Throwable e) {
            error = e;
        } finally {
            if (thread != null) {
                thread.running = null;
            }
            running.finish();
        }
        if (error != null) {
            KTaskThread.reportUncaught(error);
        }
    }

    /**
     * Returns the permit of the helper body running on the calling thread now, see
     * {@link io.ktask.scheduler.internal.SchedulerInternals#returnPermitNow()}.
     */
    static boolean returnCurrentPermit() {
        Running running = Thread.currentThread() instanceof KTaskThread t ? t.running : null;
        return running != null && running.returnPermit();
    }

    /**
     * One helper body while it runs. Confined to the helper's thread: the body (through
     * {@link #returnCurrentPermit()}) and {@link #runHelper} call it, never at once.
     */
    final class Running {
        private final int node;
        @Nullable
        LentPriority.Helper helper;
        private boolean permitReturned;

        Running(int node) {
            this.node = node;
        }

        /**
         * Returns the permit, once; false if already returned. The body keeps a lent priority
         * until it ends: a body that returns its permit early is about to make its task's last
         * signal, which the task's own thread waits for, and at the helpers' nice a busy machine
         * would hold that signal up for milliseconds (priority inversion).
         */
        boolean returnPermit() {
            if (permitReturned) {
                return false;
            }
            permitReturned = true;
            limits.release(node);
            return true;
        }

        /** The body ended: back to the helpers' nice, then the permit if the body kept it. */
        void finish() {
            try {
                if (helper != null) {
                    lending.leave(helper); // before the thread can take another body
                }
            } finally {
                returnPermit();
            }
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < nodes.length; i++) {
            // Loses only to start(): then the running body returns that permit.
            if (slots.compareAndSet(i, FREE, CLOSED)) {
                limits.release(nodes[i]);
            }
        }
    }

    @Override
    public String toString() {
        return "HelperLease(granted=" + nodes.length + ", nodes=" + Arrays.toString(nodes) + ")";
    }
}
