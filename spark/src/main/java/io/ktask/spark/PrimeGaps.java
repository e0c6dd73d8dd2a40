package io.ktask.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.BitSet;

import io.ktask.operators.Chunk;

/**
 * The sample's job: the primes below a limit and the largest gap between two consecutive ones,
 * by a segmented sieve per chunk. The merge is associative but not commutative (the gap across
 * two chunks needs the left one's last prime and the right one's first), so it is only right when
 * chunks merge in order. As the effect to undo, each chunk saves its summary to a file in
 * {@code out} (a results folder a downstream step would read); the undo deletes it.
 */
final class PrimeGaps implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final int SEGMENT = 1 << 18;

    private final String out;
    private final long failChunk;

    /**
     * @param out the folder for the chunk files (on a cluster: one every executor can write)
     * @param failChunk the chunk that throws, to show the rollback; -1 for none
     */
    PrimeGaps(String out, long failChunk) {
        this.out = out;
        this.failChunk = failChunk;
    }

    /** A range's summary: how many primes, the first and last, the largest gap and where it starts. */
    record Gaps(long primes, long first, long last, long gap, long gapAfter) implements Serializable {

        static final Gaps NONE = new Gaps(0, -1, -1, 0, -1);

        /** Left then right: the earliest largest gap wins a tie, however the merges are grouped. */
        static Gaps merge(Gaps a, Gaps b) {
            if (a.primes == 0) {
                return b;
            }
            if (b.primes == 0) {
                return a;
            }
            long gap = a.gap;
            long after = a.gapAfter;
            if (b.first - a.last > gap) {
                gap = b.first - a.last;
                after = a.last;
            }
            if (b.gap > gap) {
                gap = b.gap;
                after = b.gapAfter;
            }
            return new Gaps(a.primes + b.primes, a.first, b.last, gap, after);
        }

        @Override
        public String toString() {
            return String.format("%,d primes; largest gap %,d after %,d", primes, gap, gapAfter);
        }
    }

    /** The work: sieve the chunk, save its summary, return it. */
    Gaps work(Chunk<Long> chunk) {
        if (chunk.index() == failChunk) {
            throw new IllegalStateException("chunk " + chunk.index() + " fails (--fail-chunk)");
        }
        Gaps gaps = sieve(chunk.start(), chunk.end());
        try {
            Files.writeString(file(chunk), gaps.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return gaps;
    }

    /** The undo: remove the chunk's file. */
    void undo(Chunk<Long> chunk, Gaps result) {
        try {
            Files.deleteIfExists(file(chunk));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path file(Chunk<Long> chunk) {
        return Paths.get(out, "gaps-" + chunk.start() + "-" + chunk.end() + ".txt");
    }

    /** Segmented sieve of Eratosthenes over [from, to). */
    static Gaps sieve(long from, long to) {
        long lo = Math.max(from, 2);
        if (lo >= to) {
            return Gaps.NONE;
        }
        int root = (int) Math.sqrt((double) to) + 1;
        BitSet small = new BitSet(root + 1); // set = composite
        for (int p = 2; (long) p * p <= root; p++) {
            if (!small.get(p)) {
                for (int m = p * p; m <= root; m += p) {
                    small.set(m);
                }
            }
        }
        Gaps total = Gaps.NONE;
        BitSet composite = new BitSet(SEGMENT);
        for (long base = lo; base < to; base += SEGMENT) {
            int length = (int) Math.min(SEGMENT, to - base);
            composite.clear();
            for (int p = 2; p <= root && (long) p * p < base + length; p = small.nextClearBit(p + 1)) {
                long m = Math.max((long) p * p, (base + p - 1) / p * p);
                for (; m < base + length; m += p) {
                    composite.set((int) (m - base));
                }
            }
            long count = 0;
            long first = -1;
            long last = -1;
            long gap = 0;
            long after = -1;
            for (int i = composite.nextClearBit(0); i < length; i = composite.nextClearBit(i + 1)) {
                long prime = base + i;
                if (last >= 0 && prime - last > gap) {
                    gap = prime - last;
                    after = last;
                }
                if (first < 0) {
                    first = prime;
                }
                last = prime;
                count++;
            }
            total = Gaps.merge(total, count == 0 ? Gaps.NONE : new Gaps(count, first, last, gap, after));
        }
        return total;
    }
}
