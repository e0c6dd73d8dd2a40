package io.ktask.operators;

import reactor.core.scheduler.Schedulers;

/**
 * Whether the thread that makes a task's first {@code request(n)} (the caller) runs chunks
 * itself, as in ktask, or leaves them to a task thread of the scheduler and returns at once.
 */
public enum CallerRuns {

    /**
     * The default: the caller runs chunks unless it is a non-blocking thread
     * ({@link Schedulers#isInNonBlockingThread()}: an event loop, {@code Schedulers.parallel()}),
     * which must never be held up by a task.
     */
    AUTOMATIC,
    /** The caller always runs chunks, even on a non-blocking thread. */
    ALWAYS,
    /** The caller never runs chunks: the task's own thread is a task thread of the scheduler. */
    NEVER;

    /** @return whether the calling thread, as the task's caller, runs chunks */
    boolean runsOnCallingThread() {
        return this == ALWAYS || this == AUTOMATIC && !Schedulers.isInNonBlockingThread();
    }
}
