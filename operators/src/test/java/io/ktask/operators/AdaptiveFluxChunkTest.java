package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Function;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * With no {@code minChunk}, a Flux read by synchronous fusion is pulled in chunks sized by the
 * measured cost per element (about {@link UnitCost#TARGET_CHUNK_NANOS} each, growing at most
 * {@link FluxSource#ADAPTIVE_GROWTH}-fold from one timing to the next); a pushing Flux keeps
 * {@link FluxSource#DEFAULT_CHUNK}. Each test has its own work lambda, hence its own cost hint.
 */
class AdaptiveFluxChunkTest {

    static final KTaskScheduler SCHEDULER =
            KTaskScheduler.builder().name("adaptive-flux").topology(NodeTopology.uniform(1, 2)).build();

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    /** The thread that subscribes: the test's. */
    private static volatile Thread caller;

    /** A chunk's result: [first element, element count, ran on the subscribing thread (1) or not]. */
    private static long[] seen(Chunk<Integer> c) {
        return new long[] {c.items().get(0), c.items().size(), Thread.currentThread() == caller ? 1 : 0};
    }

    /** {@code work} is each test's own lambda (ending in {@link #seen}): its class keys the cost hint. */
    private static List<long[]> chunksOf(Flux<Integer> source, Function<Chunk<Integer>, long[]> work, long align) {
        caller = Thread.currentThread();
        KTaskSpec<Integer, long[]> spec = KTaskSpec.of(work).ordered().align(align).maxThreads(2).scheduler(SCHEDULER).build();
        return source.transform(KTask.parallelize(spec)).collectList().block();
    }

    private static void assertTiles(List<long[]> chunks, int count) {
        long next = 0;
        for (long[] c : chunks) {
            assertThat(c[0]).as("chunks follow each other in order").isEqualTo(next);
            next += c[1];
        }
        assertThat(next).isEqualTo(count);
    }

    @Test
    void costlyElementsArePulledInSmallChunksThatStartWithOneProbe() {
        List<long[]> chunks = chunksOf(Flux.range(0, 5_000), c -> {
            c.items().forEach(i -> busy(2_000));
            return seen(c);
        }, 1);

        assertTiles(chunks, 5_000);
        assertThat(chunks.get(0)[1]).as("the first chunk is the probe").isEqualTo(UnitCost.FIRST_PROBE_UNITS);
        // At 2 us or more per element a chunk is at most 25 elements: 1024-element chunks would be 5.
        assertThat(chunks).hasSizeGreaterThanOrEqualTo(5_000 / 25);
    }

    @Test
    void cheapElementsArePulledInChunksLargerThanTheFixedDefaultButNeverAboveTheCap() {
        List<long[]> chunks = chunksOf(Flux.range(0, 2_000_000), c -> {
            long sum = 0;
            for (int i : c.items()) {
                sum += i;
            }
            return sum < 0 ? null : seen(c);
        }, 1);

        assertTiles(chunks, 2_000_000);
        long largest = chunks.stream().mapToLong(c -> c[1]).max().orElseThrow();
        assertThat(largest).isGreaterThan(FluxSource.DEFAULT_CHUNK).isLessThanOrEqualTo(FluxSource.MAX_ADAPTIVE_CHUNK);
        for (int i = 1; i < chunks.size(); i++) {
            assertThat(chunks.get(i)[1]).as("chunk %d grows at most %dx over the first", i, FluxSource.ADAPTIVE_GROWTH)
                    .isLessThanOrEqualTo(Math.max(chunks.get(0)[1], largestBefore(chunks, i)) * FluxSource.ADAPTIVE_GROWTH);
        }
    }

    private static long largestBefore(List<long[]> chunks, int i) {
        return chunks.subList(0, i).stream().mapToLong(c -> c[1]).max().orElseThrow();
    }

    @Test
    void adaptiveChunksKeepTheAlignment() {
        List<long[]> chunks = chunksOf(Flux.range(0, 100_000), c -> {
            c.items().forEach(i -> busy(100));
            return seen(c);
        }, 7);

        assertTiles(chunks, 100_000);
        for (long[] c : chunks.subList(0, chunks.size() - 1)) {
            assertThat(c[1] % 7).as("chunk at %d has %d elements", c[0], c[1]).isZero();
        }
    }

    /**
     * Threadlets: a small cheap Flux, once its cost is known, runs on the caller alone. The first
     * tasks time cold code and may call helpers; a probe preempted later may too, until the hint
     * falls back (by half per task), so a few such tasks are tolerated, not most.
     */
    @Test
    void aSmallCheapFluxRunsOnTheCallerAlone() {
        Function<Chunk<Integer>, long[]> cheap = AdaptiveFluxChunkTest::seen;
        for (int warmUp = 0; warmUp < 20; warmUp++) {
            assertTiles(chunksOf(Flux.range(0, 500), cheap, 1), 500);
        }
        int helped = 0;
        for (int task = 0; task < 100; task++) {
            List<long[]> chunks = chunksOf(Flux.range(0, 500), cheap, 1);
            assertTiles(chunks, 500);
            helped += chunks.stream().allMatch(c -> c[2] == 1) ? 0 : 1;
        }
        assertThat(helped).as("tasks of 100 that had a chunk off the caller").isLessThanOrEqualTo(5);
    }

    @Test
    void aPushingFluxKeepsTheDefaultChunk() {
        List<long[]> chunks = chunksOf(Flux.range(0, 5_000).hide(), c -> {
            c.items().forEach(i -> busy(200));
            return seen(c);
        }, 1);

        assertTiles(chunks, 5_000);
        assertThat(chunks).hasSize(5).allMatch(c -> c[1] == FluxSource.DEFAULT_CHUNK || c[0] == 4 * FluxSource.DEFAULT_CHUNK);
    }

    private static void busy(long nanos) {
        long until = System.nanoTime() + nanos;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }
}
