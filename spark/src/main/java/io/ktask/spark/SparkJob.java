package io.ktask.spark;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Function;

import io.ktask.operators.Chunk;
import io.ktask.operators.DelimitedFile;
import io.ktask.operators.KTaskSpec;

/**
 * The immutable, serializable description of a job over a range of units, or over the records of
 * a file: what one chunk computes ({@link Work}, or {@link RecordWork} for a file), how chunk
 * results are combined ({@link Merge}), and how a committed chunk is reverted ({@link Undo}) —
 * the three functions of a merge-mode {@link KTaskSpec}.
 *
 * <p>The functional types extend the {@code java.util.function} types that {@link KTaskSpec}
 * takes, so one set of lambdas runs on one machine and on a cluster:
 *
 * <pre>{@code
 * SparkJob.Work<Long> work = c -> sumOfSquares(c.start(), c.end());
 * SparkJob.Merge<Long> merge = Long::sum;
 * Mono<Long> here = KTask.range(0, n).as(KTask.reduce(work, merge));
 * Mono<Long> there = spark.reduce(0, n, SparkJob.of(work).merge(merge).build());
 * }</pre>
 *
 * <p>A job over a file of records ({@link #ofRecords(RecordWork)}) gets, in each chunk, the file
 * opened where the chunk runs and a chunk of its bytes cut at record starts by
 * {@link DelimitedFile#boundaries()}, the cut of the local file support; the same function runs
 * locally with the {@link DelimitedFile} the caller opened:
 *
 * <pre>{@code
 * SparkJob.RecordWork<Long> lines = (file, c) -> countLines(file, c);  // reads file.forEachWindow(c, ...)
 * try (DelimitedFile file = DelimitedFile.open(path)) {
 *     Mono<Long> here = file.range().as(KTask.reduce(KTaskSpec.<Long, Long>of(c -> lines.apply(file, c))
 *             .merge(Long::sum).boundaries(file.boundaries()).build()));
 * }
 * Mono<Long> there = spark.reduce(path, SparkJob.ofRecords(lines).merge(Long::sum).build());
 * }</pre>
 *
 * <p>Built with {@link #of(Work)} or {@link #ofRecords(RecordWork)}; run with
 * {@link SparkKTask#reduce(long, long, SparkJob)} or
 * {@link SparkKTask#reduce(java.nio.file.Path, SparkJob)} respectively. One job may be run any
 * number of times, at once too. Work and undo run on Spark executors (other JVMs, other
 * machines): everything they capture must be serializable, and the result type must be
 * {@link Serializable} as it travels from an executor to the driver.
 *
 * @param <R> the result type of one chunk (and of the merge)
 */
public final class SparkJob<R extends Serializable> implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(SparkJob.class.getName());

    /** Value of {@link #chunks()} when none was given: four chunks per core of the cluster. */
    public static final int AUTO = 0;

    /** Computes one chunk's result, on an executor; null for a job over records. */
    final Work<R> work;
    /** Computes one chunk's result from the file's records, on an executor; null for a job over a range. */
    final RecordWork<R> records;
    /** Combines chunk results in chunk order, on the driver. */
    final Merge<R> merge;
    /** Reverts one chunk's work, or null when none was given. */
    final Undo<R> undo;
    /** The smallest chunk in units, {@code >= 1}. */
    final long minChunk;
    /** The number of chunks to cut a range into, or {@link #AUTO}. */
    final int chunks;

    private SparkJob(Builder<R> b) {
        this.work = b.work;
        this.records = b.records;
        this.merge = b.merge;
        this.undo = b.undo;
        this.minChunk = b.minChunk;
        this.chunks = b.chunks;
    }

    /**
     * Starts a job whose chunks compute {@code work}.
     *
     * @param <R> the result type of one chunk (and of the merge)
     * @param work computes one chunk's result on an executor; serializable, not null
     * @return a builder for the rest of the job
     * @throws NullPointerException if {@code work} is null
     */
    public static <R extends Serializable> Builder<R> of(Work<R> work) {
        return new Builder<>(Objects.requireNonNull(work, "work must not be null"), null);
    }

    /**
     * Starts a job over the records of a file, run with {@link SparkKTask#reduce(java.nio.file.Path,
     * SparkJob)}: each chunk is a range of the file's byte offsets that starts and ends at record
     * starts, and {@code work} gets it with the file opened where the chunk runs.
     *
     * @param <R> the result type of one chunk (and of the merge)
     * @param work computes one chunk's result from its records on an executor; serializable, not null
     * @return a builder for the rest of the job
     * @throws NullPointerException if {@code work} is null
     */
    public static <R extends Serializable> Builder<R> ofRecords(RecordWork<R> work) {
        return new Builder<>(null, Objects.requireNonNull(work, "work must not be null"));
    }

    /** @return the smallest chunk in units (default 1) */
    public long minChunk() {
        return minChunk;
    }

    /** @return the number of chunks asked for, or {@link #AUTO} */
    public int chunks() {
        return chunks;
    }

    /**
     * Runs the work on one chunk of {@code plan}, on an executor: for a job over records, with
     * the plan's file opened here for the call.
     */
    R compute(ChunkPlan plan, RangeChunk chunk) {
        if (records == null) {
            return work.apply(chunk);
        }
        DelimitedFile file;
        try {
            file = plan.file.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + chunk + ": " + e.getMessage(), e); // the message names the file
        }
        try {
            return records.apply(file, chunk);
        } finally {
            try {
                file.close();
            } catch (IOException e) {
                // Closing a file opened for reading loses nothing: failing here would drop the
                // work's result, and with it the undo of whatever effect the work had.
                LOG.log(System.Logger.Level.WARNING, "cannot close " + plan.file + " after " + chunk, e);
            }
        }
    }

    /** @return the class of the work function, whose loader knows the job's result types */
    Class<?> workClass() {
        return records != null ? records.getClass() : work.getClass();
    }

    @Override
    public String toString() {
        return "SparkJob{" + (records != null ? "over records, " : "") + "minChunk=" + minChunk
                + ", chunks=" + (chunks == AUTO ? "auto" : chunks) + ", undo=" + (undo != null) + '}';
    }

    /**
     * Computes one chunk's result; runs on a Spark executor, once per attempt of the chunk (Spark
     * may run a chunk more than once: see {@link SparkKTask} for which attempt counts).
     *
     * @param <R> the chunk result type
     */
    @FunctionalInterface
    public interface Work<R> extends Function<Chunk<Long>, R>, Serializable {
    }

    /**
     * Computes one chunk's result from the records of a file; runs on a Spark executor, once per
     * attempt of the chunk, as {@link Work} does. The chunk's units are byte offsets of the file:
     * {@code [chunk.start(), chunk.end())} starts and ends at record starts, so
     * {@code file.forEachWindow(chunk, ...)} hands the work whole records only. The file is open
     * for the call only (do not keep it); the chunk may be empty when a record is longer than a
     * chunk.
     *
     * @param <R> the chunk result type
     */
    @FunctionalInterface
    public interface RecordWork<R> extends BiFunction<DelimitedFile, Chunk<Long>, R>, Serializable {
    }

    /**
     * Combines two results, left (lower chunks) first; runs on the driver. Must be associative;
     * need not be commutative.
     *
     * @param <R> the result type
     */
    @FunctionalInterface
    public interface Merge<R> extends BinaryOperator<R>, Serializable {
    }

    /**
     * Reverts what one chunk's work did, given the result that work returned. Runs on the driver
     * for a committed chunk of a failed job, and on the executor for an attempt that lost the
     * commit (see {@link SparkKTask}).
     *
     * @param <R> the chunk result type
     */
    @FunctionalInterface
    public interface Undo<R> extends BiConsumer<Chunk<Long>, R>, Serializable {
    }

    /**
     * Builds a {@link SparkJob}. Every setter may be called at most once (a second call throws
     * {@link IllegalStateException}) and checks its argument at once
     * ({@link IllegalArgumentException} or {@link NullPointerException} naming the argument and
     * its value). Not thread-safe.
     *
     * @param <R> the chunk result type
     */
    public static final class Builder<R extends Serializable> {

        private final Work<R> work;
        private final RecordWork<R> records;
        private Merge<R> merge;
        private Undo<R> undo;
        private long minChunk = 1;
        private boolean minChunkSet;
        private int chunks = AUTO;

        private Builder(Work<R> work, RecordWork<R> records) {
            this.work = work;
            this.records = records;
        }

        /**
         * Combines chunk results in chunk order on the driver (required).
         *
         * @param merge combines two adjacent results, the earlier one first; not null
         * @return this builder
         * @throws NullPointerException if {@code merge} is null
         * @throws IllegalStateException if merge was already set
         */
        public Builder<R> merge(Merge<R> merge) {
            requireUnset(this.merge == null, "merge", "a function");
            this.merge = Objects.requireNonNull(merge, "merge must not be null");
            return this;
        }

        /**
         * Registers the callback that reverts one chunk's work when the job does not complete.
         *
         * @param undo reverts one chunk's work; serializable, not null
         * @return this builder
         * @throws NullPointerException if {@code undo} is null
         * @throws IllegalStateException if undo was already set
         */
        public Builder<R> undo(Undo<R> undo) {
            requireUnset(this.undo == null, "undo", "a function");
            this.undo = Objects.requireNonNull(undo, "undo must not be null");
            return this;
        }

        /**
         * Sets the smallest chunk, in units (default 1): no chunk but the last is smaller. For a
         * job over records the units are bytes, and each boundary then moves to the next record
         * start, so a chunk may be larger or smaller by up to a record.
         *
         * @param minChunk the smallest chunk in units, {@code >= 1}
         * @return this builder
         * @throws IllegalArgumentException if {@code minChunk < 1}
         * @throws IllegalStateException if minChunk was already set
         */
        public Builder<R> minChunk(long minChunk) {
            requireUnset(!minChunkSet, "minChunk", this.minChunk);
            if (minChunk < 1) {
                throw new IllegalArgumentException("minChunk must be >= 1 but was " + minChunk);
            }
            this.minChunk = minChunk;
            this.minChunkSet = true;
            return this;
        }

        /**
         * Sets how many chunks (Spark partitions) to cut the range into; fewer when
         * {@link #minChunk} or the range's size does not allow that many. Default
         * {@link #AUTO}: four per core of the cluster ({@code defaultParallelism}), so that
         * faster executors take more chunks, as ktask's helpers do.
         *
         * @param chunks the number of chunks, {@code >= 1}
         * @return this builder
         * @throws IllegalArgumentException if {@code chunks < 1}
         * @throws IllegalStateException if chunks was already set
         */
        public Builder<R> chunks(int chunks) {
            requireUnset(this.chunks == AUTO, "chunks", this.chunks);
            if (chunks < 1) {
                throw new IllegalArgumentException("chunks must be >= 1 but was " + chunks);
            }
            this.chunks = chunks;
            return this;
        }

        /**
         * @return the immutable job
         * @throws IllegalStateException if no {@link #merge} was given
         * @throws IllegalArgumentException if a function cannot be serialized (it names the
         *     function and what it captured that is not serializable)
         */
        public SparkJob<R> build() {
            if (merge == null) {
                throw new IllegalStateException("merge was not set: a Spark job reduces its chunks to one result");
            }
            requireSerializable("work", work != null ? work : records);
            requireSerializable("merge", merge);
            if (undo != null) {
                requireSerializable("undo", undo);
            }
            return new SparkJob<>(this);
        }

        /** Fails at assembly, not on the cluster half-way through a job. */
        private static void requireSerializable(String name, Object function) {
            try (ObjectOutputStream out = new ObjectOutputStream(new ByteArrayOutputStream())) {
                out.writeObject(function);
            } catch (IOException e) {
                throw new IllegalArgumentException(name + " must be serializable but was " + function + ": " + e, e);
            }
        }

        private static void requireUnset(boolean unset, String name, Object current) {
            if (!unset) {
                throw new IllegalStateException(name + " was already set to " + current);
            }
        }
    }
}
