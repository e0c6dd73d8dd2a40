package io.ktask.operators;

import java.util.function.Consumer;

import reactor.core.Exceptions;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * One task's progress reports (a spec's {@code progress} listener): counted by the drain as it
 * absorbs finished chunks, reported at most every {@link #REPORT_NANOS} and once at the end.
 * Drain-only state: one thread at a time. A clock read per drain pass, never per unit.
 */
final class TaskProgress {

    /** Least time between two reports while the task runs: 100 ms. */
    static final long REPORT_NANOS = 100_000_000L;

    private final Consumer<? super KTaskProgress> listener;
    private final Context context;
    private long units;
    private long chunks;
    private long lastReport;

    TaskProgress(Consumer<? super KTaskProgress> listener, Context context) {
        this.listener = listener;
        this.context = context;
        this.lastReport = System.nanoTime();
    }

    /** Chunks finished: reports if the last report is old enough. */
    void finished(long chunkCount, long unitCount, long unitsTotal, int helpers) {
        chunks += chunkCount;
        units += unitCount;
        long now = System.nanoTime();
        if (now - lastReport >= REPORT_NANOS) {
            lastReport = now;
            report(new KTaskProgress(units, unitsTotal, chunks, helpers, false));
        }
    }

    /** The task ends: the last report; {@code completed} makes the total what was done. */
    void end(boolean completed, long unitsTotal) {
        report(new KTaskProgress(units, completed ? units : unitsTotal, chunks, 0, true));
    }

    private void report(KTaskProgress p) {
        try {
            listener.accept(p);
        } catch (Throwable e) {
            Exceptions.throwIfJvmFatal(e);
            Operators.onErrorDropped(e, context); // a progress listener never fails the task
        }
    }
}
