package io.ktask.scheduler;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * ktask's helper limits: one global counter and one counter per node, each packed with its limit
 * into a single {@code long} (limit in the high 32 bits, helpers running in the low 32 bits).
 *
 * <p>Packing is what makes the rule exact: a grant CASes the word it read, so it succeeds only if
 * neither the count nor the limit changed since it checked {@code count < limit}. A grant is
 * therefore always made against the limit in force at that instant, and a concurrent limit change
 * either happens before the grant (and is honoured) or after it (and then only stops later
 * grants, as a lowered limit must). Release only decrements the count.
 *
 * <p>The caller's own thread is never counted: only helpers take permits.
 */
final class HelperLimits {

    private static final long ONE = 1L;
    private static final long COUNT_MASK = 0xFFFF_FFFFL;
    /** Index of the global word; node {@code n} uses index {@code n + 1}. */
    private static final int GLOBAL = 0;
    /** What {@link #acquire(int)} returns when the global limit is reached. */
    static final int REFUSED = Integer.MIN_VALUE;

    private final AtomicLongArray words;
    private final LongAdder refusedByGlobalLimit = new LongAdder();
    private final LongAdder placedElsewhereByNodeLimit = new LongAdder();
    /** Where an any-node request starts looking; a lost update only skews the spreading. */
    private int anyCursor;

    HelperLimits(int maxHelpers, int[] maxHelpersPerNode) {
        this.words = new AtomicLongArray(maxHelpersPerNode.length + 1);
        words.set(GLOBAL, pack(maxHelpers, 0));
        for (int n = 0; n < maxHelpersPerNode.length; n++) {
            words.set(n + 1, pack(maxHelpersPerNode[n], 0));
        }
    }

    static long pack(int limit, int count) {
        return ((long) limit << 32) | (count & COUNT_MASK);
    }

    static int limitOf(long word) {
        return (int) (word >>> 32);
    }

    static int countOf(long word) {
        return (int) word;
    }

    int nodeCount() {
        return words.length() - 1;
    }

    /**
     * Takes one helper permit: first from the global limit, then a place on {@code preferred}
     * while its limit allows, else on another node with room, else in the any-node group.
     *
     * @param preferred a node id, or {@link NodeTopology#ANY_NODE}
     * @return the node the helper is placed on, {@link NodeTopology#ANY_NODE} for the any-node
     *     group, or {@link #REFUSED} if the global limit refused it
     */
    int acquire(int preferred) {
        if (!tryIncrement(GLOBAL)) {
            return REFUSED;
        }
        int n = nodeCount();
        int first;
        if (preferred == NodeTopology.ANY_NODE) {
            first = Math.floorMod(anyCursor++, n);
        } else {
            if (tryIncrement(preferred + 1)) {
                return preferred;
            }
            placedElsewhereByNodeLimit.increment();
            first = preferred + 1;
        }
        for (int i = 0; i < n; i++) {
            int node = (first + i) % n;
            if (node != preferred && tryIncrement(node + 1)) {
                return node;
            }
        }
        return NodeTopology.ANY_NODE;
    }

    /** Records that {@code count} helpers asked for were refused by the global limit. */
    void refused(int count) {
        refusedByGlobalLimit.add(count);
    }

    /** Returns the permit of one helper placed on {@code node} (or the any-node group). */
    void release(int node) {
        if (node != NodeTopology.ANY_NODE) {
            words.getAndAdd(node + 1, -ONE);
        }
        words.getAndAdd(GLOBAL, -ONE);
    }

    private boolean tryIncrement(int index) {
        for (;;) {
            long w = words.get(index);
            if (countOf(w) >= limitOf(w)) {
                return false;
            }
            // Fails if a grant, a release or a limit change got in first: judge the new word.
            if (words.compareAndSet(index, w, w + ONE)) {
                return true;
            }
        }
    }

    void setGlobalLimit(int limit) {
        // A grant racing with this update is ordered wholly before or after it.
        words.getAndUpdate(GLOBAL, w -> pack(limit, countOf(w)));
    }

    void setNodeLimit(int node, int limit) {
        words.getAndUpdate(node + 1, w -> pack(limit, countOf(w)));
    }

    /** @return the global limit and helpers running, read at one instant */
    long globalWord() {
        return words.get(GLOBAL);
    }

    /** @return the limit of {@code node} and helpers running on it, read at one instant */
    long nodeWord(int node) {
        return words.get(node + 1);
    }

    long refusedByGlobalLimit() {
        return refusedByGlobalLimit.sum();
    }

    long placedElsewhereByNodeLimit() {
        return placedElsewhereByNodeLimit.sum();
    }
}
