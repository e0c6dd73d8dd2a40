package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongUnaryOperator;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** {@code boundaries(cut)}: chunks of a range start and end where the cut says, and a broken cut fails the task. */
class BoundariesTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    KTaskScheduler scheduler;

    @BeforeEach
    void twoNodes() {
        scheduler = KTaskScheduler.builder().name("boundaries-test").topology(NodeTopology.uniform(2, 2)).build();
    }

    @AfterEach
    void dispose() {
        scheduler.dispose();
    }

    @RepeatedTest(10)
    void fixedLayoutChunksStartAndEndOnRecordEnds() {
        assertChunksEndOnRecords(new Records(10_000, 40, 11), 0, 50);
    }

    /** 500 ns per unit, 10 ms in all: worth helpers, so probes and then a layout. */
    @RepeatedTest(10)
    void adaptiveProbesAndLayoutAreCut() {
        assertChunksEndOnRecords(new Records(20_000, 40, 12), 500, KTaskSpec.ADAPTIVE);
    }

    /** Runs a merge-mode task over the records' range: its chunks must tile it and end on record ends. */
    private void assertChunksEndOnRecords(Records records, long nanosPerUnit, long minChunk) {
        Queue<Chunk<Long>> seen = new ConcurrentLinkedQueue<>();
        KTaskSpec.Builder<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
            seen.add(c);
            Busy.spin(c.size() * nanosPerUnit);
            return c.size();
        }).merge(Long::sum).boundaries(records::cut).scheduler(scheduler);
        if (minChunk != KTaskSpec.ADAPTIVE) {
            spec.minChunk(minChunk);
        }

        Long units = KTask.range(0, records.size()).transform(KTask.parallelize(spec.build())).blockLast(WAIT);

        assertThat(units).isEqualTo(records.size());
        assertThat(tile(seen, 0, records.size())).hasSizeGreaterThan(2).allSatisfy(c -> records.assertEnd(c.end()));
    }

    @RepeatedTest(10)
    void nodeSharesEndOnRecordEnds() {
        Records records = new Records(5_000, 300, 13);
        Queue<Chunk<Long>> seen = new ConcurrentLinkedQueue<>();

        List<Long> sizes = KTask.range(0, 5_000).transform(KTask.parallelize(KTaskSpec.<Long, Long>of(c -> {
            seen.add(c);
            return c.size();
        }).ordered().minChunk(20).allNodes().boundaries(records::cut).scheduler(scheduler).build()))
                .collectList().block(WAIT);

        List<Chunk<Long>> chunks = tile(seen, 0, 5_000);
        assertThat(chunks).allSatisfy(c -> records.assertEnd(c.end()));
        assertThat(sizes).as("one result per chunk, in order").isEqualTo(chunks.stream().map(Chunk::size).toList());
    }

    /** Records of 1000 units and chunks of 100: most chunks lose both ends to one record end. */
    @Test
    void recordsLongerThanAChunkLeaveEmptyChunksThatStillRun() {
        Queue<Chunk<Long>> seen = new ConcurrentLinkedQueue<>();
        LongUnaryOperator thousands = b -> (b + 999) / 1000 * 1000;

        List<Long> sizes = KTask.range(0, 3_000).transform(KTask.parallelize(KTaskSpec.<Long, Long>of(c -> {
            seen.add(c);
            return c.size();
        }).ordered().minChunk(100).maxThreads(2).boundaries(thousands).scheduler(scheduler).build()))
                .collectList().block(WAIT);

        List<Chunk<Long>> chunks = tile(seen, 0, 3_000);
        assertThat(chunks).filteredOn(c -> c.size() > 0).extracting(Chunk::start).containsExactly(0L, 1000L, 2000L);
        assertThat(chunks).filteredOn(c -> c.size() == 0).isNotEmpty();
        assertThat(sizes).hasSize(chunks.size()).containsOnly(0L, 1000L);
    }

    /** A cut that answers differently each call (not a pure function) still cannot make chunks overlap or leave a gap. */
    @RepeatedTest(20)
    void eachBoundaryIsCutOnceForBothOfItsChunks() {
        AtomicLong calls = new AtomicLong();
        LongUnaryOperator wobbly = b -> b + (calls.incrementAndGet() & 1); // monotone on boundaries 100 apart
        Queue<Chunk<Long>> seen = new ConcurrentLinkedQueue<>();

        Long sum = KTask.range(0, 4_000).transform(KTask.parallelize(KTaskSpec.<Long, Long>of(c -> {
            seen.add(c);
            return c.items().stream().mapToLong(Long::longValue).sum();
        }).merge(Long::sum).minChunk(100).maxThreads(4).boundaries(wobbly).scheduler(scheduler).build()))
                .blockLast(WAIT);

        List<Chunk<Long>> chunks = tile(seen, 0, 4_000);
        assertThat(sum).isEqualTo(3_999L * 4_000 / 2);
        assertThat(calls.get()).as("at most two claimers cut a boundary").isLessThanOrEqualTo(2L * (chunks.size() - 1));
    }

    @Test
    void cutBelowTheBoundaryFailsNamingBoundaryAndValue() {
        assertCutFails(0, 4, b -> b == 300 ? 299 : b, "moved boundary 300 to 299, outside [300, 1000]");
    }

    @Test
    void cutPastTheRangeEndFails() {
        assertCutFails(10, 4, b -> b == 510 ? 2_000 : b, "moved boundary 510 to 2000, outside [510, 1010]");
    }

    @Test
    void cutThatIsNotMonotoneFails() {
        // One thread, chunks of 250: 250 -> 900 but 500 -> 500.
        assertCutFails(0, 1, b -> b < 500 ? 900 : b, "is not monotone: it moved boundary 250 to 900, past 500");
    }

    /** Runs {@code range(start, 1000)} in chunks of at least 100 with {@code cut}: the task must fail with {@code message}. */
    private void assertCutFails(long start, int maxThreads, LongUnaryOperator cut, String message) {
        StepVerifier.create(KTask.range(start, 1_000).transform(KTask.parallelize(KTaskSpec.<Long, Long>of(Chunk::size)
                        .merge(Long::sum).minChunk(100).maxThreads(maxThreads).boundaries(cut).scheduler(scheduler).build())))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(KTaskException.class).cause()
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining(message))
                .verify(WAIT);
    }

    @Test
    void cutThatThrowsFailsTheTaskAfterUndo() {
        IllegalArgumentException boom = new IllegalArgumentException("no record end");
        List<Long> undone = new ArrayList<>();
        StepVerifier.create(KTask.range(0, 1_000).transform(KTask.parallelize(KTaskSpec.<Long, Long>of(Chunk::size)
                        .merge(Long::sum).minChunk(100).maxThreads(1).undo((c, r) -> undone.add(c.index()))
                        .boundaries(b -> {
                            if (b == 500) { // one thread, chunks of 250
                                throw boom;
                            }
                            return b;
                        }).scheduler(scheduler).build())))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(KTaskException.class).hasCause(boom)
                            .hasMessageStartingWith("chunk 1 [250, 500) failed"); // its bounds before the cut
                    assertThat(((KTaskException) e).failedChunk()).isEqualTo(1); // [250, 500) could not be cut
                    assertThat(((KTaskException) e).undoneChunks()).containsExactly(0L);
                })
                .verify(WAIT);
        assertThat(undone).containsExactly(0L);
    }

    @Test
    void aSpecWithACutIsForRangesOnly() {
        KTaskSpec<Integer, Long> spec = KTaskSpec.<Integer, Long>of(Chunk::size).merge(Long::sum)
                .boundaries(LongUnaryOperator.identity()).build();

        assertThatThrownBy(() -> Flux.range(0, 10).transform(KTask.parallelize(spec)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("applies to KTask.range only, but the upstream was FluxRange");
        assertThatThrownBy(() -> Flux.range(0, 10).as(KTask.reduce(spec)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("applies to KTask.range only");
        assertThat(KTask.range(0, 10).checkpoint("here").as(KTask.reduce(KTaskSpec.<Long, Long>of(Chunk::size)
                .merge(Long::sum).boundaries(LongUnaryOperator.identity()).scheduler(scheduler).build())).block(WAIT))
                .isEqualTo(10L);
    }

    @Test
    void builderChecksTheCut() {
        LongUnaryOperator cut = LongUnaryOperator.identity();
        assertThatThrownBy(() -> KTaskSpec.of(Chunk::size).boundaries(null))
                .isInstanceOf(NullPointerException.class).hasMessage("boundaries cut must not be null");
        assertThatThrownBy(() -> KTaskSpec.of(Chunk::size).boundaries(cut).boundaries(cut))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("boundaries was already set to ");
        assertThatThrownBy(() -> KTaskSpec.of(Chunk::size).align(8).boundaries(cut).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("align(8) and boundaries(").hasMessageContaining("are exclusive");
        KTaskSpec<Object, Long> spec = KTaskSpec.of(Chunk::size).boundaries(cut).build();
        assertThat(spec.boundaries()).isSameAs(cut);
        assertThat(spec.toString()).contains("boundaries=");
        assertThat(KTaskSpec.of(Chunk::size).build().boundaries()).isNull();
    }

    /** Checks the chunks tile [origin, origin + size) with indexes 0..n-1 and returns them in index order. */
    private static List<Chunk<Long>> tile(Queue<Chunk<Long>> seen, long origin, long size) {
        List<Chunk<Long>> chunks = new ArrayList<>(seen);
        chunks.sort(Comparator.comparingLong(Chunk::index));
        long next = origin;
        for (int i = 0; i < chunks.size(); i++) {
            assertThat(chunks.get(i).index()).as("chunk indexes are 0..n-1").isEqualTo(i);
            assertThat(chunks.get(i).start()).as("chunk %s starts where the previous ended", i).isEqualTo(next);
            assertThat(chunks.get(i).end()).isGreaterThanOrEqualTo(next);
            next = chunks.get(i).end();
        }
        assertThat(next).as("the chunks cover every unit").isEqualTo(origin + size);
        return chunks;
    }

    /** Records of random lengths laid end to end over [0, size): the cut moves a boundary to the next record end. */
    private static final class Records {

        private final long[] ends;

        Records(long size, int maxLength, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            List<Long> list = new ArrayList<>();
            for (long at = random.nextInt(1, maxLength + 1); at < size; at += random.nextInt(1, maxLength + 1)) {
                list.add(at);
            }
            list.add(size);
            ends = list.stream().mapToLong(Long::longValue).toArray();
        }

        long size() {
            return ends[ends.length - 1];
        }

        long cut(long b) {
            int i = Arrays.binarySearch(ends, b);
            return ends[i >= 0 ? i : -i - 1];
        }

        void assertEnd(long unit) {
            assertThat(Arrays.binarySearch(ends, unit)).as("%s is a record end", unit).isGreaterThanOrEqualTo(0);
        }
    }
}
