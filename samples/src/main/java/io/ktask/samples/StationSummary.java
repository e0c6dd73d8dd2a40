package io.ktask.samples;

import java.util.Locale;

/**
 * The temperatures seen at one station, in tenths of a degree (exact integers, so that results
 * computed in any order compare equal).
 *
 * @param min lowest reading
 * @param max highest reading
 * @param sum sum of all readings
 * @param count number of readings
 */
record StationSummary(int min, int max, long sum, long count) {

    /** @return {@code min/mean/max} in degrees with one decimal, the mean rounded half up */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%.1f/%.1f/%.1f", min / 10.0, Math.round((double) sum / count) / 10.0,
                max / 10.0);
    }
}
