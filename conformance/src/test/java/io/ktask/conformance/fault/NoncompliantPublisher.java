package io.ktask.conformance.fault;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.ktask.conformance.fault.Injected.Site;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * An upstream that honours demand and cancel, emits the scenario's elements on the requesting
 * thread, and then breaks Reactive Streams §1.7 on purpose: after its {@code onComplete} it
 * signals again, as {@link Shape#badTail()} says. The operator must drop those signals
 * ({@code Operators.onNextDropped}, {@code onErrorDropped}), never run work on them, and end
 * the task as if they had not come.
 */
final class NoncompliantPublisher extends Flux<Long> {

    private final Scenario scenario;
    private final TaskRecorder recorder;

    NoncompliantPublisher(Scenario scenario, TaskRecorder recorder) {
        this.scenario = scenario;
        this.recorder = recorder;
    }

    /** @return the element sent after onComplete, if the tail has one */
    Long extraElement() {
        return scenario.element(scenario.size());
    }

    @Override
    public void subscribe(CoreSubscriber<? super Long> actual) {
        actual.onSubscribe(new Emission(actual));
    }

    private final class Emission implements Subscription {

        private final CoreSubscriber<? super Long> actual;
        private final AtomicLong requested = new AtomicLong();
        private final AtomicInteger wip = new AtomicInteger();
        private volatile boolean cancelled;
        // Written inside the drain loop only (wip).
        private long next;
        private boolean done;

        Emission(CoreSubscriber<? super Long> actual) {
            this.actual = actual;
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                cancelled = true;
                actual.onError(new IllegalArgumentException("§3.9: request must be > 0 but was " + n));
                return;
            }
            requested.getAndAccumulate(n, Operators::addCap);
            drain();
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        private void drain() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            // the whole loop counts as one upstream signal: onComplete and the tail after it
            recorder.watch.upstreamSignals(this::drainLoop);
        }

        private void drainLoop() {
            int missed = 1;
            do {
                while (!cancelled && !done && next < scenario.size() && requested.get() > 0) {
                    requested.decrementAndGet();
                    actual.onNext(scenario.element(next++));
                }
                if (!cancelled && !done && next == scenario.size()) {
                    done = true;
                    actual.onComplete();
                    misbehave(); // whatever the subscriber did meanwhile: that is the bug on purpose
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }

        private void misbehave() {
            Shape.BadTail tail = scenario.shape().badTail();
            if (tail == Shape.BadTail.NEXT || tail == Shape.BadTail.NEXT_AND_ERROR) {
                recorder.extraNextSent = true;
                actual.onNext(extraElement());
            }
            if (tail == Shape.BadTail.ERROR || tail == Shape.BadTail.NEXT_AND_ERROR) {
                actual.onError(recorder.fault(Site.UPSTREAM_AFTER_COMPLETE, "upstream after its onComplete"));
            }
            if (tail == Shape.BadTail.COMPLETE_AGAIN) {
                actual.onComplete();
            }
        }
    }
}
