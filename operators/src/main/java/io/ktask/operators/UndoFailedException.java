package io.ktask.operators;

/**
 * An undo callback threw: one of these per failed undo is suppressed in the task's
 * {@link KTaskException}, naming the chunk whose effect may not have been reverted. Its cause is
 * what the undo threw.
 */
public final class UndoFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long chunkIndex;
    private final long start;
    private final long end;

    UndoFailedException(Chunk<?> chunk, Throwable cause) {
        super("undo of chunk " + chunk.index() + " [" + chunk.start() + ", " + chunk.end() + ") failed: " + cause, cause);
        this.chunkIndex = chunk.index();
        this.start = chunk.start();
        this.end = chunk.end();
    }

    /** @return the index of the chunk whose undo threw */
    public long chunkIndex() {
        return chunkIndex;
    }

    /** @return that chunk's first unit */
    public long start() {
        return start;
    }

    /** @return that chunk's end unit (exclusive) */
    public long end() {
        return end;
    }
}
