package io.ktask.spark;

import java.io.Serializable;
import java.util.function.LongUnaryOperator;

/**
 * How a job's range is cut: {@code chunks} chunks of {@code chunkSize} units from {@code start},
 * the last one shorter when {@code count} is not a multiple; for a file of records, the same
 * tentative chunks with every boundary between two of them moved by the file's cut. Computed once
 * on the driver, shipped to executors, so both sides agree on every chunk's bounds.
 */
final class ChunkPlan implements Serializable {

    private static final long serialVersionUID = 1L;

    final long start;
    final long count;
    final long chunkSize;
    final int chunks;
    /** The file whose bytes the units are, or null for a plain range of units. */
    final RecordFile file;
    /** Chunk i is {@code [bounds[i], bounds[i + 1])} after the cut; null when no cut moved them. */
    private final long[] bounds;

    private ChunkPlan(long start, long count, long chunkSize, RecordFile file, LongUnaryOperator cut) {
        this.start = start;
        this.count = count;
        this.chunkSize = chunkSize;
        this.chunks = (int) ceilDiv(count, chunkSize);
        this.file = file;
        if (cut == null) {
            this.bounds = null;
        } else {
            // Cut once, here, so every chunk and every attempt of it sees the same bounds: the
            // chunks tile the range exactly, as the local operator's remembered boundaries do.
            long[] b = new long[chunks + 1];
            b[0] = start;
            b[chunks] = start + count;
            for (int i = 1; i < chunks; i++) {
                b[i] = cut.applyAsLong(start + i * chunkSize);
            }
            this.bounds = b;
        }
    }

    /**
     * Cuts {@code count > 0} units into about {@code wanted} chunks of at least {@code minChunk}.
     */
    static ChunkPlan of(long start, long count, long minChunk, int wanted) {
        return new ChunkPlan(start, count, size(count, minChunk, wanted), null, null);
    }

    /**
     * Cuts the bytes of {@code file} as {@link #of} cuts a range from 0, then moves every boundary
     * between two chunks to {@code cut(b)}: the file's record cut, which is monotone and within
     * the file (so a record longer than a chunk leaves an empty chunk, as it does locally). An
     * empty file has no chunk.
     */
    static ChunkPlan cut(RecordFile file, LongUnaryOperator cut, long minChunk, int wanted) {
        return new ChunkPlan(0, file.size, size(file.size, minChunk, wanted), file, cut);
    }

    RangeChunk chunk(int index) {
        if (bounds != null) {
            return new RangeChunk(index, bounds[index], bounds[index + 1]);
        }
        long from = start + index * chunkSize;
        return new RangeChunk(index, from, from + Math.min(chunkSize, count - index * chunkSize));
    }

    private static long size(long count, long minChunk, int wanted) {
        return Math.max(minChunk, ceilDiv(count, wanted));
    }

    private static long ceilDiv(long a, long b) {
        return a / b + (a % b == 0 ? 0 : 1);
    }

    @Override
    public String toString() {
        return chunks + " chunks of " + chunkSize + " from " + start + " (" + count + " units"
                + (file == null ? ")" : " of " + file + ", cut at record starts)");
    }
}
