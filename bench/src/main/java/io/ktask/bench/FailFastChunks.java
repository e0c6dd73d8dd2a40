package io.ktask.bench;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a peer's user must add to get ktask's all-or-nothing failure path: once a chunk fails no
 * new chunk starts, chunks in flight are waited for, then every finished chunk is undone in
 * ascending order. One instance per run; {@link #runChunk} may be called from any thread.
 */
final class FailFastChunks {

    /** The work and undo of chunk {@code c}. */
    interface Chunks {

        /** Does chunk {@code c}; may throw. */
        void work(int c);

        /** Reverts chunk {@code c}, which finished. */
        void undo(int c);
    }

    private final Chunks chunks;
    private final boolean[] done;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    FailFastChunks(Chunks chunks, int count) {
        this.chunks = chunks;
        this.done = new boolean[count];
    }

    /**
     * Runs chunk {@code c} unless a chunk already failed, and records its failure.
     *
     * @throws RuntimeException the chunk's own failure, rethrown so the peer sees it
     */
    void runChunk(int c) {
        // Counted before the failure check: a chunk that passes the check is always waited for.
        inFlight.incrementAndGet();
        try {
            if (failure.get() == null) {
                chunks.work(c);
                done[c] = true;
            }
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
            throw e;
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /**
     * After the peer signalled the failure: waits for the chunks in flight (their end publishes
     * {@code done} through the counter), then undoes the finished chunks in ascending order.
     *
     * @return {@code signalled}
     */
    Throwable undoAfter(Throwable signalled) {
        while (inFlight.get() != 0) {
            Thread.onSpinWait();
        }
        for (int c = 0; c < done.length; c++) {
            if (done[c]) {
                chunks.undo(c);
            }
        }
        return signalled;
    }
}
