package io.ktask.operators;

import java.util.List;

import reactor.util.context.ContextView;

/**
 * One chunk of a task: a contiguous run of task units {@code [start, end)}, handed to the work
 * function exactly once.
 *
 * <p>Units are the values themselves for {@link KTask#range(long, long)}, and the 0-based
 * positions of the elements for any other upstream. A chunk is immutable and may be kept and
 * read from any thread (the undo callback gets the same instance the work function got).
 *
 * @param <T> the upstream element type
 */
public interface Chunk<T> {

    /** @return this chunk's position among the task's chunks, 0-based, in unit order */
    long index();

    /** @return the first unit of the chunk (inclusive) */
    long start();

    /** @return the unit after the last one (exclusive) */
    long end();

    /** @return {@code end() - start()}, at least 1 */
    long size();

    /**
     * @return the chunk's elements in upstream order; for {@link KTask#range(long, long)} a lazy
     *     view computing {@code start() + i} on access, with no per-unit storage
     */
    List<T> items();

    /**
     * @return the NUMA node of the thread that claimed the chunk (for the caller's thread, the
     *     task's preferred node, or the node it is running on)
     */
    int node();

    /** @return the subscriber's {@link reactor.util.context.Context}, read-only */
    ContextView contextView();
}
