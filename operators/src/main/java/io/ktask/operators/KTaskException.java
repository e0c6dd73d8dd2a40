package io.ktask.operators;

import java.util.List;

/**
 * The error a task signals after it was aborted and its finished chunks were undone.
 *
 * <p>{@link #getCause()} is the first failure (a chunk's work, the merge, or the upstream's
 * error). {@link #getSuppressed()} holds every later chunk failure and every exception thrown by
 * an undo callback, in the order they happened. The message names the failed chunk (if a chunk
 * failed) and the chunks undone.
 */
public final class KTaskException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** {@link #failedChunk()} when the failure did not come from a chunk. */
    public static final long NO_CHUNK = -1L;

    private final long failedChunk;
    private final List<Long> undoneChunks;

    KTaskException(Throwable cause, long failedChunk, List<Long> undoneChunks) {
        super(describe(cause, failedChunk, undoneChunks), cause);
        this.failedChunk = failedChunk;
        this.undoneChunks = List.copyOf(undoneChunks);
    }

    private static String describe(Throwable cause, long failedChunk, List<Long> undone) {
        String where = failedChunk == NO_CHUNK ? "task aborted" : "chunk " + failedChunk + " failed";
        return where + " (" + cause + "); undone chunks: " + undone;
    }

    /** @return the index of the chunk whose failure aborted the task, or {@link #NO_CHUNK} */
    public long failedChunk() {
        return failedChunk;
    }

    /** @return the indexes of the chunks that were undone, ascending (the order they were undone) */
    public List<Long> undoneChunks() {
        return undoneChunks;
    }
}
