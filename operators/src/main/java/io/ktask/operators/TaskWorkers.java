package io.ktask.operators;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import io.ktask.scheduler.HelperLease;
import io.ktask.scheduler.KTaskScheduler;
import reactor.core.Exceptions;

/**
 * Who runs a task's chunks: its own thread (the caller, or a task thread of the scheduler) and
 * the helpers it leases. Threadlets: a helper is leased only for work beyond the own thread's next
 * chunk, and a signalling thread runs chunks only when it must.
 *
 * <p>Lost wakeups: a worker leaves only after it has freed its slot and looked at the source once
 * more, and a waker reads the slots after it made work claimable; one of the two always sees the
 * other (both sides write, then read, through atomics).
 */
final class TaskWorkers {

    /**
     * How long a task waits after a refused lease before it asks for helpers again, at its next
     * chunk. Back-to-back tasks meet this often: the previous task's helper returns its permit
     * just after that task's last signal, so the next task's first lease may find it still out.
     */
    static final long LEASE_RETRY_NANOS = 100_000;

    private final TaskRun<?, ?> run;

    volatile int helperTarget;
    volatile long leaseRetryAt; // 0, or System.nanoTime() before which no lease is attempted
    volatile int ownActive;
    volatile int helpersActive;

    static final AtomicIntegerFieldUpdater<TaskWorkers> OWN_ACTIVE =
            AtomicIntegerFieldUpdater.newUpdater(TaskWorkers.class, "ownActive");
    static final AtomicIntegerFieldUpdater<TaskWorkers> HELPERS_ACTIVE =
            AtomicIntegerFieldUpdater.newUpdater(TaskWorkers.class, "helpersActive");

    TaskWorkers(TaskRun<?, ?> run) {
        this.run = run;
    }

    /** {@link #wakeUp}: the waking thread runs chunks (the first request: ktask's caller runs). */
    static final int INLINE = 0;
    /** {@link #wakeUp}: the waking thread runs chunks only if helpers do not cover the backlog. */
    static final int INLINE_IF_UNHELPED = 1;
    /** {@link #wakeUp}: a worker of the task, active itself; it re-checks before it leaves. */
    static final int NO_INLINE = 2;

    /** A source has chunks that may be claimable: make sure someone runs them. */
    void wakeUp(int inline) {
        if (run.stopped()) {
            return;
        }
        long backlog = run.source().backlog();
        if (backlog == 0) {
            return;
        }
        if (backlog > 1 || ownActive != 0) {
            helpersWanted(); // threadlets: helpers only for work beyond the own thread's next chunk
        }
        if (ownActive != 0) {
            return;
        }
        if (run.spec.callerRuns) {
            boolean runHere = inline == INLINE || (inline == INLINE_IF_UNHELPED && backlog > helpersActive);
            if (runHere && OWN_ACTIVE.compareAndSet(this, 0, 1)) {
                ownLoop();
            }
        } else if (OWN_ACTIVE.compareAndSet(this, 0, 1) && !run.scheduler.startTaskThread(run.homeNode(), this::ownLoop)) {
            ownActive = 0;
            run.fail(Exceptions.failWithRejected(), KTaskException.NO_CHUNK);
            run.drain();
        }
    }

    void helperTarget(int helpers) {
        helperTarget = Math.max(0, helpers);
    }

    /**
     * Reserves helper slots up to the target, then leases and starts as many as the limits allow.
     * After a refusal the task waits {@link #LEASE_RETRY_NANOS} before asking again: a saturated
     * machine is not asked once per chunk, and the refusal counters keep their meaning.
     */
    void helpersWanted() {
        if (leaseRetryAt != 0 && System.nanoTime() - leaseRetryAt < 0) {
            return;
        }
        int want;
        for (;;) {
            int active = helpersActive;
            want = helperTarget - active;
            if (want <= 0 || run.stopped()) {
                return;
            }
            if (HELPERS_ACTIVE.compareAndSet(this, active, active + want)) {
                break;
            }
        }
        int started = 0;
        try {
            if (run.spec.allNodes) {
                int nodes = run.scheduler.topology().nodeCount();
                for (int i = 0; i < want; i++) {
                    started += launch(1, (run.homeNode() + 1 + i) % nodes);
                }
            } else {
                started = launch(want, run.homeNode());
            }
        } finally {
            HELPERS_ACTIVE.addAndGet(this, started - want); // give back the slots nobody filled
            // Benign race: concurrent wakers may both write; either deadline is a fine back-off.
            leaseRetryAt = started < want ? System.nanoTime() + LEASE_RETRY_NANOS : 0;
        }
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
            lease = run.handle().lease(count, node);
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
        int node = leasedNode == KTaskScheduler.ANY_NODE ? run.scheduler.currentNode() : leasedNode;
        for (;;) {
            try {
                run.workLoop(node, true);
            } finally {
                HELPERS_ACTIVE.decrementAndGet(this); // also when a JVM-fatal error is rethrown
            }
            // Work may have appeared after our last claim but before the decrement, when a waker
            // still counted us as active: look once more, and come back if a slot is free.
            if (run.stopped() || !run.source().hasClaimable() || !reserveHelperSlot()) {
                return;
            }
        }
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
                run.workLoop(run.homeNode(), false);
            } finally {
                ownActive = 0; // also when a JVM-fatal error is rethrown
            }
            // Same lost-wakeup guard as helpers: the slot is free again before we look.
            if (run.stopped() || !run.source().hasClaimable() || !OWN_ACTIVE.compareAndSet(this, 0, 1)) {
                willPriority();
                return;
            }
        }
    }

    /**
     * The own thread is out of chunks while helpers still run theirs: lend them its priority, one
     * helper at a time (ktask wills the caller's priority), so that a starved low-priority helper
     * does not hold the task up with the last chunk. Benign race: both reads may be stale; a lend to
     * helpers that just finished is a no-op, and the next own-loop exit looks again.
     */
    private void willPriority() {
        if (helpersActive != 0 && run.inFlight != 0) {
            run.handle().lendPriority();
        }
    }
}
