package io.ktask.bench;

/**
 * One implementation of "compute a {@link RangeWork} over {@code [0, n)}", created once per trial
 * (it may own threads) and closed in the trial's tear-down.
 */
interface RangeRunner extends AutoCloseable {

    /** @return the sum of {@code work.unit(i)} over {@code [0, n)}, computed this runner's way */
    long run(long n);

    /** Releases the threads this runner owns, if any; waits for them to end. */
    @Override
    default void close() {
    }
}
