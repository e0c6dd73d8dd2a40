package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * What a task holds and reports (issue 10: D2, D11, D12, D13): merge mode's bounded window over a
 * fused upstream, read-only chunk items, summarised undo lists, fatal errors from merge and undo.
 */
class ResultBoundsTest {

    static final KTaskScheduler SCHEDULER = KTaskScheduler.builder().name("bounds")
            .topology(NodeTopology.uniform(1, 2)).build();

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    /**
     * D2: merge mode without undo used to let claims run ahead of the fold without bound, worst
     * when chunk 0 is slow. While chunk 0 waits, the other thread may start at most the window's
     * reach of chunks (4 x threads x 1024 one-element chunks), then it waits for the fold.
     */
    @Test
    void mergeModeClaimsAtMostAWindowAheadOfASlowChunkZero() {
        int threads = 2;
        long reach = (long) Sizing.LOAD_BALANCE_FACTOR * threads * PushedSource.DEFAULT_CHUNK;
        AtomicLong started = new AtomicLong();
        KTaskSpec<Integer, Long> spec = KTaskSpec.<Integer, Long>of(c -> {
            if (c.index() == 0) {
                // Polling with a deadline: until the other thread stops at the window (or has
                // gone past it, which fails below); the deadline only bounds a passing run.
                long deadline = System.nanoTime() + 300_000_000L;
                long seen = -1;
                while (System.nanoTime() < deadline && started.get() <= reach) {
                    long now = started.get();
                    if (now == seen && now >= reach - 1) {
                        break;
                    }
                    seen = now;
                    Thread.onSpinWait();
                }
                assertThat(started.get()).as("chunks started while chunk 0 ran").isLessThanOrEqualTo(reach);
            } else {
                started.incrementAndGet();
            }
            return (long) c.items().get(0);
        }).merge(Long::sum).minChunk(1).maxThreads(threads).scheduler(SCHEDULER).build();
        int n = 100_000;
        StepVerifier.create(Flux.range(0, n).transform(KTask.parallelize(spec)))
                .expectNext((long) n * (n - 1) / 2).expectComplete().verify(Duration.ofSeconds(30));
    }

    /** D11: a chunk is immutable: work cannot change the items undo will see. */
    @Test
    void aChunksItemsAreReadOnly() {
        List<Integer> undoSaw = new CopyOnWriteArrayList<>();
        KTaskSpec<Integer, Integer> spec = KTaskSpec.<Integer, Integer>of(c -> {
            assertThatThrownBy(() -> c.items().clear()).isInstanceOf(UnsupportedOperationException.class);
            if (c.index() == 1) {
                throw new IllegalStateException("fail");
            }
            return c.items().size();
        }).merge(Integer::sum).minChunk(4).maxThreads(1)
                .undo((c, r) -> undoSaw.addAll(c.items())).scheduler(SCHEDULER).build();
        StepVerifier.create(Flux.range(0, 8).hide().transform(KTask.parallelize(spec)))
                .expectError(KTaskException.class).verify(Duration.ofSeconds(10));
        assertThat(undoSaw).containsExactly(0, 1, 2, 3);
    }

    /** D12: 300 000 undone chunks used to build a 2.3 M-character message. */
    @Test
    void aHugeUndoListIsSummarisedInTheMessage() {
        int n = 300_000;
        KTaskSpec<Integer, Integer> spec = KTaskSpec.<Integer, Integer>of(c -> {
            if (c.index() == n - 1) {
                throw new IllegalStateException("last chunk fails");
            }
            return 1;
        }).merge(Integer::sum).minChunk(1).maxThreads(1).undo((c, r) -> { }).scheduler(SCHEDULER).build();
        StepVerifier.create(Flux.range(0, n).transform(KTask.parallelize(spec)))
                .expectErrorSatisfies(e -> {
                    KTaskException k = (KTaskException) e;
                    assertThat(k.undoneChunks()).hasSize(n - 1);
                    assertThat(k.getMessage()).hasSizeLessThan(300)
                            .contains("chunk 299999 [299999, 300000) failed")
                            .contains("0-299998 (299999 chunks)");
                })
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void summariesNameRangesThenCountTheRest() {
        assertThat(KTaskException.summarise(List.of())).isEqualTo("none");
        assertThat(KTaskException.summarise(List.of(3L))).isEqualTo("3 (1 chunk)");
        assertThat(KTaskException.summarise(List.of(0L, 1L, 2L, 5L, 7L, 8L))).isEqualTo("0-2, 5, 7-8 (6 chunks)");
        List<Long> gaps = new ArrayList<>();
        LongStream.range(0, 40).forEach(i -> gaps.add(i * 2));
        assertThat(KTaskException.summarise(gaps)).endsWith(", ... 24 more (40 chunks)");
    }

    /**
     * D13: a JVM-fatal error from the merge or an undo used to be kept as cause or suppressed and
     * never rethrown. Now the task still ends (undo, one onError) and the thread that met it
     * learns too, as with a fatal error from work.
     */
    @Test
    void fatalErrorsFromMergeAndUndoAreRethrownAfterTheTaskEnds() {
        LinkageError fromMerge = new LinkageError("fatal merge");
        KTaskSpec<Long, Long> merging = KTaskSpec.<Long, Long>of(c -> c.size()).merge((a, b) -> {
            throw fromMerge;
        }).minChunk(10).maxThreads(1).callerRuns(CallerRuns.ALWAYS).scheduler(SCHEDULER).build();
        assertFatalSignalledAndRethrown(merging, fromMerge);

        LinkageError fromUndo = new LinkageError("fatal undo");
        KTaskSpec<Long, Long> undoing = KTaskSpec.<Long, Long>of(c -> {
            if (c.index() == 2) {
                throw new IllegalStateException("chunk fails");
            }
            return c.size();
        }).merge(Long::sum).minChunk(10).maxThreads(1).callerRuns(CallerRuns.ALWAYS).undo((c, r) -> {
            throw fromUndo;
        }).scheduler(SCHEDULER).build();
        assertFatalSignalledAndRethrown(undoing, fromUndo);
    }

    private static void assertFatalSignalledAndRethrown(KTaskSpec<Long, Long> spec, LinkageError fatal) {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Throwable thrown = catchThrowable(() -> KTask.range(0, 100).transform(KTask.parallelize(spec))
                .subscribe(new BaseSubscriber<Long>() {
                    @Override
                    protected void hookOnSubscribe(Subscription s) {
                        s.request(Long.MAX_VALUE); // the caller runs every chunk, and the merge or undo
                    }

                    @Override
                    protected void hookOnError(Throwable e) {
                        errors.add(e);
                    }
                }));
        assertThat(thrown).isSameAs(fatal);
        assertThat(errors).singleElement().isInstanceOf(KTaskException.class).satisfies(e ->
                assertThat(e.getCause() == fatal || e.getSuppressed().length > 0
                        && e.getSuppressed()[e.getSuppressed().length - 1].getCause() == fatal).isTrue());
        Awaits.until(() -> SCHEDULER.stats().tasksRunning() == 0, "the task ended");
    }
}
