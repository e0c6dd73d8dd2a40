package io.ktask.operators;

import java.util.function.BinaryOperator;
import java.util.function.Consumer;

import io.ktask.operators.FinishedChunks.Finished;
import reactor.core.publisher.Operators;
import reactor.util.annotation.Nullable;
import reactor.util.context.Context;

/**
 * Merge mode: the chunk results folded in chunk order into one value, so an associative merge
 * need not be commutative. Two variants, picked once by whether the spec has an undo.
 */
final class MergeResults {

    private MergeResults() {
    }

    private static <R> R merged(BinaryOperator<R> merge, R left, R right) {
        R m = merge.apply(left, right);
        if (m == null) {
            throw new NullPointerException("merge returned null");
        }
        return m;
    }

    /**
     * No undo: a result is folded as soon as every earlier one is, and then dropped, so a task
     * holds at most its window of results, whatever its size (claims wait on the window).
     */
    static final class Eager<T, R> extends ResultMode<T, R> {

        private final BinaryOperator<R> merge;
        private final Context context;
        @Nullable
        private R accumulated; // null: nothing folded yet (a merge never returns null)

        Eager(BinaryOperator<R> merge, Context context) {
            this.merge = merge;
            this.context = context;
        }

        @Override
        long absorb(Finished<T, R> f) {
            if (f.index == nextIndex && settled()) {
                fold(f.result); // in order with nothing parked: the common one-thread case
                return 1;
            }
            keep(f);
            return 0;
        }

        @Override
        long deliver(long demand, RunningTask<T> task) {
            long folded = 0;
            for (Finished<T, R> next; (next = pollNext()) != null; folded++) {
                fold(next.result);
            }
            return folded;
        }

        private void fold(R result) {
            try {
                accumulated = accumulated == null ? result : merged(merge, accumulated, result);
            } catch (Throwable e) {
                Operators.onDiscard(result, context);
                throw e;
            }
            nextIndex = nextIndex + 1;
        }

        @Override
        @Nullable
        R finish() {
            R r = accumulated;
            accumulated = null;
            return r;
        }

        @Override
        @Nullable
        Object abandon(Consumer<Finished<T, R>> each) {
            super.abandon(each);
            R r = accumulated;
            accumulated = null;
            return r;
        }
    }

    /**
     * With an undo every finished chunk and its result are kept until the task ends, since an
     * abort must hand each to the undo: memory grows with the task (documented). Merged once, at
     * the end, in chunk order.
     */
    static final class KeptForUndo<T, R> extends ResultMode<T, R> {

        private final BinaryOperator<R> merge;

        KeptForUndo(BinaryOperator<R> merge) {
            this.merge = merge;
        }

        @Override
        boolean inWindow(long index, long window) {
            return true; // everything is kept anyway: a window would only idle threads
        }

        @Override
        long absorb(Finished<T, R> f) {
            keep(f);
            return 1; // its elements are held by the chunk, for the undo: the source may go on
        }

        @Override
        long deliver(long demand, RunningTask<T> task) {
            return 0;
        }

        @Override
        boolean settled() {
            return true;
        }

        @Override
        @Nullable
        R finish() {
            R acc = null;
            for (Finished<T, R> f : parked()) {
                acc = acc == null ? f.result : merged(merge, acc, f.result);
            }
            return acc;
        }
    }
}
