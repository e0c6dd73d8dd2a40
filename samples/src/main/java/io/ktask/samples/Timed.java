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

    static <T, E extends Exception> Timed<T> of(Job<T, E> job) throws E {
        long start = System.nanoTime();
        T value = job.call();
        return new Timed<>(value, System.nanoTime() - start);
    }
}
