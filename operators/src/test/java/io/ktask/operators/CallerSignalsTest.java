package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The caller, out of chunks while a helper finishes the last one, waits for it in flight and
 * makes the task's last signal itself: a blocked caller is not woken by a helper (10-20 us on a
 * VM), and the helper is not raised from its nice for the signal (two system calls). The wait is
 * raised to seconds here so that a slow helper on a loaded machine cannot decide the outcome; its
 * real bound is one adaptive chunk, past which the caller leaves as before
 * ({@link PriorityHandOffTest} holds a helper's chunk, and the caller returns meanwhile).
 * Isolated: the raised wait is static, and a test running beside this one would see it.
 */
@Isolated
class CallerSignalsTest {

    private static final long TEST_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final KTaskScheduler scheduler = KTaskScheduler.builder().name("caller-signals")
            .topology(NodeTopology.uniform(1, 2)).maxHelpers(1).keepAlive(Duration.ofMinutes(1)).build();
    private final Thread caller = Thread.currentThread();
    private long realWait;

    @BeforeEach
    void raiseTheWait() {
        realWait = ClaimLoop.helperWaitNanos;
        ClaimLoop.helperWaitNanos = TEST_WAIT_NANOS;
    }

    @AfterEach
    void restore() {
        ClaimLoop.helperWaitNanos = realWait;
        scheduler.dispose();
    }

    /**
     * Two chunks of one unit, each giving its start, merged: the caller's ends first, once the
     * helper holds the other.
     */
    private KTaskSpec<Long, Long> twoChunks(AtomicBoolean callerDone, Runnable helperAfterCaller) {
        return twoChunksBuilder(callerDone, helperAfterCaller).merge(Long::sum).minChunk(1).maxThreads(2)
                .scheduler(scheduler).build();
    }

    private KTaskSpec.Builder<Long, Long> twoChunksBuilder(AtomicBoolean callerDone, Runnable helperAfterCaller) {
        CountDownLatch helperHolds = new CountDownLatch(1);
        return KTaskSpec.<Long, Long>of(chunk -> {
            if (Thread.currentThread() == caller) {
                Awaits.await(helperHolds);
                callerDone.set(true);
                return chunk.start();
            }
            helperHolds.countDown();
            Awaits.until(callerDone::get, "the caller's chunk to end");
            helperAfterCaller.run();
            return chunk.start();
        });
    }

    @RepeatedTest(10)
    void aHelperEndingTheLastChunkAfterTheCallersLeavesTheSignalToTheCaller() {
        AtomicBoolean callerDone = new AtomicBoolean();
        AtomicReference<Thread> signalled = new AtomicReference<>();
        // The helper's chunk goes on for a millisecond after the caller's: without the wait the
        // caller has left long before, and the helper, last to leave, signals.
        KTaskSpec<Long, Long> spec = twoChunks(callerDone, () -> spinFor(TimeUnit.MILLISECONDS.toNanos(1)));

        Long total = KTask.range(0, 2).transform(KTask.parallelize(spec))
                .doOnComplete(() -> signalled.set(Thread.currentThread())).blockLast(Duration.ofSeconds(10));

        assertThat(total).as("the chunks' starts, merged").isEqualTo(1);
        assertThat(signalled.get()).as("the thread that signalled onComplete").isSameAs(caller);
    }

    /**
     * Upstreams that push on the subscribing thread (the caller runs chunks once they are in);
     * not {@code publishOn}, whose elements arrive on another thread after the caller has left.
     * Debug hooks and a checkpoint are installed for one of them.
     */
    @ParameterizedTest
    @ValueSource(strings = {"map", "hide", "generate", "hide+onOperatorDebug"})
    void withAPushingUpstreamTheCallerSignalsToo(String shape) {
        if (shape.endsWith("+onOperatorDebug")) {
            Hooks.onOperatorDebug();
        }
        try {
            AtomicBoolean callerDone = new AtomicBoolean();
            AtomicReference<Thread> signalled = new AtomicReference<>();
            KTaskSpec<Long, Long> spec = twoChunks(callerDone, () -> spinFor(TimeUnit.MILLISECONDS.toNanos(1)));

            Long total = pushing(shape).transform(KTask.parallelize(spec)).checkpoint("caller-signals")
                    .doOnComplete(() -> signalled.set(Thread.currentThread())).blockLast(Duration.ofSeconds(10));

            assertThat(total).as("the chunks' starts, merged").isEqualTo(1);
            assertThat(signalled.get()).as("the thread that signalled onComplete").isSameAs(caller);
        } finally {
            Hooks.resetOnOperatorDebug();
        }
    }

    private static Flux<Long> pushing(String shape) {
        switch (shape) {
            case "map":
                return Flux.range(0, 2).map(Integer::longValue);
            case "generate":
                return Flux.generate(() -> 0L, (i, sink) -> {
                    if (i == 2) {
                        sink.complete();
                    } else {
                        sink.next(i);
                    }
                    return i + 1;
                });
            default:
                return Flux.just(0L, 1L).hide();
        }
    }

    /**
     * A non-blocking caller that runs chunks ({@code callerRuns(ALWAYS)} on
     * {@code Schedulers.parallel()}) never spins for a helper: the helper ends its chunk once the
     * caller's worker is idle, and signals. A caller that waited (the raised wait) would never go
     * idle while the helper runs: the helper's deadline would fail the task.
     */
    @Test
    void aNonBlockingCallerDoesNotWait() {
        AtomicBoolean callerDone = new AtomicBoolean();
        AtomicReference<Thread> signalled = new AtomicReference<>();
        AtomicReference<Thread> subscriber = new AtomicReference<>();
        CountDownLatch helperHolds = new CountDownLatch(1);
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(chunk -> {
            if (Thread.currentThread() == subscriber.get()) {
                Awaits.await(helperHolds);
                callerDone.set(true);
                return chunk.start();
            }
            helperHolds.countDown();
            Awaits.until(callerDone::get, "the caller's chunk to end");
            // The caller has left once its worker parks, idle: a caller spinning for this chunk
            // never does, and the deadline fails the task.
            Awaits.until(() -> subscriber.get().getState() == Thread.State.WAITING
                    || subscriber.get().getState() == Thread.State.TIMED_WAITING, "the caller to leave");
            return chunk.start();
        }).merge(Long::sum).minChunk(1).maxThreads(2).callerRuns(CallerRuns.ALWAYS).scheduler(scheduler).build();

        Long total = Mono.fromRunnable(() -> subscriber.set(Thread.currentThread()))
                .thenMany(KTask.range(0, 2).transform(KTask.parallelize(spec)))
                .subscribeOn(Schedulers.parallel())
                .doOnComplete(() -> signalled.set(Thread.currentThread())).blockLast(Duration.ofSeconds(10));

        assertThat(total).isEqualTo(1);
        assertThat(Schedulers.isNonBlockingThread(subscriber.get())).as("the caller is non-blocking").isTrue();
        assertThat(signalled.get()).as("the thread that signalled onComplete").isNotSameAs(subscriber.get());
    }

    @RepeatedTest(5)
    void inOrderedModeTheResultsComeInChunkOrderAndTheCallerCompletes() {
        AtomicBoolean callerDone = new AtomicBoolean();
        AtomicReference<Thread> completed = new AtomicReference<>();
        KTaskSpec<Long, Long> spec = twoChunksBuilder(callerDone, () -> spinFor(TimeUnit.MILLISECONDS.toNanos(1)))
                .ordered().minChunk(1).maxThreads(2).scheduler(scheduler).build();

        List<Long> starts = KTask.range(0, 2).transform(KTask.parallelize(spec))
                .doOnComplete(() -> completed.set(Thread.currentThread())).collectList().block(Duration.ofSeconds(10));

        assertThat(starts).as("each chunk's start, in chunk order").containsExactly(0L, 1L);
        assertThat(completed.get()).as("the thread that signalled onComplete").isSameAs(caller);
    }

    @Test
    void aCancelEndsTheCallersWaitAtOnce() {
        AtomicBoolean callerDone = new AtomicBoolean();
        AtomicReference<Subscription> subscription = new AtomicReference<>();
        CountDownLatch subscribeReturned = new CountDownLatch(1);
        // The helper cancels the task, then holds its chunk until the caller's subscribe has
        // returned: only a wait that ends on the cancel lets it return.
        KTaskSpec<Long, Long> spec = twoChunks(callerDone, () -> {
            subscription.get().cancel();
            Awaits.await(subscribeReturned);
        });

        long began = System.nanoTime();
        KTask.range(0, 2).transform(KTask.parallelize(spec)).subscribe(new BaseSubscriber<Long>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                subscription.set(s);
                s.request(Long.MAX_VALUE);
            }
        });
        long returnedAfter = System.nanoTime() - began;
        subscribeReturned.countDown();

        assertThat(returnedAfter).as("nanoseconds until subscribe returned; the wait is %d", TEST_WAIT_NANOS)
                .isLessThan(TimeUnit.SECONDS.toNanos(5));
        Awaits.until(() -> scheduler.stats().tasksRunning() == 0, "the cancelled task to end");
    }

    private static void spinFor(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }
}
