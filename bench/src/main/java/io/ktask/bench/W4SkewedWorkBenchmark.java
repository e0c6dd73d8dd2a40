package io.ktask.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * W4, skewed work: unit {@code i} of {@code n} costs {@code 1 + i * 256 / n} chained hash rounds,
 * so the last half of the range holds three quarters of the work. An even static split gives one
 * thread 3x the other's work (at best 1.33x on 2 cores); claiming chunks dynamically approaches
 * 2x. This is where load balancing shows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class W4SkewedWorkBenchmark {

    static final int MAX_ROUNDS = 256;
    /** Explicit minChunk of {@link Impl#KTASK_MIN_CHUNK}: 1/64 of the range. */
    static final long MIN_CHUNK = 1_024;

    @Param({"65536"})
    long n;

    @Param({Impl.SEQUENTIAL, Impl.PARALLEL_STREAM, Impl.FORK_JOIN, Impl.EXECUTOR, Impl.PARALLEL_FLUX_ELEMENTS,
            Impl.PARALLEL_FLUX_CHUNKS, Impl.KTASK, Impl.KTASK_MIN_CHUNK})
    String impl;

    private RangeRunner runner;

    /** Builds the implementation and checks its sum against the loop's before any timing. */
    @Setup(Level.Trial)
    public void setUp() {
        runner = RangeRunners.createChecked(impl, new SkewedWork(n), MIN_CHUNK, n);
    }

    /** Stops the implementation's own threads (the executor's). */
    @TearDown(Level.Trial)
    public void tearDown() {
        runner.close();
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
