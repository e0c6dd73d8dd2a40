package io.ktask.samples;

/**
 * A generated data set for the pipeline: value {@code j} of input {@code i} is a pseudo-random
 * long computed from {@code (i, j)} alone, so any range of it can be produced and summarized on
 * any thread. Summarizing costs a few dozen nanoseconds per value (it stands for parsing a
 * record).
 */
final class Dataset {

    private Dataset() {
    }

    /**
     * Summarizes values {@code [from, to)} of input {@code input}.
     *
     * @param input the input's id
     */
    static Summary summarize(int input, long from, long to) {
        long sum = 0;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        long matches = 0;
        for (long j = from; j < to; j++) {
            long v = value(input, j);
            sum += v >>> 32;
            min = Math.min(min, v);
            max = Math.max(max, v);
            if (Long.bitCount(v) > 36) {
                matches++;
            }
        }
        return new Summary(input, to - from, sum, min, max, matches);
    }

    static long value(int input, long j) {
        long z = input * 0x9E3779B97F4A7C15L + j;
        for (int round = 0; round < 6; round++) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
        }
        return z;
    }

    /**
     * The summary of some values of one input; {@link #merge} is associative and commutative.
     *
     * @param input the input's id
     * @param count values seen
     * @param sum sum of their high 32 bits
     * @param min smallest value
     * @param max largest value
     * @param matches values with more than 36 bits set
     */
    record Summary(int input, long count, long sum, long min, long max, long matches) {

        Summary merge(Summary other) {
            return new Summary(input, count + other.count, sum + other.sum, Math.min(min, other.min),
                    Math.max(max, other.max), matches + other.matches);
        }
    }
}
