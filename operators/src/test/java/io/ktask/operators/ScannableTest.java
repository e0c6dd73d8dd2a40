package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;

import io.ktask.scheduler.KTaskScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.Scannable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

class ScannableTest {

    static final KTaskScheduler SCHEDULER = KTaskScheduler.create();

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    @Test
    void operatorAndSubscriptionAnswerScans() {
        Flux<Integer> upstream = Flux.range(0, 100).hide();
        Flux<Long> flux = upstream.transform(KTask.parallelize(
                KTaskSpec.<Integer, Long>of(Chunk::size).merge(Long::sum).minChunk(10).maxThreads(1)
                        .scheduler(SCHEDULER).build()));
        Scannable operator = Scannable.from(flux);
        assertThat(operator.scan(Scannable.Attr.PARENT)).isSameAs(upstream);
        assertThat(operator.scan(Scannable.Attr.RUN_ON)).isSameAs(SCHEDULER);
        assertThat(operator.scan(Scannable.Attr.RUN_STYLE)).isEqualTo(Scannable.Attr.RunStyle.ASYNC);

        AtomicReference<Subscription> sub = new AtomicReference<>();
        BaseSubscriber<Long> subscriber = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                sub.set(s); // no request yet: the task has not started
            }
        };
        flux.subscribe(subscriber);
        Scannable run = Scannable.from(sub.get());
        assertThat(run.scanUnsafe(Scannable.Attr.ACTUAL)).isSameAs(subscriber);
        assertThat(run.scan(Scannable.Attr.PARENT)).isInstanceOf(Subscription.class);
        assertThat(run.scan(Scannable.Attr.PREFETCH)).isPositive();
        assertThat(run.scan(Scannable.Attr.BUFFERED)).isZero();
        assertThat(run.scan(Scannable.Attr.RUN_ON)).isSameAs(SCHEDULER);
        assertThat(run.scan(Scannable.Attr.CANCELLED)).isFalse();
        assertThat(run.scan(Scannable.Attr.TERMINATED)).isFalse();

        subscriber.request(1);
        assertThat(run.scan(Scannable.Attr.TERMINATED)).isTrue(); // one thread, the caller: done on return

        AtomicReference<Subscription> second = new AtomicReference<>();
        flux.subscribe(new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                second.set(s);
            }
        });
        second.get().cancel();
        assertThat(Scannable.from(second.get()).scan(Scannable.Attr.CANCELLED)).isTrue();
    }
}
