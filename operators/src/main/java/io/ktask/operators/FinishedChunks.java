package io.ktask.operators;

import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import reactor.util.annotation.Nullable;

/**
 * The chunks a task's threads have finished and its drain has not absorbed yet: a lock-free stack
 * that any thread pushes one result onto and the drain empties whole, so a chunk's end costs one
 * CAS and no allocation beyond its own entry.
 *
 * @param <T> the upstream element type
 * @param <R> the chunk result type
 */
final class FinishedChunks<T, R> {

    @Nullable
    private volatile Finished<T, R> top;

    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<FinishedChunks, Finished> TOP =
            AtomicReferenceFieldUpdater.newUpdater(FinishedChunks.class, Finished.class, "top");

    /** Any thread: adds one finished chunk. */
    void push(Finished<T, R> f) {
        for (;;) {
            Finished<T, R> t = top;
            f.next = t; // before the CAS publishes f; never written again while f is on the stack
            // No ABA: an entry is pushed once, and the drain only ever takes the whole stack.
            if (TOP.compareAndSet(this, t, f)) {
                return;
            }
        }
    }

    /** @return every entry pushed so far, newest first, linked by {@code next}; the caller owns them */
    @Nullable
    @SuppressWarnings("unchecked")
    Finished<T, R> takeAll() {
        return top == null ? null : (Finished<T, R>) TOP.getAndSet(this, null);
    }

    boolean isEmpty() {
        return top == null;
    }

    /**
     * @return entries not taken yet (a hint: the walk may also count entries the drain has just
     *     taken; it ends, since links are only ever cut to null)
     */
    long count() {
        long n = 0;
        for (Finished<T, R> f = top; f != null; f = f.next) {
            n++;
        }
        return n;
    }

    /** A finished chunk's result; the chunk itself (and its items) is kept only for undo. */
    static final class Finished<T, R> {
        final long index;
        /** The chunk's units, for progress reports. */
        final long units;
        @Nullable
        final TaskChunk<T> chunk;
        final R result;
        /** The next older entry of the stack; cut to null when the drain absorbs this one. */
        @Nullable
        Finished<T, R> next;

        Finished(TaskChunk<T> chunk, R result, boolean keepChunk) {
            this.index = chunk.index();
            this.units = chunk.end() - chunk.start();
            this.chunk = keepChunk ? chunk : null;
            this.result = result;
        }
    }
}
