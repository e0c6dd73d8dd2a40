package io.ktask.operators;

import java.util.function.BooleanSupplier;

import io.ktask.scheduler.NodeTopology;
import reactor.core.Scannable;
import reactor.util.annotation.Nullable;
import reactor.util.context.Context;

/**
 * What a chunk source and the task's workers see of a running task: its spec, its stop flags and
 * its one decision point ({@link #drain()}). They are given a {@link TaskSetup}, never the
 * {@link TaskRun} itself: nothing else of the task is theirs to touch.
 *
 * @param <T> the upstream element type
 */
interface RunningTask<T> {

    /**
     * The task's chunks come from {@code source} (once, before any request): the task's
     * subscription is handed downstream ({@code onSubscribe}).
     */
    void subscribed(ChunkSource<T> source);

    /** @return the subscription handed downstream (a source's {@code Scannable.Attr.ACTUAL}) */
    Scannable downstream();

    KTaskSpec<T, ?> spec();

    /** @return the subscriber's context, given to every chunk */
    Context context();

    /** @return the most threads this task may use, its own included: min(maxThreads, CPUs) */
    int threads();

    NodeTopology topology();

    /** @return the node the task's own thread runs on (fixed at the first request) */
    int homeNode();

    /** @return true once the task failed or was cancelled: no new chunk may start */
    boolean stopped();

    /**
     * Records a failure (the first becomes the cause) and stops the source; any thread.
     *
     * @param chunk the chunk whose work failed, or null when the failure came from elsewhere
     */
    void fail(Throwable error, @Nullable Chunk<T> chunk);

    /** Runs the task's decisions (emit, merge, undo, signal) now or on the thread that holds them. */
    void drain();

    /** @return whether chunk {@code index} may be claimed now: results ahead of delivery are bounded */
    boolean inWindow(long index);

    TaskWorkers workers();

    ChunkSource<T> source();

    /**
     * Claims and runs chunks on the calling thread until none can be claimed now.
     *
     * @param node the node the thread runs on
     * @param helper whether the thread is a leased helper (its permit goes back once the source is done)
     * @param released a spare helper's stop signal ({@link TaskWorkers#run(int, BooleanSupplier)}):
     *     no chunk is claimed once it says true; null for the task's own thread and helpers
     */
    void workLoop(int node, boolean helper, @Nullable BooleanSupplier released);
}
