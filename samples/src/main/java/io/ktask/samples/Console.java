package io.ktask.samples;

import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * Where a sample writes: its report to {@link #out}, progress bars and errors to {@link #err}.
 * Tests pass in-memory streams, and may watch the bars made; {@link Main} passes
 * {@code System.out} and {@code System.err}.
 */
final class Console {

    final PrintStream out;
    final PrintStream err;
    private final boolean progress;
    private final Consumer<ProgressBar> made;

    Console(PrintStream out, PrintStream err, boolean progress) {
        this(out, err, progress, bar -> { });
    }

    /** @param made told of every bar made, before it is used (tests check how each is fed) */
    Console(PrintStream out, PrintStream err, boolean progress, Consumer<ProgressBar> made) {
        this.out = out;
        this.err = err;
        this.progress = progress;
        this.made = made;
    }

    /** @return a bar for a job of {@code total} units, drawn only if progress is on */
    ProgressBar progress(String label, long total) {
        ProgressBar bar = new ProgressBar(progress ? err : null, label, Math.max(1, total), System::nanoTime);
        made.accept(bar);
        return bar;
    }
}
