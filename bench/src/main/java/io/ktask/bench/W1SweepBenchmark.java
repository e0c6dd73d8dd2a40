package io.ktask.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/**
 * W1's size sweep (issue 11, goal 2: break-even): the W1 hash sum from 10^3 to 10^8 units in
 * steps of about 3x, for the loop, parallel streams and ktask without {@code minChunk}, each
 * point in a fresh JVM (a JMH fork). It shows where going parallel starts to pay and what a
 * task's fixed cost is at the sizes where a user first meets the library. Shorter measurements
 * than the other workloads (33 forks): 6 x 0.5 s; at 10^8 one operation takes tens of
 * milliseconds, still several per iteration.
 *
 * <p>Warm-up, 8 x 1 s: until the JIT has mostly settled. With 3 x 0.5 s, C2 still compiled for
 * 1-19 ms of most 500 ms iterations of a ktask fork at 3x10^6 units ({@code -prof comp}), and in
 * that fork the iterations with 6-19 ms of it ran 3-4% slower: a compiler thread runs at the
 * process's nice, ktask's helpers at 19, so a helper on the compiler's CPU waits for the compile,
 * and its task runs without it (bench/RESULTS.md, 2026-12-03 evening). The same in every
 * implementation's fork; parallel streams' workers, at nice 0, share that CPU with the compiler
 * instead.
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 6, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class W1SweepBenchmark extends RangeBenchmark {

    @Param({Impl.SEQUENTIAL, Impl.PARALLEL_STREAM, Impl.KTASK})
    String impl;

    @Param({"1000", "3000", "10000", "30000", "100000", "300000", "1000000", "3000000", "10000000", "30000000",
            "100000000"})
    long n;

    @Override
    String impl() {
        return impl;
    }

    @Override
    RangeWork work() {
        return new W1CheapCpuBenchmark.HashWork();
    }

    @Override
    long size() {
        return n;
    }

    @Override
    long minChunk() {
        return W1CheapCpuBenchmark.MIN_CHUNK; // unused: ktaskMinChunk is not in this sweep
    }

    /** @return the sum, so that nothing is dead code */
    @Benchmark
    public long sumHash() {
        return runner.run(n);
    }
}
