package io.ktask.operators;

import java.util.Objects;

/**
 * An undo callback threw: one of these per failed undo is suppressed in the task's
 * {@link KTaskException}, naming the chunk whose effect may not have been reverted. Its cause is
 * what the undo threw.
 */
public final class UndoFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The index of the chunk whose undo threw. */
    private final long chunkIndex;
    /** That chunk's first unit. */
    private final long start;
    /** That chunk's end unit (exclusive). */
    private final long end;

    UndoFailedException(Chunk<?> chunk, Throwable cause) {
        super("undo of chunk " + chunk.index() + " [" + chunk.start() + ", " + chunk.end() + ") failed: " + cause, cause);
        this.chunkIndex = chunk.index();
        this.start = chunk.start();
        this.end = chunk.end();
    }

    /**
     * Creates the failure of {@code chunk}'s undo for an engine outside this package (the
     * {@code ktask-spark} module), to be suppressed in its {@link KTaskException}.
     *
     * @param chunk the chunk whose undo threw
     * @param cause what the undo threw
     * @return the failure, naming the chunk
     * @throws NullPointerException if {@code chunk} or {@code cause} is null
     */
    public static UndoFailedException of(Chunk<?> chunk, Throwable cause) {
        Objects.requireNonNull(chunk, "chunk must not be null");
        return new UndoFailedException(chunk, Objects.requireNonNull(cause, "cause must not be null"));
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
