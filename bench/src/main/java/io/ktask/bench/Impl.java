package io.ktask.bench;

/**
 * The implementations a benchmark compares, as the values of its {@code impl} parameter. The
 * report tool treats {@link #SEQUENTIAL} as the baseline and the names starting with
 * {@code ktask} as ours; every other name is a peer.
 */
final class Impl {

    /** A plain loop on the benchmark thread: the baseline. */
    static final String SEQUENTIAL = "sequential";
    /** {@code LongStream.range(0, n).parallel()} with a per-unit lambda, common ForkJoin pool. */
    static final String PARALLEL_STREAM = "parallelStream";
    /** A {@code RecursiveTask} splitting down to {@code n / (4 * cores)} units, common pool. */
    static final String FORK_JOIN = "forkJoin";
    /** A fixed pool of {@code cores} threads given {@code 4 * cores} equal chunks. */
    static final String EXECUTOR = "executor";
    /** {@code Flux.range(0, n).parallel().runOn(Schedulers.parallel())}, one signal per unit. */
    static final String PARALLEL_FLUX_ELEMENTS = "parallelFluxElements";
    /** The same ParallelFlux over {@code 4 * cores} chunks instead of units. */
    static final String PARALLEL_FLUX_CHUNKS = "parallelFluxChunks";
    /** {@code KTask.range(..).transform(KTask.parallelize(..))} with no {@code minChunk}: adaptive. */
    static final String KTASK = "ktask";
    /** The same with an explicit {@code minChunk} chosen per workload. */
    static final String KTASK_MIN_CHUNK = "ktaskMinChunk";

    private Impl() {
    }

    /** @return the number of threads the peers size themselves for */
    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** @return the chunk count of the chunked peers: four per thread */
    static int chunks() {
        return 4 * cores();
    }
}
