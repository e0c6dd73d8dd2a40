package io.ktask.operators;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Consumer;

import reactor.core.publisher.Operators;
import reactor.util.annotation.Nullable;
import reactor.util.context.Context;

/**
 * A task's failures: the first one wins (one CAS) and becomes the cause the task signals, later
 * ones are queued to ride along with it, and each is reported exactly once: to the subscriber
 * by the abort, or, once the task has ended, to {@code Hooks.onErrorDropped}. Also the rule by
 * which one thread carries several JVM-fatal errors ({@link #alongside}).
 *
 * @param <T> the upstream element type
 */
final class TaskFailures<T> {

    /** The first failure: the task's cause. Set once, by CAS; its being set is a stop flag. */
    @Nullable
    private volatile Throwable first;
    @Nullable
    private volatile Chunk<T> failedChunk;
    /** The first failure is a Reactive Streams §3.9 bad request: signalled unwrapped. */
    private volatile boolean badRequest;
    /** Failures after the first; created by the second failure (most tasks never fail). */
    @Nullable
    private volatile Queue<Throwable> later;
    /**
     * The first failure was signalled or dropped. Touched by the abort and, once it has settled,
     * by drain passes (under wip), never by two threads at once.
     */
    private boolean reported;

    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<TaskFailures, Throwable> FIRST =
            AtomicReferenceFieldUpdater.newUpdater(TaskFailures.class, Throwable.class, "first");
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<TaskFailures, Queue> LATER =
            AtomicReferenceFieldUpdater.newUpdater(TaskFailures.class, Queue.class, "later");

    /**
     * Records a failure; any thread.
     *
     * @param chunk the chunk whose work failed, or null when the failure came from elsewhere
     * @return true if it is the task's first failure (the caller then stops the task)
     */
    boolean record(Throwable e, @Nullable Chunk<T> chunk) {
        if (FIRST.compareAndSet(this, null, e)) {
            // Written after the CAS, yet read safely: only the abort reads it, and the abort runs
            // once the failing thread's later in-flight decrement (or drain call) has happened.
            failedChunk = chunk;
            return true;
        }
        if (e != first) { // the same error rethrown through a second path is one failure
            Queue<Throwable> q = later;
            if (q == null) {
                // Racing second failures: one CAS wins, every loser uses the winner's queue.
                LATER.compareAndSet(this, null, new ConcurrentLinkedQueue<Throwable>());
                q = later;
            }
            q.offer(e);
        }
        return false;
    }

    /** The failure about to be recorded is a §3.9 bad request (written before it is recorded). */
    void badRequest() {
        badRequest = true;
    }

    /** @return the first failure, or null if the task has not failed */
    @Nullable
    Throwable cause() {
        return first;
    }

    /**
     * The abort reports the first failure (called once per task, when there is one).
     *
     * @return the error to signal: a {@link KTaskException} whose suppressed list holds the later
     *     failures, then the failed undos; a bad request's own {@link IllegalArgumentException}
     *     when that came first and no chunk failed
     */
    Throwable report(Rollback<T, ?> rollback) {
        reported = true;
        Throwable cause = first;
        Throwable error = badRequest && failedChunk == null && cause instanceof IllegalArgumentException
                ? cause : rollback.error(cause, failedChunk);
        takeLater(error::addSuppressed);
        rollback.suppressInto(error);
        return error;
    }

    /** Errors recorded after the task ended reach {@code Hooks.onErrorDropped}, each once. */
    void dropLate(Context context) {
        Throwable f = first;
        if (f != null && !reported) {
            reported = true;
            Operators.onErrorDropped(f, context);
        }
        takeLater(t -> Operators.onErrorDropped(t, context));
    }

    private void takeLater(Consumer<Throwable> each) {
        Queue<Throwable> q = later;
        for (Throwable t; q != null && (t = q.poll()) != null; ) {
            each.accept(t);
        }
    }

    /**
     * @return the JVM-fatal error this thread will rethrow: {@code first}, carrying {@code next}
     *     as suppressed (one thread throws one error), or {@code next} if there was none
     */
    @Nullable
    static Throwable alongside(@Nullable Throwable first, @Nullable Throwable next) {
        if (first == null) {
            return next;
        }
        if (next != null && next != first) {
            first.addSuppressed(next);
        }
        return first;
    }
}
