package io.ktask.operators;

/**
 * How far one task has come, as reported to a {@link KTaskSpec.Builder#progress progress}
 * listener: for progress bars and metrics.
 *
 * @param unitsDone units of the chunks finished so far (range values, or elements)
 * @param unitsTotal the task's units, or -1 while unknown (an upstream that cannot count what
 *     remains); at the end of a task that completed, equal to {@code unitsDone}
 * @param chunksDone chunks finished so far
 * @param helpers helpers running the task's chunks now, beside its own thread
 * @param finished true for the last report, made once when the task completes, fails or is
 *     cancelled (then {@code unitsDone} counts the chunks that had finished, undone or not)
 */
public record KTaskProgress(long unitsDone, long unitsTotal, long chunksDone, int helpers, boolean finished) {

    /** @return the done share in [0, 1], or NaN while the total is unknown */
    public double fraction() {
        return unitsTotal < 0 ? Double.NaN : unitsTotal == 0 ? 1.0 : (double) unitsDone / unitsTotal;
    }
}
