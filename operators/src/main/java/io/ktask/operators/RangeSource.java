package io.ktask.operators;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.ktask.scheduler.NodeTopology;
import reactor.core.Exceptions;
import reactor.util.annotation.Nullable;

/**
 * Chunks of {@link KTask#range} by arithmetic: no element, signal or allocation per unit.
 *
 * <p>With a given {@code minChunk} the range is laid out at start (ktask sizing). Without one a
 * work function never timed first runs small probe chunks alone on the task's own thread
 * (threadlets: stay inline while that is cheapest), times them, and lays out the rest for helpers
 * only when the remaining work is worth more than starting them costs; that layout cuts its tail
 * finer, so that the threads end close together. A work function timed before is judged by its
 * measured cost per unit at once: a range below that payoff runs solo (one chunk, timed now and
 * then) unless a helper is awake to take half of it ({@link UnitCost#AWAKE_HELPER_PAYOFF_NANOS}),
 * a range above it is laid out and wakes its helpers at start, and the first chunk any thread
 * finishes re-times the cost (a probe would only delay the helpers). With {@code allNodes} the
 * layout is one share per node in proportion to its CPUs, and a thread drains its own node's
 * share before helping the others (ktask_run_numa). A spec's {@code boundaries} cut moves every
 * boundary inside the range that this layout picks, probe ends and node shares' ends included.
 */
final class RangeSource implements ChunkSource<Long> {

    private static final Share[] NO_SHARES = new Share[0];
    /** {@link #shares} while the own thread hands out chunks one at a time: probes, or the whole range at once. */
    private static final Share[] PROBING = new Share[0];
    /** One solo run in this many (a power of two) is timed to refresh the cost hint. */
    static final int SOLO_TIMING_PERIOD = 8;
    /**
     * An adaptive layout cuts its last bulk chunk per thread into this many chunks (never below
     * the adaptive minimum chunk over {@link #TAIL_FLOOR_SPLIT}). With ktask's four equal chunks
     * per thread the threads end up to a whole chunk apart: a quarter of each thread's work, when
     * a helper starts late, is preempted, or draws the costliest units. Fine chunks at the tail only bound that gap by a
     * small one at the price of a few more claims where the task is ending anyway (guided
     * self-scheduling, in two steps).
     */
    static final int TAIL_SPLIT = 16;
    /**
     * A tail chunk is at least the adaptive minimum chunk over this: 10 us at the 50 us target.
     * It binds in mid-sized tasks, whose bulk chunks are under 3.2 minimums (a long task's
     * sixteenth of a bulk chunk is above it). The whole minimum as the floor left a 10^6-unit task
     * on 2 CPUs three 50 us tail chunks, its helper idle through the last (this floor: 0.95-0.97x
     * the time). A 5 us floor measured the same, and claims cost little either way (469 chunks of
     * 1.3 us made that task 1% slower than 12 of 50 us); the higher floor keeps the chunks that
     * ordered mode's window counts, and a boundaries cut's calls, fewer (bench/RESULTS.md).
     */
    static final int TAIL_FLOOR_SPLIT = 5;

    private final RunningTask<Long> task;
    private final long start;
    private final long end;
    @Nullable
    private final RangeCut cut;

    // Probe state: touched only by the task's own thread while probing (no helper runs then).
    private boolean solo; // one thread can be worth it at most: the whole range is one chunk
    /** Probe chunks are few (each at least doubles the one before): an int counts them. */
    private int probeIndex;
    private long probeNext;
    private long probeStartNanos;
    private long lastProbe;
    /**
     * A layout made from a known cost, before anything of this task was timed: the next chunk to
     * end is timed and refreshes the hint. Set by the own thread before the layout is published;
     * cleared by whichever thread times that chunk. Benign race: two threads ending chunks at once
     * may both time theirs, and the hint keeps the last.
     */
    private boolean timeNextChunk;

    /**
     * The one volatile state of the source, so that a task makes one volatile write per change:
     * null before {@link #start()}, {@link #PROBING} while the own thread hands out chunks one at
     * a time, then the layout (published once; helpers are started only afterwards), or
     * {@link #NO_SHARES} once every unit was handed out inline.
     */
    private volatile Share[] shares;

    RangeSource(RunningTask<Long> task, long start, long count) {
        this.task = task;
        this.start = start;
        this.end = start + count;
        this.cut = RangeCut.of(task.spec(), end);
    }

    @Override
    public void start() {
        long count = end - start;
        KTaskSpec<Long, ?> spec = task.spec();
        int cpus = task.threads();
        boolean adaptive = spec.minChunk == KTaskSpec.ADAPTIVE;
        if (count == 0) {
            shares = NO_SHARES;
        } else if (!spec.allNodes && (adaptive ? Math.min(spec.maxThreads, cpus) == 1 : oneChunk(count, spec, cpus))) {
            solo = true; // no layout to balance
            shares = PROBING;
        } else if (!adaptive) {
            task.workers().helperTarget(layout(start, 0, spec.minChunk, false) - 1);
        } else {
            probeNext = start;
            shares = PROBING;
        }
    }

    /** @return true if ktask sizing cuts {@code count} units into one chunk */
    private static boolean oneChunk(long count, KTaskSpec<Long, ?> spec, int cpus) {
        int threads = Sizing.threads(count, spec.minChunk, spec.maxThreads, cpus);
        return Sizing.chunkSize(count, spec.minChunk, threads, spec.align) >= count;
    }

    @Override
    public TaskChunk<Long> claim(int node) {
        Share[] sh = shares;
        if (sh == PROBING) {
            return probe(node);
        }
        int n = sh.length;
        for (int k = 0; k < n; k++) {
            Share s = sh[(node < 0 ? 0 : node + k) % n];
            for (;;) {
                long i = s.next.get();
                if (i >= s.chunks || !task.inWindow(s.firstIndex + i)) {
                    break;
                }
                if (s.next.compareAndSet(i, i + 1)) {
                    try {
                        long from = s.start(i);
                        return new TaskChunk<>(s.firstIndex + i, from, s.end(i, from), node, null, task.context());
                    } catch (Throwable e) {
                        return cutFailed(e, new TaskChunk<>(s.firstIndex + i, s.tentative(i), s.tentativeEnd(i), node, null,
                                task.context()));
                    }
                }
            }
        }
        return null;
    }

    /**
     * Own thread only: the next probe chunk, the switch to a parallel layout, or, once every unit
     * ran inline, null (the source is then done). Each call after the first times the chunks
     * before it.
     */
    @Nullable
    private TaskChunk<Long> probe(int node) {
        if (solo) {
            return whole(node);
        }
        try {
            return probeOrLayOut(node);
        } catch (Throwable e) {
            return cutFailed(e, null); // a node share's end: no chunk of its own
        }
    }

    /**
     * A boundaries cut threw or broke its contract while {@code chunk} (its bounds before the cut)
     * was being cut: the task fails as if that chunk had (the only code here that runs a caller's
     * function).
     */
    @Nullable
    private TaskChunk<Long> cutFailed(Throwable e, @Nullable Chunk<Long> chunk) {
        task.fail(e, chunk);
        Exceptions.throwIfJvmFatal(e);
        return null;
    }

    @Nullable
    private TaskChunk<Long> probeOrLayOut(int node) {
        long remaining = end - probeNext;
        long size;
        UnitCost cost = task.spec().cost;
        if (probeIndex == 0) {
            double known = cost.nanosPerUnit();
            double estimate = remaining * known;
            if (estimate < cost.payoffNanos()) { // false while nothing is known (NaN)
                cost.laidOut(false);
                if (estimate >= UnitCost.AWAKE_HELPER_PAYOFF_NANOS && task.threads() > 1) {
                    long half = awakeHelperHalf(remaining);
                    if (half > 0) {
                        timeNextChunk = true;
                        return layOutFor(half, false, node);
                    }
                }
                // Solo: no helper is awake, nor worth waking for the tasks after this one. Two
                // clock reads cost about as much as the rest of a tiny task's bookkeeping, so only
                // one solo run in SOLO_TIMING_PERIOD is timed: often enough to see the cost rise
                // within a few tasks.
                if ((ThreadLocalRandom.current().nextInt() & (SOLO_TIMING_PERIOD - 1)) != 0) {
                    return whole(node);
                }
                size = remaining;
            } else if (!Double.isNaN(known)) {
                // Helpers pay off by the known cost: a helper joins 10-30 us after it is asked for,
                // so asking now instead of after a probe is what a mid-sized task gains. A stale
                // hint costs one wake-up (too high) or chunks above the target size (too low),
                // and the first chunk timed corrects it for the next task.
                timeNextChunk = true;
                return layOutForHelpers(known, node);
            } else {
                size = Math.min(UnitCost.FIRST_PROBE_UNITS, Math.max(1, remaining / 2));
            }
            probeStartNanos = System.nanoTime();
        } else {
            double nanosPerUnit = UnitCost.perUnit(System.nanoTime() - probeStartNanos, probeNext - start);
            cost.record(nanosPerUnit);
            if (remaining == 0) {
                handedOutAll();
                return null;
            }
            if (remaining * nanosPerUnit >= UnitCost.HELPER_PAYOFF_NANOS) {
                return layOutForHelpers(nanosPerUnit, node);
            }
            // Cheap enough to finish inline: take what fits the payoff budget, at least double.
            size = Math.max(2 * lastProbe, (long) (UnitCost.HELPER_PAYOFF_NANOS / nanosPerUnit));
        }
        size = Math.min(Sizing.roundUp(size, task.spec().align), remaining);
        lastProbe = size;
        long from = probeNext;
        long to = from + size;
        if (cut != null && to < end) {
            try {
                to = cut.at(to, end);
            } catch (Throwable e) {
                return cutFailed(e, new TaskChunk<>(probeIndex, from, from + size, node, null, task.context()));
            }
        }
        probeNext = to;
        // Still probing after the last unit is handed out: the own thread's next claim times it.
        return new TaskChunk<>(probeIndex++, from, probeNext, node, null, task.context());
    }

    /**
     * Lays out the units not yet probed in chunks of about {@link UnitCost#TARGET_CHUNK_NANOS} at
     * {@code nanosPerUnit}, wakes the helpers that layout is sized for, and claims the own
     * thread's first chunk of it. Publishing the layout ends probing, before any helper may
     * exist: only the own thread ever probes.
     */
    @Nullable
    private TaskChunk<Long> layOutForHelpers(double nanosPerUnit, int node) {
        task.spec().cost.laidOut(true);
        return layOutFor(UnitCost.targetChunk(nanosPerUnit), true, node);
    }

    /**
     * Whether a task below the helper payoff splits with one helper that is awake
     * ({@link UnitCost#AWAKE_HELPER_PAYOFF_NANOS}), or one worth waking for the tasks after it
     * ({@link UnitCost#bandTaskStarts}): in two halves, one each; if the helper does not come,
     * the own thread takes both. Finer chunks would balance a late helper better, but each claim
     * here costs about a microsecond of the two threads' shared lines (four chunks: 15.7 us
     * against two: 14.6 us for an 18 us task, bench/RESULTS.md). The payoff's hysteresis stays as
     * it is: this is no layout for parked helpers. Off the path of tasks under 15 us, which
     * never get here.
     *
     * @param remaining the units of the range, none handed out yet
     * @return the units of a half, rounded up to {@code align}; 0 to run alone: a half would not
     *     be smaller than the range, or no helper is awake nor worth waking
     */
    private long awakeHelperHalf(long remaining) {
        long half = Sizing.roundUp(Sizing.ceilDiv(remaining, 2), task.spec().align);
        boolean split = half < remaining
                && task.spec().cost.bandTaskStarts(System.nanoTime(), task.workers().helperAwake());
        return split ? half : 0;
    }

    /**
     * Lays out the units not yet probed for {@code minChunk} (see {@link #layout}), wakes the
     * helpers it is sized for, and claims the own thread's first chunk.
     */
    @Nullable
    private TaskChunk<Long> layOutFor(long minChunk, boolean splitTail, int node) {
        int threads = layout(probeNext, probeIndex, minChunk, splitTail);
        task.workers().helperTarget(threads - 1);
        task.workers().helpersWanted();
        return claim(node);
    }

    @Override
    public boolean timesChunks() {
        return timeNextChunk;
    }

    @Override
    public void ran(long units, long nanos) {
        timeNextChunk = false;
        task.spec().cost.record(UnitCost.perUnit(nanos, units));
    }

    /** @return the whole range as one chunk, the last the source hands out */
    private TaskChunk<Long> whole(int node) {
        handedOutAll();
        return new TaskChunk<>(0, start, end, node, null, task.context());
    }

    /** Probing ends with nothing left to claim: {@link #done()} from now on. */
    private void handedOutAll() {
        shares = NO_SHARES;
    }

    /**
     * Lays out {@code [from, end)} with ktask sizing; chunk indexes continue from {@code firstIndex}.
     *
     * @param splitTail cut each share's tail into finer chunks ({@link #TAIL_SPLIT}): adaptive
     *     sizing only, as an explicit {@code minChunk} asks for ktask's layout as it is
     * @return the thread count the layout was sized for
     */
    private int layout(long from, long firstIndex, long minChunk, boolean splitTail) {
        KTaskSpec<Long, ?> spec = task.spec();
        long size = end - from;
        int threads = Sizing.threads(size, minChunk, task.threads(), task.threads());
        long chunk = Sizing.chunkSize(size, minChunk, threads, spec.align);
        if (splitTail) {
            // An adaptive target is not a floor: a chunk above an equal share would make its
            // thread finish last while the others idle. A layout of a chunk per thread or fewer
            // is all tail (Share), so this also caps its tail chunks where the tail's floor is
            // above an equal share (a 60 us task on 8 threads: chunks of 7.5 us, not 10 us).
            chunk = Math.min(chunk, Sizing.roundUp(Sizing.ceilDiv(size, threads), spec.align));
        }
        long tailChunk = splitTail ? tailChunk(chunk, minChunk, spec.align) : chunk;
        NodeTopology topo = task.topology();
        int nodes = spec.allNodes ? topo.nodeCount() : 1;
        Share[] sh = new Share[nodes];
        long cursor = from;
        long index = firstIndex;
        for (int n = 0; n < nodes; n++) {
            long to;
            if (n == nodes - 1) {
                to = end;
            } else {
                long part = (long) (size * cpuShare(topo, n));
                to = Math.min(end, Sizing.roundUp(cursor - start + part, spec.align) + start);
                if (cut != null && to > cursor && to < end) {
                    to = cut.at(to, end);
                }
            }
            int tailWidth = nodes == 1 ? threads : threadsOf(topo, n, threads);
            sh[n] = new Share(cursor, to, chunk, tailChunk, tailWidth, index, cut);
            index += sh[n].chunks;
            cursor = to;
        }
        shares = sh;
        return threads;
    }

    /**
     * @return the threads of a layout for {@code threads} that node {@code node}'s share is sized
     *     for (its part of the CPUs, at least one): the width of that share's tail
     */
    private static int threadsOf(NodeTopology topo, int node, int threads) {
        return (int) Math.max(1, Math.round(threads * cpuShare(topo, node)));
    }

    /** @return node {@code node}'s part of the machine's CPUs, which sizes its share of an {@code allNodes} layout */
    private static double cpuShare(NodeTopology topo, int node) {
        return (double) topo.cpus(node).length / topo.cpuCount();
    }

    /**
     * @return the chunk of an adaptive layout's tail: a {@link #TAIL_SPLIT}th of a bulk chunk, at
     *     least {@code minChunk} over {@link #TAIL_FLOOR_SPLIT}, at most the bulk chunk
     */
    static long tailChunk(long chunk, long minChunk, long align) {
        long floor = Math.max(1, minChunk / TAIL_FLOOR_SPLIT);
        return Math.min(chunk, Sizing.roundUp(Math.max(floor, chunk / TAIL_SPLIT), align));
    }

    @Override
    public boolean hasClaimable() {
        Share[] sh = shares;
        return sh == PROBING || unclaimed(sh, true) > 0;
    }

    @Override
    public long backlog() {
        Share[] sh = shares;
        return sh == PROBING ? 1 : unclaimed(sh, true); // only the own thread probes
    }

    @Override
    public boolean done() {
        Share[] sh = shares;
        return sh != null && sh != PROBING && unclaimed(sh, false) == 0; // null: not started yet
    }

    /**
     * @param sh the layout read once by the caller: null (not started), {@link #PROBING} or
     *     {@link #NO_SHARES} count nothing
     * @param windowed in ordered mode, count nothing unless a share's next chunk is inside the
     *     window (so 0 means "nothing claimable now")
     * @return the chunks not yet claimed, 0 before the layout exists
     */
    private long unclaimed(@Nullable Share[] sh, boolean windowed) {
        if (sh == null) {
            return 0;
        }
        long total = 0;
        boolean claimable = !windowed;
        for (Share s : sh) {
            long i = s.next.get();
            if (i < s.chunks) {
                total += s.chunks - i;
                claimable |= task.inWindow(s.firstIndex + i);
            }
        }
        return claimable ? total : 0;
    }

    /** Merge mode: range chunks hold no elements and are few (the layout), so none waits on a window. */
    @Override
    public long window(int chunks) {
        return task.spec().merging() ? Long.MAX_VALUE : chunks;
    }

    @Override
    public long totalUnits() {
        return end - start;
    }

    @Override
    public void retired(long chunks) {
        // Nothing buffered: the window is enforced at claim time through run.inWindow.
    }

    @Override
    public void cancel() {
        // Claims stop through the task's stop flags; there is nothing to release.
    }

    @Override
    public Object parent() {
        return null;
    }

    @Override
    public long buffered() {
        return 0;
    }

    /**
     * One node's contiguous part of the range, cut into chunks claimed in order: equal chunks, then
     * possibly a tail of smaller equal ones, so that a chunk's bounds follow from its index alone.
     * The tail is the last bulk chunk per thread ({@code tailWidth} of them, or all when fewer)
     * when {@code tailChunk} is smaller than {@code chunk}: when the bulk runs out the threads are
     * up to one bulk chunk apart, and the first to end finds at least that much tail. In ktask's
     * layout, four chunks per thread, that is its last quarter; a layout whose chunks the
     * adaptive minimum made larger has fewer chunks per thread and still gets a tail per thread.
     *
     * <p>With a boundaries cut, every boundary between two chunks of the share is moved by the cut
     * when the first of the two is claimed, and remembered, so both use the same value; the
     * share's own ends stay where the layout put them (already cut).
     */
    static final class Share {

        private static final long UNSET = Long.MIN_VALUE; // never a cut value: one is above the range's start

        final long from;
        final long to;
        final long chunk;
        final long bulkChunks;
        final long tailFrom;
        final long tailChunk;
        final long chunks;
        final long firstIndex;
        final AtomicLong next = new AtomicLong();
        @Nullable
        private final RangeCut cut;
        /** Boundary k (between chunks k - 1 and k) at k - 1 once cut; null without a cut. */
        @Nullable
        private final AtomicLongArray cutBoundaries;

        Share(long from, long to, long chunk, long tailChunk, int tailWidth, long firstIndex, @Nullable RangeCut cut) {
            this.from = from;
            this.to = to;
            this.chunk = chunk;
            this.tailChunk = tailChunk;
            this.firstIndex = firstIndex;
            long units = Math.max(0, to - from);
            long equal = Sizing.ceilDiv(units, chunk);
            boolean tail = tailChunk < chunk && equal > 0;
            this.bulkChunks = tail ? equal - Math.min(equal, tailWidth) : equal; // tailWidth >= 1
            this.tailFrom = from + bulkChunks * chunk; // <= to: fewer than all equal chunks fit
            this.chunks = bulkChunks + Sizing.ceilDiv(Math.max(0, to - tailFrom), tailChunk);
            this.cut = cut;
            if (cut != null && chunks > 1) {
                cutBoundaries = new AtomicLongArray(Math.toIntExact(chunks - 1)); // chunks per share are few (ktask sizing)
                for (int k = 0; k < chunks - 1; k++) {
                    cutBoundaries.set(k, UNSET);
                }
            } else {
                cutBoundaries = null;
            }
        }

        /** @return the first unit of chunk {@code i} of this share */
        long start(long i) {
            return cutBoundaries == null || i == 0 ? tentative(i) : boundary(i);
        }

        /**
         * @return the end (exclusive) of chunk {@code i}, which starts at {@code start}
         * @throws IllegalStateException if a boundaries cut moved the end before {@code start}
         */
        long end(long i, long start) {
            if (cutBoundaries == null) {
                return start + Math.min(i < bulkChunks ? chunk : tailChunk, to - start); // no overflow near Long.MAX_VALUE
            }
            long end = i == chunks - 1 ? to : boundary(i + 1);
            if (end < start) {
                throw cut.notMonotone(tentative(i), start, end);
            }
            return end;
        }

        /** @return where the layout puts the start of chunk {@code i}, before any cut */
        long tentative(long i) {
            return i < bulkChunks ? from + i * chunk : tailFrom + (i - bulkChunks) * tailChunk;
        }

        /** @return where the layout puts the end of chunk {@code i}, before any cut */
        long tentativeEnd(long i) {
            return i == chunks - 1 ? to : tentative(i + 1);
        }

        /** @return boundary {@code k} (0 < k < chunks) as the cut moved it, cutting it now if no claimer has yet */
        private long boundary(long k) {
            int at = (int) (k - 1);
            long v = cutBoundaries.get(at);
            if (v == UNSET) {
                // Benign race: the claimers of the two chunks around boundary k may both cut it; the
                // first value stored is the one both chunks use, so they tile the share even if the
                // cut is not a pure function.
                long mine = cut.at(tentative(k), to);
                v = cutBoundaries.compareAndExchange(at, UNSET, mine);
                if (v == UNSET) {
                    v = mine;
                }
            }
            return v;
        }
    }
}
