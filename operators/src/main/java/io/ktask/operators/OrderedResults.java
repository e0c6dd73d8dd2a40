package io.ktask.operators;

import io.ktask.operators.FinishedChunks.Finished;
import io.ktask.scheduler.internal.SchedulerInternals;
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
        if (demand == 0 || !deliverable()) {
            return 0;
        }
        long emitted = 0;
        int priority = SchedulerInternals.enterSignalPriority(); // downstream never at helper priority
        try {
            Finished<T, R> next;
            // Stop flags checked before each onNext: a result not emitted is left to the undo. A
            // cancel arriving during onNext is the race §2.8 allows: that one is out.
            while (emitted != demand && !task.stopped() && (next = pollNext()) != null) {
                nextIndex = nextIndex + 1;
                emitted++;
                actual.onNext(next.result);
            }
        } finally {
            SchedulerInternals.leaveSignalPriority(priority);
        }
        return emitted;
    }

    @Override
    @Nullable
    R finish() {
        return null;
    }
}
