package io.ktask.operators;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import io.ktask.operators.FinishedChunks.Finished;
import io.ktask.scheduler.HelperLease;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.TaskHandle;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.util.annotation.Nullable;
import reactor.util.context.Context;

/**
 * One task: the subscription handed downstream, and the state every thread of the task shares.
 *
 * <p>Protocol. A thread claims a chunk by first counting itself in {@code inFlight} (once for a
 * run of claims) and only then reading the stop flags (failure, cancel); whoever decides the
 * task's end reads the flags first and {@code inFlight} second. Either the claimer sees the flag
 * and backs out, or the decider sees the claimer in flight and waits for its {@link #drain()}
 * call: no chunk starts after the end is decided, and no thread ever waits for another. Every decision (fold, emit, undo, complete) is
 * made in {@link #drain()}, serialized by {@code wip}: whichever thread finishes last runs it.
 */
final class TaskRun<T, R> implements Subscription, Scannable {

    final CoreSubscriber<? super R> actual;
    final KTaskSpec<T, R> spec;
    final KTaskScheduler scheduler;
    final Context context;
    /** Ordered mode: how many chunks may be computed ahead of the next one to emit. */
    final int window;
    private final int cpus;

    final TaskWorkers workers = new TaskWorkers(this);
    private ChunkSource<T> source;    // set once by the operator before onSubscribe
    private int homeNode;             // set in start(), before any worker runs
    private final TaskHandle handle;  // open from subscription; closed by the drain at the end

    volatile int inFlight;
    volatile Throwable failure;
    volatile long failedChunk = KTaskException.NO_CHUNK;
    volatile boolean cancelled;
    volatile boolean badRequest;
    volatile int started;
    volatile long requested;
    volatile int wip;
    /** The next chunk index to emit (ordered) or fold (merge); written by the drain only. */
    volatile long nextIndex;

    /** Failures after the first; created by the second failure (most tasks never fail). */
    @Nullable
    private volatile Queue<Throwable> laterFailures;
    /** Finished chunks the drain has not absorbed yet. */
    private final FinishedChunks<T, R> finished = new FinishedChunks<>();

    // Drain-only state: touched by one thread at a time (wip).
    /** Results out of chunk order or kept for undo; created when the first one is (solo tasks never). */
    @Nullable
    private TreeMap<Long, Finished<T, R>> pending;
    private R accumulated;
    private boolean folded; // accumulated holds a value (a merge may not return null, so null means none)
    private volatile boolean terminated; // volatile only for scanUnsafe and request() readers
    private boolean failureReported;      // the failure was signalled or dropped (drain-only)
    private long retiredInPass;           // results that left in this pass, for the source after it (drain-only)

    static final AtomicIntegerFieldUpdater<TaskRun> IN_FLIGHT =
            AtomicIntegerFieldUpdater.newUpdater(TaskRun.class, "inFlight");
    static final AtomicIntegerFieldUpdater<TaskRun> STARTED =
            AtomicIntegerFieldUpdater.newUpdater(TaskRun.class, "started");
    static final AtomicIntegerFieldUpdater<TaskRun> WIP =
            AtomicIntegerFieldUpdater.newUpdater(TaskRun.class, "wip");
    static final AtomicLongFieldUpdater<TaskRun> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(TaskRun.class, "requested");
    @SuppressWarnings("rawtypes")
    static final AtomicReferenceFieldUpdater<TaskRun, Throwable> FAILURE =
            AtomicReferenceFieldUpdater.newUpdater(TaskRun.class, Throwable.class, "failure");
    @SuppressWarnings("rawtypes")
    static final AtomicReferenceFieldUpdater<TaskRun, Queue> LATER_FAILURES =
            AtomicReferenceFieldUpdater.newUpdater(TaskRun.class, Queue.class, "laterFailures");

    TaskRun(CoreSubscriber<? super R> actual, KTaskSpec<T, R> spec, KTaskScheduler scheduler) {
        this.actual = actual;
        this.spec = spec;
        this.scheduler = scheduler;
        this.context = actual.currentContext();
        this.cpus = scheduler.topology().cpuCount();
        this.window = Sizing.LOAD_BALANCE_FACTOR * Math.max(1, Math.min(spec.maxThreads, cpus));
        // Opened here, before any signal can end the task, so that every end closes it.
        this.handle = scheduler.openTask();
    }

    void source(ChunkSource<T> source) {
        this.source = source;
    }

    int cpus() {
        return cpus;
    }

    ChunkSource<T> source() {
        return source;
    }

    int homeNode() {
        return homeNode;
    }

    TaskHandle handle() {
        return handle;
    }

    // ------------------------------------------------------------------ downstream subscription

    @Override
    public void request(long n) {
        if (!Operators.validate(n)) {
            // Reactive Streams §3.9: validate only logs, so signal it too (unwrapped, after the
            // usual undo); never thrown.
            badRequest = true;
            fail(new IllegalArgumentException("§3.9 violated: request must be > 0 but was " + n),
                    KTaskException.NO_CHUNK);
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
            drain();
            workers.wakeUp(TaskWorkers.INLINE_IF_UNHELPED); // a later request may come from a downstream's own loop
        }
    }

    @Override
    public void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        source.cancel();
        drain();
    }

    /** First request: the task begins on the requesting thread (ktask: the caller runs chunks). */
    private void start() {
        // One node: no need to ask the OS where we run (a native call per task start).
        homeNode = spec.node != KTaskScheduler.ANY_NODE ? spec.node
                : scheduler.topology().nodeCount() == 1 ? 0 : scheduler.currentNode();
        try {
            source.start();
        } catch (Throwable e) {
            fail(Exceptions.unwrap(e), KTaskException.NO_CHUNK);
            drain();
            return;
        }
        if (source.done()) {
            drain(); // an empty task completes here (any other end drains by itself)
        }
        workers.wakeUp(TaskWorkers.INLINE);
    }

    // ------------------------------------------------------------------ chunks
    /**
     * Claims and runs chunks until none can be claimed now (called by {@link TaskWorkers}). The
     * thread stays counted in {@code inFlight} from its first claim to its last, so every claim
     * still reads the stop flags after the count; a chunk's result is drained (folded, emitted)
     * once the next claim is made, and the last one by the single drain pass on the way out.
     *
     * @param helper whether this is a leased helper: once the source is done it returns its
     *     permit before it leaves {@code inFlight}, hence before the task's last signal, so a task
     *     started by that signal finds the permit free
     */
    void workLoop(int node, boolean helper) {
        IN_FLIGHT.incrementAndGet(this);
        boolean undrained = false; // a result of ours may wait on the finished stack
        try {
            for (;;) {
                TaskChunk<T> chunk = stopped() ? null : source.claim(node);
                if (chunk == null) {
                    if (!undrained || spec.merge != null) {
                        return;
                    }
                    // Ordered: the claim may have met a full window that emitting our results opens.
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
        } finally {
            if (helper && source.done()) {
                HelperLease.returnPermitNow(); // done() is final: this helper will claim nothing more
            }
            if (IN_FLIGHT.decrementAndGet(this) == 0 || undrained) {
                drain();
            }
        }
    }

    private void runChunk(TaskChunk<T> chunk) {
        boolean timed = source.timesChunks();
        long began = timed ? System.nanoTime() : 0;
        try {
            R result = spec.work.apply(chunk);
            if (result == null) {
                fail(new NullPointerException("work returned null for " + chunk), chunk.index());
                return;
            }
            finished.push(new Finished<>(chunk, result, spec.undo != null));
        } catch (Throwable e) {
            fail(e, chunk.index());
            Exceptions.throwIfJvmFatal(e); // the task is already aborting; the thread learns too
            return;
        }
        if (timed) {
            try {
                source.ran(chunk.end() - chunk.start(), System.nanoTime() - began);
            } catch (Throwable e) {
                // Waking helpers runs hooks (onSchedule): their error fails the task like the chunk's.
                fail(e, chunk.index());
                Exceptions.throwIfJvmFatal(e);
            }
        }
    }

    /** Records a failure: the first one becomes the cause, later ones are suppressed. */
    void fail(Throwable e, long chunkIndex) {
        if (FAILURE.compareAndSet(this, null, e)) {
            // Written after the CAS, yet read safely: only abort() reads it, and abort runs once
            // the failing thread's later in-flight decrement (or drain call) has happened.
            failedChunk = chunkIndex;
            source.cancel();
        } else {
            Queue<Throwable> q = laterFailures;
            if (q == null) {
                // Racing second failures: one CAS wins, every loser uses the winner's queue.
                LATER_FAILURES.compareAndSet(this, null, new ConcurrentLinkedQueue<Throwable>());
                q = laterFailures;
            }
            q.offer(e);
        }
    }

    private TreeMap<Long, Finished<T, R>> pending() {
        TreeMap<Long, Finished<T, R>> p = pending;
        if (p == null) {
            p = new TreeMap<>();
            pending = p;
        }
        return p;
    }

    /** Parks a chain of finished chunks (newest first) in the sorted map. Drain only. */
    private void keepAll(@Nullable Finished<T, R> chain) {
        while (chain != null) {
            Finished<T, R> next = chain.next;
            chain.next = null;
            pending().put(chain.index, chain);
            chain = next;
        }
    }

    private boolean nothingPending() {
        return pending == null || pending.isEmpty();
    }

    boolean stopped() {
        return failure != null || cancelled;
    }

    /** Ordered mode bounds the chunks computed ahead of emission; merge mode does not need to. */
    boolean inWindow(long chunkIndex) {
        return spec.merge != null || chunkIndex - nextIndex < source.window(window);
    }

    // ------------------------------------------------------------------ drain: all decisions

    void drain() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        int missed = 1;
        long retire = 0;
        Throwable fatal = null;
        for (;;) {
            try {
                if (!terminated) {
                    drainOnce();
                } else {
                    dropLateFailures();
                }
            } catch (Throwable e) {
                // Foreign code threw inside the pass (a downstream signal, a hook, a helper start):
                // the task fails, and one more pass, queued while we still hold wip, decides.
                fail(e, KTaskException.NO_CHUNK);
                WIP.getAndIncrement(this);
                if (Exceptions.isJvmFatal(e)) {
                    fatal = e;
                }
            }
            retire += retiredInPass; // read and reset under wip: the next owner starts from 0
            retiredInPass = 0;
            missed = WIP.addAndGet(this, -missed);
            if (missed == 0) {
                break;
            }
        }
        if (terminated) {
            // After the pass that ended the task and every pass queued behind it, so a failure
            // that arrived during the last one (an upstream's onError after our cancel) has been
            // dropped: "no task running" means every signal of this task was made. Idempotent.
            handle.close();
        }
        if (retire != 0) {
            // Outside the drain: asking a push upstream for more may run chunks on this thread
            // (its onNext wakes the task's own loop), and a chunk must never run inside a pass.
            source.retired(retire);
        }
        if (fatal != null) {
            Exceptions.throwIfJvmFatal(fatal); // wip is released: the task still ends, the thread learns too
        }
    }

    private void drainOnce() {
        if (!spec.callerRuns && failure == null && !cancelled && scheduler.isDisposed()) {
            // The task's own thread belongs to that scheduler, which stops every thread it runs:
            // abort now (undo, then signal) rather than finish on threads being shut down.
            fail(Exceptions.failWithRejected(), KTaskException.NO_CHUNK);
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
        int absorbed = 0;
        // Newest first: chunks finished by several threads since the last pass land in the sorted
        // map; a lone in-order one (always so on one thread) is folded at once.
        for (Finished<T, R> f = finished.takeAll(), next; f != null; f = next, absorbed++) {
            next = f.next;
            f.next = null;
            if (spec.merge != null) {
                retiredInPass++; // merge mode: a finished chunk's elements are no longer needed
                if (!stop && spec.undo == null && f.index == nextIndex && nothingPending()) {
                    if (!fold(f.result)) {
                        keepAll(next); // for the abort pass that the failed merge queued
                        return;
                    }
                    continue; // in order, nothing to keep: fold now, skip the sorted map
                }
            }
            pending().put(f.index, f);
        }
        if (absorbed != 0) {
            handle.chunksDone(absorbed); // one shared-counter update per drain pass, not per chunk
        }
        if (stop) {
            if (idle) {
                abort();
            }
            return;
        }
        if (spec.merge == null) {
            if (emitOrdered()) {
                workers.wakeUp(TaskWorkers.NO_INLINE);
            }
            if (sourceDone && idle && nothingPending() && finished.isEmpty()) {
                complete(null);
            }
            return;
        }
        if (spec.undo == null) {
            // No undo: results need not be kept, so merge eagerly (bounded memory).
            Map.Entry<Long, Finished<T, R>> head;
            while (pending != null && (head = pending.firstEntry()) != null && head.getKey() == nextIndex) {
                pending.pollFirstEntry();
                if (!fold(head.getValue().result)) {
                    return;
                }
            }
        }
        if (sourceDone && idle && finished.isEmpty()) {
            R result;
            try {
                result = mergeAll();
            } catch (Throwable e) {
                failFromDrain(e);
                return;
            }
            complete(result);
        }
    }

    private boolean emitOrdered() {
        long r = requested;
        long emitted = 0;
        Map.Entry<Long, Finished<T, R>> head;
        // Checked before each onNext: a cancel seen here leaves the result to the undo pass. One
        // arriving during onNext is the race Reactive Streams §2.8 allows: that value is emitted.
        while (!cancelled && emitted != r && pending != null
                && (head = pending.firstEntry()) != null && head.getKey() == nextIndex) {
            pending.pollFirstEntry();
            nextIndex = nextIndex + 1;
            retiredInPass++;
            actual.onNext(head.getValue().result);
            emitted++;
            r = requested;
        }
        if (emitted != 0 && r != Long.MAX_VALUE) {
            REQUESTED.addAndGet(this, -emitted);
        }
        return emitted != 0;
    }

    /** Folds the next result in chunk order; false if the merge threw (the task is then failing). */
    private boolean fold(R result) {
        try {
            accumulated = folded ? requireMerged(spec.merge.apply(accumulated, result)) : result;
            folded = true;
        } catch (Throwable e) {
            Operators.onDiscard(result, context);
            failFromDrain(e);
            return false;
        }
        nextIndex = nextIndex + 1;
        return true;
    }

    /**
     * A merge failed inside the drain. Aborting at once would trust an {@code inFlight} read made
     * before the flag was set, while a claimer may have slipped past the flag since; instead one
     * more pass is queued (we hold wip), which reads the flag first, as the protocol requires.
     */
    private void failFromDrain(Throwable e) {
        fail(e, KTaskException.NO_CHUNK);
        WIP.getAndIncrement(this);
    }

    @Nullable
    private R mergeAll() {
        R acc = accumulated;
        boolean any = folded;
        if (pending == null) {
            return acc;
        }
        for (Finished<T, R> f : pending.values()) {
            acc = any ? requireMerged(spec.merge.apply(acc, f.result)) : f.result;
            any = true;
        }
        return acc;
    }

    private static <R> R requireMerged(R merged) {
        if (merged == null) {
            throw new NullPointerException("merge returned null");
        }
        return merged;
    }

    private void complete(@Nullable R result) {
        if (cancelled) {
            abort(); // a cancel that arrived while we merged: nothing is emitted, everything undone
            return;
        }
        terminated = true; // the drain closes the handle once its last pass is over
        pending = null;
        accumulated = null;
        if (result != null) {
            actual.onNext(result);
        }
        actual.onComplete();
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
     * All or nothing: undo every finished, unemitted chunk in ascending order, then signal (the
     * drain closes the handle once its last pass is over).
     */
    private void abort() {
        terminated = true;
        source.cancel();
        keepAll(finished.takeAll()); // results not absorbed yet: a failed merge interrupted the drain
        List<Long> undone = new ArrayList<>();
        List<Throwable> undoFailures = new ArrayList<>();
        for (Finished<T, R> f : pending().values()) {
            if (spec.undo != null) {
                undone.add(f.index);
                try {
                    spec.undo.accept(f.chunk, f.result);
                } catch (Throwable e) {
                    undoFailures.add(e); // undo must not fail; if it does, the others still run
                }
            }
            Operators.onDiscard(f.result, context);
        }
        pending = null;
        if (accumulated != null) {
            Operators.onDiscard(accumulated, context);
            accumulated = null;
        }
        Throwable cause = failure;
        if (cause == null) {
            // Cancelled without failure: no subscriber to tell, but an undo's error is not lost.
            undoFailures.forEach(e -> Operators.onErrorDropped(e, context));
            return;
        }
        failureReported = true;
        if (badRequest && failedChunk == KTaskException.NO_CHUNK && cause instanceof IllegalArgumentException) {
            suppressLaterFailures(cause);
            undoFailures.forEach(cause::addSuppressed);
            actual.onError(cause);
            return;
        }
        KTaskException error = new KTaskException(cause, failedChunk, undone);
        suppressLaterFailures(error);
        undoFailures.forEach(error::addSuppressed);
        if (cancelled) {
            Operators.onErrorDropped(error, context);
        } else {
            actual.onError(error);
        }
    }

    private void suppressLaterFailures(Throwable into) {
        Queue<Throwable> later = laterFailures;
        for (Throwable t; later != null && (t = later.poll()) != null; ) {
            into.addSuppressed(t);
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
