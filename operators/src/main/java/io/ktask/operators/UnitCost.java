package io.ktask.operators;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The measured cost per unit of one work function, shared by every task that runs it: a hint for
 * sizing chunks and for deciding whether helpers can pay off before anything is timed.
 *
 * <p>Keyed by the work function's class, so lambdas of one call site share it and an unloaded
 * class takes its entry with it. It rises to a higher measurement at once but falls by at most
 * half per measurement: an overestimate costs a task a probe, an underestimate (one lambda class,
 * tasks of different unit costs) would run a task alone that deserved helpers. Benign race: it is
 * a hint, the last writer wins.
 */
final class UnitCost {

    /** Units of the first probe chunk of a work function never timed before. */
    static final long FIRST_PROBE_UNITS = 16;
    /**
     * Below this much estimated remaining work, waking helpers costs more than it saves: a helper
     * joins some 10 to 30 us after it is asked for (its thread's wake-up), so below about twice
     * that it would find little left. Measured on 2 CPUs (bench/RESULTS.md, issue 11): a 100 us
     * task gains ~10% from a helper, which the earlier 100 us threshold left inline.
     */
    static final long HELPER_PAYOFF_NANOS = 60_000;
    /**
     * Once a task of this work was laid out for helpers, later ones are until their estimate
     * falls below this. A task size near {@link #HELPER_PAYOFF_NANOS} would otherwise flip
     * between running alone and waking a helper on the hint's noise, and the path taken now and
     * then runs cold: 10 to 850 us before its first chunk (its code, the parked helper's wake-up),
     * against under 2 us when taken every time (bench/RESULTS.md, issue 11).
     */
    static final long HELPER_STAY_NANOS = 48_000;
    /**
     * Below {@link #payoffNanos()} and from this much estimated work on, a task still splits its
     * work with a helper that is awake ({@code TaskHandle.helperAwake}): one that spins for work
     * joins within a microsecond, so half of 15 us is worth its few claims, where a parked one
     * would come after the task's end. Measured on 2 CPUs (bench/RESULTS.md, issue 11).
     */
    static final long AWAKE_HELPER_PAYOFF_NANOS = 15_000;
    /**
     * Tasks of a work that start this close after each other come back to back: a helper woken
     * for one would still spin (for some 50 us after its body) when the next one starts.
     */
    static final long BURST_GAP_NANOS = 50_000;
    /**
     * At most one wake-up per this long per work for {@link #bandTaskStarts}: what a helper that
     * never stays awake (no idle CPU to spin on, helpers not pinned) costs the tasks of a burst.
     */
    static final long BURST_WAKE_PERIOD_NANOS = 1_000_000;
    /** Target duration of an adaptive chunk: claims stay rare against the work they hand out. */
    static final long TARGET_CHUNK_NANOS = 50_000;

    private static final ClassValue<UnitCost> BY_WORK_CLASS = new ClassValue<>() {
        @Override
        protected UnitCost computeValue(Class<?> type) {
            return new UnitCost();
        }
    };

    private final AtomicLong nanosPerUnitBits = new AtomicLong(Double.doubleToRawLongBits(Double.NaN));
    /** Whether the last decision on a known cost laid a task out for helpers. Benign race: a hint too. */
    private volatile boolean laidOut;
    /**
     * {@link System#nanoTime()} of the last start of a task in the awake-helper band. Benign race:
     * concurrent starts overwrite each other, and any recent one says the same.
     */
    private volatile long lastBandStartNanos;
    /** {@link System#nanoTime()} of the last wake-up {@link #bandTaskStarts} allowed. */
    private final AtomicLong lastBurstWakeNanos;

    private UnitCost() {
        long now = System.nanoTime();
        lastBandStartNanos = now - BURST_GAP_NANOS; // none recent yet
        lastBurstWakeNanos = new AtomicLong(now - BURST_WAKE_PERIOD_NANOS);
    }

    /** @return the shared hint of {@code work}'s class */
    static UnitCost of(Object work) {
        return BY_WORK_CLASS.get(work.getClass());
    }

    /** @return nanoseconds per unit, or NaN while never measured */
    double nanosPerUnit() {
        return Double.longBitsToDouble(nanosPerUnitBits.get());
    }

    /**
     * @return the cost per unit of {@code units} units timed at {@code nanos}; never 0, as a clock
     *     too coarse to see them would otherwise make the next chunk unbounded
     */
    static double perUnit(long nanos, long units) {
        return Math.max(1e-3, (double) nanos / units);
    }

    /** @return the units of an adaptive chunk at {@code nanosPerUnit}: about {@link #TARGET_CHUNK_NANOS}, at least 1 */
    static long targetChunk(double nanosPerUnit) {
        return Math.max(1, (long) Math.ceil(TARGET_CHUNK_NANOS / nanosPerUnit));
    }

    /**
     * @return the estimated work below which a task of this work runs alone:
     *     {@link #HELPER_PAYOFF_NANOS}, or {@link #HELPER_STAY_NANOS} while its tasks are laid out
     */
    long payoffNanos() {
        return laidOut ? HELPER_STAY_NANOS : HELPER_PAYOFF_NANOS;
    }

    /**
     * Records whether a task was laid out for helpers. Written on a change only: tasks of one
     * work on several threads would otherwise write one cache line at every start.
     */
    void laidOut(boolean forHelpers) {
        if (laidOut != forHelpers) {
            laidOut = forHelpers;
        }
    }

    /**
     * A task of this work in the awake-helper band (from {@link #AWAKE_HELPER_PAYOFF_NANOS} to
     * {@link #payoffNanos()} of estimated work) starts at {@code now}: records it, and says
     * whether it should wake a helper although none is awake. It should when the band task before
     * it started less than {@link #BURST_GAP_NANOS} ago, so the helper, spinning after its body,
     * is awake for the tasks after it; at most once per {@link #BURST_WAKE_PERIOD_NANOS}. Tasks
     * that come one at a time never pay for a wake-up this way, nor do back-to-back tasks of 50 us
     * or more (their starts are a gap apart: they only take a helper that is awake already).
     *
     * @param now {@link System#nanoTime()}
     * @param helperAwake whether a helper is awake already: then no wake-up is needed, and only the start is recorded
     * @return true if this task should lease a helper
     */
    boolean bandTaskStarts(long now, boolean helperAwake) {
        long previous = lastBandStartNanos;
        // A write per band task, each of 15 us or more: the line moves at most that often per caller.
        lastBandStartNanos = now;
        if (helperAwake) {
            return true;
        }
        if (now - previous >= BURST_GAP_NANOS) {
            return false;
        }
        long woke = lastBurstWakeNanos.get();
        // Against concurrent band tasks: one CAS wins the period's wake-up.
        return now - woke >= BURST_WAKE_PERIOD_NANOS && lastBurstWakeNanos.compareAndSet(woke, now);
    }

    /** Up at once, down by at most half. */
    void record(double nanosPerUnit) {
        double known = nanosPerUnit();
        double next = Double.isNaN(known) || nanosPerUnit >= known ? nanosPerUnit : Math.max(nanosPerUnit, known / 2);
        nanosPerUnitBits.set(Double.doubleToRawLongBits(next));
    }
}
