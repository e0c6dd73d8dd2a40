package io.ktask.samples;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on stderr, fed by {@link #advance(long)} as units (bytes, rows, chunks)
 * complete. Nothing is drawn during the first second, so quick runs print no bar at all; after
 * that the line is redrawn at most every 100 ms. {@link #close()} draws the final count and ends
 * the line if a bar was shown.
 *
 * <p>Thread-safety: {@link #advance(long)} may be called from any number of threads at once (the
 * chunk threads of a task); it never blocks: a thread that finds another one drawing skips the
 * frame. The bar never goes backwards because the count is read under the drawing lock.
 */
final class ProgressBar implements AutoCloseable {

    static final long SHOW_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int WIDTH = 30;

    private final PrintStream err;
    private final String label;
    private final long total;
    private final LongSupplier clock;
    private final long startNanos;
    private final AtomicLong done = new AtomicLong();
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

    /** Records {@code units} more done and redraws if the bar is due. */
    void advance(long units) {
        done.addAndGet(units);
        if (err == null) {
            return;
        }
        long now = clock.getAsLong();
        if (now - startNanos < SHOW_AFTER_NANOS || !drawing.tryLock()) {
            return;
        }
        try {
            if (!closed && (!drawn || now - lastDrawNanos >= REDRAW_NANOS)) {
                draw(done.get(), now);
            }
        } finally {
            drawing.unlock();
        }
    }

    /** @return the units recorded so far */
    long done() {
        return done.get();
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
