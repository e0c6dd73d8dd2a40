package io.ktask.conformance.chunking;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.ktask.conformance.TestSchedulers;
import io.ktask.operators.Chunk;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AfterContainer;
import reactor.core.publisher.Flux;

/**
 * Properties of the chunking, for any size, start, minChunk, align and maxThreads: the chunks a
 * task's work function sees tile the units exactly (indexes 0..n-1, contiguous, no gap, no
 * overlap), respect minChunk and align (or a boundaries cut), and the merged result is the plain
 * sum. Fixed seeds:
 * replay a failure with the seed jqwik prints, as {@code @Property(seed = "...")}.
 */
class ChunkingPropertiesTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final KTaskScheduler SCHEDULER =
            TestSchedulers.create("ktask-props", NodeTopology.uniform(2, 2), 3);

    @AfterContainer
    static void disposeScheduler() {
        SCHEDULER.dispose();
    }

    @Property(tries = 300, seed = "20181105")
    void rangeChunksTileTheRange(@ForAll @LongRange(min = -1_000_000, max = 1_000_000) long start,
                                 @ForAll @IntRange(min = 0, max = 5_000) int size,
                                 @ForAll @IntRange(min = 1, max = 300) int minChunk,
                                 @ForAll @IntRange(min = 1, max = 16) int align,
                                 @ForAll @IntRange(min = 1, max = 8) int maxThreads) {
        Queue<Chunk<Long>> seen = new ConcurrentLinkedQueue<>();
        Long sum = KTask.range(start, size).transform(KTask.parallelize(KTaskSpec.<Long, Long>of(chunk -> {
                    seen.add(chunk);
                    return chunk.items().stream().mapToLong(Long::longValue).sum();
                }).merge(Long::sum).minChunk(minChunk).align(align).maxThreads(maxThreads).scheduler(SCHEDULER).build()))
                .blockLast(WAIT);

        List<Chunk<Long>> chunks = tiles(seen, start, size, minChunk, false);
        for (Chunk<Long> chunk : chunks.subList(0, Math.max(0, chunks.size() - 1))) {
            assertThat((chunk.end() - start) % align).as("chunk %s ends off the align grid", chunk.index()).isZero();
        }
        long expected = size == 0 ? 0 : (start + start + size - 1) * size / 2;
        assertThat(sum == null ? 0 : sum).isEqualTo(expected);
        assertThat(sum == null).as("zero units emit nothing").isEqualTo(size == 0);
    }

    /**
     * A range of records of random lengths, cut at record ends: the chunks still tile the range,
     * each ends on a record end (empty chunks allowed: a record may be longer than a chunk), with
     * or without a minChunk, on one node or all.
     */
    @Property(tries = 300, seed = "20181107")
    void rangeChunksCutAtRecordEndsTileTheRange(@ForAll @LongRange(min = -1_000_000, max = 1_000_000) long start,
                                                @ForAll @IntRange(min = 0, max = 5_000) int size,
                                                @ForAll @IntRange(min = 0, max = 300) int minChunk,
                                                @ForAll @IntRange(min = 1, max = 400) int maxRecord,
                                                @ForAll @IntRange(min = 1, max = 8) int maxThreads,
                                                @ForAll boolean allNodes,
                                                @ForAll long recordSeed) {
        long[] ends = recordEnds(start, size, maxRecord, recordSeed);
        Queue<Chunk<Long>> seen = new ConcurrentLinkedQueue<>();
        KTaskSpec.Builder<Long, Long> spec = KTaskSpec.<Long, Long>of(chunk -> {
            seen.add(chunk);
            return chunk.items().stream().mapToLong(Long::longValue).sum();
        }).merge(Long::sum).maxThreads(maxThreads).scheduler(SCHEDULER).boundaries(b -> {
            int i = Arrays.binarySearch(ends, b);
            return ends[i >= 0 ? i : -i - 1];
        });
        if (minChunk > 0) {
            spec.minChunk(minChunk);
        }
        if (allNodes) {
            spec.allNodes();
        }
        Long sum = KTask.range(start, size).transform(KTask.parallelize(spec.build())).blockLast(WAIT);

        for (Chunk<Long> chunk : tiles(seen, start, size, 1, true)) {
            assertThat(Arrays.binarySearch(ends, chunk.end())).as("chunk %s ends on a record end", chunk).isNotNegative();
        }
        long expected = size == 0 ? 0 : (start + start + size - 1) * size / 2;
        assertThat(sum == null ? 0 : sum).isEqualTo(expected);
    }

    /** @return the ends of records of 1..maxRecord units laid from {@code start}, the last at {@code start + size} */
    private static long[] recordEnds(long start, int size, int maxRecord, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Long> ends = new ArrayList<>();
        for (long at = start + random.nextInt(1, maxRecord + 1); at < start + size; at += random.nextInt(1, maxRecord + 1)) {
            ends.add(at);
        }
        ends.add(start + size);
        return ends.stream().mapToLong(Long::longValue).toArray();
    }

    @Property(tries = 200, seed = "20181106")
    void genericChunksAreMinChunkElementsInOrder(@ForAll @IntRange(min = 0, max = 3_000) int size,
                                                 @ForAll @IntRange(min = 1, max = 300) int minChunk,
                                                 @ForAll @IntRange(min = 1, max = 8) int maxThreads) {
        Queue<Chunk<Long>> seen = new ConcurrentLinkedQueue<>();
        List<Long> sums = Flux.range(0, size).map(i -> 7L * i).transform(KTask.parallelize(
                        KTaskSpec.<Long, Long>of(chunk -> {
                            seen.add(chunk);
                            for (int i = 0; i < chunk.items().size(); i++) {
                                assertThat(chunk.items().get(i)).isEqualTo(7L * (chunk.start() + i));
                            }
                            return chunk.items().stream().mapToLong(Long::longValue).sum();
                        }).ordered().minChunk(minChunk).maxThreads(maxThreads).scheduler(SCHEDULER).build()))
                .collectList().block(WAIT);

        List<Chunk<Long>> chunks = tiles(seen, 0, size, minChunk, false);
        for (Chunk<Long> chunk : chunks.subList(0, Math.max(0, chunks.size() - 1))) {
            assertThat(chunk.size()).as("a generic upstream is cut in minChunk elements").isEqualTo(minChunk);
        }
        List<Long> expected = new ArrayList<>();
        for (Chunk<Long> chunk : chunks) {
            expected.add(7L * (chunk.start() + chunk.end() - 1) * chunk.size() / 2);
        }
        assertThat(sums).as("one result per chunk, in chunk order").isEqualTo(expected);
    }

    /**
     * Checks the chunks tile [origin, origin + size) and returns them sorted by index.
     *
     * @param cut whether a boundaries cut moved the chunks' ends: chunks may then be empty or below minChunk
     */
    private static List<Chunk<Long>> tiles(Queue<Chunk<Long>> seen, long origin, int size, int minChunk, boolean cut) {
        List<Chunk<Long>> chunks = new ArrayList<>(seen);
        chunks.sort(Comparator.comparingLong(Chunk::index));
        long next = origin;
        for (int i = 0; i < chunks.size(); i++) {
            Chunk<Long> chunk = chunks.get(i);
            assertThat(chunk.index()).as("chunk indexes are 0..n-1").isEqualTo(i);
            assertThat(chunk.start()).as("chunk %s starts where the previous ended", i).isEqualTo(next);
            assertThat(chunk.size()).isEqualTo(chunk.end() - chunk.start()).isGreaterThanOrEqualTo(cut ? 0 : 1);
            assertThat(chunk.items()).hasSize((int) chunk.size());
            if (i < chunks.size() - 1 && !cut) {
                assertThat(chunk.size()).as("only the last chunk may be below minChunk").isGreaterThanOrEqualTo(minChunk);
            }
            next = chunk.end();
        }
        assertThat(next).as("the chunks cover every unit").isEqualTo(origin + size);
        return chunks;
    }
}
