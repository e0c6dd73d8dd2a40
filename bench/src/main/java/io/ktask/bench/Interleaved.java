package io.ktask.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A cross-check of JMH's ratios on a host whose speed changes by the minute (CPU time stolen by
 * the hypervisor, memory bandwidth taken by other guests): it runs implementations of W1
 * (n = 10^7), W2 (heap) or W4 alternately in one JVM, in short slices, so that each meets the same
 * host conditions, and prints each one's median time per run and its speed relative to the first.
 * Not a replacement for the JMH suite (one JVM, no forks, no blackhole: each run's result is
 * checked instead); it answers "is this gap in RESULTS.md the code or the host?".
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.ktask.bench.Interleaved <W1|W2|W4>
 * <impl,impl,...> [rounds, default 40] [slice ms, default 250] [units, W1 only, default 10^7]};
 * implementation names as in {@link Impl}. The first quarter of the rounds is warm-up and not
 * reported. With {@code units}, W1 cross-checks one point of the size sweep
 * ({@code W1SweepBenchmark}), whose implementations run in forks minutes apart.
 */
public final class Interleaved {

    private Interleaved() {
    }

    /** Runs the comparison described in the class comment. */
    public static void main(String[] args) {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: Interleaved <W1|W2|W4> <impl,impl,...> [rounds] [slice ms] [units]");
        }
        String[] impls = args[1].split(",");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 40;
        long sliceNanos = (args.length > 3 ? Long.parseLong(args[3]) : 250) * 1_000_000L;
        if (rounds < 4 || sliceNanos <= 0) {
            throw new IllegalArgumentException("rounds must be >= 4 and slice > 0 but were " + rounds + ", " + sliceNanos);
        }
        long n;
        long minChunk;
        RangeWork work;
        switch (args[0]) {
            case "W1":
                n = args.length > 4 ? Long.parseLong(args[4]) : 10_000_000;
                if (n <= 0) {
                    throw new IllegalArgumentException("units must be > 0 but was " + n);
                }
                minChunk = W1CheapCpuBenchmark.MIN_CHUNK;
                work = new W1CheapCpuBenchmark.HashWork();
                break;
            case "W2":
                n = W2MemoryBandwidthBenchmark.BYTES / Long.BYTES;
                minChunk = W2MemoryBandwidthBenchmark.MIN_CHUNK;
                work = new W2MemoryBandwidthBenchmark.HeapFill(new long[(int) n]);
                break;
            case "W4":
                n = 65_536;
                minChunk = W4SkewedWorkBenchmark.MIN_CHUNK;
                work = new W4SkewedWorkBenchmark.SkewedWork(n);
                break;
            default:
                throw new IllegalArgumentException("workload must be W1, W2 or W4 but was " + args[0]);
        }
        if (args.length > 4 && !args[0].equals("W1")) {
            throw new IllegalArgumentException("units is for W1 only, but was given for " + args[0]);
        }
        List<RangeRunner> runners = new ArrayList<>();
        try {
            for (String impl : impls) {
                runners.add(RangeRunners.createChecked(impl, work, minChunk, n));
            }
            long expected = work.range(0, n);
            List<Samples> millisPerRun = new ArrayList<>();
            for (int i = 0; i < impls.length; i++) {
                millisPerRun.add(new Samples());
            }
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < impls.length; i++) {
                    long start = System.nanoTime();
                    long runs = 0;
                    do {
                        long total = runners.get(i).run(n);
                        if (total != expected) {
                            throw new IllegalStateException(impls[i] + " computed " + total + ", expected " + expected);
                        }
                        runs++;
                    } while (System.nanoTime() - start < sliceNanos);
                    if (round >= rounds / 4) {
                        millisPerRun.get(i).add((System.nanoTime() - start) / 1e6 / runs);
                    }
                }
            }
            double first = millisPerRun.get(0).median();
            System.out.printf(Locale.ROOT, "%s n=%d, %d rounds of %d ms per implementation, interleaved%n", args[0], n,
                    rounds, sliceNanos / 1_000_000);
            for (int i = 0; i < impls.length; i++) {
                Samples t = millisPerRun.get(i);
                System.out.printf(Locale.ROOT, "%-22s median %9.3f ms/run (p25 %9.3f, p75 %9.3f)  %.2fx the speed of %s%n",
                        impls[i], t.median(), t.quantile(0.25), t.quantile(0.75), first / t.median(), impls[0]);
            }
        } finally {
            runners.forEach(RangeRunner::close);
        }
    }
}
