package io.ktask.conformance.fault;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/**
 * The scenario's subscriber: requests all at once or one by one, records every signal, and
 * notes any signal that breaks the Reactive Streams rules or arrives after its cancel returned.
 */
final class RecordingSubscriber extends BaseSubscriber<IndexRuns> {

    private final boolean oneByOne;
    private final TaskRecorder recorder;
    /** Synchronized: signals arrive serially, but the test thread reads while the task runs. */
    final List<IndexRuns> values = Collections.synchronizedList(new ArrayList<>());
    final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    volatile int completions;
    private volatile boolean cancelReturned;
    private int nextsAfterCancel;
    private final CountDownLatch terminated = new CountDownLatch(1);

    RecordingSubscriber(boolean oneByOne, TaskRecorder recorder) {
        this.oneByOne = oneByOne;
        this.recorder = recorder;
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
        subscription.request(oneByOne ? 1 : Long.MAX_VALUE);
    }

    @Override
    protected void hookOnNext(IndexRuns value) {
        // a cancel from another thread cannot stop an onNext that already passed its check, but
        // it must stop every later one: at most one onNext may start after cancel() returned
        if (cancelReturned && ++nextsAfterCancel > 1) {
            recorder.violations.add("onNext(" + value + ") is the " + nextsAfterCancel + "th after cancel() returned");
        }
        values.add(value);
        if (oneByOne) {
            request(1);
        }
    }

    @Override
    protected void hookOnComplete() {
        completions++; // serial signals: no lost update
        terminated.countDown();
    }

    @Override
    protected void hookOnError(Throwable error) {
        errors.add(error);
        terminated.countDown();
    }

    /** Cancels the task; more than one onNext starting after this returns is a violation. */
    void cancelTask() {
        dispose();
        cancelReturned = true;
    }

    boolean awaitTerminal(long millis) throws InterruptedException {
        return terminated.await(millis, TimeUnit.MILLISECONDS);
    }

    int terminalSignals() {
        return completions + errors.size();
    }

    /** @return every chunk index the subscriber received, in arrival order */
    List<Long> emittedChunks() {
        List<Long> all = new ArrayList<>();
        values.forEach(all::addAll);
        return all;
    }
}
