package io.ktask.operators;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import io.ktask.operators.FinishedChunks.Finished;
import reactor.core.CoreSubscriber;
import reactor.util.annotation.Nullable;

/**
 * How a task's chunk results leave it, chosen once at subscription (as {@code FluxPublishOn}
 * picks sync or async once): folded into one value ({@link MergeResults}) or emitted one by one in
 * chunk order ({@link OrderedResults}). Every method but {@link #inWindow} runs inside the
 * task's drain, one thread at a time.
 *
 * @param <T> the upstream element type
 * @param <R> the chunk result type
 */
abstract class ResultMode<T, R> {

    /** The next chunk index to deliver (emit or fold). Written by the drain only; read by claimers. */
    volatile long nextIndex;

    /** Finished results not delivered yet: out of order, or kept for undo. Null until one is. */
    @Nullable
    private TreeMap<Long, Finished<T, R>> pending;

    static <T, R> ResultMode<T, R> of(KTaskSpec<T, R> spec, CoreSubscriber<? super R> actual) {
        if (spec.merge == null) {
            return new OrderedResults<>(actual);
        }
        return spec.undo == null ? new MergeResults.Eager<>(spec.merge, actual.currentContext()) : new MergeResults.KeptForUndo<>(spec.merge);
    }

    /**
     * @param index a chunk index
     * @param window how many chunks the source lets run ahead of delivery
     * @return whether chunk {@code index} may be claimed now; any thread (a stale {@code
     *     nextIndex} only makes the window look smaller for a moment)
     */
    boolean inWindow(long index, long window) {
        return index - nextIndex < window;
    }

    /**
     * Takes one finished chunk.
     *
     * @return how many results left the task with it (folded), for the source's flow control
     * @throws RuntimeException whatever the merge threw (the result was discarded, the task fails)
     */
    abstract long absorb(Finished<T, R> f);

    /**
     * Delivers what can leave now, in chunk order, at most {@code demand} emissions.
     *
     * @return how many results left the task
     * @throws RuntimeException whatever the merge or the subscriber threw
     */
    abstract long deliver(long demand, RunningTask<T> task);

    /** @return true if nothing waits for delivery (the task may complete once no chunk runs) */
    boolean settled() {
        return pending == null || pending.isEmpty();
    }

    /**
     * Every chunk is done and absorbed.
     *
     * @return the one value to emit before {@code onComplete}, or null for none
     * @throws RuntimeException whatever the merge threw
     */
    @Nullable
    abstract R finish();

    /** Parks a result until it can be delivered (or undone). */
    final void keep(Finished<T, R> f) {
        TreeMap<Long, Finished<T, R>> p = pending;
        if (p == null) {
            p = new TreeMap<>();
            pending = p;
        }
        p.put(f.index, f);
    }

    /** @return the next result in chunk order if it is the one to deliver now, removed; else null */
    @Nullable
    final Finished<T, R> pollNext() {
        Map.Entry<Long, Finished<T, R>> head = pending == null ? null : pending.firstEntry();
        if (head == null || head.getKey() != nextIndex) {
            return null;
        }
        pending.pollFirstEntry();
        return head.getValue();
    }

    /** @return true if the next result to deliver is parked */
    final boolean deliverable() {
        return pending != null && !pending.isEmpty() && pending.firstKey() == nextIndex;
    }

    /** @return the parked results in chunk order (for a merge of everything at the end) */
    final Iterable<Finished<T, R>> parked() {
        return pending == null ? List.of() : pending.values();
    }

    /**
     * The task aborts: hands every parked result to {@code each} in ascending chunk order, then
     * forgets them.
     *
     * @return the partial merge held, if any, for the discard hook
     */
    @Nullable
    Object abandon(Consumer<Finished<T, R>> each) {
        if (pending != null) {
            pending.values().forEach(each);
            pending = null;
        }
        return null;
    }
}
