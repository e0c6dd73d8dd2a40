package io.ktask.samples;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.ktask.operators.KTaskProgress;

/**
 * A one-line progress bar on stderr. A ktask variant feeds it through its tasks' progress
 * listeners ({@link #taskListener()}, given to {@code KTaskSpec.Builder#progress}), so the bar
 * shows what the library reports; a variant without ktask (a plain loop, a parallel stream) has
 * no such reports and counts by hand ({@link #advance(long)}). One bar is fed one way only:
 * both would count the same units twice. Nothing is drawn during the first second, so quick
 * runs print no bar at all; after that the line is redrawn at most every 100 ms, and at once
 * for a task's final report. {@link #close()} draws the final count and ends the line if a bar
 * was shown.
 *
 * <p>Thread-safety: {@link #advance(long)} and the listeners may be called from any number of
 * threads at once (the chunk threads of a task, the tasks of a pipeline). The count only grows,
 * and it is read under the drawing lock, so the bar never goes backwards. Only a final report
 * waits for the lock; every other call that finds another thread drawing skips the frame.
 */
final class ProgressBar implements AutoCloseable {

    static final long SHOW_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int WIDTH = 30;

    /** How a bar is fed, fixed by its first use. */
    enum Feed {
        /** not fed yet */
        NONE,
        /** by {@link #advance(long)}: a variant without ktask counts its own work */
        HAND,
        /** by {@link #taskListener()}: ktask's progress reports */
        TASKS
    }

    private final PrintStream err;
    private final String label;
    private final long total;
    private final LongSupplier clock;
    private final long startNanos;
    private final AtomicLong done = new AtomicLong();
    private final AtomicReference<Feed> feed = new AtomicReference<>(Feed.NONE);
    private final ReentrantLock drawing = new ReentrantLock();
    private long lastDrawNanos; // guarded by drawing
    private boolean drawn;      // guarded by drawing
    private boolean closed;     // guarded by drawing

    /**
     * @param err where to draw, or null for a bar that only counts
     * @param label what is progressing, e.g. {@code "brc ktask"}
     * @param total the units of the whole job, at least 1
     * @param clock a nanosecond clock ({@code System::nanoTime} outside tests)
     */
    ProgressBar(PrintStream err, String label, long total, LongSupplier clock) {
        if (total < 1) {
            throw new IllegalArgumentException("total must be >= 1 but was " + total);
        }
        this.err = err;
        this.label = label;
        this.total = total;
        this.clock = clock;
        this.startNanos = clock.getAsLong();
    }

    /**
     * Records {@code units} more done and redraws if the bar is due: for a variant without ktask,
     * which has no progress reports.
     *
     * @throws IllegalStateException if the bar is fed by task listeners
     */
    void advance(long units) {
        feedBy(Feed.HAND);
        add(units, false);
    }

    /**
     * A progress listener for one task of this bar, for {@code KTaskSpec.Builder#progress}. The
     * bar shows the sum of the {@code unitsDone} that its tasks have reported: a task's reports
     * are running totals, so the listener adds what each report has beyond the one before. A bar
     * over several tasks (one per input) takes one listener per task and counts each task's
     * units once; a bar over one task follows that task's count. A final report is drawn at once,
     * not held back by the redraw period, so the bar ends on the task's last count: the total
     * when its tasks complete, the chunks that had finished when one fails.
     *
     * @return a new listener; call once per task
     * @throws IllegalStateException if the bar is fed by {@link #advance(long)}
     */
    Consumer<KTaskProgress> taskListener() {
        feedBy(Feed.TASKS);
        // One task reports from one thread at a time, but not always from the same thread: the
        // atomic carries its last count from one to the next. Taking the max also keeps a report
        // that came late (a smaller count) from adding anything.
        AtomicLong reported = new AtomicLong();
        return p -> {
            long before = reported.getAndAccumulate(p.unitsDone(), Math::max);
            add(Math.max(0, p.unitsDone() - before), p.finished());
        };
    }

    /** @return the units recorded so far */
    long done() {
        return done.get();
    }

    /** @return how this bar has been fed so far */
    Feed feed() {
        return feed.get();
    }

    /** @return what is progressing, as given */
    String label() {
        return label;
    }

    /** Ends the bar: if it was shown, draws its final state and a line break. Idempotent. */
    @Override
    public void close() {
        drawing.lock();
        try {
            if (!closed && drawn) {
                draw(done.get(), clock.getAsLong());
                err.println();
            }
            closed = true;
        } finally {
            drawing.unlock();
        }
    }

    private void feedBy(Feed way) {
        Feed was = feed.compareAndExchange(Feed.NONE, way);
        if (was != Feed.NONE && was != way) {
            throw new IllegalStateException("progress bar '" + label + "' is fed by " + was
                    + ", so it cannot also be fed by " + way + ": its units would be counted twice");
        }
    }

    /** @param now draw whatever the redraw period says (a final report), waiting for the lock */
    private void add(long units, boolean now) {
        done.addAndGet(units);
        if (err == null) {
            return;
        }
        long time = clock.getAsLong();
        if (time - startNanos < SHOW_AFTER_NANOS) {
            return;
        }
        if (now) {
            drawing.lock(); // a drawer holds it for one short line at most
        } else if (!drawing.tryLock()) {
            return;
        }
        try {
            if (!closed && (now || !drawn || time - lastDrawNanos >= REDRAW_NANOS)) {
                draw(done.get(), time);
            }
        } finally {
            drawing.unlock();
        }
    }

    private void draw(long units, long now) {
        long shown = Math.min(units, total);
        int filled = (int) (shown * WIDTH / total);
        String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
        err.printf("\r%-20s [%s] %3d%% %6.1f s", label, bar, shown * 100 / total, (now - startNanos) / 1e9);
        err.flush();
        lastDrawNanos = now;
        drawn = true;
    }
}
