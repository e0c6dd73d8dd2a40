package io.ktask.bench;

/**
 * The work of one benchmark over the units {@code [0, n)}, in the two shapes the peers consume:
 * one unit at a time (parallel streams, per-element ParallelFlux) and one contiguous range at a
 * time (the chunk kernel of the loop, ForkJoin, the executor, chunked ParallelFlux and ktask).
 * Both shapes must give the same total, so every implementation can be checked against the loop.
 */
interface RangeWork {

    /** @return the result of unit {@code i}; called from any thread */
    long unit(long i);

    /** @return the sum of {@link #unit} over {@code [from, to)}; the kernel every chunk runs */
    long range(long from, long to);
}
