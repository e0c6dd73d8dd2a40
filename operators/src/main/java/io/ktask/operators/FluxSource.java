package io.ktask.operators;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.util.annotation.Nullable;
import reactor.util.context.Context;

/**
 * Chunks of any upstream Flux: elements batched in upstream order, {@code chunkSize} per chunk,
 * or, with no {@code minChunk} and an upstream read by synchronous fusion, as many as take about
 * {@link UnitCost#TARGET_CHUNK_NANOS} by the measured cost per element.
 *
 * <p>Memory is bounded: the upstream is asked for at most {@code window} chunks of elements
 * beyond those whose results have left the task, so an unbounded upstream never floods it.
 * Sources that support synchronous fusion ({@code Flux.range}, {@code fromIterable},
 * {@code fromArray}) are read by {@code poll()} on the claiming thread, with no signal per
 * element; others push through {@code onNext} with backpressure.
 */
final class FluxSource<T> implements ChunkSource<T>, CoreSubscriber<T>, Scannable {

    /** Chunk size when the user gave no {@code minChunk} and the upstream pushes its elements. */
    static final long DEFAULT_CHUNK = 1024;
    /** Largest adaptive pulled chunk: the chunk's copied list of references stays small. */
    static final long MAX_ADAPTIVE_CHUNK = 65_536;
    /**
     * An adaptive pulled chunk is at most this many times the last timed one: a mis-timed tiny
     * probe cannot jump to a huge chunk.
     */
    static final long ADAPTIVE_GROWTH = 4;

    private final TaskRun<T, ?> run;
    private final long chunkSize;
    /**
     * Null, or the shared cost hint by which pulled chunks are sized (no {@code minChunk}). Until
     * the hint is known the own thread runs probe chunks alone (threadlets), as for a range.
     */
    @Nullable
    private final UnitCost cost;
    /**
     * Elements of the next pulled chunk when sized by {@link #cost}. Benign race: chunks of one
     * task measure the same work; the last timing wins.
     */
    private volatile long pullSize;

    private Subscription upstream;
    @Nullable
    private Fuseable.QueueSubscription<T> fused; // non-null: pulled with poll() (SYNC fusion)

    // Push mode: written by the upstream's signalling thread only (Reactive Streams §1.3).
    private List<T> batch;
    private long pushedUnits;
    private long pushedChunks;

    private final Queue<Batch<T>> ready = new ConcurrentLinkedQueue<>();
    private volatile boolean upstreamDone;
    private volatile boolean cancelled;

    // Pull mode: one puller at a time, by token; a claimer that finds it taken spins until it is
    // free: the holder only copies one chunk of references out of the fused queue.
    private volatile int pulling;
    private volatile boolean exhausted;
    private volatile long pulledChunks; // written under the token only
    private volatile long pulledUnits;  // written under the token only; read racily by backlog()

    static final AtomicIntegerFieldUpdater<FluxSource> PULLING =
            AtomicIntegerFieldUpdater.newUpdater(FluxSource.class, "pulling");

    /**
     * @param chunkSize elements per chunk ({@code minChunk}, or {@link #DEFAULT_CHUNK} rounded to
     *     the alignment); with {@code adaptive} only for an upstream that pushes
     * @param adaptive no {@code minChunk}: size pulled chunks by the measured cost per element
     */
    FluxSource(TaskRun<T, ?> run, long chunkSize, boolean adaptive) {
        this.run = run;
        this.chunkSize = chunkSize;
        this.batch = newBatch(chunkSize);
        this.cost = adaptive ? UnitCost.of(run.spec.work) : null;
        // Always a probe first, even with a known hint: one lambda class may serve elements of
        // very different costs, and a stale hint must not size a huge first chunk run alone.
        this.pullSize = Sizing.roundUp(UnitCost.FIRST_PROBE_UNITS, run.spec.align);
    }

    @Override
    public Context currentContext() {
        return run.actual.currentContext();
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onSubscribe(Subscription s) {
        if (!Operators.validate(upstream, s)) {
            return;
        }
        upstream = s;
        if (s instanceof Fuseable.QueueSubscription) {
            Fuseable.QueueSubscription<T> qs = (Fuseable.QueueSubscription<T>) s;
            // THREAD_BARRIER: helpers poll on other threads, so upstream user code must agree.
            if (qs.requestFusion(Fuseable.SYNC | Fuseable.THREAD_BARRIER) == Fuseable.SYNC) {
                fused = qs;
            }
        }
        run.actual.onSubscribe(run);
    }

    @Override
    public void start() {
        run.workers.helperTarget(Math.min(run.spec.maxThreads, run.cpus()) - 1);
        if (fused == null) {
            upstream.request(run.window * chunkSize > 0 ? run.window * chunkSize : Long.MAX_VALUE);
        }
    }

    // ------------------------------------------------------------------ push mode

    @Override
    public void onNext(T t) {
        if (run.stopped()) {
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
            run.workers.wakeUp(TaskWorkers.INLINE_IF_UNHELPED); // produce, unless helpers cannot keep up
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
        run.fail(t, KTaskException.NO_CHUNK);
        upstreamDone = true;
        run.drain();
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
        run.drain();
        run.workers.wakeUp(TaskWorkers.INLINE);
    }

    private void publish() {
        int n = batch.size();
        ready.offer(new Batch<>(pushedChunks++, pushedUnits, batch));
        pushedUnits += n;
        batch = newBatch(chunkSize);
    }

    private static <T> List<T> newBatch(long size) {
        return new ArrayList<>((int) Math.min(size, 4096));
    }

    // ------------------------------------------------------------------ ChunkSource

    @Override
    @Nullable
    public TaskChunk<T> claim(int node) {
        if (fused != null) {
            return pull(node);
        }
        Batch<T> b = ready.poll();
        return b == null ? null : new TaskChunk<>(b.index, b.start, b.start + b.items.size(), node, b.items, run.context);
    }

    @Nullable
    private TaskChunk<T> pull(int node) {
        while (!PULLING.compareAndSet(this, 0, 1)) {
            if (exhausted || cancelled) {
                return null;
            }
            Thread.onSpinWait();
        }
        TaskChunk<T> chunk = null;
        try {
            long index = pulledChunks;
            if (!exhausted && !cancelled && run.inWindow(index)) {
                long size = pullChunkSize();
                List<T> items = newBatch(size);
                while (items.size() < size) {
                    T t = fused.poll();
                    if (t == null) {
                        exhausted = true;
                        break;
                    }
                    items.add(t);
                }
                if (!items.isEmpty()) {
                    chunk = new TaskChunk<>(index, pulledUnits, pulledUnits + items.size(), node, items, run.context);
                    pulledUnits += items.size();
                    pulledChunks = index + 1;
                }
            }
        } catch (Throwable e) {
            exhausted = true;
            run.fail(Operators.onOperatorError(upstream, e, currentContext()), KTaskException.NO_CHUNK);
        } finally {
            pulling = 0;
        }
        return chunk;
    }

    private long pullChunkSize() {
        return cost != null ? pullSize : chunkSize;
    }

    /**
     * @return elements worth about {@link UnitCost#TARGET_CHUNK_NANOS}, at most {@code limit} and
     *     {@link #MAX_ADAPTIVE_CHUNK}, then rounded up to the alignment
     */
    private long adaptiveChunk(double nanosPerElement, long limit) {
        long size = Math.min(Math.min(limit, MAX_ADAPTIVE_CHUNK), UnitCost.targetChunk(nanosPerElement));
        return Sizing.roundUp(size, run.spec.align);
    }

    /**
     * Adaptive pulls can be far smaller than the default chunk. In ordered mode the window then
     * keeps the reach, in elements, that default chunks give it (and so the same memory bound):
     * counted in tiny chunks, a window of a few would fill up behind one late helper's chunk and
     * send the own thread away for good.
     */
    @Override
    public long window(int chunks) {
        long size = pullChunkSize();
        return cost != null && size < chunkSize ? chunks * Sizing.ceilDiv(chunkSize, size) : chunks;
    }

    @Override
    public boolean timesChunks() {
        return cost != null && fused != null;
    }

    @Override
    public void ran(long units, long nanos) {
        double perElement = UnitCost.perUnit(nanos, units);
        cost.record(perElement);
        pullSize = adaptiveChunk(perElement, units * ADAPTIVE_GROWTH);
        if (backlog() > 1) {
            run.workers.helpersWanted(); // the first timing may show that helpers pay off
        }
    }

    @Override
    public boolean hasClaimable() {
        if (fused != null) {
            return !exhausted && run.inWindow(pulledChunks);
        }
        return !ready.isEmpty();
    }

    @Override
    public long backlog() {
        if (fused == null) {
            return ready.size(); // bounded by the window, so the O(n) size is a few nodes
        }
        if (!hasClaimable()) {
            return 0;
        }
        // Racy read of the source's remaining count: a hint. Sources that cannot count (an
        // Iterable's) answer 0 or 1 while elements remain, so 1 means "unknown" too.
        long remaining = fused.size();
        boolean counted = remaining > 1;
        if (cost != null) {
            // Threadlets: one chunk (the own thread's) until the cost is known, and while the
            // remaining work, or with no count the work pulled so far, is too little to pay for
            // waking a helper.
            double known = cost.nanosPerUnit();
            if (Double.isNaN(known) || (counted ? remaining : pulledUnits) * known < UnitCost.HELPER_PAYOFF_NANOS) {
                return 1;
            }
        }
        return counted ? Sizing.ceilDiv(remaining, pullChunkSize()) : 2;
    }

    @Override
    public boolean done() {
        return fused != null ? exhausted : upstreamDone && ready.isEmpty();
    }

    @Override
    public void retired(long chunks) {
        if (fused == null && !upstreamDone && !cancelled) {
            upstream.request(Operators.multiplyCap(chunkSize, chunks));
        }
    }

    @Override
    public void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        if (upstream == null) {
            return;
        }
        upstream.cancel();
        discardReady();
        if (fused != null && PULLING.compareAndSet(this, 0, 1)) {
            // Only with the token: clear is single-consumer. Plain clear(), not a discarding
            // drain: a SYNC source's "queue" is its generator (an infinite range would never
            // end), and elements never pulled were never the operator's to discard.
            exhausted = true;
            fused.clear();
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
            return run;
        }
        if (key == Attr.PREFETCH) {
            return (int) Math.min(Integer.MAX_VALUE, window(run.window) * pullChunkSize());
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
