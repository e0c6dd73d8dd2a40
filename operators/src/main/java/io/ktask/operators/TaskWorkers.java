package io.ktask.operators;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BooleanSupplier;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.internal.SpareBody;
import io.ktask.scheduler.internal.TaskHandle;
import reactor.core.Exceptions;

/**
 * Who runs a task's chunks: its own thread and the helpers it leases, and nobody else. The own
 * thread is the caller while its first {@code request} runs (when it may run chunks), else a
 * task thread of the scheduler started on demand; it is never counted against the helper
 * limits. An upstream's pushing thread and a downstream's requesting thread only ever wake
 * workers: they never run a chunk, so an upstream keeps producing while chunks run and a
 * downstream's delivery loop is never turned into a worker. Threadlets: a helper is leased only
 * for work beyond the own thread's next chunk.
 *
 * <p>Lost wakeups: a worker leaves only after it has freed its slot and looked at the source once
 * more, and a waker reads the slots after it made work claimable; one of the two always sees the
 * other (both sides write, then read, through atomics).
 */
final class TaskWorkers implements SpareBody {

    /**
     * How long a task waits after a refused lease before it asks for helpers again, at its next
     * chunk. Back-to-back tasks meet this often: the previous task's helper returns its permit
     * just after that task's last signal, so the next task's first lease may find it still out.
     */
    static final long LEASE_RETRY_NANOS = 100_000;

    private final RunningTask<?> task;
    private final KTaskScheduler scheduler;
    private final TaskHandle handle;

    volatile int helperTarget;
    volatile long leaseRetryAt; // 0, or System.nanoTime() before which no lease is attempted
    volatile int ownActive;
    volatile int helpersActive;
    /**
     * The thread that made the first request, once it runs the own loop. Benign race: written by
     * that thread before its loop and compared by every worker with itself, so another thread
     * that reads it stale (null) still finds it is not that thread.
     */
    private Thread callingThread;

    static final AtomicIntegerFieldUpdater<TaskWorkers> OWN_ACTIVE =
            AtomicIntegerFieldUpdater.newUpdater(TaskWorkers.class, "ownActive");
    static final AtomicIntegerFieldUpdater<TaskWorkers> HELPERS_ACTIVE =
            AtomicIntegerFieldUpdater.newUpdater(TaskWorkers.class, "helpersActive");

    TaskWorkers(RunningTask<?> task, KTaskScheduler scheduler, TaskHandle handle) {
        this.task = task;
        this.scheduler = scheduler;
        this.handle = handle;
    }

    void helperTarget(int helpers) {
        helperTarget = Math.max(0, helpers);
    }

    /** The first request's thread will run the own loop: wake-ups meanwhile start no other. */
    void reserveOwnSlot() {
        ownActive = 1; // before any worker exists: the task has not started yet
    }

    /** The reserved own slot will not be used (the source failed to start). */
    void releaseOwnSlot() {
        ownActive = 0;
    }

    /** After {@link #reserveOwnSlot()}: the calling thread runs chunks (ktask: the caller runs). */
    void runOwnLoopHere() {
        callingThread = Thread.currentThread();
        ownLoop();
    }

    /** @return whether the current thread is the one that made the first request and runs chunks */
    boolean onCallingThread() {
        return Thread.currentThread() == callingThread;
    }

    /**
     * Chunks may be claimable: makes sure threads will run them, never running one here. Any
     * thread; an error starting a thread (a throwing {@code onSchedule} hook) fails the task.
     */
    void wakeUp() {
        if (task.stopped()) {
            return;
        }
        long backlog = task.source().backlog();
        if (backlog == 0) {
            return;
        }
        if (backlog > 1 || ownActive != 0) {
            helpersWanted(); // threadlets: helpers only for work beyond the own thread's next chunk
        }
        // Benign race: helpersActive may be stale; at worst one own thread starts that finds
        // nothing left, or none starts while a helper that is leaving re-checks the source.
        if (ownActive == 0 && backlog > helpersActive && OWN_ACTIVE.compareAndSet(this, 0, 1)) {
            startOwnThread();
        }
    }

    private void startOwnThread() {
        boolean started;
        try {
            started = SchedulerInternals.startTaskThread(scheduler, task.homeNode(), this::ownLoop);
        } catch (Throwable e) {
            ownActive = 0;
            failTask(e);
            return;
        }
        if (started) {
            return;
        }
        if (SchedulerInternals.stoppedAtOnce(scheduler)) {
            ownActive = 0;
            failTask(Exceptions.failWithRejected());
        } else {
            // A graceful dispose refuses new threads but lets running tasks finish: on this one.
            ownLoop();
        }
    }

    private void failTask(Throwable e) {
        task.fail(e, null);
        task.drain();
        Exceptions.throwIfJvmFatal(e);
    }

    /**
     * Reserves helper slots up to the target, then leases and starts as many as the limits allow.
     * After a refusal the task waits {@link #LEASE_RETRY_NANOS} before asking again: a saturated
     * machine is not asked once per chunk, and the refusal counters keep their meaning. An error
     * (a throwing {@code onSchedule} hook) fails the task; the caller's worker loop or wake-up
     * then drains.
     */
    void helpersWanted() {
        if (leaseRetryAt != 0 && System.nanoTime() - leaseRetryAt < 0) {
            return;
        }
        int want;
        for (;;) {
            int active = helpersActive;
            want = helperTarget - active;
            if (want <= 0 || task.stopped()) {
                return;
            }
            if (HELPERS_ACTIVE.compareAndSet(this, active, active + want)) {
                break;
            }
        }
        int started = 0;
        try {
            if (task.spec().allNodes) {
                for (int i = 0; i < want; i++) {
                    started += launch(1, helperNode(i));
                }
            } else {
                started = launch(want, task.homeNode());
            }
        } catch (Throwable e) {
            task.fail(e, null);
            Exceptions.throwIfJvmFatal(e);
        } finally {
            HELPERS_ACTIVE.addAndGet(this, started - want); // give back the slots nobody filled
            // Benign race: concurrent wakers may both write; either deadline is a fine back-off.
            leaseRetryAt = started < want ? System.nanoTime() + LEASE_RETRY_NANOS : 0;
        }
    }

    /**
     * @return true if the helper this task would lease first finds a thread awake and joins at
     *     once (see {@link TaskHandle#helperAwake}): a hint, for a task too small to wake one
     */
    boolean helperAwake() {
        return handle.helperAwake(task.spec().allNodes ? helperNode(0) : task.homeNode());
    }

    /** @return the node of an {@code allNodes} task's {@code i}th helper: the nodes after its own in turn */
    private int helperNode(int i) {
        return (task.homeNode() + 1 + i) % task.topology().nodeCount();
    }

    /**
     * Before each chunk: a task short of helpers after a refusal asks again once the back-off has
     * passed. One volatile read when nothing was refused.
     */
    void retryRefusedHelpers() {
        // Benign race: stale reads only move the retry to the next chunk, or make one extra attempt.
        if (leaseRetryAt != 0 && helpersActive < helperTarget) {
            helpersWanted();
        }
    }

    private int launch(int count, int node) {
        HelperLease lease;
        try {
            lease = handle.lease(count, node);
        } catch (RejectedExecutionException e) {
            return 0; // disposed scheduler: the task goes on with the threads it has
        }
        int started = 0;
        try {
            for (int i = 0; i < lease.granted(); i++) {
                int helperNode = lease.node(i);
                if (lease.start(i, () -> helperLoop(helperNode))) {
                    started++;
                }
            }
        } finally {
            lease.close();
        }
        return started;
    }

    private void helperLoop(int leasedNode) {
        int node = leasedNode == NodeTopology.ANY_NODE ? scheduler.currentNode() : leasedNode;
        for (;;) {
            try {
                task.workLoop(node, true, null);
            } finally {
                HELPERS_ACTIVE.decrementAndGet(this); // also when a JVM-fatal error is rethrown
            }
            // Work may have appeared after our last claim but before the decrement, when a waker
            // still counted us as active: look once more, and come back if a slot is free.
            if (task.stopped() || !task.source().hasClaimable() || !reserveHelperSlot()) {
                return;
            }
        }
    }

    /**
     * A spare helper standing in for a thread of this task blocked in {@code KTask.blocking}: runs
     * chunks until the blocked call returns or none is left. It holds no helper slot
     * ({@code helpersActive}), so no waker counts on it and none waits for it.
     */
    @Override
    public void run(int spareNode, BooleanSupplier released) {
        task.workLoop(spareNode == NodeTopology.ANY_NODE ? scheduler.currentNode() : spareNode, true, released);
    }

    private boolean reserveHelperSlot() {
        for (;;) {
            int active = helpersActive;
            if (active >= helperTarget) {
                return false;
            }
            if (HELPERS_ACTIVE.compareAndSet(this, active, active + 1)) {
                return true;
            }
        }
    }

    private void ownLoop() {
        for (;;) {
            try {
                task.workLoop(task.homeNode(), false, null);
            } finally {
                ownActive = 0; // also when a JVM-fatal error is rethrown
            }
            // Same lost-wakeup guard as helpers: the slot is free again before we look.
            if (task.stopped() || !task.source().hasClaimable() || !OWN_ACTIVE.compareAndSet(this, 0, 1)) {
                willPriority();
                return;
            }
        }
    }

    /**
     * The own thread is out of chunks while helpers still run theirs: lend them its priority, one
     * helper at a time (ktask wills the caller's priority), so that a starved low-priority helper
     * does not hold the task up with the last chunk. Benign race: the read may be stale; a lend to
     * helpers that just finished is a no-op, and the next own-loop exit looks again.
     */
    private void willPriority() {
        if (helpersActive != 0) {
            handle.lendPriority();
        }
    }
}
