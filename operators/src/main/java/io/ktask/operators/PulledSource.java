package io.ktask.operators;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import reactor.core.Fuseable;
import reactor.core.publisher.Operators;
import reactor.util.annotation.Nullable;

/**
 * Chunks polled from a synchronously fused upstream ({@code Flux.range}, {@code fromIterable},
 * {@code fromArray}, {@code fromStream}): the claiming thread copies one chunk of elements out
 * of the upstream with {@code poll()}, with no signal per element. With no {@code minChunk},
 * chunks are sized by the measured cost per element, as a range is probed: a timed 16-element
 * chunk on the own thread alone, then about {@link UnitCost#TARGET_CHUNK_NANOS} of work each, with
 * helpers only once the measured remaining work pays for them (threadlets).
 *
 * <p>One thread polls at a time, under a lock: a claimer that finds another polling parks instead
 * of spinning, since a poll may do I/O (lines of a file). Claims wait on the task's window, so the
 * task holds a bounded number of chunks whatever the upstream's size.
 */
final class PulledSource<T> implements ChunkSource<T> {

    /** Largest adaptive chunk: the chunk's copied list of references stays small. */
    static final long MAX_ADAPTIVE_CHUNK = 65_536;
    /** An adaptive chunk is at most this many times the last timed one: a mis-timed tiny probe cannot jump to a huge chunk. */
    static final long ADAPTIVE_GROWTH = 4;

    private final RunningTask<T> task;
    private final Fuseable.QueueSubscription<T> upstream;
    private final long chunkSize;
    /**
     * Null, or the shared cost hint by which chunks are sized (no {@code minChunk}). Until the
     * hint is known the own thread runs probe chunks alone (threadlets), as for a range.
     */
    @Nullable
    private final UnitCost cost;
    /** Elements of the next chunk when sized by {@link #cost}. Benign race: chunks of one task measure the same work; the last timing wins. */
    private volatile long pullSize;

    private final ReentrantLock polling = new ReentrantLock();
    private volatile boolean exhausted;
    private volatile boolean cancelled;
    private volatile long pulledChunks; // written under the lock only; read racily as hints
    private volatile long pulledUnits;  // written under the lock only; read racily as hints

    PulledSource(RunningTask<T> task, Fuseable.QueueSubscription<T> upstream, long chunkSize, boolean adaptive) {
        this.task = task;
        this.upstream = upstream;
        this.chunkSize = chunkSize;
        this.cost = adaptive ? task.spec().cost : null;
        // Always a probe first, even with a known hint: one lambda class may serve elements of
        // very different costs, and a stale hint must not size a huge first chunk run alone.
        this.pullSize = Sizing.roundUp(UnitCost.FIRST_PROBE_UNITS, task.spec().align);
    }

    @Override
    public void start() {
        task.workers().helperTarget(task.threads() - 1);
    }

    @Override
    @Nullable
    public TaskChunk<T> claim(int node) {
        if (exhausted || cancelled) {
            return null;
        }
        TaskChunk<T> chunk = null;
        polling.lock(); // parks, never spins, while another thread polls
        try {
            long index = pulledChunks;
            if (!exhausted && !cancelled && task.inWindow(index)) {
                long size = cost != null ? pullSize : chunkSize;
                List<T> items = PushedSource.newBatch(size);
                while (items.size() < size) {
                    T t = upstream.poll();
                    if (t == null) {
                        exhausted = true;
                        break;
                    }
                    items.add(t);
                }
                if (!items.isEmpty()) {
                    long from = pulledUnits;
                    chunk = new TaskChunk<>(index, from, from + items.size(), node, items, task.context());
                    pulledUnits = from + items.size();
                    pulledChunks = index + 1;
                }
            }
        } catch (Throwable e) {
            exhausted = true;
            task.fail(Operators.onOperatorError(upstream, e, task.context()), null);
        } finally {
            polling.unlock();
        }
        if (cancelled) {
            clearUpstream(); // a cancel that met the lock taken left the clearing to us
        }
        return chunk;
    }

    /**
     * @return elements worth about {@link UnitCost#TARGET_CHUNK_NANOS}, at most {@code limit} and
     *     {@link #MAX_ADAPTIVE_CHUNK}, then rounded up to the alignment
     */
    private long adaptiveChunk(double nanosPerElement, long limit) {
        long size = Math.min(Math.min(limit, MAX_ADAPTIVE_CHUNK), UnitCost.targetChunk(nanosPerElement));
        return Sizing.roundUp(size, task.spec().align);
    }

    /**
     * Chunks smaller than the default keep the window's reach in elements (and so its memory
     * bound): counted in tiny chunks, a window of a few would fill up behind one late helper's
     * chunk and send the own thread away for good.
     */
    @Override
    public long window(int chunks) {
        long size = cost != null ? pullSize : chunkSize;
        return chunks * Math.max(1, PushedSource.DEFAULT_CHUNK / size);
    }

    @Override
    public boolean timesChunks() {
        return cost != null;
    }

    @Override
    public void ran(long units, long nanos) {
        double perElement = UnitCost.perUnit(nanos, units);
        cost.record(perElement);
        pullSize = adaptiveChunk(perElement, units * ADAPTIVE_GROWTH);
        if (backlog() > 1) {
            task.workers().helpersWanted(); // the first timing may show that helpers pay off
        }
    }

    @Override
    public boolean hasClaimable() {
        return !exhausted && !cancelled && task.inWindow(pulledChunks);
    }

    @Override
    public long backlog() {
        if (!hasClaimable()) {
            return 0;
        }
        // Racy read of the source's remaining count: a hint. Sources that cannot count (an
        // Iterable's) answer 0 or 1 while elements remain, so 1 means "unknown" too.
        long remaining = upstream.size();
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
        return counted ? Sizing.ceilDiv(remaining, cost != null ? pullSize : chunkSize) : 2;
    }

    @Override
    public boolean done() {
        return exhausted;
    }

    @Override
    public void retired(long chunks) {
        // Nothing requested: claims wait on the window through task.inWindow.
    }

    @Override
    public void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        upstream.cancel();
        clearUpstream();
    }

    /**
     * Only with the lock: clear is single-consumer. A plain clear(), not a discarding drain: a
     * SYNC source's "queue" is its generator (an infinite range would never end), and elements
     * never polled were never the operator's to discard. A thread that polls when the cancel
     * comes clears after it, as it reads {@code cancelled} after its unlock.
     */
    private void clearUpstream() {
        if (polling.tryLock()) {
            try {
                if (!exhausted) {
                    exhausted = true;
                    upstream.clear();
                }
            } finally {
                polling.unlock();
            }
        }
    }

    @Override
    public Object parent() {
        return upstream;
    }

    @Override
    public long buffered() {
        return 0;
    }
}
