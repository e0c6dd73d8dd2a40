package io.ktask.bench;

import org.openjdk.jmh.annotations.CompilerControl;

/** The per-unit kernels the workloads are made of: cheap, deterministic and impossible to fold away. */
final class Units {

    private Units() {
    }

    /** A cheap 64-bit integer hash (two multiply-xorshift rounds): a few ns per unit. */
    static long hash(long x) {
        long z = x * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 32)) * 0xD6E8FEB86659FD93L;
        return z ^ (z >>> 32);
    }

    /**
     * Sum of {@link #hash} over {@code [from, to)}: the chunk kernel of W1 and W3. Compiled on its
     * own in every JMH fork, never inlined into its caller: inlined, C2 compiled the same loop
     * 23% slower or not by where it landed (the loop's runner at 10^6 units: 595 us until its
     * lambda was compiled with the loop inside at 3.6 s, 725 us after; `dontinline`: 592 us
     * throughout), so a fork of the loop, or of any implementation that calls the kernel per
     * chunk, drew one speed or the other (results-data/harnesses/kernel-inlining-1203.txt). A
     * call per chunk costs nothing against its units. Parallel streams call {@link #hash} per
     * element and are not affected.
     */
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    static long sumHash(long from, long to) {
        long s = 0;
        for (long i = from; i < to; i++) {
            s += hash(i);
        }
        return s;
    }

    /**
     * A unit whose cost grows linearly with its index: {@code 1 + i * maxRounds / n} chained hash
     * rounds (each depends on the previous one, so nothing vectorizes). The last unit costs
     * {@code maxRounds} times the first, so equal-sized static shares are unequal in time.
     */
    static long skewed(long i, long n, int maxRounds) {
        long rounds = 1 + i * maxRounds / n;
        long z = i;
        for (long r = 0; r < rounds; r++) {
            z = hash(z);
        }
        return z;
    }

    /** The start of chunk {@code c} of {@code chunks} equal shares of {@code [0, n)}. */
    static long share(long n, int c, int chunks) {
        return n * c / chunks;
    }
}
