package io.ktask.operators;

import java.util.AbstractList;
import java.util.Collections;
import java.util.List;
import java.util.RandomAccess;

import reactor.util.context.ContextView;

/** The one {@link Chunk} implementation: range chunks carry no items, element chunks carry a list. */
final class TaskChunk<T> implements Chunk<T> {

    private final long index;
    private final long start;
    private final long end;
    private final int node;
    private final List<T> elements; // null for range chunks: items() is then a lazy view
    private final ContextView context;

    TaskChunk(long index, long start, long end, int node, List<T> elements, ContextView context) {
        this.index = index;
        this.start = start;
        this.end = end;
        this.node = node;
        // Read-only: work that clears or edits the list must not change what undo is given.
        this.elements = elements == null ? null : Collections.unmodifiableList(elements);
        this.context = context;
    }

    @Override
    public long index() {
        return index;
    }

    @Override
    public long start() {
        return start;
    }

    @Override
    public long end() {
        return end;
    }

    @Override
    public long size() {
        return end - start;
    }

    @Override
    @SuppressWarnings("unchecked") // range tasks are Flux<Long>: T is Long whenever elements is null
    public List<T> items() {
        return elements != null ? elements : (List<T>) new LongRangeView(start, end);
    }

    @Override
    public int node() {
        return node;
    }

    @Override
    public ContextView contextView() {
        return context;
    }

    @Override
    public String toString() {
        return "Chunk#" + index + "[" + start + ", " + end + ")@node" + node;
    }

    /** The values {@code start..end-1} as a list, computed on access: no storage per unit. */
    static final class LongRangeView extends AbstractList<Long> implements RandomAccess {

        private final long start;
        private final int size;

        LongRangeView(long start, long end) {
            if (end - start > Integer.MAX_VALUE) {
                throw new IllegalStateException("chunk of " + (end - start)
                        + " units is too large for a List view; use start()/end()");
            }
            this.start = start;
            this.size = (int) (end - start);
        }

        @Override
        public Long get(int i) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException("index " + i + " out of [0, " + size + ")");
            }
            return start + i;
        }

        @Override
        public int size() {
            return size;
        }
    }
}
