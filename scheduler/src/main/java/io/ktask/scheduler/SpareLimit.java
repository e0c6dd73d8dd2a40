package io.ktask.scheduler;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The spare-helper limit of one scheduler (blocking compensation, see {@link Spares}): at
 * most {@link #limit()} spares run at once. Counted apart from {@link HelperLimits}: a spare never
 * takes a helper permit, so one task's blocked chunks cannot use up the permits another task's
 * helpers need.
 *
 * <p>Limit and count share one word, packed as {@link HelperLimits} packs its words, and a grant
 * CASes the word it read: it is made against the limit in force at that instant, and lowering the
 * limit only stops later grants. Thread-safe.
 */
final class SpareLimit {

    private final AtomicLong word;
    private final LongAdder refused = new LongAdder();

    /** @param limit at least 0; 0 turns compensation off */
    SpareLimit(int limit) {
        this.word = new AtomicLong(HelperLimits.pack(limit, 0));
    }

    /** @return true if a spare may start; its permit is then taken, to be {@link #release() released} once */
    boolean tryAcquire() {
        for (;;) {
            long w = word.get();
            if (HelperLimits.countOf(w) >= HelperLimits.limitOf(w)) {
                refused.increment();
                return false;
            }
            // Fails if a grant, a release or a limit change got in first: judge the new word.
            if (word.compareAndSet(w, w + 1)) {
                return true;
            }
        }
    }

    /** Returns one permit taken by {@link #tryAcquire()}. */
    void release() {
        word.getAndDecrement();
    }

    void setLimit(int limit) {
        // A grant racing with this update is ordered wholly before or after it.
        word.getAndUpdate(w -> HelperLimits.pack(limit, HelperLimits.countOf(w)));
    }

    int limit() {
        return HelperLimits.limitOf(word.get());
    }

    /** @return spares running now (holding a permit) */
    int running() {
        return HelperLimits.countOf(word.get());
    }

    /** @return spares asked for and refused by the limit since the scheduler was built */
    long refused() {
        return refused.sum();
    }
}
