package io.ktask.spark;

import java.io.Serializable;
import java.util.AbstractList;
import java.util.List;

import io.ktask.operators.Chunk;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * One chunk of a Spark job: units {@code [start, end)}, where a unit is the value itself, as for
 * {@code KTask.range}. Spark does not place tasks by NUMA node, so {@link #node()} is 0; the
 * subscriber's context does not travel to executors, so {@link #contextView()} is empty.
 */
final class RangeChunk implements Chunk<Long>, Serializable {

    private static final long serialVersionUID = 1L;

    private final long index;
    private final long start;
    private final long end;

    RangeChunk(long index, long start, long end) {
        this.index = index;
        this.start = start;
        this.end = end;
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
    public List<Long> items() {
        return new AbstractList<>() {
            @Override
            public Long get(int i) {
                if (i < 0 || i >= size()) {
                    throw new IndexOutOfBoundsException("index " + i + " out of chunk of " + size());
                }
                return start + i;
            }

            @Override
            public int size() {
                return (int) Math.min(Integer.MAX_VALUE, end - start);
            }
        };
    }

    @Override
    public int node() {
        return 0;
    }

    @Override
    public ContextView contextView() {
        return Context.empty();
    }

    @Override
    public String toString() {
        return "chunk " + index + " [" + start + ", " + end + ')';
    }
}
