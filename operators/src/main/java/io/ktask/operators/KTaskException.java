package io.ktask.operators;

import java.util.List;
import java.util.Objects;

/**
 * The error a task signals after it was aborted and its finished chunks were undone.
 *
 * <p>{@link #getCause()} is the first failure (a chunk's work, the merge, or the upstream's
 * error). {@link #getSuppressed()} holds every later chunk failure, then one
 * {@link UndoFailedException} per undo callback that threw, in the order they happened. The
 * message names the failed chunk (index, start, end) if a chunk failed, and the chunks undone,
 * summarised as index ranges.
 */
public final class KTaskException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** {@link #failedChunk()} when the failure did not come from a chunk. */
    public static final long NO_CHUNK = -1L;
    /** At most this many index ranges are spelled out in the message; the rest are counted. */
    static final int MAX_RANGES_IN_MESSAGE = 16;

    /** The index of the chunk whose failure aborted the task, or {@link #NO_CHUNK}. */
    private final long failedChunk;
    /** The indexes of the chunks whose undo returned normally, ascending. */
    private final List<Long> undoneChunks;

    /**
     * @param failed the chunk whose work failed, or null when the failure came from elsewhere
     * @param undoneChunks indexes, ascending, of the chunks whose undo returned normally
     */
    KTaskException(Throwable cause, Chunk<?> failed, List<Long> undoneChunks) {
        super(describe(cause, failed, undoneChunks), cause);
        this.failedChunk = failed == null ? NO_CHUNK : failed.index();
        this.undoneChunks = List.copyOf(undoneChunks);
    }

    /**
     * Creates the error of an aborted task for an engine outside this package that keeps the
     * same all-or-nothing contract (the {@code ktask-spark} module runs a task on Apache Spark).
     * The caller adds later failures and failed undos ({@link UndoFailedException#of}) with
     * {@link #addSuppressed(Throwable)}.
     *
     * @param cause the first failure
     * @param failed the chunk whose failure aborted the task, or null when the failure came from
     *     elsewhere (then {@link #failedChunk()} is {@link #NO_CHUNK})
     * @param undoneChunks the indexes of the chunks whose undo returned normally, ascending
     * @return the error, with no suppressed exception yet
     * @throws NullPointerException if {@code cause} or {@code undoneChunks} is null
     */
    public static KTaskException of(Throwable cause, Chunk<?> failed, List<Long> undoneChunks) {
        Objects.requireNonNull(cause, "cause must not be null");
        Objects.requireNonNull(undoneChunks, "undoneChunks must not be null");
        return new KTaskException(cause, failed, undoneChunks);
    }

    private static String describe(Throwable cause, Chunk<?> failed, List<Long> undone) {
        String where = failed == null ? "task aborted"
                : "chunk " + failed.index() + " [" + failed.start() + ", " + failed.end() + ") failed";
        return where + " (" + cause + "); undone chunks: " + summarise(undone);
    }

    /** @return e.g. {@code "0-2, 5, 7-9 (7 chunks)"}; long lists end with a count of the rest */
    static String summarise(List<Long> ascending) {
        if (ascending.isEmpty()) {
            return "none";
        }
        StringBuilder s = new StringBuilder();
        int ranges = 0;
        int i = 0;
        while (i < ascending.size() && ranges < MAX_RANGES_IN_MESSAGE) {
            long first = ascending.get(i);
            long last = first;
            while (i + 1 < ascending.size() && ascending.get(i + 1) == last + 1) {
                last = ascending.get(++i);
            }
            i++;
            s.append(ranges++ == 0 ? "" : ", ").append(first);
            if (last != first) {
                s.append('-').append(last);
            }
        }
        if (i < ascending.size()) {
            s.append(", ... ").append(ascending.size() - i).append(" more");
        }
        return s.append(" (").append(ascending.size()).append(ascending.size() == 1 ? " chunk)" : " chunks)").toString();
    }

    /** @return the index of the chunk whose failure aborted the task, or {@link #NO_CHUNK} */
    public long failedChunk() {
        return failedChunk;
    }

    /**
     * @return the indexes of the chunks whose undo returned normally, ascending (the order they
     *     were undone); a chunk whose undo threw is not listed (see {@link UndoFailedException})
     */
    public List<Long> undoneChunks() {
        return undoneChunks;
    }
}
