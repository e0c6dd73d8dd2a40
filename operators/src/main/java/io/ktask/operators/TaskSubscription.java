package io.ktask.operators;

import java.util.concurrent.atomic.AtomicLongFieldUpdater;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.util.annotation.Nullable;

/**
 * A task as its subscriber sees it: the subscription handed downstream, which takes demand and
 * cancel (the first request starts the task), and what Reactor's {@code Scannable} tooling is
 * told about the task. How the task ends is the {@link TaskRun}'s.
 *
 * @param <T> the upstream element type
 * @param <R> the chunk result type
 */
final class TaskSubscription<T, R> implements Subscription, Scannable {

    private final TaskRun<T, R> run;
    private final TaskSetup<T, R> task;
    private final CoreSubscriber<? super R> actual;

    /** Downstream demand not met yet; only ordered tasks count it down, as they emit. */
    volatile long requested;

    @SuppressWarnings("rawtypes")
    private static final AtomicLongFieldUpdater<TaskSubscription> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(TaskSubscription.class, "requested");

    TaskSubscription(TaskRun<T, R> run, TaskSetup<T, R> task, CoreSubscriber<? super R> actual) {
        this.run = run;
        this.task = task;
        this.actual = actual;
    }

    @Override
    public void request(long n) {
        if (!Operators.validate(n)) {
            // Reactive Streams §3.9: validate only logs, so signal it too (unwrapped, after the
            // usual undo); never thrown.
            run.failures.badRequest();
            run.fail(new IllegalArgumentException("§3.9 violated: request must be > 0 but was " + n), null);
            run.drain();
            return;
        }
        Operators.addCap(REQUESTED, this, n);
        if (run.stopped() || run.terminated) {
            return; // §3.6: requests after the end are no-ops
        }
        if (!task.startOnce()) {
            run.drain(); // ordered: the new demand may release results; never runs a chunk here
        }
    }

    /** The source is set ({@link RunningTask#subscribed}): this subscription goes downstream. */
    void handDownstream() {
        actual.onSubscribe(this);
    }

    /** The drain emitted {@code n} results: as much demand is used up. */
    void emitted(long n) {
        REQUESTED.addAndGet(this, -n);
    }

    @Override
    public void cancel() {
        run.cancel();
    }

    @Override
    @Nullable
    public Object scanUnsafe(Attr key) {
        if (key == Attr.PARENT) {
            return task.source().parent();
        }
        if (key == Attr.ACTUAL) {
            return actual;
        }
        if (key == Attr.PREFETCH) {
            return task.window;
        }
        if (key == Attr.BUFFERED) {
            return (int) Math.min(Integer.MAX_VALUE, task.source().buffered() + run.finished.count());
        }
        if (key == Attr.CANCELLED) {
            return run.cancelled;
        }
        if (key == Attr.TERMINATED) {
            return run.terminated;
        }
        if (key == Attr.ERROR) {
            return run.failures.cause();
        }
        if (key == Attr.REQUESTED_FROM_DOWNSTREAM) {
            return requested;
        }
        if (key == Attr.RUN_ON) {
            return run.scheduler;
        }
        if (key == Attr.RUN_STYLE) {
            return Attr.RunStyle.ASYNC;
        }
        return null;
    }
}
