package io.ktask.samples;

import java.io.PrintStream;

/**
 * Where a sample writes: its report to {@link #out}, progress bars and errors to {@link #err}.
 * Tests pass in-memory streams; {@link Main} passes {@code System.out} and {@code System.err}.
 */
final class Console {

    final PrintStream out;
    final PrintStream err;
    private final boolean progress;

    Console(PrintStream out, PrintStream err, boolean progress) {
        this.out = out;
        this.err = err;
        this.progress = progress;
    }

    /** @return a bar for a job of {@code total} units, drawn only if progress is on */
    ProgressBar progress(String label, long total) {
        return new ProgressBar(progress ? err : null, label, Math.max(1, total), System::nanoTime);
    }
}
