package io.ktask.scheduler;

import reactor.core.scheduler.NonBlocking;

/**
 * A thread of one {@link KTaskScheduler}, remembering its scheduler and node so that
 * {@link KTaskScheduler#currentNode()} answers without asking the OS.
 *
 * <p>Helper threads are plain {@code KTaskThread}s: they run user chunk code, which may block.
 * Threads of the plain Reactor workers are {@link NonBlockingThread}s, so Reactor's blocking
 * checks ({@code block()} throws there) apply to them as to {@code Schedulers.parallel()}.
 */
class KTaskThread extends Thread {

    final Object owner;
    final int node;
    /** Whether this thread lowered its priority (a helper): threads it starts inherit that. */
    final boolean reniced;
    /**
     * The kernel thread id, which another thread needs to lend this one its priority; recorded
     * by the thread itself when it starts ({@link #recordThreadId()}) and read only by itself.
     * -1 until then, or if the OS does not tell.
     */
    int tid = -1;
    /**
     * Serializes the nice changes made to this thread while it runs helper bodies: a lender's
     * raise and the thread's own put-back when a body ends ({@link LentPriority}).
     */
    final Object niceLock = new Object();
    /** The helper body running on this thread now, or null; written and read by this thread only. */
    Lease.Running running;

    KTaskThread(Object owner, int node, boolean reniced, Runnable body, String name) {
        super(body, name);
        this.owner = owner;
        this.node = node;
        this.reniced = reniced;
    }

    /** Records the calling thread's kernel id, if it is a {@code KTaskThread}. */
    static void recordThreadId() {
        if (Thread.currentThread() instanceof KTaskThread t) {
            t.tid = ThreadPlacement.currentThreadId();
        }
    }

    /**
     * Hands {@code error} to the current thread's uncaught-exception handler, then to the
     * {@code Schedulers.onHandleError} hooks, as reactor-core's schedulers do (see
     * {@link HandleError}).
     */
    static void reportUncaught(Throwable error) {
        HandleError.handle(error);
    }

    /** A worker thread that runs only non-blocking Reactor tasks. */
    static final class NonBlockingThread extends KTaskThread implements NonBlocking {

        NonBlockingThread(Object owner, int node, boolean reniced, Runnable body, String name) {
            super(owner, node, reniced, body, name);
        }
    }
}
