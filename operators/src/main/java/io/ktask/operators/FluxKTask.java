package io.ktask.operators;

import io.ktask.scheduler.KTaskScheduler;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.util.annotation.Nullable;

/** The Flux that {@link KTask#parallelize} returns: each subscription starts one {@link TaskRun}. */
final class FluxKTask<T, R> extends Flux<R> implements Scannable {

    /**
     * The gate of every operator whose spec has no undo. Only a task with an undo enters its
     * operator's gate (it has a rollback to finish before the next attempt starts): without one
     * the gate is never entered and stays open, so such operators share this one instead of
     * each allocating its own at assembly.
     */
    private static final RollbackGate NO_UNDO = new RollbackGate();

    private final Flux<T> source;
    private final KTaskSpec<T, R> spec;
    private final RollbackGate gate;

    FluxKTask(Flux<T> source, KTaskSpec<T, R> spec) {
        this.source = source;
        this.spec = spec;
        this.gate = spec.undo == null ? NO_UNDO : new RollbackGate();
    }

    /** @return the operator, passed through Reactor's assembly hooks (onEachOperator, debug) */
    static <T, R> Flux<R> assemble(Flux<T> source, KTaskSpec<T, R> spec) {
        return onAssembly(new FluxKTask<>(source, spec));
    }

    @Override
    @SuppressWarnings("unchecked") // a LongRangeFlux upstream means T is Long
    public void subscribe(CoreSubscriber<? super R> actual) {
        KTaskScheduler scheduler;
        try {
            scheduler = scheduler();
        } catch (Throwable e) {
            // The default scheduler could not be built (a bad ktask.* property): this subscriber
            // learns why; a later subscription tries again.
            Operators.error(actual, Operators.onOperatorError(e, actual.currentContext()));
            return;
        }
        if (spec.node >= scheduler.topology().nodeCount()) {
            Operators.error(actual, new IllegalArgumentException("node must be < "
                    + scheduler.topology().nodeCount() + " (the scheduler's node count) but was " + spec.node));
            return;
        }
        RunningTask<T> task = new TaskRun<>(actual, spec, scheduler, gate).task;
        LongRangeFlux range = LongRangeFlux.behind(source);
        if (range != null) {
            RunningTask<Long> longs = (RunningTask<Long>) (RunningTask<?>) task;
            longs.subscribed(new RangeSource(longs, range.start, range.count));
        } else {
            boolean adaptive = spec.minChunk == KTaskSpec.ADAPTIVE;
            long chunk = adaptive ? PushedSource.DEFAULT_CHUNK : spec.minChunk;
            source.subscribe(new PushedSource<>(task, Sizing.roundUp(chunk, spec.align), adaptive));
        }
    }

    private KTaskScheduler scheduler() {
        return spec.scheduler != null ? spec.scheduler : KTask.defaultScheduler();
    }

    @Override
    @Nullable
    public Object scanUnsafe(Attr key) {
        if (key == Attr.PARENT) {
            return source;
        }
        if (key == Attr.RUN_ON) {
            return scheduler();
        }
        if (key == Attr.RUN_STYLE) {
            return Attr.RunStyle.ASYNC;
        }
        if (key == Attr.PREFETCH) {
            return Integer.MAX_VALUE;
        }
        return null;
    }
}
