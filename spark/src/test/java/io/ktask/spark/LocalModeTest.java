package io.ktask.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

import io.ktask.operators.KTask;
import io.ktask.operators.KTaskException;
import io.ktask.operators.UndoFailedException;
import io.ktask.operators.KTaskSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The engine on Spark's local mode ({@code local[2,2]}: two task threads in this JVM, a chunk
 * tried at most twice): results, chunk order, rollback, cancel, and composition with Reactor.
 */
class LocalModeTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @RegisterExtension
    static final LocalSpark LOCAL = new LocalSpark("ktask-local-test");

    @RegisterExtension
    final DroppedErrors dropped = new DroppedErrors();

    private static SparkKTask spark() {
        return LOCAL.spark();
    }

    @Test
    void mergesInChunkOrder() {
        Oracle oracle = Oracle.in(dir);
        Oracle.Tally result = spark().reduce(0, 52, oracle.job(8)).block(WAIT);
        oracle.assertSucceeded(result, 52, 8);
    }

    @Test
    void sameFunctionsGiveTheSameResultAsLocalKTask() {
        SparkJob.Work<Long> work = c -> {
            long sum = 0;
            for (long u = c.start(); u < c.end(); u++) {
                sum += u * u;
            }
            return sum;
        };
        SparkJob.Merge<Long> merge = Long::sum;
        Long local = KTask.range(1, 100_000).as(KTask.reduce(KTaskSpec.of(work).merge(merge).build())).block(WAIT);
        Long onSpark = spark().reduce(1, 100_000, SparkJob.of(work).merge(merge).build()).block(WAIT);
        assertThat(onSpark).isEqualTo(local).isEqualTo(333_338_333_350_000L);
    }

    @Test
    void retrySavesAFlakyChunkWithoutUndo() {
        Oracle oracle = Oracle.in(dir).flaky(3L);
        Oracle.Tally result = spark().reduce(0, 26, oracle.job(6)).block(WAIT);
        oracle.assertSucceeded(result, 26, 6);
    }

    @Test
    void aChunkThatAlwaysFailsRollsBackEveryCommittedChunk() {
        Oracle oracle = Oracle.in(dir).failing(5L);
        StepVerifier.create(spark().reduce(0, 40, oracle.job(8)))
                .expectErrorSatisfies(e -> {
                    KTaskException k = (KTaskException) e;
                    assertThat(k.failedChunk()).isEqualTo(5);
                    assertThat(k.getCause()).isInstanceOf(IllegalStateException.class)
                            .hasMessage("chunk 5 fails on attempt 0");
                    assertThat(k.getSuppressed()).extracting(Throwable::getMessage)
                            .contains("chunk 5 fails on attempt 1");
                    assertThat(k.undoneChunks()).doesNotContain(5L);
                    oracle.assertRolledBack(k);
                })
                .verify(WAIT);
    }

    @Test
    void anUndoThatThrowsIsSuppressedAndTheOthersStillRun() {
        Oracle oracle = Oracle.in(dir).failing(7L).failingUndo(2L);
        StepVerifier.create(spark().reduce(0, 8, oracle.job(8)))
                .expectErrorSatisfies(e -> {
                    KTaskException k = (KTaskException) e;
                    assertThat(k.undoneChunks()).doesNotContain(2L, 7L);
                    assertThat(k.getSuppressed()).anySatisfy(s -> assertThat(s).isInstanceOf(UndoFailedException.class)
                            .hasMessageStartingWith("undo of chunk 2 [2, 3) failed")
                            .hasRootCauseMessage("undo of chunk 2 fails"));
                    oracle.assertRolledBack(k);
                })
                .verify(WAIT);
    }

    @Test
    void aFailingMergeRollsBackEverything() {
        Oracle oracle = Oracle.in(dir);
        SparkJob<Oracle.Tally> job = SparkJob.of(oracle::work).undo(oracle::undo).chunks(4)
                .merge((a, b) -> {
                    throw new ArithmeticException("merge fails");
                })
                .build();
        StepVerifier.create(spark().reduce(0, 4, job))
                .expectErrorSatisfies(e -> {
                    KTaskException k = (KTaskException) e;
                    assertThat(k.getCause()).hasMessage("merge fails");
                    assertThat(k.failedChunk()).isEqualTo(KTaskException.NO_CHUNK);
                    assertThat(k.undoneChunks()).containsExactly(0L, 1L, 2L, 3L);
                    oracle.assertRolledBack(k);
                })
                .verify(WAIT);
    }

    @Test
    void cancelRollsBackAndSignalsNothing() {
        Oracle oracle = Oracle.in(dir).blocking(1);
        List<Object> discarded = new CopyOnWriteArrayList<>();
        var subscription = spark().reduce(0, 4, oracle.job(4))
                .doOnDiscard(Oracle.Tally.class, discarded::add)
                .subscribe(v -> dropped.errors.add(new AssertionError("emitted after cancel: " + v)), dropped.errors::add);
        oracle.awaitBlockedPid(); // the job is running: chunk 1's first attempt waits
        subscription.dispose();
        oracle.release();
        awaitNoRunningJob();
        Oracle.State s = oracle.read();
        assertThat(s.effects()).as("every effect undone").hasSameSizeAs(union(s.driverUndos(), s.selfUndos()));
        assertThat(discarded).hasSameSizeAs(s.driverUndos());
    }

    @Test
    void composesLikeKTaskReduce() {
        Oracle oracle = Oracle.in(dir);
        String both = spark().reduce(0, 3, oracle.job(3)).map(Oracle.Tally::text)
                .zipWith(spark().reduce(3, 3, oracle.job(3)).map(Oracle.Tally::text), String::concat)
                .block(WAIT);
        assertThat(both).isEqualTo("abcdef");
    }

    @Test
    void zeroUnitsCompleteEmptyWithoutAJob() {
        StepVerifier.create(spark().reduce(5, 0, Oracle.in(dir).job(4))).verifyComplete();
    }

    @Test
    void aNullResultIsTheChunksFailure() {
        SparkJob<String> job = SparkJob.<String>of(c -> c.index() == 1 ? null : "x").merge(String::concat).build();
        StepVerifier.create(spark().reduce(0, 3, job))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(KTaskException.class)
                        .hasCauseInstanceOf(NullPointerException.class)
                        .satisfies(k -> assertThat(((KTaskException) k).failedChunk()).isEqualTo(1)))
                .verify(WAIT);
    }

    @Test
    void badRangesAreRejectedAtAssembly() {
        SparkJob<Oracle.Tally> job = Oracle.in(dir).job(2);
        assertThatThrownBy(() -> spark().reduce(0, -1, job)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("count must be >= 0 but was -1");
        assertThatThrownBy(() -> spark().reduce(Long.MAX_VALUE, 2, job)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("start + count overflows: start=9223372036854775807, count=2");
        assertThatThrownBy(() -> spark().reduce(0, 1, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("job must not be null");
    }

    @Test
    void chunksFollowMinChunkAndTheDefaultCount() {
        Mono<Long> chunks = spark().reduce(0, 1000, SparkJob.<Long>of(c -> 1L).merge(Long::sum).build());
        assertThat(chunks.block(WAIT)).as("4 chunks per core, local[2]").isEqualTo(8);
        Mono<Long> fewer = spark().reduce(0, 1000, SparkJob.<Long>of(c -> 1L).merge(Long::sum).minChunk(300).build());
        assertThat(fewer.block(WAIT)).isEqualTo(4);
    }

    @Test
    void anEngineOnAGivenContextLeavesItRunningWhenClosed() {
        assertThatThrownBy(() -> SparkKTask.builder().context(spark().context()).master("local[1]").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("context(...) is exclusive with master, appName and conf");
        try (SparkKTask shared = SparkKTask.builder().context(spark().context()).build()) {
            assertThat(shared.reduce(0, 4, Oracle.in(dir).job(2)).block(WAIT).text()).isEqualTo("abcd");
        }
        assertThat(spark().context().sc().isStopped()).isFalse();
        assertThat(spark().reduce(0, 2, SparkJob.<Long>of(c -> c.size()).merge(Long::sum).build()).block(WAIT)).isEqualTo(2);
        SparkKTask closed = SparkKTask.builder().context(spark().context()).build();
        closed.close();
        StepVerifier.create(closed.reduce(0, 1, Oracle.in(dir).job(1))).verifyErrorMessage("this SparkKTask is closed");
    }

    private static <T> java.util.Set<T> union(java.util.Set<T> a, java.util.Set<T> b) {
        java.util.Set<T> u = new java.util.HashSet<>(a);
        u.addAll(b);
        return u;
    }

    /** A cancelled job rolls back on its engine thread; wait for it, with a deadline. */
    private static void awaitNoRunningJob() {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (spark().runningJobs() > 0) {
            assertThat(System.nanoTime()).as("jobs still running after %s", WAIT).isLessThan(deadline);
            LockSupport.parkNanos(1_000_000); // polling with a deadline
        }
    }
}
