package io.ktask.operators;

import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.util.annotation.Nullable;

/**
 * {@link KTask#range}: for a plain subscriber an ordinary backpressured range of longs; for
 * {@link FluxKTask} just two numbers to split by arithmetic.
 */
final class LongRangeFlux extends Flux<Long> implements Scannable {

    final long start;
    final long count;

    LongRangeFlux(long start, long count) {
        this.start = start;
        this.count = count;
    }

    /** @return the range, passed through Reactor's assembly hooks (onEachOperator, debug) */
    static Flux<Long> assemble(long start, long count) {
        return onAssembly(new LongRangeFlux(start, count));
    }

    /** Plain subscribers are rare (the operator never subscribes): reuse generate's backpressure. */
    @Override
    public void subscribe(CoreSubscriber<? super Long> actual) {
        long end = start + count;
        Flux.<Long, Long>generate(() -> start, (next, sink) -> {
            if (next == end) {
                sink.complete();
            } else {
                sink.next(next);
            }
            return next + 1;
        }).subscribe(actual);
    }

    /**
     * @return the range {@code source} is, or wraps in an assembly-tracking operator only
     *     ({@code Hooks.onOperatorDebug}, {@code checkpoint}): those add no behaviour of their
     *     own on the success path, so the arithmetic split stays valid; else null
     */
    @Nullable
    static LongRangeFlux behind(Object source) {
        if (source instanceof LongRangeFlux) {
            return (LongRangeFlux) source;
        }
        if (source instanceof Scannable && ((Scannable) source).stepName().startsWith("checkpoint")
                || source.getClass().getSimpleName().startsWith("FluxOnAssembly")) {
            Object parent = ((Scannable) source).scanUnsafe(Attr.PARENT);
            return parent instanceof LongRangeFlux ? (LongRangeFlux) parent : null;
        }
        return null;
    }

    @Override
    @Nullable
    public Object scanUnsafe(Attr key) {
        if (key == Attr.BUFFERED) {
            return (int) Math.min(Integer.MAX_VALUE, count);
        }
        if (key == Attr.RUN_STYLE) {
            return Attr.RunStyle.SYNC;
        }
        return null;
    }

    @Override
    public String toString() {
        return "KTask.range(" + start + ", " + count + ")";
    }
}
