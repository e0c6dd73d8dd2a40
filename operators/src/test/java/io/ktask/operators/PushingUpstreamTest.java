package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/**
 * Upstreams that push their elements (issue 10: D1, D3, D7, D8, D10): they get helpers, chunks
 * never run on the pushing or the requesting thread, and bad upstreams and fatal errors are
 * handled as Reactor's own operators handle them.
 */
class PushingUpstreamTest {

    // Helpers at nice 0: these tests prove who runs chunks, and a nice-19 helper may wait seconds
    // for a CPU when other processes load the machine (seen: a latch of 10 s not released at load 15).
    static final KTaskScheduler SCHEDULER = KTaskScheduler.builder().name("pushing")
            .topology(NodeTopology.uniform(1, 2)).helperNice(0).build();
    static final int CHUNKS = 16;
    static final int CHUNK = 8;

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    @AfterEach
    void resetHooks() {
        Hooks.resetOnNextDropped();
        Hooks.resetOnErrorDropped();
    }

    static Flux<Integer> pushing(String shape) {
        int n = CHUNKS * CHUNK;
        switch (shape) {
            case "map":
                return Flux.range(0, n).map(i -> i);
            case "hide":
                return Flux.range(0, n).hide();
            case "generate":
                return Flux.generate(() -> 0, (i, sink) -> {
                    if (i == n) {
                        sink.complete();
                    } else {
                        sink.next(i);
                    }
                    return i + 1;
                });
            case "publishOn":
                return Flux.range(0, n).publishOn(Schedulers.single());
            case "fromIterableMap":
                return Flux.fromIterable(Flux.range(0, n).collectList().block()).map(i -> i);
            default:
                throw new IllegalArgumentException(shape);
        }
    }

    /**
     * D1: with a backlog of one chunk and no own loop, a pushing source used to run every chunk
     * on its own thread, so the backlog never grew and no helper was leased. Chunk 0 here waits
     * until another chunk has run on another thread: it fails unless two threads run at once.
     */
    @ParameterizedTest
    @ValueSource(strings = {"map", "hide", "generate", "publishOn", "fromIterableMap"})
    void aPushingUpstreamGetsAHelper(String shape) {
        // The one helper permit (2 CPUs) may still be held by the previous test's helper on its
        // way out: a lease refused then is retried only at the own thread's next claim, which
        // chunk 0 here never makes (seen: a 10 s wait once in a full run).
        Awaits.until(() -> SCHEDULER.stats().helpersRunning() == 0, "no helper left from earlier tests");
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        CountDownLatch otherRan = new CountDownLatch(1);
        Thread[] first = new Thread[1];
        KTaskSpec<Integer, Long> spec = KTaskSpec.<Integer, Long>of(c -> {
            threads.add(Thread.currentThread());
            if (c.index() == 0) {
                first[0] = Thread.currentThread();
                Awaits.await(otherRan);
            } else if (Thread.currentThread() != first[0]) {
                otherRan.countDown();
            }
            return c.size();
        }).merge(Long::sum).minChunk(CHUNK).maxThreads(2).scheduler(SCHEDULER).build();

        StepVerifier.create(pushing(shape).transform(KTask.parallelize(spec)))
                .expectNext((long) CHUNKS * CHUNK).expectComplete().verify(Duration.ofSeconds(20));
        assertThat(threads).hasSizeGreaterThanOrEqualTo(2);
    }

    /**
     * D3: an ordered task whose downstream requests one at a time from its own thread: no chunk
     * runs on the downstream's thread (it used to run most of them).
     */
    @Test
    void noChunkRunsOnTheDownstreamsThread() {
        Scheduler downstream = Schedulers.newSingle("downstream");
        try {
            List<String> chunkThreads = new CopyOnWriteArrayList<>();
            KTaskSpec<Integer, Integer> spec = KTaskSpec.<Integer, Integer>of(c -> {
                chunkThreads.add(Thread.currentThread().getName());
                return c.items().size();
            }).ordered().minChunk(4).maxThreads(2).scheduler(SCHEDULER).build();
            StepVerifier.create(Flux.range(0, 4 * 640).hide().transform(KTask.parallelize(spec))
                            .publishOn(downstream, 1).count())
                    .expectNext(640L).expectComplete().verify(Duration.ofSeconds(20));
            assertThat(chunkThreads).hasSize(640).noneMatch(name -> name.startsWith("downstream"));
        } finally {
            downstream.dispose();
        }
    }

    /** D3: a request made from inside onNext never runs a chunk there (nor inside a drain pass). */
    @Test
    void aRequestFromOnNextRunsNoChunk() {
        ThreadLocal<Boolean> insideOnNext = ThreadLocal.withInitial(() -> false);
        List<Long> ranInsideOnNext = new CopyOnWriteArrayList<>();
        KTaskSpec<Integer, Long> spec = KTaskSpec.<Integer, Long>of(c -> {
            if (insideOnNext.get()) {
                ranInsideOnNext.add(c.index());
            }
            return c.index();
        }).ordered().minChunk(1).maxThreads(2).scheduler(SCHEDULER).build();
        CountDownLatch done = new CountDownLatch(1);
        List<Long> received = new CopyOnWriteArrayList<>();
        Flux.range(0, 2_000).hide().transform(KTask.parallelize(spec)).subscribe(new BaseSubscriber<Long>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                s.request(1);
            }

            @Override
            protected void hookOnNext(Long value) {
                received.add(value);
                insideOnNext.set(true);
                try {
                    request(1);
                } finally {
                    insideOnNext.set(false);
                }
            }

            @Override
            protected void hookFinally(reactor.core.publisher.SignalType type) {
                done.countDown();
            }
        });
        Awaits.await(done);
        assertThat(received).hasSize(2_000);
        assertThat(ranInsideOnNext).isEmpty();
    }

    /** D7: a chunk size near Long.MAX_VALUE used to overflow the first request (and hang). */
    @Test
    void aHugeMinChunkOverAPushingUpstreamCompletes() {
        KTaskSpec<Integer, Long> spec = KTaskSpec.<Integer, Long>of(c -> c.size())
                .merge(Long::sum).minChunk((1L << 61) + 1).scheduler(SCHEDULER).build();
        StepVerifier.create(Flux.range(0, 10).hide().transform(KTask.parallelize(spec)))
                .expectNext(10L).expectComplete().verify(Duration.ofSeconds(10));
    }

    /** D8: an element after onComplete goes to the onNextDropped hook and runs no work. */
    @Test
    void onNextAfterOnCompleteIsDropped() {
        List<Object> dropped = new CopyOnWriteArrayList<>();
        Hooks.onNextDropped(dropped::add);
        List<Object> worked = new CopyOnWriteArrayList<>();
        TestPublisher<Integer> bad = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        KTaskSpec<Integer, Integer> spec = KTaskSpec.<Integer, Integer>of(c -> {
            worked.addAll(c.items());
            return c.items().size();
        }).merge(Integer::sum).minChunk(1).scheduler(SCHEDULER).build();
        StepVerifier.create(bad.flux().transform(KTask.parallelize(spec)))
                .then(() -> bad.next(1, 2).complete().next(99))
                .expectNext(2).expectComplete().verify(Duration.ofSeconds(10));
        assertThat(dropped).containsExactly(99);
        assertThat(worked).containsExactlyInAnyOrder(1, 2);
    }

    /**
     * D10: a JVM-fatal error from work over a pushing upstream is the task's cause once, and
     * rethrown on the thread that met it (here the scheduler's own task thread), never also sent
     * to onErrorDropped.
     */
    @Test
    void aFatalErrorFromWorkOverAPushingUpstreamIsSignalledOnce() throws InterruptedException {
        List<Throwable> dropped = new CopyOnWriteArrayList<>();
        Hooks.onErrorDropped(dropped::add);
        LinkageError fatal = new LinkageError("simulated fatal");
        KTaskSpec<Integer, Integer> spec = KTaskSpec.<Integer, Integer>of(c -> {
            if (c.index() == 3) {
                throw fatal;
            }
            return 1;
        }).merge(Integer::sum).minChunk(1).maxThreads(1).scheduler(SCHEDULER).build();
        CountDownLatch ended = new CountDownLatch(1);
        Throwable[] error = new Throwable[1];
        // The subscribing thread may run the failing chunk itself (it is the task's own thread
        // while its first request lasts): the fatal error is then rethrown to it, as Reactor does.
        Throwable atSubscribe = catchThrowable(() -> Flux.range(0, 100).publishOn(Schedulers.single())
                .transform(KTask.parallelize(spec))
                .subscribe(v -> { }, e -> {
                    error[0] = e;
                    ended.countDown();
                }));
        assertThat(atSubscribe).isIn(null, fatal);
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(error[0]).isInstanceOf(KTaskException.class).hasCause(fatal);
        assertThat(error[0].getSuppressed()).doesNotContain(fatal);
        Awaits.until(() -> SCHEDULER.stats().tasksRunning() == 0, "the task ended");
        assertThat(dropped).doesNotContain(fatal);
    }

}
