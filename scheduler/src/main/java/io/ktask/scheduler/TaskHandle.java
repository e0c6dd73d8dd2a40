package io.ktask.scheduler;

/**
 * The scheduler's record of one running task, opened by {@link KTaskScheduler#openTask()}: it
 * feeds {@link KTaskStats#tasksRunning()} and {@link KTaskStats#chunksDone()}.
 *
 * <p>Thread-safety: {@link #chunksDone(long)} may be called from any thread; {@link #close()} is
 * idempotent (only the first call counts the task as ended).
 */
public interface TaskHandle extends AutoCloseable {

    /**
     * Adds {@code chunks} finished chunks to the scheduler's counter.
     *
     * @throws IllegalArgumentException if {@code chunks < 0}
     */
    void chunksDone(long chunks);

    /** Marks the task as ended. Idempotent. */
    @Override
    void close();
}
