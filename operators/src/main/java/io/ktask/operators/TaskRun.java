package io.ktask.operators;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.BooleanSupplier;

import io.ktask.operators.FinishedChunks.Finished;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.internal.TaskHandle;
import io.ktask.scheduler.TaskListener;
import io.ktask.scheduler.internal.TaskSpares;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Schedulers;
import reactor.util.annotation.Nullable;
import reactor.util.context.Context;

/**
 * One task: the subscription handed downstream, and how the task ends.
 *
 * <p>Protocol. A thread claims a chunk by first counting itself in {@code inFlight} (once for a
 * run of claims) and only then reading the stop flags (failure, cancel); whoever decides the
 * task's end reads the flags first and {@code inFlight} second. Either the claimer sees the flag
 * and backs out, or the decider sees the claimer in flight and leaves the end to that claimer's
 * own {@link #drain()} call: no chunk starts after the end is decided, and no thread waits for
 * another. Every decision (deliver, undo, signal) is made in {@link #drain()}, serialized by
 * {@code wip}; what results do is the {@link ResultMode}'s, where chunks come from the
 * {@link ChunkSource}'s, and which threads run them the {@link TaskWorkers}'.
 */
final class TaskRun<T, R> implements Subscription, Scannable, RunningTask<T> {

    final CoreSubscriber<? super R> actual;
    final KTaskSpec<T, R> spec;
    final KTaskScheduler scheduler;
    private final Context context;
    private final int threads;
    /** Chunks one task may compute ahead of delivery, before a source scales it to its chunk size. */
    private final int window;
    private final ResultMode<T, R> mode;
    private final TaskWorkers workers;
    private final TaskHandle handle; // open from subscription; closed by the drain at the end
    private final TaskSpares spares; // blocking compensation: KTask.blocking in a chunk may start a spare
    private final FinishedChunks<T, R> finished = new FinishedChunks<>();
    private final RollbackGate gate;
    @Nullable
    private final TaskProgress progress; // drain-only; null without a listener
    private ChunkSource<T> source;   // set once before onSubscribe
    private int homeNode;            // set by start(), before any worker runs
    /** The requesting thread is the task's own (callerRuns, resolved on it by start()). */
    private volatile boolean callerRuns;

    volatile int inFlight;
    volatile Throwable failure;
    @Nullable
    volatile Chunk<T> failedChunk;
    volatile boolean cancelled;
    volatile boolean badRequest;
    volatile int started;
    volatile long requested;
    volatile int wip;
    /** This task's part in its operator's rollback gate: 0 none, 1 entered, 2 left. */
    volatile int gateState;
    /** The abort was handed to a task thread, off a non-blocking one (0 or 1). */
    volatile int undoHandedOff;
    /** The abort ran (0 or 1): a drain pass and the undo thread may both reach it. */
    volatile int aborted;
    /** The abort has undone and signalled (its failure reported). */
    volatile boolean abortDone;
    /** Failures after the first; created by the second failure (most tasks never fail). */
    @Nullable
    private volatile Queue<Throwable> laterFailures;

    // Drain-only state: touched by one thread at a time (wip).
    private volatile boolean terminated; // volatile only for scanUnsafe and request() readers
    private boolean failureReported;      // the failure was signalled or dropped
    private long retiredInPass;           // results that left in this pass, for the source after it
    private boolean openedInPass;         // a delivery opened the window: wake workers after the pass
    @Nullable
    private Throwable fatalInPass;        // a JVM-fatal error from merge or undo: rethrown after the pass

    static final AtomicIntegerFieldUpdater<TaskRun> IN_FLIGHT =
            AtomicIntegerFieldUpdater.newUpdater(TaskRun.class, "inFlight");
    static final AtomicIntegerFieldUpdater<TaskRun> STARTED =
            AtomicIntegerFieldUpdater.newUpdater(TaskRun.class, "started");
    static final AtomicIntegerFieldUpdater<TaskRun> WIP =
            AtomicIntegerFieldUpdater.newUpdater(TaskRun.class, "wip");
    static final AtomicIntegerFieldUpdater<TaskRun> GATE_STATE =
            AtomicIntegerFieldUpdater.newUpdater(TaskRun.class, "gateState");
    static final AtomicIntegerFieldUpdater<TaskRun> ABORTED =
            AtomicIntegerFieldUpdater.newUpdater(TaskRun.class, "aborted");
    static final AtomicIntegerFieldUpdater<TaskRun> UNDO_HANDED_OFF =
            AtomicIntegerFieldUpdater.newUpdater(TaskRun.class, "undoHandedOff");
    static final AtomicLongFieldUpdater<TaskRun> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(TaskRun.class, "requested");
    @SuppressWarnings("rawtypes")
    static final AtomicReferenceFieldUpdater<TaskRun, Throwable> FAILURE =
            AtomicReferenceFieldUpdater.newUpdater(TaskRun.class, Throwable.class, "failure");
    @SuppressWarnings("rawtypes")
    static final AtomicReferenceFieldUpdater<TaskRun, Queue> LATER_FAILURES =
            AtomicReferenceFieldUpdater.newUpdater(TaskRun.class, Queue.class, "laterFailures");

    TaskRun(CoreSubscriber<? super R> actual, KTaskSpec<T, R> spec, KTaskScheduler scheduler, RollbackGate gate) {
        this.actual = actual;
        this.gate = gate;
        this.spec = spec;
        this.scheduler = scheduler;
        this.context = actual.currentContext();
        this.threads = Math.max(1, Math.min(spec.maxThreads, scheduler.topology().cpuCount()));
        this.window = Sizing.LOAD_BALANCE_FACTOR * threads;
        this.mode = ResultMode.of(spec, actual);
        this.progress = spec.progress == null ? null : new TaskProgress(spec.progress, context);
        // Opened here, before any signal can end the task, so that every end closes it.
        this.handle = SchedulerInternals.openTask(scheduler);
        this.workers = new TaskWorkers(this, scheduler, handle);
        this.spares = SchedulerInternals.spares(scheduler, workers);
    }

    void source(ChunkSource<T> source) {
        this.source = source;
    }

    @Override
    public ChunkSource<T> source() {
        return source;
    }

    // ------------------------------------------------------------------ RunningTask

    @Override
    public KTaskSpec<T, ?> spec() {
        return spec;
    }

    @Override
    public Context context() {
        return context;
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public NodeTopology topology() {
        return scheduler.topology();
    }

    @Override
    public int homeNode() {
        return homeNode;
    }

    @Override
    public TaskWorkers workers() {
        return workers;
    }

    @Override
    public boolean stopped() {
        return failure != null || cancelled;
    }

    @Override
    public boolean inWindow(long index) {
        return mode.inWindow(index, source.window(window));
    }

    // ------------------------------------------------------------------ downstream subscription

    @Override
    public void request(long n) {
        if (!Operators.validate(n)) {
            // Reactive Streams §3.9: validate only logs, so signal it too (unwrapped, after the
            // usual undo); never thrown.
            badRequest = true;
            fail(new IllegalArgumentException("§3.9 violated: request must be > 0 but was " + n), null);
            drain();
            return;
        }
        Operators.addCap(REQUESTED, this, n);
        if (stopped() || terminated) {
            return; // §3.6: requests after the end are no-ops
        }
        if (started == 0 && STARTED.compareAndSet(this, 0, 1)) {
            start();
        } else {
            drain(); // ordered: the new demand may release results; never runs a chunk here
        }
    }

    @Override
    public void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        enterRollbackGate();
        source.cancel();
        drain();
    }

    /**
     * First request: the task begins, unless an earlier task of this operator is still undoing
     * (then it begins on the thread that ends that rollback, as a task whose caller has left).
     */
    private void start() {
        if (gate.passOrWait(() -> begin(false))) {
            begin(spec.callerRuns.runsOnCallingThread());
        }
    }

    /** The requesting thread runs chunks if {@code callerRuns}: it is then the task's own. */
    private void begin(boolean callerRuns) {
        // One node: no need to ask the OS where we run (a native call per task start).
        homeNode = spec.node != NodeTopology.ANY_NODE ? spec.node
                : scheduler.topology().nodeCount() == 1 ? 0 : scheduler.currentNode();
        this.callerRuns = callerRuns;
        if (callerRuns) {
            workers.reserveOwnSlot(); // before the source starts: its pushes must not start another own thread
        }
        try {
            source.start();
        } catch (Throwable e) {
            // A fatal error that a drain inside the start already met and recorded (an undo's,
            // when a synchronous upstream completes here) is only on its way out: not a new failure.
            if (!(Exceptions.isJvmFatal(e) && stopped())) {
                fail(Exceptions.unwrap(e), null);
            }
            workers.releaseOwnSlot();
            drain();
            Exceptions.throwIfJvmFatal(e);
            return;
        }
        if (source.done()) {
            drain(); // an empty task completes here (any other end drains by itself)
        }
        workers.wakeUp(); // helpers for what lies beyond the own thread's next chunk (and, if not the caller, the own thread)
        if (callerRuns) {
            workers.runOwnLoopHere();
        }
    }

    // ------------------------------------------------------------------ chunks

    /**
     * Claims and runs chunks until none can be claimed now (called by {@link TaskWorkers}). The
     * thread stays counted in {@code inFlight} from its first claim to its last, so every claim
     * still reads the stop flags after the count; a chunk's result is drained once the next
     * claim is made, and the last one by the single drain pass on the way out.
     *
     * @param helper whether this is a leased helper: once the source is done it returns its
     *     permit before it leaves {@code inFlight}, hence before the task's last signal, so a task
     *     started by that signal finds the permit free
     */
    @Override
    public void workLoop(int node, boolean helper, @Nullable BooleanSupplier released) {
        TaskSpares outer = spares.bind();
        IN_FLIGHT.incrementAndGet(this);
        boolean undrained = false; // a result of ours may wait on the finished stack
        Throwable escaping = null; // a JVM-fatal error on its way out of this thread
        try {
            for (;;) {
                TaskChunk<T> chunk = stopped() || released != null && released.getAsBoolean() ? null : source.claim(node);
                if (chunk == null) {
                    if (!undrained) {
                        return;
                    }
                    // The claim may have met a full window that delivering our results opens.
                    drain();
                    undrained = false;
                    continue;
                }
                if (undrained) {
                    drain();
                }
                undrained = true;
                workers.retryRefusedHelpers();
                runChunk(chunk);
            }
        } catch (Throwable e) {
            escaping = e;
            throw e;
        } finally {
            SchedulerInternals.restoreSpares(outer);
            if (helper && source.done()) {
                SchedulerInternals.returnPermitNow(); // done() is final: this helper claims nothing more
            }
            if (IN_FLIGHT.decrementAndGet(this) == 0 || undrained) {
                try {
                    drain();
                } catch (Throwable d) {
                    // One thread throws one error: a second fatal one (an undo's, in the abort this
                    // drain ran) rides along as suppressed instead of replacing the first.
                    if (escaping == null) {
                        throw d;
                    }
                    if (d != escaping) {
                        escaping.addSuppressed(d);
                    }
                }
            }
        }
    }

    private void runChunk(TaskChunk<T> chunk) {
        boolean timed = source.timesChunks();
        long began = timed ? System.nanoTime() : 0;
        try {
            R result = spec.work.apply(chunk);
            if (result == null) {
                fail(new NullPointerException("work returned null for " + chunk), chunk);
                return;
            }
            finished.push(new Finished<>(chunk, result, spec.undo != null));
            if (timed) {
                // May wake helpers, which runs hooks (onSchedule): their error fails the task too.
                source.ran(chunk.end() - chunk.start(), System.nanoTime() - began);
            }
        } catch (Throwable e) {
            fail(e, chunk);
            Exceptions.throwIfJvmFatal(e); // the task is already aborting; the thread learns too
        }
    }

    @Override
    public void fail(Throwable e, @Nullable Chunk<T> chunk) {
        if (FAILURE.compareAndSet(this, null, e)) {
            // Written after the CAS, yet read safely: only abort() reads it, and abort runs once
            // the failing thread's later in-flight decrement (or drain call) has happened.
            failedChunk = chunk;
            enterRollbackGate();
            source.cancel();
        } else if (e != failure) { // the same error rethrown through a second path is one failure
            Queue<Throwable> q = laterFailures;
            if (q == null) {
                // Racing second failures: one CAS wins, every loser uses the winner's queue.
                LATER_FAILURES.compareAndSet(this, null, new ConcurrentLinkedQueue<Throwable>());
                q = laterFailures;
            }
            q.offer(e);
        }
    }

    // ------------------------------------------------------------------ drain: all decisions

    @Override
    public void drain() {
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
                } else if (abortSettled()) {
                    dropLateFailures();
                }
            } catch (Throwable e) {
                // Foreign code threw inside the pass (a merge, a downstream signal, a hook): the
                // task fails, and one more pass, queued while we still hold wip, decides. Deciding
                // now would trust an inFlight read made before the flag, while a claimer may have
                // slipped past it since.
                fail(e, null);
                WIP.getAndIncrement(this);
                if (Exceptions.isJvmFatal(e)) {
                    fatal = alongside(fatal, e);
                }
            }
            fatal = alongside(fatal, fatalInPass);
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
        if (terminated && abortSettled()) {
            leaveRollbackGate(); // a stop after the end (a late cancel or failure) undid nothing
            // After the pass that ended the task and every pass queued behind it, so a failure
            // that arrived during the last one (an upstream's onError after our cancel) has been
            // dropped: "no task running" means every signal of this task was made. Idempotent.
            handle.close();
        } else if (!terminated) {
            // Outside the pass: asking the upstream for more runs its code (and its onNext) here,
            // and waking workers may start threads and run hooks.
            if (retire != 0) {
                source.retired(retire);
            }
            if (wake) {
                workers.wakeUp();
            }
        }
        if (fatal != null) {
            Exceptions.throwIfJvmFatal(fatal); // wip is released: the task still ends, the thread learns too
        }
    }

    /**
     * @return the JVM-fatal error this thread will rethrow: {@code first}, carrying {@code next}
     *     as suppressed (one thread throws one error), or {@code next} if there was none
     */
    @Nullable
    private static Throwable alongside(@Nullable Throwable first, @Nullable Throwable next) {
        if (first == null) {
            return next;
        }
        if (next != null && next != first) {
            first.addSuppressed(next);
        }
        return first;
    }

    private void drainOnce() {
        if (!callerRuns && !stopped() && SchedulerInternals.stoppedAtOnce(scheduler)) {
            // The task's own thread belongs to a scheduler that is interrupting every thread it
            // runs: abort now (undo, then signal). A graceful dispose lets the task finish.
            fail(Exceptions.failWithRejected(), null);
        }
        // Read order matters: stop flags, then source exhaustion, then inFlight, then results.
        boolean stop = stopped();
        boolean sourceDone = source.done();
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
            if (idle && !handedUndoOff()) {
                fatalInPass = abort();
            }
            return;
        }
        long demand = requested;
        long delivered = mode.deliver(demand, this);
        if (delivered != 0) {
            retiredInPass += delivered;
            openedInPass = true;
            if (spec.merge == null && demand != Long.MAX_VALUE) {
                REQUESTED.addAndGet(this, -delivered); // ordered: each delivery was an onNext
            }
        }
        if (sourceDone && idle && finished.isEmpty() && mode.settled()) {
            complete(mode.finish());
        }
    }

    /** Moves every finished chunk into the result mode (or, when stopping, keeps it for undo). */
    private void absorbFinished(boolean stop) {
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
                handle.chunksDone(absorbed); // one shared-counter update per drain pass, not per chunk
                if (progress != null) {
                    progress.finished(absorbed, units, source.totalUnits(), workers.helpersActive);
                }
            }
        }
    }

    private void complete(@Nullable R result) {
        if (cancelled) {
            // A cancel that arrived while we merged: nothing is emitted, everything undone. An
            // eager merge's value was taken out of the mode already: it goes to the discard hook
            // here (with an undo the results are still parked, and the abort discards those).
            if (result != null && spec.undo == null) {
                Operators.onDiscard(result, context);
            }
            if (!handedUndoOff()) {
                fatalInPass = abort();
            }
            return;
        }
        handle.ended(spec.merge != null ? TaskListener.Mode.MERGE : TaskListener.Mode.ORDERED, TaskListener.Outcome.COMPLETED);
        terminated = true; // the drain closes the handle once its last pass is over
        if (progress != null) {
            progress.end(true, source.totalUnits());
        }
        int priority = SchedulerInternals.enterSignalPriority(); // downstream never at helper priority
        try {
            if (result != null) {
                actual.onNext(result);
            }
            actual.onComplete();
        } finally {
            SchedulerInternals.leaveSignalPriority(priority);
        }
    }

    /** Errors recorded after the task ended reach {@code Hooks.onErrorDropped}, each once. */
    private void dropLateFailures() {
        Throwable f = failure;
        if (f != null && !failureReported) {
            failureReported = true;
            Operators.onErrorDropped(f, context);
        }
        Queue<Throwable> later = laterFailures;
        for (Throwable t; later != null && (t = later.poll()) != null; ) {
            Operators.onErrorDropped(t, context);
        }
    }

    /**
     * All or nothing: undo every finished, undelivered chunk in ascending order, then signal (the
     * drain closes the handle once its last pass is over). Once per task: a drain pass, or the
     * task thread an abort was handed to.
     *
     * @return the first JVM-fatal error an undo threw, to rethrow once the task has ended, or null
     */
    @Nullable
    private Throwable abort() {
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
    private boolean abortSettled() {
        return aborted == 0 || abortDone;
    }

    @Nullable
    private Throwable abortOnce() {
        handle.ended(spec.merge != null ? TaskListener.Mode.MERGE : TaskListener.Mode.ORDERED,
                cancelled || failure == null ? TaskListener.Outcome.CANCELLED : TaskListener.Outcome.FAILED);
        terminated = true;
        source.cancel();
        absorbFinished(true); // results not absorbed yet: a failed merge interrupted the drain
        Rollback<T, R> rollback = new Rollback<>(spec.undo, context);
        Object partial = mode.abandon(rollback);
        if (partial != null) {
            Operators.onDiscard(partial, context);
        }
        leaveRollbackGate(); // before the signal: a retry it triggers starts at once
        if (progress != null) {
            progress.end(false, source.totalUnits());
        }
        Throwable cause = failure;
        if (cause == null) {
            rollback.dropFailures(); // cancelled without failure: no subscriber to tell
            return rollback.fatal();
        }
        failureReported = true;
        Throwable error = badRequest && failedChunk == null && cause instanceof IllegalArgumentException
                ? cause : rollback.error(cause, failedChunk);
        Queue<Throwable> later = laterFailures;
        for (Throwable t; later != null && (t = later.poll()) != null; ) {
            error.addSuppressed(t);
        }
        rollback.suppressInto(error);
        if (cancelled) {
            Operators.onErrorDropped(error, context);
            return rollback.fatal();
        }
        int priority = SchedulerInternals.enterSignalPriority(); // downstream never at helper priority
        try {
            actual.onError(error);
        } finally {
            SchedulerInternals.leaveSignalPriority(priority);
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
    private boolean handedUndoOff() {
        if (spec.undo == null || !Schedulers.isInNonBlockingThread()) {
            return false;
        }
        if (undoHandedOff != 0 || !UNDO_HANDED_OFF.compareAndSet(this, 0, 1)) {
            return true; // handed off already: that thread aborts
        }
        try {
            return SchedulerInternals.startTaskThread(scheduler, homeNode, this::abortOnUndoThread);
        } catch (Throwable e) {
            fail(e, null); // a refusing hook: a later failure of this already stopping task
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
        Throwable fatal = abort();
        drain();
        if (fatal != null) {
            Exceptions.throwIfJvmFatal(fatal);
        }
    }

    private void enterRollbackGate() {
        if (spec.undo != null && GATE_STATE.compareAndSet(this, 0, 1)) {
            gate.enter();
        }
    }

    private void leaveRollbackGate() {
        if (gateState == 1 && GATE_STATE.compareAndSet(this, 1, 2)) {
            gate.exit();
        }
    }

    // ------------------------------------------------------------------ Scannable

    @Override
    @Nullable
    public Object scanUnsafe(Attr key) {
        if (key == Attr.PARENT) {
            return source.parent();
        }
        if (key == Attr.ACTUAL) {
            return actual;
        }
        if (key == Attr.PREFETCH) {
            return window;
        }
        if (key == Attr.BUFFERED) {
            return (int) Math.min(Integer.MAX_VALUE, source.buffered() + finished.count());
        }
        if (key == Attr.CANCELLED) {
            return cancelled;
        }
        if (key == Attr.TERMINATED) {
            return terminated;
        }
        if (key == Attr.ERROR) {
            return failure;
        }
        if (key == Attr.REQUESTED_FROM_DOWNSTREAM) {
            return requested;
        }
        if (key == Attr.RUN_ON) {
            return scheduler;
        }
        if (key == Attr.RUN_STYLE) {
            return Attr.RunStyle.ASYNC;
        }
        return null;
    }
}
