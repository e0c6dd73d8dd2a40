package io.ktask.conformance.fault;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.util.context.Context;

/**
 * Passes every signal on unchanged, as a tracing lift does: the body of the suite's pass-through
 * {@code Operators.lift}s. Subclasses watch a signal by overriding it and calling super.
 *
 * <p>A lift over a {@code Fuseable} operator hands its subscriber to a downstream that expects a
 * {@code QueueSubscription}; like Reactor's own fusion-suppressing subscriber, this one is one
 * that refuses every fusion mode, so elements keep flowing through {@code onNext}.
 */
class Forwarding<T> implements CoreSubscriber<T>, Fuseable.QueueSubscription<T> {

    private final CoreSubscriber<? super T> actual;
    private Subscription upstream;

    Forwarding(CoreSubscriber<? super T> actual) {
        this.actual = actual;
    }

    @Override
    public Context currentContext() {
        return actual.currentContext();
    }

    @Override
    public void onSubscribe(Subscription s) {
        upstream = s;
        actual.onSubscribe(this);
    }

    @Override
    public void onNext(T t) {
        actual.onNext(t);
    }

    @Override
    public void onError(Throwable t) {
        actual.onError(t);
    }

    @Override
    public void onComplete() {
        actual.onComplete();
    }

    @Override
    public void request(long n) {
        upstream.request(n);
    }

    @Override
    public void cancel() {
        upstream.cancel();
    }

    @Override
    public int requestFusion(int requestedMode) {
        return Fuseable.NONE;
    }

    @Override
    public T poll() {
        return null; // never fused: never polled
    }

    @Override
    public int size() {
        return 0;
    }

    @Override
    public boolean isEmpty() {
        return true;
    }

    @Override
    public void clear() {
        // never fused: nothing queued
    }
}
