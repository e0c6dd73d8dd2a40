package io.ktask.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;

/**
 * W1, cheap CPU per unit: the sum of a cheap integer hash over {@code [0, n)}. At n = 1 000 the
 * whole job takes about a microsecond, so any fixed cost of going parallel shows; at 10^7 it is
 * tens of milliseconds and the 2-core limit (2.0x) is what counts.
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class W1CheapCpuBenchmark extends RangeBenchmark {

    /** Explicit minChunk of {@link Impl#KTASK_MIN_CHUNK}: about 30 us of hashing per chunk. */
    static final long MIN_CHUNK = 32_768;

    @Param({Impl.SEQUENTIAL, Impl.PARALLEL_STREAM, Impl.FORK_JOIN, Impl.EXECUTOR, Impl.PARALLEL_FLUX_ELEMENTS,
            Impl.PARALLEL_FLUX_CHUNKS, Impl.KTASK, Impl.KTASK_MIN_CHUNK})
    String impl;

    @Param({"1000", "100000", "10000000"})
    long n;

    @Override
    String impl() {
        return impl;
    }

    @Override
    RangeWork work() {
        return new HashWork();
    }

    @Override
    long size() {
        return n;
    }

    @Override
    long minChunk() {
        return MIN_CHUNK;
    }

    /** @return the sum, so that nothing is dead code */
    @Benchmark
    public long sumHash() {
        return runner.run(n);
    }

    /** The W1 unit: one hash. */
    static final class HashWork implements RangeWork {

        @Override
        public long unit(long i) {
            return Units.hash(i);
        }

        @Override
        public long range(long from, long to) {
            return Units.sumHash(from, to);
        }
    }
}
