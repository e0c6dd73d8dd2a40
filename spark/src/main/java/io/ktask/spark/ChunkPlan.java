package io.ktask.spark;

import java.io.Serializable;

/**
 * How a job's range is cut: {@code chunks} chunks of {@code chunkSize} units from {@code start},
 * the last one shorter when {@code count} is not a multiple. Computed once on the driver, shipped
 * to executors, so both sides agree on every chunk's bounds.
 */
final class ChunkPlan implements Serializable {

    private static final long serialVersionUID = 1L;

    final long start;
    final long count;
    final long chunkSize;
    final int chunks;

    private ChunkPlan(long start, long count, long chunkSize) {
        this.start = start;
        this.count = count;
        this.chunkSize = chunkSize;
        this.chunks = (int) ceilDiv(count, chunkSize);
    }

    /**
     * Cuts {@code count > 0} units into about {@code wanted} chunks of at least {@code minChunk}.
     */
    static ChunkPlan of(long start, long count, long minChunk, int wanted) {
        return new ChunkPlan(start, count, Math.max(minChunk, ceilDiv(count, wanted)));
    }

    RangeChunk chunk(int index) {
        long from = start + index * chunkSize;
        return new RangeChunk(index, from, from + Math.min(chunkSize, count - index * chunkSize));
    }

    private static long ceilDiv(long a, long b) {
        return a / b + (a % b == 0 ? 0 : 1);
    }

    @Override
    public String toString() {
        return chunks + " chunks of " + chunkSize + " from " + start + " (" + count + " units)";
    }
}
