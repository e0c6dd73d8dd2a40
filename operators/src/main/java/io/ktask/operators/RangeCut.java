package io.ktask.operators;

import java.util.function.LongUnaryOperator;

import reactor.util.annotation.Nullable;

/**
 * A spec's {@link KTaskSpec.Builder#boundaries boundaries} cut, applied to the tentative chunk
 * boundaries of one range task. Every value is checked against the cut's contract before a chunk
 * uses it, so a wrong cut fails the task with an error naming the boundary and the value instead
 * of giving a wrong answer.
 */
final class RangeCut {

    private final LongUnaryOperator cut;
    private final long end;

    private RangeCut(LongUnaryOperator cut, long end) {
        this.cut = cut;
        this.end = end;
    }

    /** @return the spec's cut for a range ending at {@code end} (exclusive), or null if it has none */
    @Nullable
    static RangeCut of(KTaskSpec<?, ?> spec, long end) {
        return spec.boundaries == null ? null : new RangeCut(spec.boundaries, end);
    }

    /**
     * @param b a tentative boundary strictly inside the range
     * @param limit the next boundary already fixed after {@code b} (a share's end, the range's
     *     end): a monotone cut never moves {@code b} past it
     * @return where the cut moves {@code b}
     * @throws IllegalStateException if the value breaks the cut's contract
     */
    long at(long b, long limit) {
        long v = cut.applyAsLong(b);
        if (v < b || v > end) {
            throw new IllegalStateException("boundaries cut " + cut + " moved boundary " + b + " to " + v
                    + ", outside [" + b + ", " + end + "]: a cut must return a value from the boundary to the range's end");
        }
        if (v > limit) {
            throw notMonotone(b, v, limit);
        }
        return v;
    }

    /** @return the error for a boundary {@code b} moved to {@code v}, past {@code later}, where the cut moved a later one */
    IllegalStateException notMonotone(long b, long v, long later) {
        return new IllegalStateException("boundaries cut " + cut + " is not monotone: it moved boundary " + b + " to "
                + v + ", past " + later + ", where it moved a later boundary");
    }
}
