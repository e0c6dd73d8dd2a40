package io.ktask.operators;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.TaskListener;
import io.ktask.scheduler.internal.SchedulerInternals;
import reactor.core.Exceptions;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Schedulers;
import reactor.util.annotation.Nullable;

/**
 * How a stopped task ends: its abort (all or nothing: undo every finished, undelivered chunk in
 * ascending order, then signal), run once per task by a drain pass or by the task thread it was
 * handed to off a non-blocking one, and the task's membership in its operator's
 * {@link RollbackGate} from its stop to the end of its undo.
 *
 * @param <T> the upstream element type
 * @param <R> the chunk result type
 */
final class TaskAbort<T, R> {

    private final TaskRun<T, R> run;
    private final RunningTask<T> task;
    private final KTaskScheduler scheduler;
    private final RollbackGate gate;
    private final boolean undoes;

    /** This task's part in its operator's rollback gate: 0 none, 1 entered, 2 left. */
    private volatile int gateState;
    /** The abort was handed to a task thread, off a non-blocking one (0 or 1). */
    private volatile int undoHandedOff;
    /** The abort ran (0 or 1): a drain pass and the undo thread may both reach it. */
    private volatile int aborted;
    /** The abort has undone and signalled (its failure reported). */
    private volatile boolean abortDone;

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<TaskAbort> GATE_STATE =
            AtomicIntegerFieldUpdater.newUpdater(TaskAbort.class, "gateState");
    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<TaskAbort> ABORTED =
            AtomicIntegerFieldUpdater.newUpdater(TaskAbort.class, "aborted");
    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<TaskAbort> UNDO_HANDED_OFF =
            AtomicIntegerFieldUpdater.newUpdater(TaskAbort.class, "undoHandedOff");

    TaskAbort(TaskRun<T, R> run, RunningTask<T> task, KTaskScheduler scheduler, RollbackGate gate) {
        this.run = run;
        this.task = task;
        this.scheduler = scheduler;
        this.gate = gate;
        this.undoes = run.spec.undo != null;
    }

    /**
     * Undoes and signals (the drain closes the handle once its last pass is over). Once per task:
     * a drain pass, or the task thread an abort was handed to.
     *
     * @return the first JVM-fatal error an undo threw, to rethrow once the task has ended, or null
     */
    @Nullable
    Throwable runOnce() {
        if (!ABORTED.compareAndSet(this, 0, 1)) {
            return null;
        }
        try {
            return abortOnce();
        } finally {
            abortDone = true; // after the signal: passes may now drop late failures and close
        }
    }

    /**
     * An abort that runs on the undo thread holds no wip: until it has signalled, a pass that
     * meets {@code terminated} must neither drop the failure, close the handle nor open the
     * rollback gate; the undo thread's drain after the abort does that.
     */
    boolean settled() {
        return aborted == 0 || abortDone;
    }

    @Nullable
    private Throwable abortOnce() {
        TaskFailures<T> failures = run.failures;
        run.ended(run.cancelled || failures.cause() == null
                ? TaskListener.Outcome.CANCELLED : TaskListener.Outcome.FAILED);
        task.source().cancel();
        run.absorbFinished(true); // results not absorbed yet: a failed merge interrupted the drain
        Rollback<T, R> rollback = new Rollback<>(run.spec.undo, task.context());
        Object partial = run.mode.abandon(rollback);
        if (partial != null) {
            Operators.onDiscard(partial, task.context());
        }
        leaveGate(); // before the signal: a retry it triggers starts at once
        run.reports.progressEnded(false);
        if (failures.cause() == null) {
            rollback.dropFailures(); // cancelled without failure: no subscriber to tell
            return rollback.fatal();
        }
        Throwable error = failures.report(rollback);
        if (run.cancelled) {
            Operators.onErrorDropped(error, task.context());
        } else {
            run.reports.signal(null, error);
        }
        return rollback.fatal();
    }

    /**
     * Undo runs where blocking is allowed: on a non-blocking thread (a {@code timeout}'s cancel
     * on {@code parallel()}, an event loop's onError) the abort moves to a task thread of the
     * scheduler. Once per task; if no thread can be started (a disposed scheduler, a refusing
     * hook) the undo runs here rather than never.
     *
     * @return true if the abort now belongs to that task thread
     */
    boolean handedOff() {
        if (!undoes || !Schedulers.isInNonBlockingThread()) {
            return false;
        }
        if (undoHandedOff != 0 || !UNDO_HANDED_OFF.compareAndSet(this, 0, 1)) {
            return true; // handed off already: that thread aborts
        }
        try {
            return SchedulerInternals.startTaskThread(scheduler, task.homeNode(), this::abortOnUndoThread);
        } catch (Throwable e) {
            run.fail(e, null); // a refusing hook: a later failure of this already stopping task
            return false;
        }
    }

    /**
     * The task thread an abort was handed to. It aborts without taking wip: once the task is
     * stopped and idle no chunk runs and nothing is left to absorb, so a pass that runs meanwhile
     * (on the non-blocking thread) changes no drain state, and {@code aborted} makes the abort
     * happen once. Taking wip instead would mean spinning behind such a pass, or leaving it a
     * "missed" mark that it would hand off again. What earlier passes wrote is visible here: the
     * handing pass started this thread after it absorbed the last results. The drain call after
     * it closes the task.
     */
    private void abortOnUndoThread() {
        Throwable fatal = runOnce();
        run.drain();
        if (fatal != null) {
            Exceptions.throwIfJvmFatal(fatal);
        }
    }

    /** The task stopped: with an undo to run, the operator's next attempt waits for it. */
    void enterGate() {
        if (undoes && GATE_STATE.compareAndSet(this, 0, 1)) {
            gate.enter();
        }
    }

    void leaveGate() {
        if (gateState == 1 && GATE_STATE.compareAndSet(this, 1, 2)) {
            gate.exit();
        }
    }
}
