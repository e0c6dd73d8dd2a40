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

    /** Layers of assembly hooks looked through at most: any real chain is far shallower. */
    static final int MAX_HOOK_LAYERS = 64;

    /**
     * @return the range {@code source} is, or wraps only in layers that assembly hooks add
     *     ({@code Hooks.onOperatorDebug}, {@code checkpoint()}, {@code Hooks.onEachOperator}
     *     lifts), however many: they decorate, they do not change the values, so the arithmetic
     *     split stays valid; else null (the upstream is then read as elements, whose units are
     *     positions)
     */
    @Nullable
    static LongRangeFlux behind(Object source) {
        Object s = source;
        for (int layers = 0; layers <= MAX_HOOK_LAYERS; layers++) {
            if (s instanceof LongRangeFlux) {
                return (LongRangeFlux) s;
            }
            if (!(s instanceof Scannable) || !isHookLayer(s)) {
                return null;
            }
            s = ((Scannable) s).scanUnsafe(Attr.PARENT);
        }
        return null;
    }

    /**
     * Reactor's hook layers are package-private classes, so they are known by name: the
     * assembly trackers of onOperatorDebug and checkpoint, and the lifts that onEachOperator
     * (and {@code Operators.lift}) wrap around each operator.
     */
    private static boolean isHookLayer(Object layer) {
        Class<?> c = layer.getClass();
        if (!"reactor.core.publisher".equals(c.getPackageName())) {
            return false;
        }
        String name = c.getSimpleName();
        return name.startsWith("FluxOnAssembly") || name.startsWith("FluxLift");
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
