package io.ktask.samples;

/**
 * What one sample run established: the job, both timings and whether the ktask result matched
 * the sequential one. {@link Main} turns {@link #ok()} into the exit code; {@code all} prints one
 * row per outcome.
 *
 * @param command the command that ran
 * @param work what was done, e.g. {@code "10,000,000 rows"}
 * @param sequentialNanos time of the single-threaded version
 * @param ktaskNanos time of the ktask version
 * @param ok whether every check passed
 * @param check what was checked and its verdict, e.g. {@code "same 400 stations"}
 */
record Outcome(String command, String work, long sequentialNanos, long ktaskNanos, boolean ok, String check) {

    /** @return sequential time over ktask time (above 1 means ktask was faster) */
    double speedup() {
        return (double) sequentialNanos / Math.max(1, ktaskNanos);
    }
}
