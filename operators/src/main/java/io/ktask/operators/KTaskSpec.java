package io.ktask.operators;

import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import reactor.util.annotation.Nullable;

/**
 * The immutable description of a parallel task: what a chunk computes, how results are combined,
 * how the range is cut, and where it runs. Built with {@link #of(Function)}; used by
 * {@link KTask#parallelize(KTaskSpec)}. One spec may be used by any number of tasks at once.
 *
 * @param <T> the upstream element type
 * @param <R> the result type of one chunk (and of the merge)
 */
public final class KTaskSpec<T, R> {

    /** Value of {@link #minChunk()} when none was given: the chunk size adapts to the measured cost. */
    public static final long ADAPTIVE = 0L;

    final Function<? super Chunk<T>, ? extends R> work;
    final BinaryOperator<R> merge;
    final BiConsumer<? super Chunk<T>, ? super R> undo;
    final long minChunk;
    final long align;
    @Nullable
    final LongUnaryOperator boundaries;
    final int maxThreads;
    final KTaskScheduler scheduler;
    final int node;
    final boolean allNodes;
    final CallerRuns callerRuns;
    @Nullable
    final Consumer<? super KTaskProgress> progress;
    /** The measured cost hint of {@link #work}'s class, looked up once here rather than by every task. */
    final UnitCost cost;

    private KTaskSpec(Builder<T, R> b) {
        this.work = b.work;
        this.merge = b.merge;
        this.undo = b.undo;
        this.minChunk = b.minChunk;
        this.align = b.align == Builder.UNSET ? 1 : b.align;
        this.boundaries = b.boundaries;
        this.maxThreads = b.maxThreads == Builder.UNSET ? Integer.MAX_VALUE : b.maxThreads;
        this.scheduler = b.scheduler;
        this.node = b.node;
        this.allNodes = b.allNodes;
        this.callerRuns = b.callerRuns == null ? CallerRuns.AUTOMATIC : b.callerRuns;
        this.progress = b.progress;
        this.cost = UnitCost.of(work);
    }

    /**
     * Starts a spec whose chunks compute {@code work}. The function is called once per chunk,
     * possibly on several threads at once; it must be safe for that.
     *
     * @param <T> the upstream element type
     * @param <R> the result type of one chunk (and of the merge)
     * @param work computes one chunk's result; not null
     * @return a builder for the rest of the spec
     * @throws NullPointerException if {@code work} is null
     */
    public static <T, R> Builder<T, R> of(Function<? super Chunk<T>, ? extends R> work) {
        return new Builder<>(Objects.requireNonNull(work, "work must not be null"));
    }

    /** @return the minimum chunk size in units, or {@link #ADAPTIVE} */
    public long minChunk() {
        return minChunk;
    }

    /** @return the multiple that chunk boundaries fall on (1 = any unit) */
    public long align() {
        return align;
    }

    /**
     * @return the cut that moves chunk boundaries ({@link Builder#boundaries}), or null when the
     *     boundaries stay where the layout puts them (the default)
     */
    @Nullable
    public LongUnaryOperator boundaries() {
        return boundaries;
    }

    /** @return the most threads one task uses, its own thread included */
    public int maxThreads() {
        return maxThreads;
    }

    /** @return true when chunk results are reduced to one value, false when streamed in order */
    public boolean merging() {
        return merge != null;
    }

    @Override
    public String toString() {
        return "KTaskSpec{minChunk=" + (minChunk == ADAPTIVE ? "adaptive" : minChunk) + ", align=" + align
                + (boundaries == null ? "" : ", boundaries=" + boundaries)
                + ", maxThreads=" + maxThreads + ", node=" + (allNodes ? "all" : node == NodeTopology.ANY_NODE ? "any" : node)
                + ", mode=" + (merge != null ? "merge" : "ordered") + ", undo=" + (undo != null)
                + ", callerRuns=" + callerRuns + '}';
    }

    /**
     * Builds a {@link KTaskSpec}. Every setter may be called at most once (a second call throws
     * {@link IllegalStateException}) and checks its argument at once
     * ({@link IllegalArgumentException} or {@link NullPointerException} naming the argument and
     * its value); combinations are checked by {@link #build()}. Not thread-safe.
     *
     * @param <T> the upstream element type
     * @param <R> the chunk result type
     */
    public static final class Builder<T, R> {

        /** Marks a numeric option not set: no valid value is 0, so a second call is always seen. */
        private static final int UNSET = 0;

        private final Function<? super Chunk<T>, ? extends R> work;
        private BinaryOperator<R> merge;
        private boolean ordered;
        private BiConsumer<? super Chunk<T>, ? super R> undo;
        private long minChunk = ADAPTIVE;
        private long align = UNSET;
        private LongUnaryOperator boundaries;
        private int maxThreads = UNSET;
        private KTaskScheduler scheduler;
        private int node = NodeTopology.ANY_NODE;
        private boolean allNodes;
        private CallerRuns callerRuns;
        private Consumer<? super KTaskProgress> progress;

        private Builder(Function<? super Chunk<T>, ? extends R> work) {
            this.work = work;
        }

        /**
         * Reduces the chunk results, in chunk order, to one value emitted when the task
         * completes; the function must be associative (it need not be commutative). Not
         * combinable with {@link #ordered()}.
         *
         * @param merge combines two adjacent results, the earlier one first; not null
         * @return this builder
         * @throws NullPointerException if {@code merge} is null
         * @throws IllegalStateException if merge was already set
         */
        public Builder<T, R> merge(BinaryOperator<R> merge) {
            requireUnset(this.merge == null, "merge", "a function");
            this.merge = Objects.requireNonNull(merge, "merge must not be null");
            return this;
        }

        /**
         * Emits every chunk's result in chunk order as soon as it and all earlier ones are done,
         * honouring downstream demand. This is the default when {@link #merge} is not given.
         *
         * @return this builder
         * @throws IllegalStateException if ordered was already set
         */
        public Builder<T, R> ordered() {
            requireUnset(!ordered, "ordered", "true");
            this.ordered = true;
            return this;
        }

        /**
         * Sets the smallest chunk, in units (ktask's {@code min_chunk_size}): a task gets at most
         * {@code ceil(size / minChunk)} threads, so a task of at most {@code minChunk} units runs
         * on one. Default: adaptive; a first small chunk is timed on the task's own thread, and
         * helpers are used only if the measured remaining work pays for them; the chunks are
         * then about 50 us of measured work each, finer at the end of a range. A range whose work
         * function was timed by an earlier task is judged by that cost at once, without the
         * probe, and its first chunk to end is timed for the next task. An upstream read
         * by synchronous fusion ({@code Flux.range}, {@code fromIterable}, {@code fromArray}) is
         * pulled the same way: a timed 16-element probe, then chunks of about 50 us (at most
         * 65 536 elements, rounded up to {@code align}). An upstream that pushes its elements
         * gets chunks of 1024.
         *
         * @param minChunk the smallest chunk in units, {@code >= 1}
         * @return this builder
         * @throws IllegalArgumentException if {@code minChunk < 1}
         * @throws IllegalStateException if minChunk was already set
         */
        public Builder<T, R> minChunk(long minChunk) {
            requireUnset(this.minChunk == ADAPTIVE, "minChunk", this.minChunk);
            if (minChunk < 1) {
                throw new IllegalArgumentException("minChunk must be >= 1 but was " + minChunk);
            }
            this.minChunk = minChunk;
            return this;
        }

        /**
         * Makes chunk boundaries fall on multiples of {@code align} units (counted from the
         * task's start), e.g. pages or records. Default 1.
         *
         * @param align the unit multiple boundaries fall on, {@code >= 1}
         * @return this builder
         * @throws IllegalArgumentException if {@code align < 1}
         * @throws IllegalStateException if align was already set
         */
        public Builder<T, R> align(long align) {
            requireUnset(this.align == UNSET, "align", this.align);
            if (align < 1) {
                throw new IllegalArgumentException("align must be >= 1 but was " + align);
            }
            this.align = align;
            return this;
        }

        /**
         * Moves every chunk boundary of a {@link KTask#range} task to a unit of the caller's
         * choosing, so that chunks start and end on record boundaries (a line end in a file of
         * lines: see {@link DelimitedFile}). The layout (sizing, probes, node shares) picks
         * tentative boundaries {@code b} strictly inside the range as usual; each becomes
         * {@code cut.applyAsLong(b)}. The range's own start and end never move.
         *
         * <p>The cut's contract: {@code b <= cut(b) <= end} (the range's end, exclusive), and
         * monotone: {@code b1 <= b2} implies {@code cut(b1) <= cut(b2)}. {@link #align(long)
         * align(n)} is the special case "round up to a multiple of n", which is why the two are
         * exclusive: fold an alignment into the cut. The cut is called about once per boundary
         * (the claimers of the two chunks around one may both call it), from any of the task's
         * threads, concurrently for different boundaries; it may do I/O (read a few bytes of a
         * file). The first value returned for a boundary is the one both of its chunks use, so
         * the chunks tile the range exactly whatever the cut returns. A value that breaks the
         * contract (below {@code b}, above the end, or beyond a boundary after it) fails the task
         * with an {@link IllegalStateException} naming the boundary and the value, as the cause
         * of the usual {@link KTaskException} after undo; so does an exception thrown by the
         * cut.
         *
         * <p>Chunk sizes follow the tentative layout ({@link #minChunk}) before the cut, so a chunk
         * may end up smaller or larger. When the cut moves both ends of a chunk to the same unit
         * (a record longer than a chunk), that chunk is empty ({@code size() == 0}): its work still
         * runs, so that every chunk index has a result. Only for {@link KTask#range}: a task over
         * any other upstream rejects a spec with a cut when it is assembled.
         *
         * @param cut maps a tentative boundary to the unit where it falls, within the contract
         *     above; not null
         * @return this builder
         * @throws NullPointerException if {@code cut} is null
         * @throws IllegalStateException if boundaries was already set
         */
        public Builder<T, R> boundaries(LongUnaryOperator cut) {
            requireUnset(this.boundaries == null, "boundaries", this.boundaries);
            this.boundaries = Objects.requireNonNull(cut, "boundaries cut must not be null");
            return this;
        }

        /**
         * Caps the threads of one task, its own thread included. Default: the scheduler's CPU
         * count (and always within its helper limits).
         *
         * @param maxThreads the most threads one task uses, {@code >= 1}
         * @return this builder
         * @throws IllegalArgumentException if {@code maxThreads < 1}
         * @throws IllegalStateException if maxThreads was already set
         */
        public Builder<T, R> maxThreads(int maxThreads) {
            requireUnset(this.maxThreads == UNSET, "maxThreads", this.maxThreads);
            if (maxThreads < 1) {
                throw new IllegalArgumentException("maxThreads must be >= 1 but was " + maxThreads);
            }
            this.maxThreads = maxThreads;
            return this;
        }

        /**
         * Chooses the scheduler whose helpers and limits the task uses. Default: a shared
         * scheduler created on first use with {@link KTaskScheduler#create()}.
         *
         * @param scheduler the scheduler to run on; not null
         * @return this builder
         * @throws NullPointerException if {@code scheduler} is null
         * @throws IllegalStateException if scheduler was already set
         */
        public Builder<T, R> scheduler(KTaskScheduler scheduler) {
            requireUnset(this.scheduler == null, "scheduler", this.scheduler);
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler must not be null");
            return this;
        }

        /**
         * Places the task's helpers on {@code node} first (past its limit they go anywhere).
         * Default: the node the subscribing thread runs on. Not combinable with
         * {@link #allNodes()}. The node is checked against the scheduler's topology at
         * {@link #build()} when a scheduler was given, else at subscription.
         *
         * @param node the preferred node's index, {@code >= 0}
         * @return this builder
         * @throws IllegalArgumentException if {@code node < 0}
         * @throws IllegalStateException if node was already set
         */
        public Builder<T, R> node(int node) {
            requireUnset(this.node == NodeTopology.ANY_NODE, "node", this.node);
            if (node < 0) {
                throw new IllegalArgumentException("node must be >= 0 but was " + node);
            }
            this.node = node;
            return this;
        }

        /**
         * Spreads the task over every node (ktask_run_numa): the range is split into one share
         * per node in proportion to its CPUs, helpers are placed on every node, and each thread
         * takes chunks from its own node's share first and then helps the others.
         *
         * @return this builder
         * @throws IllegalStateException if allNodes was already set
         */
        public Builder<T, R> allNodes() {
            requireUnset(!allNodes, "allNodes", "true");
            this.allNodes = true;
            return this;
        }

        /**
         * Registers the callback that reverts one finished chunk when the task is aborted; it
         * gets the chunk and the result its work returned. Undos run on one thread, one at a
         * time, in ascending chunk order. An undo that throws is recorded in the
         * {@link KTaskException}'s suppressed list and the others still run.
         *
         * @param undo reverts one chunk given the chunk and its result; not null
         * @return this builder
         * @throws NullPointerException if {@code undo} is null
         * @throws IllegalStateException if undo was already set
         */
        public Builder<T, R> undo(BiConsumer<? super Chunk<T>, ? super R> undo) {
            requireUnset(this.undo == null, "undo", "a function");
            this.undo = Objects.requireNonNull(undo, "undo must not be null");
            return this;
        }

        /**
         * Whether the thread that makes the first request (the caller) runs chunks itself.
         * Default {@link CallerRuns#AUTOMATIC}: it does, as in ktask, unless it is a non-blocking
         * thread (an event loop, {@code Schedulers.parallel()}), whose task then runs on a task
         * thread of the scheduler while the caller returns at once.
         *
         * @param callerRuns the caller's policy; not null
         * @return this builder
         * @throws NullPointerException if {@code callerRuns} is null
         * @throws IllegalStateException if callerRuns was already set
         */
        public Builder<T, R> callerRuns(CallerRuns callerRuns) {
            requireUnset(this.callerRuns == null, "callerRuns", this.callerRuns);
            this.callerRuns = Objects.requireNonNull(callerRuns, "callerRuns must not be null");
            return this;
        }

        /**
         * Shorthand for {@link #callerRuns(CallerRuns)}: {@code true} is {@link CallerRuns#ALWAYS},
         * {@code false} is {@link CallerRuns#NEVER}.
         *
         * @param callerRuns whether the caller always runs chunks itself
         * @return this builder
         * @throws IllegalStateException if callerRuns was already set
         */
        public Builder<T, R> callerRuns(boolean callerRuns) {
            return callerRuns(callerRuns ? CallerRuns.ALWAYS : CallerRuns.NEVER);
        }

        /**
         * Reports the task's progress to {@code listener}: at most every
         * 100 ms while chunks finish, and once at the end
         * ({@link KTaskProgress#finished()}), also when the task fails or is cancelled. Never
         * per unit: reports are made by the task's decision pass, one thread at a time, after
         * chunks finish. The listener runs on one of the task's threads (a helper, possibly at
         * low priority): keep it short and non-blocking. An exception it throws goes to
         * {@code Hooks.onErrorDropped}; the task goes on. Default: none.
         *
         * @param listener gets each progress report; not null
         * @return this builder
         * @throws NullPointerException if {@code listener} is null
         * @throws IllegalStateException if progress was already set
         */
        public Builder<T, R> progress(Consumer<? super KTaskProgress> listener) {
            requireUnset(this.progress == null, "progress", "a listener");
            this.progress = Objects.requireNonNull(listener, "listener must not be null");
            return this;
        }

        /**
         * @return the immutable spec
         * @throws IllegalStateException if both {@link #merge} and {@link #ordered()} were set,
         *     both {@link #node(int)} and {@link #allNodes()}, or both {@link #align} and
         *     {@link #boundaries}
         * @throws IllegalArgumentException if a {@link #node(int)} is not in the given
         *     {@link #scheduler}'s topology
         */
        public KTaskSpec<T, R> build() {
            if (merge != null && ordered) {
                throw new IllegalStateException("merge and ordered() are exclusive: choose one result mode");
            }
            if (allNodes && node != NodeTopology.ANY_NODE) {
                throw new IllegalStateException("node(" + node + ") and allNodes() are exclusive");
            }
            if (boundaries != null && align != UNSET) {
                throw new IllegalStateException("align(" + align + ") and boundaries(" + boundaries
                        + ") are exclusive: align(n) is the cut that rounds up to a multiple of n, so fold it into the cut");
            }
            if (scheduler != null && node >= scheduler.topology().nodeCount()) {
                throw new IllegalArgumentException("node must be < " + scheduler.topology().nodeCount()
                        + " (the scheduler's node count) but was " + node);
            }
            return new KTaskSpec<>(this);
        }

        private static void requireUnset(boolean unset, String name, Object current) {
            if (!unset) {
                throw new IllegalStateException(name + " was already set to " + current);
            }
        }
    }
}
