package io.ktask.conformance.fault;

import java.util.AbstractList;
import java.util.Arrays;

/**
 * A chunk result: the chunk indexes it covers, in merge order, stored as runs of consecutive
 * indexes so that merging thousands of one-chunk results in chunk order stays O(1) per merge.
 * Equal to any {@code List<Long>} with the same elements.
 */
final class IndexRuns extends AbstractList<Long> {

    /** Pairs: first index, run length. */
    private final long[] runs;
    private final int size;

    private IndexRuns(long[] runs) {
        this.runs = runs;
        long n = 0;
        for (int i = 1; i < runs.length; i += 2) {
            n += runs[i];
        }
        this.size = Math.toIntExact(n);
    }

    static IndexRuns of(long index) {
        return new IndexRuns(new long[] {index, 1});
    }

    /** @return left's indexes followed by right's, the runs joined where they meet */
    static IndexRuns concat(IndexRuns left, IndexRuns right) {
        int l = left.runs.length;
        boolean joins = left.runs[l - 2] + left.runs[l - 1] == right.runs[0];
        long[] all = Arrays.copyOf(left.runs, l + right.runs.length - (joins ? 2 : 0));
        if (joins) {
            all[l - 1] += right.runs[1];
            System.arraycopy(right.runs, 2, all, l, right.runs.length - 2);
        } else {
            System.arraycopy(right.runs, 0, all, l, right.runs.length);
        }
        return new IndexRuns(all);
    }

    @Override
    public Long get(int index) {
        long rest = index;
        for (int i = 0; i < runs.length; i += 2) {
            if (rest < runs[i + 1]) {
                return runs[i] + rest;
            }
            rest -= runs[i + 1];
        }
        throw new IndexOutOfBoundsException("index " + index + " of " + size);
    }

    @Override
    public int size() {
        return size;
    }

    /** @return the runs, e.g. {@code [0-4, 7]}: a merged result of thousands of chunks stays readable */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < runs.length; i += 2) {
            s.append(i == 0 ? "" : ", ").append(runs[i]);
            if (runs[i + 1] > 1) {
                s.append('-').append(runs[i] + runs[i + 1] - 1);
            }
        }
        return s.append(']').toString();
    }
}
