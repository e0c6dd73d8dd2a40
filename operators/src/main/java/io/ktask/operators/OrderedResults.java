package io.ktask.operators;

import io.ktask.operators.FinishedChunks.Finished;
import reactor.core.CoreSubscriber;
import reactor.util.annotation.Nullable;

/**
 * Ordered mode: each chunk's result is emitted as soon as it and every earlier one are done,
 * within the subscriber's demand. An emitted result is committed: an abort undoes only the rest.
 */
final class OrderedResults<T, R> extends ResultMode<T, R> {

    private final CoreSubscriber<? super R> actual;

    OrderedResults(CoreSubscriber<? super R> actual) {
        this.actual = actual;
    }

    @Override
    long absorb(Finished<T, R> f) {
        keep(f);
        return 0;
    }

    @Override
    long deliver(long demand, RunningTask<T> task) {
        long emitted = 0;
        Finished<T, R> next;
        // Stop flags checked before each onNext: a result not emitted is left to the undo. A
        // cancel arriving during onNext is the race Reactive Streams §2.8 allows: that one is out.
        while (emitted != demand && !task.stopped() && (next = pollNext()) != null) {
            nextIndex = nextIndex + 1;
            emitted++;
            actual.onNext(next.result);
        }
        return emitted;
    }

    @Override
    @Nullable
    R finish() {
        return null;
    }
}
