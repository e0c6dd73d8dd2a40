package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import io.ktask.scheduler.KTaskScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

class OrderedModeTest {

    static final KTaskScheduler SCHEDULER = KTaskScheduler.create();

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    static KTaskSpec<Long, Long> startsOf(long minChunk) {
        return KTaskSpec.<Long, Long>of(Chunk::start).ordered().minChunk(minChunk).scheduler(SCHEDULER).build();
    }

    @Test
    void emitsEachChunkResultInChunkOrder() {
        List<Long> starts = KTask.range(0, 10_000).transform(KTask.parallelize(startsOf(100))).collectList().block();
        assertThat(starts).isSorted().hasSizeGreaterThan(1).startsWith(0L);
        List<Long> indexes = KTask.range(0, 10_000)
                .transform(KTask.parallelize(KTaskSpec.<Long, Long>of(Chunk::index).minChunk(7).scheduler(SCHEDULER).build()))
                .collectList().block();
        assertThat(indexes).isEqualTo(LongStream.range(0, indexes.size()).boxed().collect(Collectors.toList()));
    }

    @Test
    void honoursRequestN() {
        // 1000 units, minChunk 100, at most 2 threads: 8 chunks of 125
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(Chunk::start).minChunk(100).maxThreads(2).scheduler(SCHEDULER).build();
        StepVerifier.create(KTask.range(0, 1000).transform(KTask.parallelize(spec)), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(50))
                .thenRequest(1)
                .expectNext(0L)
                .thenRequest(2)
                .expectNext(125L, 250L)
                .expectNoEvent(Duration.ofMillis(20))
                .thenRequest(Long.MAX_VALUE)
                .expectNext(375L, 500L, 625L, 750L, 875L)
                .verifyComplete();
    }

    @Test
    void boundsChunksComputedAheadOfDemand() {
        AtomicLong computed = new AtomicLong();
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
            computed.incrementAndGet();
            return c.index();
        }).ordered().minChunk(1).scheduler(SCHEDULER).build();
        StepVerifier.create(KTask.range(0, 1_000_000).transform(KTask.parallelize(spec)), 1)
                .expectNext(0L)
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        // window = 4 * threads chunks ahead of the next emission (+ chunks in flight at most threads)
        assertThat(computed.get()).isLessThanOrEqualTo(4L * SCHEDULER.topology().cpuCount() + 1 + SCHEDULER.topology().cpuCount());
    }

    @Test
    void genericUpstreamOrderedStreamsWithBackpressure() {
        KTaskSpec<Integer, Integer> spec = KTaskSpec.<Integer, Integer>of(c -> c.items().get(0)).minChunk(10).build();
        StepVerifier.create(Flux.range(0, 95).hide().transform(KTask.parallelize(spec)), 3)
                .expectNext(0, 10, 20)
                .thenRequest(100)
                .expectNext(30, 40, 50, 60, 70, 80, 90)
                .verifyComplete();
    }

    @Test
    void subscriberContextReachesChunks() {
        KTaskSpec<Long, String> spec = KTaskSpec.<Long, String>of(c -> c.contextView().get("user"))
                .minChunk(10).scheduler(SCHEDULER).build();
        StepVerifier.create(KTask.range(0, 100).transform(KTask.parallelize(spec)).distinct()
                        .contextWrite(Context.of("user", "alice")))
                .expectNext("alice")
                .verifyComplete();
    }
}
