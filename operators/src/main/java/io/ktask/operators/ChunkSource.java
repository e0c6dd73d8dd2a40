package io.ktask.operators;

/**
 * Where a task's chunks come from: arithmetic for {@link KTask#range} ({@link RangeSource}),
 * elements polled from a synchronously fused upstream ({@link PulledSource}) or pushed by any
 * other ({@link PushedSource}). Every method may be called from any of the task's threads.
 */
interface ChunkSource<T> {

    /** Called once, on the task's first request, before any chunk is claimed. */
    void start();

    /**
     * @param node the node of the claiming thread (chunks of that node's share come first)
     * @return the next chunk, now owned by the caller, or null if none can be claimed right now
     */
    TaskChunk<T> claim(int node);

    /** @return true if {@link #claim} might return a chunk now (a hint; may be stale at once) */
    boolean hasClaimable();

    /**
     * @return about how many chunks could be claimed now (a hint): 0 when none, and a guess of at
     *     least 2 when the source cannot tell
     */
    long backlog();

    /** @return true once every chunk there will ever be has been claimed (final once true) */
    boolean done();

    /**
     * {@code chunks} results left the task (emitted or folded): room for as many more chunks.
     * Called outside the drain, as it may run upstream code on the calling thread.
     */
    void retired(long chunks);

    /**
     * @param chunks the task's window: {@code 4 x threads} chunks
     * @return how many chunks may be claimed ahead of the next one to deliver; a source of small
     *     chunks widens it, so that it reaches as many elements as default chunks would
     */
    default long window(int chunks) {
        return chunks;
    }

    /** @return true if {@link #ran} wants the run time of each chunk (adaptive sizing by measured cost) */
    default boolean timesChunks() {
        return false;
    }

    /**
     * A chunk of {@code units} units ran in {@code nanos}; called after each chunk that ran without
     * error while {@link #timesChunks()}, on the thread that ran it.
     */
    default void ran(long units, long nanos) {
    }

    /** @return the task's units if known in advance (a range), else -1 */
    default long totalUnits() {
        return -1;
    }

    /** Stops producing chunks and discards buffered elements. Idempotent. */
    void cancel();

    /** @return the upstream subscription or publisher, for {@code Scannable.Attr.PARENT} */
    Object parent();

    /** @return elements or units buffered but not yet claimed */
    long buffered();
}
