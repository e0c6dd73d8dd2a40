package io.ktask.operators;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import io.ktask.operators.FinishedChunks.Finished;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.TaskListener;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.internal.TaskHandle;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Operators;
import reactor.util.annotation.Nullable;
import reactor.util.context.Context;

/**
 * How one task ends: its in-flight count, its stop flags (failure, cancel), the drain that makes
 * every decision, and the abort it starts. Downstream sees the task through its
 * {@link TaskSubscription}, sources and workers through its {@link TaskSetup}.
 *
 * <p>Protocol. A thread claims a chunk by first counting itself in {@code inFlight} (once for a
 * run of claims, {@link ClaimLoop}) and only then reading the stop flags (failure, cancel);
 * whoever decides the task's end reads the flags first and {@code inFlight} second. Either the
 * claimer sees the flag and backs out, or the decider sees the claimer in flight and leaves the
 * end to that claimer's own {@link #drain()} call: no chunk starts after the end is decided, and
 * no thread waits for another. Every decision (deliver, undo, signal) is made in {@link #drain()},
 * serialized by {@code wip}; what results do is the {@link ResultMode}'s, where chunks come from
 * the {@link ChunkSource}'s, which threads run them the {@link TaskWorkers}', how failures are
 * kept the {@link TaskFailures}', how a stopped task undoes the {@link TaskAbort}'s, and who is
 * told the {@link TaskReports}'.
 */
final class TaskRun<T, R> {

    final KTaskSpec<T, R> spec;
    final KTaskScheduler scheduler;
    final ResultMode<T, R> mode;
    final FinishedChunks<T, R> finished = new FinishedChunks<>();
    final TaskFailures<T> failures = new TaskFailures<>();
    /** The task as its source and workers see it: they are given this, never the TaskRun. */
    final TaskSetup<T, R> task;
    final TaskReports<R> reports;
    final TaskSubscription<T, R> subscription;
    private final TaskAbort<T, R> abort;

    private volatile int inFlight;
    volatile boolean cancelled;
    private volatile int wip;

    // Drain-only state: touched by one thread at a time (wip).
    volatile boolean terminated; // volatile only for the subscription's scanUnsafe and request() readers
    private long retiredInPass;           // results that left in this pass, for the source after it
    private boolean openedInPass;         // a delivery opened the window: wake workers after the pass
    @Nullable
    private Throwable fatalInPass;        // a JVM-fatal error from merge or undo: rethrown after the pass

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<TaskRun> IN_FLIGHT =
            AtomicIntegerFieldUpdater.newUpdater(TaskRun.class, "inFlight");
    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<TaskRun> WIP =
            AtomicIntegerFieldUpdater.newUpdater(TaskRun.class, "wip");

    TaskRun(CoreSubscriber<? super R> actual, KTaskSpec<T, R> spec, KTaskScheduler scheduler, RollbackGate gate) {
        this.spec = spec;
        this.scheduler = scheduler;
        Context context = actual.currentContext();
        this.mode = ResultMode.of(spec, actual);
        TaskProgress progress = spec.progress == null ? null : new TaskProgress(spec.progress, context);
        // Opened here, before any signal can end the task, so that every end closes it.
        TaskHandle handle = SchedulerInternals.openTask(scheduler);
        this.task = new TaskSetup<>(this, context, scheduler, gate, handle); // reads the fields set above
        this.reports = new TaskReports<>(actual, spec, handle, progress, task);
        this.abort = new TaskAbort<>(this, task, scheduler, gate);
        this.subscription = new TaskSubscription<>(this, task, actual);
    }

    /** See {@link RunningTask#stopped}: the task failed or was cancelled. */
    boolean stopped() {
        return failures.cause() != null || cancelled;
    }

    /** A worker is about to claim: counted before it reads the stop flags. */
    void enterFlight() {
        IN_FLIGHT.incrementAndGet(this);
    }

    /** @return whether a worker besides the calling one (which is in flight) is in flight */
    boolean othersInFlight() {
        return inFlight > 1;
    }

    /**
     * @return whether, besides the calling worker (in flight, its own results drained), another
     *     is in flight or has left a result not yet absorbed or is absorbing it: a helper pushes
     *     its last result, leaves, then drains it, and the drain pass that finds the task idle
     *     makes the last signal on its thread. Read in that order, one of the three holds from
     *     the push to the end of that pass, unless a third thread's pass (a {@code request}, an
     *     upstream's completion) absorbed the result while the helper was still in flight: then
     *     the caller may stop waiting just before the helper's own pass, and whichever of the
     *     two gets {@code wip} signals. Only the wait's gain is lost; the last to leave still
     *     drains.
     */
    boolean othersAtWork() {
        return inFlight > 1 || !finished.isEmpty() || wip != 0;
    }

    /** @return true if the worker that leaves was the last one in flight */
    boolean leaveFlight() {
        return IN_FLIGHT.decrementAndGet(this) == 0;
    }

    /** See {@link RunningTask#fail}. */
    void fail(Throwable e, @Nullable Chunk<T> chunk) {
        if (failures.record(e, chunk)) {
            abort.enterGate();
            task.source().cancel();
        }
    }

    /** See {@link TaskSubscription#cancel()}. */
    void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        abort.enterGate();
        task.source().cancel();
        drain();
    }

    // ------------------------------------------------------------------ drain: all decisions

    /** See {@link RunningTask#drain}. */
    void drain() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        drainLoop();
    }

    /** Runs passes until none is missed; the caller holds wip. */
    private void drainLoop() {
        int missed = 1;
        long retire = 0;
        boolean wake = false;
        Throwable fatal = null;
        for (;;) {
            try {
                if (!terminated) {
                    drainOnce();
                } else if (abort.settled()) {
                    failures.dropLate(task.context());
                }
            } catch (Throwable e) {
                // Foreign code threw inside the pass (a merge, a downstream signal, a hook): the
                // task fails, and one more pass, queued while we still hold wip, decides. Deciding
                // now would trust an inFlight read made before the flag, while a claimer may have
                // slipped past it since.
                fail(e, null);
                WIP.getAndIncrement(this);
                if (Exceptions.isJvmFatal(e)) {
                    fatal = TaskFailures.alongside(fatal, e);
                }
            }
            fatal = TaskFailures.alongside(fatal, fatalInPass);
            fatalInPass = null;
            retire += retiredInPass; // read and reset under wip: the next owner starts from 0
            retiredInPass = 0;
            wake |= openedInPass;
            openedInPass = false;
            missed = WIP.addAndGet(this, -missed);
            if (missed == 0) {
                break;
            }
        }
        if (terminated && abort.settled()) {
            abort.leaveGate(); // a stop after the end (a late cancel or failure) undid nothing
            // After the pass that ended the task and every pass queued behind it, so a failure
            // that arrived during the last one (an upstream's onError after our cancel) has been
            // dropped: "no task running" means every signal of this task was made. Idempotent.
            reports.close();
        } else if (!terminated) {
            // Outside the pass: asking the upstream for more runs its code (and its onNext) here,
            // and waking workers may start threads and run hooks.
            if (retire != 0) {
                task.source().retired(retire);
            }
            if (wake) {
                task.workers().wakeUp();
            }
        }
        if (fatal != null) {
            Exceptions.throwIfJvmFatal(fatal); // wip is released: the task still ends, the thread learns too
        }
    }

    private void drainOnce() {
        if (!task.callerRuns() && !stopped() && SchedulerInternals.stoppedAtOnce(scheduler)) {
            // The task's own thread belongs to a scheduler that is interrupting every thread it
            // runs: abort now (undo, then signal). A graceful dispose lets the task finish.
            fail(Exceptions.failWithRejected(), null);
        }
        // Read order matters: stop flags, then source exhaustion, then inFlight, then results.
        boolean stop = stopped();
        boolean sourceDone = task.source().done();
        boolean idle = inFlight == 0;
        if (!stop && idle && stopped()) {
            // A chunk failed and left inFlight between our two reads (it records the failure
            // before it leaves). Deciding now could complete over that failure, or abort while a
            // claimer that missed the flag still runs. Its own drain() call after leaving is
            // queued behind ours (we hold wip), so the next pass reads the flag first and decides.
            return;
        }
        absorbFinished(stop);
        if (stop) {
            if (idle) {
                abortHere();
            }
            return;
        }
        long demand = subscription.requested;
        long delivered = mode.deliver(demand, task);
        if (delivered != 0) {
            retiredInPass += delivered;
            openedInPass = true;
            if (spec.merge == null && demand != Long.MAX_VALUE) {
                subscription.emitted(delivered); // ordered: each delivery was an onNext
            }
        }
        if (sourceDone && idle && finished.isEmpty() && mode.settled()) {
            complete(mode.finish());
        }
    }

    /** Moves every finished chunk into the result mode (or, when stopping, keeps it for undo). */
    void absorbFinished(boolean stop) {
        long absorbed = 0;
        long units = 0;
        // Newest first: the mode parks out-of-order ones; a lone in-order one is taken at once.
        Finished<T, R> rest = finished.takeAll();
        try {
            while (rest != null) {
                Finished<T, R> f = rest;
                rest = f.next; // advanced first: if f's merge throws, rest is what is left
                f.next = null;
                absorbed++;
                units += f.units;
                if (stop) {
                    mode.keep(f);
                } else {
                    retiredInPass += mode.absorb(f);
                }
            }
        } finally {
            // The merge threw (f was discarded): the task fails, keep the others for its undo.
            for (Finished<T, R> f; rest != null; absorbed++) {
                f = rest;
                rest = f.next;
                f.next = null;
                units += f.units;
                mode.keep(f);
            }
            if (absorbed != 0) {
                reports.absorbed(absorbed, units);
            }
        }
    }

    private void complete(@Nullable R result) {
        if (cancelled) {
            // A cancel that arrived while we merged: nothing is emitted, everything undone. An
            // eager merge's value was taken out of the mode already: it goes to the discard hook
            // here (with an undo the results are still parked, and the abort discards those).
            if (result != null && spec.undo == null) {
                Operators.onDiscard(result, task.context());
            }
            abortHere();
            return;
        }
        ended(TaskListener.Outcome.COMPLETED);
        reports.progressEnded(true);
        reports.signal(result, null);
    }

    /** The stopped task is idle: it aborts in this pass, unless the abort goes to an undo thread. */
    private void abortHere() {
        if (!abort.handedOff()) {
            fatalInPass = abort.runOnce();
        }
    }

    /** The end is decided: the scheduler learns how; the drain closes the handle once its last pass is over. */
    void ended(TaskListener.Outcome outcome) {
        reports.ended(outcome);
        terminated = true;
    }
}
