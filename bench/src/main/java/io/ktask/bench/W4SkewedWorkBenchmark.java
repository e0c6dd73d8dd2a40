package io.ktask.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;

/**
 * W4, skewed work: unit {@code i} of {@code n} costs {@code 1 + i * 256 / n} chained hash rounds,
 * so the last half of the range holds three quarters of the work. An even static split gives one
 * thread 3x the other's work (at best 1.33x on 2 cores); claiming chunks dynamically approaches
 * 2x. This is where load balancing shows.
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class W4SkewedWorkBenchmark extends RangeBenchmark {

    static final int MAX_ROUNDS = 256;
    /** Explicit minChunk of {@link Impl#KTASK_MIN_CHUNK}: 1/64 of the range. */
    static final long MIN_CHUNK = 1_024;

    @Param({Impl.SEQUENTIAL, Impl.PARALLEL_STREAM, Impl.FORK_JOIN, Impl.EXECUTOR, Impl.PARALLEL_FLUX_ELEMENTS,
            Impl.PARALLEL_FLUX_CHUNKS, Impl.KTASK, Impl.KTASK_MIN_CHUNK})
    String impl;

    @Param({"65536"})
    long n;

    @Override
    String impl() {
        return impl;
    }

    @Override
    RangeWork work() {
        return new SkewedWork(n);
    }

    @Override
    long size() {
        return n;
    }

    @Override
    long minChunk() {
        return MIN_CHUNK;
    }

    /** @return the sum of the skewed units */
    @Benchmark
    public long skewed() {
        return runner.run(n);
    }

    /** The W4 unit: a hash chain whose length grows with the index. */
    static final class SkewedWork implements RangeWork {

        private final long n;

        SkewedWork(long n) {
            this.n = n;
        }

        @Override
        public long unit(long i) {
            return Units.skewed(i, n, MAX_ROUNDS);
        }

        @Override
        public long range(long from, long to) {
            long s = 0;
            for (long i = from; i < to; i++) {
                s += Units.skewed(i, n, MAX_ROUNDS);
            }
            return s;
        }
    }
}
