package io.ktask.samples;

import java.util.Arrays;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Statistics over a stretch of the generated data set that {@code serve}'s {@code GET /stats}
 * describes: count, sum, min, max and a histogram of ten equal buckets. Immutable; {@link #merge}
 * combines two adjacent stretches, so the statistics of a whole data set are the merge of its
 * chunks' statistics.
 *
 * <p>The data set of size n and seed s is {@code value(s, 0) .. value(s, n - 1)}: each value is a
 * pure function of its position, so any thread computes any stretch without shared state and
 * without holding the data in memory.
 */
final class Stats {

    /** Values lie in {@code [0, RANGE)}. */
    static final long RANGE = 1_000_000;
    static final int BUCKETS = 10;
    private static final long BUCKET_WIDTH = RANGE / BUCKETS;

    private final long chunks;
    private final long count;
    private final long sum;
    private final long min;
    private final long max;
    private final long[] histogram;

    private Stats(long chunks, long count, long sum, long min, long max, long[] histogram) {
        this.chunks = chunks;
        this.count = count;
        this.sum = sum;
        this.min = min;
        this.max = max;
        this.histogram = histogram;
    }

    /**
     * The value at {@code position} of the data set seeded with {@code seed}: the output of
     * SplitMix64 at that position, reduced to {@code [0, RANGE)}.
     */
    static long value(long seed, long position) {
        long z = seed + (position + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return Long.remainderUnsigned(z ^ (z >>> 31), RANGE);
    }

    /** @return the statistics of positions {@code [start, end)}, as one chunk; {@code start < end} */
    static Stats over(long seed, long start, long end) {
        long sum = 0;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        long[] histogram = new long[BUCKETS];
        for (long i = start; i < end; i++) {
            long v = value(seed, i);
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
            histogram[(int) (v / BUCKET_WIDTH)]++;
        }
        return new Stats(1, end - start, sum, min, max, histogram);
    }

    /** @return the statistics of this stretch followed by {@code next} */
    Stats merge(Stats next) {
        long[] both = histogram.clone();
        for (int b = 0; b < BUCKETS; b++) {
            both[b] += next.histogram[b];
        }
        return new Stats(chunks + next.chunks, count + next.count, sum + next.sum, Math.min(min, next.min),
                Math.max(max, next.max), both);
    }

    long count() {
        return count;
    }

    /** @return how many chunks were merged into these statistics */
    long chunks() {
        return chunks;
    }

    /**
     * @return these statistics as one JSON object, preceded by the request's {@code n} and
     *     {@code seed} and followed by the time the job took
     */
    String toJson(long n, long seed, long nanos) {
        StringJoiner buckets = new StringJoiner(",", "[", "]");
        Arrays.stream(histogram).forEach(c -> buckets.add(Long.toString(c)));
        return String.format(Locale.ROOT, "{\"n\":%d,\"seed\":%d,\"count\":%d,\"sum\":%d,\"min\":%d,\"max\":%d,"
                        + "\"mean\":%.3f,\"histogram\":%s,\"chunks\":%d,\"millis\":%.3f}",
                n, seed, count, sum, min, max, (double) sum / count, buckets, chunks, nanos / 1e6);
    }
}
