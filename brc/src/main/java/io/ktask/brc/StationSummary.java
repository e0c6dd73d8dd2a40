package io.ktask.brc;

/**
 * The temperatures seen at one station, in tenths of a degree (exact integers, so that results
 * computed in any order compare equal).
 *
 * @param min lowest reading
 * @param max highest reading
 * @param sum sum of all readings
 * @param count number of readings
 */
public record StationSummary(int min, int max, long sum, long count) {

    /**
     * @return {@code min/mean/max} in degrees as the challenge prints them, e.g. {@code -23.0/18.0/59.2}
     */
    @Override
    public String toString() {
        return degrees(min) + "/" + degrees(Math.round((double) sum / count)) + "/" + degrees(max);
    }

    /**
     * The challenge's reference implementation (gunnarmorling/1brc, CalculateAverage_baseline,
     * {@code ResultRow.round}) rounds each value to tenths with {@code Math.round(value * 10.0)}
     * (half up, that is towards positive infinity: -0.15 becomes -0.1, 0.15 becomes 0.2), divides
     * by {@code 10.0} and prints the double with {@code Double.toString}. Our values are exact
     * tenths already, and the mean in tenths is {@code sum / count} rounded the same way (above).
     * The reference sums doubles, so at an exact tie its rounding error can tip a mean down; the
     * challenge's own test data expects the exact result there (its
     * {@code measurements-rounding-precise.out}, whose mean 25.45 prints as 25.5, where the
     * reference prints 25.4), which is what exact integer sums give, in any summation order.
     */
    private static String degrees(long tenths) {
        return Double.toString(tenths / 10.0);
    }
}
