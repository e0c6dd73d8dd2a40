package io.ktask.operators;

/**
 * ktask/padata arithmetic: how many threads a task deserves and how big its chunks are.
 *
 * <p>threads = min(ceil(size / minChunk), maxThreads, cpus): a thread must have at least one
 * minimum chunk of its own. chunk = max(minChunk, size / (threads * 4)) rounded up to align: four
 * chunks per thread let fast threads take work from slow ones (ktask's load-balance factor)
 * without paying a claim per unit.
 */
final class Sizing {

    /** Chunks per thread; ktask and padata both use 4. */
    static final int LOAD_BALANCE_FACTOR = 4;

    private Sizing() {
    }

    static int threads(long size, long minChunk, int maxThreads, int cpus) {
        long byWork = ceilDiv(size, minChunk);
        return (int) Math.max(1, Math.min(byWork, Math.min(maxThreads, cpus)));
    }

    static long chunkSize(long size, long minChunk, int threads, long align) {
        long chunk = Math.max(minChunk, size / ((long) threads * LOAD_BALANCE_FACTOR));
        return roundUp(Math.max(1, chunk), align);
    }

    static long roundUp(long value, long multiple) {
        long r = value % multiple;
        if (r == 0) {
            return value;
        }
        long up = value + (multiple - r);
        return up < 0 ? Long.MAX_VALUE - (Long.MAX_VALUE % multiple) : up; // saturate instead of wrapping
    }

    static long ceilDiv(long a, long b) {
        return a / b + (a % b == 0 ? 0 : 1);
    }
}
