package io.ktask.samples;

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

    /** Every job command's {@code --runs}: time each version that many times, keep the fastest. */
    static final Option RUNS = Option.value("runs", "N", 1, "time each version N times and report the fastest");

    static <T, E extends Exception> Timed<T> of(Job<T, E> job) throws E {
        long start = System.nanoTime();
        T value = job.call();
        return new Timed<>(value, System.nanoTime() - start);
    }

    /**
     * Runs {@code prepare} (untimed) then {@code job} (timed), {@code runs} times.
     *
     * @return the fastest run's time, with the last run's value
     */
    static <T, E extends Exception> Timed<T> best(int runs, Runnable prepare, Job<T, E> job) throws E {
        long fastest = Long.MAX_VALUE;
        T value = null;
        for (int i = 0; i < runs; i++) {
            prepare.run();
            Timed<T> run = of(job);
            fastest = Math.min(fastest, run.nanos);
            value = run.value;
        }
        return new Timed<>(value, fastest);
    }

    /** @return the checked value of {@link #RUNS} */
    static int runs(CommandLine args) {
        return args.intNumber(RUNS.name(), 1, 100);
    }
}
