package io.ktask.conformance.fault;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * Tells what is on the current thread's stack when a chunk runs: the task's first request, a
 * later request or cancel from downstream, a signal from a pushing upstream, a runnable wrapped
 * by the scenario's {@code onSchedule} hook. Chunks may run only on the task's own thread (the
 * caller inside its first request, when it may run chunks, or a scheduler thread) and on
 * helpers, never inside an upstream's signal nor inside a downstream's request.
 */
final class ThreadWatch {

    private static final int PUSH = 0;
    private static final int DOWNSTREAM_CALL = 1;
    private static final int DECORATED = 2;

    /** Per thread: how deep it is in each kind of call, by the indexes above. */
    private final ThreadLocal<int[]> depth = ThreadLocal.withInitial(() -> new int[3]);
    private final AtomicBoolean requested = new AtomicBoolean();
    /** The thread inside the task's first request while that request runs, else null. */
    private volatile Thread firstRequester;
    /** Upstream signals under way, on any thread (a marked upstream only). */
    private final AtomicInteger upstreamSignalling = new AtomicInteger();
    /** A marked upstream has terminated, or a cancel of it has returned. */
    private volatile boolean upstreamEnded;
    private volatile boolean upstreamSubscribed;
    /** The task has begun to cancel a marked upstream. */
    private volatile boolean upstreamCancelled;
    /** The downstream's cancel of the task has returned. */
    private volatile boolean cancelReturned;
    /** onNext signals of the task that started after the downstream's cancel returned. */
    private final AtomicInteger nextsAfterCancel = new AtomicInteger();

    /** @return {@code upstream} with its signals marked (for upstreams that push) */
    <T> Flux<T> markPushes(Flux<T> upstream) {
        return lift(upstream, PushMarker::new);
    }

    /**
     * @return true once a marked upstream can signal no more: it was never subscribed (a
     *     {@code take(0)} downstream never subscribes), or it terminated or its cancel
     *     returned, and no signal of it is under way. An upstream may still signal after the
     *     task has ended (an error after a cancel, dropped by the operator), so a scenario
     *     waits for this before it is judged. Benign race: an upstream that read "not
     *     cancelled" just before the cancel may start one more signal after this said true
     *     (Reactive Streams allows it); the suite sees it only if that signal is an error.
     */
    boolean upstreamQuiet() {
        return !upstreamSubscribed || upstreamEnded && upstreamSignalling.get() == 0;
    }

    /** Runs an upstream's {@code signals} counted as under way (a source that misbehaves after its end). */
    void upstreamSignals(Runnable signals) {
        upstreamSignalling.incrementAndGet();
        try {
            signals.run();
        } finally {
            upstreamSignalling.decrementAndGet();
        }
    }

    /** @return {@code task} with the requests and cancels it receives marked */
    <T> Flux<T> markDownstreamCalls(Flux<T> task) {
        return lift(task, RequestMarker::new);
    }

    /** @return {@code r} marked as running inside the scenario's onSchedule decoration */
    Runnable decorate(Runnable r) {
        return () -> within(DECORATED, r);
    }

    boolean inFirstRequest() {
        return firstRequester == Thread.currentThread();
    }

    boolean inPush() {
        return depth.get()[PUSH] > 0;
    }

    boolean inDownstreamCall() {
        return depth.get()[DOWNSTREAM_CALL] > 0;
    }

    /** @return whether the task has cancelled its marked upstream (the cancel may still be under way) */
    boolean upstreamCancelled() {
        return upstreamCancelled;
    }

    /** @return whether the downstream has cancelled the task (its cancel call returned) */
    boolean cancelledByDownstream() {
        return cancelReturned;
    }

    /** @return how many onNext of the task started after the downstream's cancel returned (at most 1 is allowed) */
    int nextsAfterCancel() {
        return nextsAfterCancel.get();
    }

    boolean inDecorated() {
        return depth.get()[DECORATED] > 0;
    }

    private void within(int kind, Runnable call) {
        int[] d = depth.get();
        d[kind]++;
        try {
            call.run();
        } finally {
            d[kind]--;
        }
    }

    private static <T> Flux<T> lift(Flux<T> source, Function<CoreSubscriber<? super T>, CoreSubscriber<T>> marker) {
        return Flux.from(Operators.<T, T>lift((scannable, actual) -> marker.apply(actual)).apply(source));
    }

    private final class PushMarker<T> extends Forwarding<T> {

        PushMarker(CoreSubscriber<? super T> actual) {
            super(actual);
        }

        @Override
        public void onSubscribe(Subscription s) {
            upstreamSubscribed = true;
            super.onSubscribe(s);
        }

        @Override
        public void onNext(T t) {
            upstreamSignals(() -> within(PUSH, () -> super.onNext(t)));
        }

        @Override
        public void onError(Throwable t) {
            upstreamSignals(() -> {
                within(PUSH, () -> super.onError(t));
                upstreamEnded = true;
            });
        }

        @Override
        public void onComplete() {
            upstreamSignals(() -> {
                within(PUSH, super::onComplete);
                upstreamEnded = true;
            });
        }

        /**
         * A request may signal back from inside itself (publishOn whose worker a racing cancel
         * disposed answers with onError): it counts as a signal under way until it returns.
         */
        @Override
        public void request(long n) {
            upstreamSignals(() -> super.request(n));
        }

        @Override
        public void cancel() {
            upstreamCancelled = true; // before the cancel: an error it provokes finds the flag set
            super.cancel();
            upstreamEnded = true;
        }
    }

    private final class RequestMarker<T> extends Forwarding<T> {

        RequestMarker(CoreSubscriber<? super T> actual) {
            super(actual);
        }

        @Override
        public void request(long n) {
            if (requested.compareAndSet(false, true)) {
                firstRequester = Thread.currentThread();
                try {
                    super.request(n);
                } finally {
                    firstRequester = null;
                }
            } else {
                within(DOWNSTREAM_CALL, () -> super.request(n));
            }
        }

        @Override
        public void onNext(T t) {
            if (cancelReturned) {
                nextsAfterCancel.incrementAndGet();
            }
            super.onNext(t);
        }

        @Override
        public void cancel() {
            within(DOWNSTREAM_CALL, super::cancel);
            cancelReturned = true;
        }
    }
}
