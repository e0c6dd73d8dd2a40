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
 * W1, cheap CPU per unit: the sum of a cheap integer hash over {@code [0, n)}. At n = 1 000 the
 * whole job takes about a microsecond, so any fixed cost of going parallel shows; at 10^7 it is
 * tens of milliseconds and the 2-core limit (2.0x) is what counts.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class W1CheapCpuBenchmark {

    /** Explicit minChunk of {@link Impl#KTASK_MIN_CHUNK}: about 30 us of hashing per chunk. */
    static final long MIN_CHUNK = 32_768;

    @Param({"1000", "100000", "10000000"})
    long n;

    @Param({Impl.SEQUENTIAL, Impl.PARALLEL_STREAM, Impl.FORK_JOIN, Impl.EXECUTOR, Impl.PARALLEL_FLUX_ELEMENTS,
            Impl.PARALLEL_FLUX_CHUNKS, Impl.KTASK, Impl.KTASK_MIN_CHUNK})
    String impl;

    private RangeRunner runner;

    /** Builds the implementation and checks its sum against the loop's before any timing. */
    @Setup(Level.Trial)
    public void setUp() {
        runner = RangeRunners.createChecked(impl, new HashWork(), MIN_CHUNK, n);
    }

    /** Stops the implementation's own threads (the executor's). */
    @TearDown(Level.Trial)
    public void tearDown() {
        runner.close();
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
