package io.ktask.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The values one implementation measured in the interleaved rounds of a harness, summarised by
 * order statistics (medians: a burst of steal on this kind of host moves a mean, not a median);
 * {@link #mean()} is there for what a mean shows on purpose, rare slow values. Not thread-safe:
 * one harness thread adds and reads. Public for the report tools.
 */
public final class Samples {

    private final List<Double> values = new ArrayList<>();
    private boolean sorted = true;

    /** Adds one measured value. */
    public void add(double value) {
        values.add(value);
        sorted = false;
    }

    /** @return how many values were added */
    public int size() {
        return values.size();
    }

    /**
     * @return the arithmetic mean, or NaN if empty: what JMH's average time reports, and what a
     *     rare slow task (a helper that never came) moves while the median does not
     */
    public double mean() {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return values.isEmpty() ? Double.NaN : sum / values.size();
    }

    /** @return the {@link #quantile} at 0.5 (of an even count, the upper of the two middle values), or NaN if empty */
    public double median() {
        return quantile(0.5);
    }

    /**
     * @param q in {@code [0, 1]}
     * @return the value at rank {@code floor(q * (size - 1) + 0.5)}, or NaN if there is none
     */
    double quantile(double q) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        if (!sorted) {
            Collections.sort(values);
            sorted = true;
        }
        return values.get((int) Math.floor(q * (values.size() - 1) + 0.5));
    }

    /** @return {@code "median (p25 .. p75)"} with {@code decimals} digits after the point */
    String summary(int decimals) {
        String f = "%." + decimals + "f";
        return String.format(Locale.ROOT, f + " (" + f + " .. " + f + ")", median(), quantile(0.25), quantile(0.75));
    }
}
