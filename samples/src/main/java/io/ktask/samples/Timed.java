package io.ktask.samples;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A value and the wall-clock time it took to compute.
 *
 * @param value the result
 * @param nanos elapsed nanoseconds
 */
record Timed<T>(T value, long nanos) {

    /** A computation that may throw a checked exception of type {@code E}. */
    @FunctionalInterface
    interface Job<T, E extends Exception> {
        T call() throws E;
    }

    /** Every job command's {@code --runs}: timed runs of each version, reported as their median. */
    static final Option RUNS = Option.value("runs", "N", 3,
            "timed runs of each version, interleaved, after one warm-up run of each; the median is reported");

    static <T, E extends Exception> Timed<T> of(Job<T, E> job) throws E {
        long start = System.nanoTime();
        T value = job.call();
        return new Timed<>(value, System.nanoTime() - start);
    }

    /**
     * Times versions of one job so that none is favoured: each first runs once untimed (JIT
     * compilation, page cache, lazily started threads are then warm for all), then every round
     * runs each version once, in an order rotated by one per round, so none always runs first or
     * right after the same other one; a machine whose speed drifts meets every version alike.
     * Each run times itself (so that set-up and checks stay outside the clock), usually with
     * {@link #of}.
     *
     * @param runs timed runs of each version, at least 1
     * @return for each version, in the given order: the values of its timed runs, in run order,
     *     and the median of their times
     */
    static <T, E extends Exception> List<Timed<List<T>>> interleaved(int runs, List<Job<Timed<T>, E>> versions)
            throws E {
        int n = versions.size();
        for (Job<Timed<T>, E> version : versions) {
            version.call();
        }
        long[][] nanos = new long[n][runs];
        List<List<T>> values = new ArrayList<>();
        for (int v = 0; v < n; v++) {
            values.add(new ArrayList<>());
        }
        for (int round = 0; round < runs; round++) {
            for (int k = 0; k < n; k++) {
                int v = (round + k) % n;
                Timed<T> run = versions.get(v).call();
                nanos[v][round] = run.nanos;
                values.get(v).add(run.value);
            }
        }
        List<Timed<List<T>>> out = new ArrayList<>(n);
        for (int v = 0; v < n; v++) {
            out.add(new Timed<>(values.get(v), median(nanos[v])));
        }
        return out;
    }

    /** @return the middle value, or the mean of the two middle ones */
    static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** @return the checked value of {@link #RUNS} */
    static int runs(CommandLine args) {
        return args.intNumber(RUNS.name(), 1, 100);
    }

    /** @return how the times were measured, for the reports: {@code "median of 3 interleaved runs"} */
    static String method(int runs) {
        return runs == 1 ? "1 run after a warm-up run of each version"
                : "median of " + runs + " interleaved runs after a warm-up run of each version";
    }
}
