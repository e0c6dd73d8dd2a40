package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * DESIGN section 4, "Threads: a good Reactor citizen" (issue 14): a non-blocking caller never
 * runs chunks, undo never runs on a non-blocking thread, and a rollback ends before the next
 * attempt of the same operator starts its first chunk.
 */
class ReactorCitizenTest {

    static final KTaskScheduler SCHEDULER = KTaskScheduler.builder().name("citizen")
            .topology(NodeTopology.uniform(1, 2)).build();

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    @RepeatedTest(5)
    void aNonBlockingCallerNeverRunsChunksByDefault() {
        List<String> nonBlockingChunks = new CopyOnWriteArrayList<>();
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
            if (Schedulers.isInNonBlockingThread()) {
                nonBlockingChunks.add(Thread.currentThread().getName());
            }
            spin(50_000);
            return c.size();
        }).merge(Long::sum).minChunk(100).scheduler(SCHEDULER).build();
        Flux<Long> task = KTask.range(0, 10_000).transform(KTask.parallelize(spec)).subscribeOn(Schedulers.parallel());
        StepVerifier.create(task).expectNext(10_000L).expectComplete().verify(Duration.ofSeconds(10));
        assertThat(nonBlockingChunks).isEmpty();
    }

    @Test
    void callerRunsAlwaysRunsChunksEvenOnANonBlockingCaller() {
        List<Boolean> onNonBlocking = new CopyOnWriteArrayList<>();
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
            onNonBlocking.add(Schedulers.isInNonBlockingThread());
            return c.size();
        }).merge(Long::sum).minChunk(100).maxThreads(1).callerRuns(CallerRuns.ALWAYS).scheduler(SCHEDULER).build();
        StepVerifier.create(KTask.range(0, 1_000).transform(KTask.parallelize(spec)).subscribeOn(Schedulers.parallel()))
                .expectNext(1_000L).expectComplete().verify(Duration.ofSeconds(10));
        assertThat(onNonBlocking).isNotEmpty().containsOnly(true);
    }

    /**
     * A timeout cancels on parallel(): the undo it triggers runs on a thread that may block. The
     * timeout fires once chunks have finished, and the later chunks hold until the cancel.
     */
    @RepeatedTest(10)
    void undoNeverRunsOnANonBlockingThread() {
        List<String> undoThreads = new CopyOnWriteArrayList<>();
        List<Boolean> undoOnNonBlocking = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.CompletableFuture<Long> someChunksDone = new java.util.concurrent.CompletableFuture<>();
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
            if (c.index() >= 4) {
                someChunksDone.complete(c.index());
                Awaits.until(cancelled::get, "the timeout's cancel");
            }
            return c.size();
        }).merge(Long::sum).minChunk(10).maxThreads(2).callerRuns(CallerRuns.NEVER).undo((c, r) -> {
            undoThreads.add(Thread.currentThread().getName());
            undoOnNonBlocking.add(Schedulers.isInNonBlockingThread());
        }).scheduler(SCHEDULER).build();
        StepVerifier.create(KTask.range(0, 1_000).transform(KTask.parallelize(spec))
                        .doOnCancel(() -> cancelled.set(true))
                        // times out once chunks have finished, from a parallel() thread
                        .timeout(Mono.fromFuture(someChunksDone).publishOn(Schedulers.parallel())))
                .expectError(java.util.concurrent.TimeoutException.class).verify(Duration.ofSeconds(10));
        Awaits.until(() -> SCHEDULER.stats().tasksRunning() == 0, "the aborted task ended");
        assertThat(undoOnNonBlocking).as("undo threads %s", undoThreads).isNotEmpty().doesNotContain(true);
    }

    /**
     * An ordered task whose subscriber requests nothing goes idle with a full window of finished
     * chunks; the timeout's cancel then finds it idle on a parallel() thread, where the abort
     * used to run the undo.
     */
    @RepeatedTest(5)
    void undoOfAnIdleTaskCancelledFromParallelRunsOffIt() {
        List<Boolean> undoOnNonBlocking = new CopyOnWriteArrayList<>();
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> c.size()).ordered().minChunk(10).maxThreads(2)
                .undo((c, r) -> undoOnNonBlocking.add(Schedulers.isInNonBlockingThread())).scheduler(SCHEDULER).build();
        StepVerifier.create(KTask.range(0, 1_000).transform(KTask.parallelize(spec)).timeout(Duration.ofMillis(50)), 1)
                .expectNextCount(1)
                .expectError(java.util.concurrent.TimeoutException.class).verify(Duration.ofSeconds(10));
        Awaits.until(() -> SCHEDULER.stats().tasksRunning() == 0, "the aborted task ended");
        assertThat(undoOnNonBlocking).isNotEmpty().doesNotContain(true);
    }

    /**
     * timeout + retry over the same assembled operator: every undo of an attempt has returned
     * before any chunk of a later attempt starts (attempt 1's undo used to overwrite attempt 2's
     * committed chunks). Random timeouts from a fixed seed; timestamps on one clock.
     */
    @Test
    void aRollbackEndsBeforeTheNextAttemptStarts() {
        Random random = new Random(20181105);
        for (int repetition = 0; repetition < 30; repetition++) {
            Map<Integer, Long> firstStart = new ConcurrentHashMap<>();
            Queue<long[]> undoEnds = new ConcurrentLinkedQueue<>(); // {attempt, nanoTime}
            KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
                int attempt = c.contextView().get("attempt");
                firstStart.merge(attempt, System.nanoTime(), Math::min);
                spin(200_000);
                return c.size();
            }).merge(Long::sum).minChunk(10).maxThreads(2).undo((c, r) -> {
                spin(300_000); // an undo that takes a while, as one against shared state would
                undoEnds.add(new long[] {c.contextView().<Integer>get("attempt"), System.nanoTime()});
            }).scheduler(SCHEDULER).build();
            Flux<Long> operator = KTask.range(0, 400).transform(KTask.parallelize(spec));
            AtomicInteger attempts = new AtomicInteger();
            long timeoutMicros = 500 + random.nextInt(4_000);
            Mono<Long> retried = operator.contextWrite(ctx -> ctx.put("attempt", attempts.incrementAndGet()))
                    .timeout(Duration.ofNanos(timeoutMicros * 1_000)).retry(3).next();
            // Either an attempt finishes in time or the retries run out: both are fine here.
            retried.onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(20));
            Awaits.until(() -> SCHEDULER.stats().tasksRunning() == 0, "every attempt ended");

            List<String> broken = new ArrayList<>();
            for (long[] undo : undoEnds) {
                int undoneAttempt = (int) undo[0];
                firstStart.forEach((attempt, start) -> {
                    if (attempt > undoneAttempt && start < undo[1]) {
                        broken.add("attempt " + attempt + " started " + (undo[1] - start)
                                + " ns before an undo of attempt " + undoneAttempt + " returned");
                    }
                });
            }
            assertThat(broken).as("repetition %d, timeout %d us", repetition, timeoutMicros).isEmpty();
        }
    }
}
