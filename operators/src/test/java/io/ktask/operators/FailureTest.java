package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.ktask.scheduler.KTaskScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.test.StepVerifier;

class FailureTest {

    static final KTaskScheduler SCHEDULER = KTaskScheduler.create();

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    @Test
    void chunkFailureUndoesEveryFinishedChunkAscendingThenSignals() {
        Set<Long> finished = ConcurrentHashMap.newKeySet();
        List<Long> undone = new CopyOnWriteArrayList<>();
        List<Thread> undoThreads = new CopyOnWriteArrayList<>();
        IllegalStateException boom = new IllegalStateException("boom");
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
            if (c.index() == 5) {
                throw boom;
            }
            finished.add(c.index());
            return c.index();
        }).merge(Long::sum).minChunk(10).undo((c, r) -> {
            assertThat(r).isEqualTo(c.index());
            undone.add(c.index());
            undoThreads.add(Thread.currentThread());
        }).scheduler(SCHEDULER).build();

        StepVerifier.create(KTask.range(0, 1000).transform(KTask.parallelize(spec)))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(KTaskException.class).hasCause(boom);
                    KTaskException k = (KTaskException) e;
                    assertThat(k.failedChunk()).isEqualTo(5);
                    assertThat(k.undoneChunks()).isSorted().containsExactlyInAnyOrderElementsOf(finished);
                    assertThat(k.getMessage()).contains("chunk 5 [").contains(" failed").contains("undone chunks");
                })
                .verify(Duration.ofSeconds(10));
        assertThat(undone).isSorted().containsExactlyInAnyOrderElementsOf(finished);
        assertThat(Set.copyOf(undoThreads)).hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void undoThatThrowsIsSuppressedAndOthersStillRun() {
        List<Long> undone = new CopyOnWriteArrayList<>();
        RuntimeException undoBoom = new RuntimeException("undo boom");
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
            if (c.index() == 3) { // one thread: 4 chunks of 25 (ktask: chunk = size / (threads * 4))
                throw new IllegalArgumentException("fail");
            }
            return c.index();
        }).merge(Long::sum).minChunk(1).maxThreads(1).undo((c, r) -> {
            undone.add(c.index());
            if (c.index() == 1) {
                throw undoBoom;
            }
        }).scheduler(SCHEDULER).build();
        StepVerifier.create(KTask.range(0, 100).transform(KTask.parallelize(spec)))
                .expectErrorSatisfies(e -> {
                    // One UndoFailedException names the chunk whose undo threw; undoneChunks lists
                    // only the undos that returned normally.
                    assertThat(e.getSuppressed()).singleElement().isInstanceOfSatisfying(UndoFailedException.class, u -> {
                        assertThat(u).hasCause(undoBoom).hasMessageContaining("chunk 1 [25, 50)");
                        assertThat(u.chunkIndex()).isEqualTo(1L);
                        assertThat(u.start()).isEqualTo(25L);
                        assertThat(u.end()).isEqualTo(50L);
                    });
                    assertThat(((KTaskException) e).undoneChunks()).containsExactly(0L, 2L);
                    assertThat(undone).containsExactly(0L, 1L, 2L);
                })
                .verify(Duration.ofSeconds(10));
        assertThat(undone).containsExactly(0L, 1L, 2L);
    }

    @Test
    void upstreamErrorAbortsTheTaskAndUndoes() {
        List<Long> undone = new CopyOnWriteArrayList<>();
        RuntimeException upstream = new RuntimeException("upstream");
        KTaskSpec<Integer, Long> spec = KTaskSpec.<Integer, Long>of(c -> c.index())
                .merge(Long::sum).minChunk(10).undo((c, r) -> undone.add(c.index())).build();
        StepVerifier.create(Flux.range(0, 55).concatWith(Flux.error(upstream)).transform(KTask.parallelize(spec)))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(KTaskException.class).hasCause(upstream);
                    assertThat(((KTaskException) e).failedChunk()).isEqualTo(KTaskException.NO_CHUNK);
                })
                .verify(Duration.ofSeconds(10));
        assertThat(undone).containsExactly(0L, 1L, 2L, 3L, 4L);
    }

    @Test
    void cancelUndoesFinishedChunksAndSignalsNothing() throws InterruptedException {
        CountDownLatch chunkStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Long> undone = new CopyOnWriteArrayList<>();
        List<Object> discarded = new CopyOnWriteArrayList<>();
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
            if (c.index() == 3) {
                chunkStarted.countDown();
                Awaits.await(release);
            }
            return c.index();
        }).merge(Long::sum).minChunk(1).maxThreads(1).callerRuns(false).undo((c, r) -> undone.add(c.index()))
                .scheduler(SCHEDULER).build();
        List<Object> signals = new CopyOnWriteArrayList<>();
        var disposable = KTask.range(0, 10).transform(KTask.parallelize(spec))
                .doOnDiscard(Long.class, discarded::add)
                .subscribe(signals::add, signals::add, () -> signals.add("complete"));
        assertThat(chunkStarted.await(10, TimeUnit.SECONDS)).isTrue();
        disposable.dispose();
        release.countDown();
        // Rollback hands each chunk to the undo, then its result to the discard hook: the fourth
        // undo can be seen before the fourth discard, so wait for both.
        Awaits.until(() -> undone.size() == 4 && discarded.size() == 4,
                "4 chunks undone and discarded, got " + undone + " and " + discarded);
        assertThat(undone).containsExactly(0L, 1L, 2L, 3L);
        assertThat(discarded).containsExactly(0L, 1L, 2L, 3L);
        assertThat(signals).isEmpty();
    }

    @Test
    void nullResultIsAFailure() {
        StepVerifier.create(KTask.range(0, 10).transform(KTask.parallelize(c -> (Long) null, Long::sum)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(KTaskException.class)
                        .hasCauseInstanceOf(NullPointerException.class))
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void mergeFailureUndoesAll() {
        List<Long> undone = new CopyOnWriteArrayList<>();
        RuntimeException mergeBoom = new RuntimeException("merge");
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(Chunk::index).merge((a, b) -> {
            throw mergeBoom;
        }).minChunk(10).undo((c, r) -> undone.add(c.index())).scheduler(SCHEDULER).build();
        StepVerifier.create(KTask.range(0, 100).transform(KTask.parallelize(spec)))
                .expectErrorSatisfies(e -> assertThat(e).hasCause(mergeBoom))
                .verify(Duration.ofSeconds(10));
        assertThat(undone).hasSizeGreaterThan(1).isSorted();
    }

    @Test
    void errorsAfterCancelGoToOnErrorDropped() throws InterruptedException {
        List<Throwable> dropped = new CopyOnWriteArrayList<>();
        Hooks.onErrorDropped(dropped::add);
        try {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
                started.countDown();
                Awaits.await(release);
                throw new IllegalStateException("late");
            }).merge(Long::sum).minChunk(100).maxThreads(1).callerRuns(false).scheduler(SCHEDULER).build();
            var d = KTask.range(0, 100).transform(KTask.parallelize(spec)).subscribe(v -> { }, e -> { });
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            d.dispose();
            release.countDown();
            Awaits.until(() -> dropped.size() == 1, "one dropped error");
            assertThat(dropped.get(0)).isInstanceOf(KTaskException.class).hasMessageContaining("late");
        } finally {
            Hooks.resetOnErrorDropped();
        }
    }

    @Test
    void emptyUpstreamCompletingBeforeAnyRequestCompletes() {
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> 1L).merge(Long::sum).minChunk(8).build();
        StepVerifier.create(Flux.<Long>fromIterable(List.of()).transform(KTask.parallelize(spec)), 0)
                .expectComplete()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void undoFailureAfterACancelGoesToOnErrorDropped() throws InterruptedException {
        List<Throwable> dropped = new CopyOnWriteArrayList<>();
        Hooks.onErrorDropped(dropped::add);
        try {
            RuntimeException undoBoom = new RuntimeException("undo after cancel");
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
                if (c.index() == 1) {
                    started.countDown();
                    Awaits.await(release);
                }
                return c.index();
            }).merge(Long::sum).minChunk(1).maxThreads(1).callerRuns(false).undo((c, r) -> {
                throw undoBoom;
            }).scheduler(SCHEDULER).build();
            var d = KTask.range(0, 100).transform(KTask.parallelize(spec)).subscribe();
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            d.dispose();
            release.countDown();
            Awaits.until(() -> dropped.size() == 2, "both undo failures dropped, got " + dropped);
            assertThat(dropped).allSatisfy(x -> assertThat(x).isInstanceOf(UndoFailedException.class).hasCause(undoBoom));
        } finally {
            Hooks.resetOnErrorDropped();
        }
    }

    @Test
    void schedulerDisposedUnderACallerlessTaskAbortsIt() {
        KTaskScheduler own = KTaskScheduler.builder().name("disposed-mid-task").build();
        List<Long> undone = new CopyOnWriteArrayList<>();
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
            if (c.index() == 0) {
                own.dispose();
            }
            return c.index();
        }).merge(Long::sum).minChunk(1).maxThreads(1).callerRuns(false).undo((c, r) -> undone.add(c.index()))
                .scheduler(own).build();
        StepVerifier.create(KTask.range(0, 100).transform(KTask.parallelize(spec)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(KTaskException.class)
                        .hasCauseInstanceOf(java.util.concurrent.RejectedExecutionException.class))
                .verify(Duration.ofSeconds(10));
        assertThat(undone).startsWith(0L).isSorted();
    }
}
