package io.ktask.operators;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.ktask.scheduler.internal.SchedulerInternals;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.Fuseable;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.util.annotation.Nullable;
import reactor.util.context.Context;

/**
 * Chunks of an upstream that pushes its elements: batches of {@code chunkSize} in upstream
 * order, requested with backpressure. The upstream is asked for at most a window of chunks of
 * elements beyond those whose results have left the task, so an unbounded upstream never floods
 * it. The pushing thread only publishes a batch and wakes workers: it never runs a chunk, so it
 * keeps producing while the task's own thread and helpers compute.
 *
 * <p>It is also how the operator subscribes to any upstream: one that grants synchronous fusion
 * ({@code Flux.range}, {@code fromIterable}, {@code fromArray}, {@code fromStream}) is handed to a
 * {@link PulledSource} in {@link #onSubscribe} and never pushes here.
 */
final class PushedSource<T> implements ChunkSource<T>, CoreSubscriber<T>, Scannable {

    /** Chunk size when the user gave no {@code minChunk} and the upstream pushes its elements. */
    static final long DEFAULT_CHUNK = 1024;

    private final RunningTask<T> task;
    private final long chunkSize;
    private final boolean adaptive;

    private Subscription upstream;

    // Written by the upstream's signalling thread only (Reactive Streams §1.3).
    private List<T> batch;
    private long pushedUnits;
    private long pushedChunks;

    private final Queue<Batch<T>> ready = new ConcurrentLinkedQueue<>();
    private volatile boolean upstreamDone;
    private volatile boolean cancelled;

    /**
     * @param chunkSize elements per chunk: {@code minChunk}, or {@link #DEFAULT_CHUNK}, rounded to the alignment
     * @param adaptive no {@code minChunk}: a polled upstream is sized by measured cost
     */
    PushedSource(RunningTask<T> task, long chunkSize, boolean adaptive) {
        this.task = task;
        this.chunkSize = chunkSize;
        this.adaptive = adaptive;
        this.batch = newBatch(chunkSize);
    }

    @Override
    public Context currentContext() {
        return task.context();
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onSubscribe(Subscription s) {
        if (!Operators.validate(upstream, s)) {
            return;
        }
        upstream = s;
        ChunkSource<T> source = this;
        if (s instanceof Fuseable.QueueSubscription) {
            Fuseable.QueueSubscription<T> qs = (Fuseable.QueueSubscription<T>) s;
            // THREAD_BARRIER: workers poll on several threads, so upstream user code must agree.
            if (qs.requestFusion(Fuseable.SYNC | Fuseable.THREAD_BARRIER) == Fuseable.SYNC) {
                source = new PulledSource<>(task, qs, chunkSize, adaptive);
            }
        }
        task.subscribed(source);
    }

    @Override
    public void start() {
        task.workers().helperTarget(task.threads() - 1);
        upstream.request(Operators.multiplyCap(window(task.threads() * Sizing.LOAD_BALANCE_FACTOR), chunkSize));
    }

    @Override
    public void onNext(T t) {
        if (upstreamDone) {
            Operators.onNextDropped(t, currentContext()); // a bad upstream signalled after its end
            return;
        }
        if (task.stopped()) {
            Operators.onDiscard(t, currentContext());
            Operators.onDiscardMultiple(batch, currentContext());
            batch.clear();
            return;
        }
        batch.add(t);
        if (batch.size() == chunkSize) {
            publish();
            if (cancelled) {
                discardReady(); // cancel() may have drained the queue before this batch got in
                return;
            }
            task.workers().wakeUp();
        }
    }

    @Override
    public void onError(Throwable t) {
        if (upstreamDone) {
            Operators.onErrorDropped(t, currentContext());
            return;
        }
        Operators.onDiscardMultiple(batch, currentContext());
        batch.clear();
        task.fail(t, null);
        upstreamDone = true;
        drainFromUpstream();
    }

    @Override
    public void onComplete() {
        if (upstreamDone) {
            return;
        }
        if (!batch.isEmpty()) {
            publish();
        }
        upstreamDone = true; // after the last publish: done() must not see an empty queue too early
        if (cancelled) {
            discardReady();
        }
        if (drainFromUpstream()) {
            task.workers().wakeUp();
        }
    }

    /**
     * A drain run from the upstream's terminal signal may meet a JVM-fatal error (a merge or an
     * undo's), which the task has recorded and aborts on. Thrown back into the upstream it would
     * be lost: an emitting loop such as {@code generate} or {@code create} turns what its
     * {@code onComplete} call throws into {@code onError}, which finds the task over and drops it.
     * So this thread learns of it as a scheduler's thread learns of a task's error: its
     * uncaught-exception handler, then the {@code Schedulers.onHandleError} hooks (once: the task
     * signals it as its cause, this is the rethrow). A Reactor thread (a {@code publishOn}
     * upstream's) has a handler that only logs: the hooks are where its owner hears of it.
     *
     * @return false if the drain met such an error
     */
    private boolean drainFromUpstream() {
        try {
            task.drain();
            return true;
        } catch (Throwable e) {
            if (!Exceptions.isJvmFatal(e)) {
                throw e;
            }
            SchedulerInternals.reportUncaught(e);
            return false;
        }
    }

    private void publish() {
        int n = batch.size();
        ready.offer(new Batch<>(pushedChunks++, pushedUnits, batch));
        pushedUnits += n;
        batch = newBatch(chunkSize);
    }

    static <T> List<T> newBatch(long size) {
        return new ArrayList<>((int) Math.min(size, 4096));
    }

    @Override
    @Nullable
    public TaskChunk<T> claim(int node) {
        Batch<T> b = ready.poll();
        return b == null ? null : new TaskChunk<>(b.index, b.start, b.start + b.items.size(), node, b.items, task.context());
    }

    /** Chunks smaller than the default: the window keeps the reach, in elements, of default chunks. */
    @Override
    public long window(int chunks) {
        return chunks * Math.max(1, DEFAULT_CHUNK / chunkSize);
    }

    @Override
    public boolean hasClaimable() {
        return !ready.isEmpty();
    }

    @Override
    public long backlog() {
        return ready.size(); // bounded by the window, so the O(n) size is a few nodes
    }

    @Override
    public boolean done() {
        return upstreamDone && ready.isEmpty();
    }

    @Override
    public void retired(long chunks) {
        if (!upstreamDone && !cancelled) {
            upstream.request(Operators.multiplyCap(chunkSize, chunks));
        }
    }

    @Override
    public void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        if (upstream != null) {
            upstream.cancel();
            discardReady();
        }
    }

    /**
     * Discards batches nobody will claim. Each batch is polled by one thread only, so a batch is
     * discarded at most once. A partial batch the upstream thread is still filling when it goes
     * silent is not reachable from here (it is discarded by its next onNext, if any).
     */
    private void discardReady() {
        for (Batch<T> b; (b = ready.poll()) != null; ) {
            Operators.onDiscardMultiple(b.items, currentContext());
        }
    }

    @Override
    public Object parent() {
        return upstream;
    }

    @Override
    public long buffered() {
        return (long) ready.size() * chunkSize;
    }

    @Override
    @Nullable
    public Object scanUnsafe(Attr key) {
        if (key == Attr.PARENT) {
            return upstream;
        }
        if (key == Attr.ACTUAL) {
            return task.downstream();
        }
        if (key == Attr.PREFETCH) {
            return (int) Math.min(Integer.MAX_VALUE, Operators.multiplyCap(window(task.threads() * Sizing.LOAD_BALANCE_FACTOR), chunkSize));
        }
        if (key == Attr.TERMINATED) {
            return upstreamDone;
        }
        if (key == Attr.CANCELLED) {
            return cancelled;
        }
        return null;
    }

    /** Elements of one chunk waiting to be claimed. */
    static final class Batch<T> {
        final long index;
        final long start;
        final List<T> items;

        Batch(long index, long start, List<T> items) {
            this.index = index;
            this.start = start;
            this.items = items;
        }
    }
}
