package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.ktask.scheduler.KTaskScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;

/** Defects found in review, each pinned by the scenario that showed it. */
class ReviewRegressionTest {

    static final KTaskScheduler SCHEDULER = KTaskScheduler.builder().name("review").build();

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    @Test
    void requestAfterCancelStartsNothingAndLeaksNoTask() {
        AtomicInteger chunks = new AtomicInteger();
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> (long) chunks.incrementAndGet())
                .merge(Long::sum).scheduler(SCHEDULER).build();
        KTask.range(0, 100).transform(KTask.parallelize(spec)).subscribe(new BaseSubscriber<Long>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                s.cancel();
                s.request(1);
            }
        });
        assertThat(chunks.get()).isZero();
        Awaits.until(() -> SCHEDULER.stats().tasksRunning() == 0, "no task left open");
    }

    @Test
    void chunkEndDoesNotOverflowNearLongMaxValue() {
        KTaskSpec<Long, List<Long>> spec = KTaskSpec.<Long, List<Long>>of(c -> List.of(c.start(), c.end()))
                .merge((a, b) -> List.of(a.get(0), b.get(1))).minChunk(Long.MAX_VALUE).scheduler(SCHEDULER).build();
        assertThat(KTask.range(Long.MAX_VALUE - 100, 100).transform(KTask.parallelize(spec)).blockLast())
                .containsExactly(Long.MAX_VALUE - 100, Long.MAX_VALUE);
    }

    @Test
    void upstreamErrorAfterCancelIsDroppedOnce() {
        List<Throwable> dropped = new CopyOnWriteArrayList<>();
        Hooks.onErrorDropped(dropped::add);
        try {
            // a source that ignores cancel and errors late, as a misbehaving upstream may
            java.util.concurrent.atomic.AtomicReference<org.reactivestreams.Subscriber<? super Integer>> target =
                    new java.util.concurrent.atomic.AtomicReference<>();
            Flux<Integer> upstream = Flux.from(sub -> {
                target.set(sub);
                sub.onSubscribe(new Subscription() {
                    @Override
                    public void request(long n) {
                    }

                    @Override
                    public void cancel() {
                    }
                });
            });
            KTaskSpec<Integer, Long> spec = KTaskSpec.<Integer, Long>of(Chunk::size).merge(Long::sum)
                    .minChunk(4).scheduler(SCHEDULER).build();
            var d = upstream.transform(KTask.parallelize(spec)).subscribe();
            target.get().onNext(1);
            d.dispose();
            RuntimeException late = new RuntimeException("late upstream error");
            target.get().onError(late);
            assertThat(dropped).containsOnlyOnce(late).allMatch(e -> e == late);
        } finally {
            Hooks.resetOnErrorDropped();
        }
    }

    @Test
    void fusedUpstreamKeepsTheCallerWorking() {
        Map<Boolean, AtomicInteger> chunksByCaller = new ConcurrentHashMap<>();
        Thread caller = Thread.currentThread();
        KTaskSpec<Integer, Long> spec = KTaskSpec.<Integer, Long>of(c -> {
            chunksByCaller.computeIfAbsent(Thread.currentThread() == caller, k -> new AtomicInteger()).incrementAndGet();
            long s = 0;
            for (int v : c.items()) {
                s += MergeModeTest.hash(v);
            }
            return s;
        }).merge(Long::sum).minChunk(1000).scheduler(SCHEDULER).build();
        Long total = Flux.range(0, 400_000).transform(KTask.parallelize(spec)).blockLast();
        assertThat(total).isEqualTo(Flux.range(0, 400_000).map(i -> MergeModeTest.hash(i)).reduce(0L, Long::sum).block());
        // the caller must not drop out after losing the pull token once: it keeps claiming chunks
        assertThat(chunksByCaller.get(true)).isNotNull();
        assertThat(chunksByCaller.get(true).get()).isGreaterThan(1);
    }

    @Test
    void cancellingOverAnInfiniteFusedSourceReturnsPromptly() {
        AtomicInteger discarded = new AtomicInteger();
        KTaskSpec<Integer, Integer> spec = KTaskSpec.<Integer, Integer>of(c -> c.items().get(0)).ordered()
                .minChunk(1000).scheduler(SCHEDULER).build();
        List<Integer> firsts = Flux.fromStream(java.util.stream.Stream.iterate(0, i -> i + 1))
                .transform(KTask.parallelize(spec))
                .take(3)
                .doOnDiscard(Object.class, o -> discarded.incrementAndGet())
                .collectList()
                .block(java.time.Duration.ofSeconds(10));
        assertThat(firsts).containsExactly(0, 1000, 2000);
        assertThat(discarded.get()).isLessThan(100); // results of chunks computed ahead, not the whole source
    }

    @Test
    void mergeReturningNullFailsTheTask() {
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(Chunk::size)
                .merge((a, b) -> a + b > 25 ? null : a + b).minChunk(1).maxThreads(1).scheduler(SCHEDULER).build();
        reactor.test.StepVerifier.create(KTask.range(0, 100).transform(KTask.parallelize(spec)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(KTaskException.class)
                        .hasCauseInstanceOf(NullPointerException.class).hasRootCauseMessage("merge returned null"))
                .verify(java.time.Duration.ofSeconds(10));
    }

    @Test
    void assemblyHooksSeeTheOperatorsAndTheRangeStaysArithmetic() {
        AtomicInteger assembled = new AtomicInteger();
        Hooks.onEachOperator("count", p -> {
            assembled.incrementAndGet();
            return p;
        });
        Hooks.onOperatorDebug();
        try {
            Map<Boolean, AtomicInteger> lazyItems = new ConcurrentHashMap<>();
            KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
                lazyItems.computeIfAbsent(c.items() instanceof TaskChunk.LongRangeView, k -> new AtomicInteger())
                        .incrementAndGet();
                return c.size();
            }).merge(Long::sum).minChunk(100).scheduler(SCHEDULER).build();
            assertThat(KTask.range(0, 10_000).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(10_000L);
            assertThat(assembled.get()).isGreaterThanOrEqualTo(2);
            assertThat(lazyItems).containsOnlyKeys(true); // split by arithmetic, not element by element
        } finally {
            Hooks.resetOnOperatorDebug();
            Hooks.resetOnEachOperator("count");
        }
    }

    /**
     * Review S2-4: with a push upstream that emits on request, a downstream request made the
     * drain ask upstream for more, whose onNext ran the next chunk inside the drain pass; a
     * JVM-fatal error there left the drain owned forever, and the task never ended. Now chunks
     * never run inside a pass and the task still aborts with the error.
     */
    @Test
    void aFatalChunkErrorAfterADownstreamRequestStillEndsTheTask() {
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean insideDrain = new java.util.concurrent.atomic.AtomicBoolean();
        KTaskSpec<Integer, Integer> spec = KTaskSpec.<Integer, Integer>of(chunk -> {
                    if (java.util.Arrays.stream(Thread.currentThread().getStackTrace())
                            .anyMatch(f -> f.getMethodName().equals("drainOnce"))) {
                        insideDrain.set(true);
                    }
                    if (armed.compareAndSet(true, false)) {
                        throw new ExceptionInInitializerError("simulated failed class initialisation");
                    }
                    return (int) chunk.index();
                })
                .minChunk(1).maxThreads(1).ordered().scheduler(SCHEDULER).build();
        java.util.concurrent.CompletableFuture<Throwable> ended = new java.util.concurrent.CompletableFuture<>();
        BaseSubscriber<Integer> subscriber = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                s.request(1);
            }

            @Override
            protected void hookOnError(Throwable e) {
                ended.complete(e);
            }

            @Override
            protected void hookOnComplete() {
                ended.complete(null);
            }
        };
        Flux.range(0, 100_000).hide().transform(KTask.parallelize(spec)).subscribe(subscriber);
        armed.set(true);
        // The requesting thread may run the failing chunk itself; a JVM-fatal error then also
        // reaches it, as Reactor rethrows such errors to the thread that met them.
        Throwable atRequest = catchThrowable(() -> subscriber.request(Long.MAX_VALUE));
        if (atRequest != null) {
            assertThat(atRequest).isInstanceOf(ExceptionInInitializerError.class);
        }
        assertThat(ended).succeedsWithin(java.time.Duration.ofSeconds(5))
                .satisfies(e -> assertThat(e).isInstanceOf(KTaskException.class)
                        .hasCauseInstanceOf(ExceptionInInitializerError.class));
        assertThat(insideDrain).as("a chunk ran inside a drain pass").isFalse();
        Awaits.until(() -> SCHEDULER.stats().tasksRunning() == 0, "the task's handle is closed");
    }
}
