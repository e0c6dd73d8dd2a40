package io.ktask.scheduler;

/**
 * Told when a task of a {@link KTaskScheduler} ends, for metrics such as a timer of task
 * durations; added with {@link KTaskScheduler#addTaskListener(TaskListener)}.
 *
 * <p>A task is one run of the {@code KTask} operator (one subscription), from the moment it
 * is subscribed to the moment it closes, after its last signal. The
 * listener is called once per task, on the thread that closes it (the task's own thread or one of
 * its helpers), after the task stopped counting in {@link KTaskStats#tasksRunning()}. It must be
 * quick and must not block; an exception it throws is logged (logger {@code io.ktask.scheduler})
 * and reaches neither the task nor the other listeners.
 */
@FunctionalInterface
public interface TaskListener {

    /** How a task delivered its results. */
    enum Mode {
        /** One merged value ({@code merge}). */
        MERGE,
        /** Each chunk's result, in chunk order ({@code ordered()}). */
        ORDERED,
        /** The code that ran the task did not say how it ended. */
        UNKNOWN
    }

    /** How a task ended. */
    enum Outcome {
        /** Completed: every result was emitted, then {@code onComplete}. */
        COMPLETED,
        /** Failed: a chunk, the merge or the upstream failed; finished chunks were undone. */
        FAILED,
        /** Cancelled by its subscriber; finished chunks were undone. */
        CANCELLED,
        /** The code that ran the task did not say how it ended. */
        UNKNOWN
    }

    /**
     * Called once when a task ends.
     *
     * @param mode how the task delivered its results
     * @param outcome how it ended
     * @param durationNanos from its opening to its closing, in nanoseconds ({@link System#nanoTime()})
     */
    void taskEnded(Mode mode, Outcome outcome, long durationNanos);
}
