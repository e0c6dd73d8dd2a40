package io.ktask.conformance.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.scheduler.Schedulers;

/**
 * The race behind a dropped "Scheduler unavailable" that {@link FaultInjectionTest#fatalErrors}
 * met once (seed 70000352, upstream {@code publishOn(Schedulers.parallel())}): the task requests
 * from its upstream publishOn while its cancel of that upstream disposes publishOn's worker;
 * publishOn's schedule is then rejected and publishOn signals the rejection back from inside the
 * request. Here the cancel is made to land in that window, every time, by a schedule hook; the
 * cancelled task must drop the rejection once and signal nothing. {@link Verdict} accepts such a
 * drop only for a publishOn upstream the task has cancelled.
 */
class PublishOnRejectsRacingRequestTest {

    private static final String HOOK = "cancel-inside-publishOn-request";

    final KTaskScheduler scheduler =
            KTaskScheduler.builder().name("racing-request").topology(NodeTopology.uniform(1, 2)).build();

    @AfterEach
    void reset() {
        Schedulers.resetOnScheduleHook(HOOK);
        Hooks.resetOnErrorDropped();
        scheduler.dispose();
    }

    @Test
    void aRejectionOfTheRequestTheCancelRacedIsDroppedOnce() {
        List<Throwable> dropped = new CopyOnWriteArrayList<>();
        Hooks.onErrorDropped(dropped::add);
        AtomicInteger signals = new AtomicInteger();
        AtomicBoolean armed = new AtomicBoolean(true);
        BaseSubscriber<List<Long>> subscriber = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            protected void hookOnNext(List<Long> value) {
                signals.incrementAndGet();
            }

            @Override
            protected void hookOnComplete() {
                signals.incrementAndGet();
            }

            @Override
            protected void hookOnError(Throwable error) {
                signals.incrementAndGet();
            }
        };
        // publishOn schedules its drain from inside the task's first request to it; the hook runs
        // before the worker takes the drain, so a cancel here disposes the worker in between
        Schedulers.onScheduleHook(HOOK, runnable -> {
            if (runnable.getClass().getName().contains("FluxPublishOn") && armed.getAndSet(false)) {
                subscriber.cancel();
            }
            return runnable;
        });
        KTaskSpec<Long, List<Long>> spec = KTaskSpec.<Long, List<Long>>of(chunk -> List.copyOf(chunk.items()))
                .ordered().minChunk(4).scheduler(scheduler).build();
        Flux.fromIterable(LongStream.range(0, 64).boxed().toList())
                .publishOn(Schedulers.parallel(), 32)
                .transform(KTask.parallelize(spec))
                .subscribe(subscriber);

        assertThat(armed).as("the hook met publishOn's schedule").isFalse();
        assertThat(dropped).singleElement().isInstanceOf(RejectedExecutionException.class)
                .extracting(Throwable::getMessage).isEqualTo("Scheduler unavailable");
        assertThat(signals).as("signals after the cancel").hasValue(0);
        assertThat(scheduler.stats().tasksRunning()).isZero();
    }
}
