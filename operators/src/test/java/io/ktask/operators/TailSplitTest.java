package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Hooks;
import reactor.core.scheduler.Schedulers;

/**
 * The adaptive layout's fine tail: its last bulk chunk per thread is cut {@link RangeSource#TAIL_SPLIT}
 * ways (never below a {@link RangeSource#TAIL_FLOOR_SPLIT}th of the adaptive minimum chunk), while
 * an explicit {@code minChunk} keeps ktask's equal chunks. A chunk's bounds follow from its index,
 * so the cover must stay exact.
 */
class TailSplitTest {

    static final KTaskScheduler SCHEDULER =
            KTaskScheduler.builder().name("tail").topology(NodeTopology.uniform(1, 2)).build();

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    /** @return every chunk of {@code share} as [start, end) */
    private static long[][] chunks(RangeSource.Share share) {
        long[][] out = new long[(int) share.chunks][];
        for (int i = 0; i < share.chunks; i++) {
            long start = share.start(i);
            out[i] = new long[] {start, share.end(i, start)};
        }
        return out;
    }

    @Test
    void aTenMillionUnitLayoutKeepsSixKtaskChunksAndCutsTheLastTwoSixteenWaysEach() {
        long chunk = 1_250_000;
        long tail = RangeSource.tailChunk(chunk, 1_000, 1);
        assertThat(tail).isEqualTo(chunk / RangeSource.TAIL_SPLIT);
        RangeSource.Share share = new RangeSource.Share(0, 10_000_000, chunk, tail, 2, 0, null);

        long[][] c = chunks(share);
        assertThat(share.bulkChunks).isEqualTo(6);
        assertThat(c.length).isEqualTo(6 + 2 * RangeSource.TAIL_SPLIT);
        assertThat(c[5]).containsExactly(6_250_000, 7_500_000);
        assertThat(c[6]).containsExactly(7_500_000, 7_578_125);
        assertThat(c[c.length - 1]).containsExactly(9_921_875, 10_000_000);
    }

    /**
     * 2 threads at an adaptive minimum of 85000 units (50 us), floor 17000 (10 us). 10^6 units:
     * ktask's chunk is 125000, its sixteenth (7812) under the floor, so the last bulk chunk per
     * thread becomes 15 chunks of 17000 (the whole minimum as the floor made them 3 of 85000).
     * 300000 units, where the minimum raised the chunk to 85000 (four of them): a bulk chunk per
     * thread is still tail, not ktask's quarter (one). A chunk per thread or fewer: all tail.
     */
    @Test
    void theTailIsABulkChunkPerThreadCutAtTheFloorAlsoWhereTheMinimumRaisedTheChunk() {
        long minChunk = 85_000;
        long tail = RangeSource.tailChunk(125_000, minChunk, 1);
        assertThat(tail).isEqualTo(17_000);
        long raisedTail = RangeSource.tailChunk(minChunk, minChunk, 1); // its sixteenth is under the floor too
        assertThat(raisedTail).isEqualTo(17_000);

        RangeSource.Share share = new RangeSource.Share(0, 1_000_000, 125_000, tail, 2, 0, null);
        assertThat(share.bulkChunks).isEqualTo(6);
        assertThat(share.tailFrom).isEqualTo(750_000);
        assertThat(share.chunks).isEqualTo(6 + 15); // 250000 / 17000, rounded up

        RangeSource.Share raised = new RangeSource.Share(0, 300_000, minChunk, raisedTail, 2, 0, null);
        assertThat(raised.bulkChunks).isEqualTo(2);
        assertThat(raised.chunks).isEqualTo(2 + 8); // 130000 / 17000, rounded up
        RangeSource.Share oneChunkEach = new RangeSource.Share(0, 100_000, 50_000, raisedTail, 2, 0, null);
        assertThat(oneChunkEach.bulkChunks).isZero();
        assertThat(oneChunkEach.chunks).isEqualTo(6);
    }

    @Test
    void theTailChunkIsNeverBelowTheFloorNorAboveTheBulkChunkAndStaysAligned() {
        // A floor of 500, then of 5000, from the adaptive minimum over TAIL_FLOOR_SPLIT.
        assertThat(RangeSource.tailChunk(1_600, 500 * RangeSource.TAIL_FLOOR_SPLIT, 1)).isEqualTo(500);
        assertThat(RangeSource.tailChunk(1_600, 5_000 * RangeSource.TAIL_FLOOR_SPLIT, 1)).isEqualTo(1_600);
        assertThat(RangeSource.tailChunk(64_000, 1, 3_000)).isEqualTo(6_000);
    }

    /** Fixed seed: random shares, with and without a tail, must cover [from, to) exactly, in order. */
    @Test
    void everyShareIsCoveredExactlyInOrderByBulkChunksThenSmallerTailChunks() {
        Random random = new Random(20261122);
        for (int trial = 0; trial < 20_000; trial++) {
            boolean atTheTop = trial % 7 == 0; // shares that end at Long.MAX_VALUE: no overflow
            long from = random.nextInt(1_000) + (atTheTop ? Long.MAX_VALUE - 1_001_000 : 0);
            long to = atTheTop ? Long.MAX_VALUE : from + random.nextInt(1_000_000);
            long align = 1 + random.nextInt(trial % 3 == 0 ? 64 : 1);
            long chunk = Sizing.roundUp(1 + random.nextInt(200_000), align);
            long tail = random.nextBoolean() ? chunk : RangeSource.tailChunk(chunk, 1 + random.nextInt(25_000), align);
            RangeSource.Share share = new RangeSource.Share(from, to, chunk, tail, 1 + random.nextInt(4), 0, null);

            long cursor = from;
            for (long[] c : chunks(share)) {
                assertThat(c[0]).as("trial %d: chunks are contiguous", trial).isEqualTo(cursor);
                assertThat(c[1]).as("trial %d: no empty chunk", trial).isGreaterThan(c[0]);
                assertThat(c[1] - c[0]).isLessThanOrEqualTo(c[0] < share.tailFrom ? chunk : tail);
                assertThat((c[0] - from) % align).as("trial %d: aligned start", trial).isZero();
                cursor = c[1];
            }
            assertThat(cursor).as("trial %d: the share is covered", trial).isEqualTo(to);
            if (tail == chunk) {
                assertThat(share.chunks).as("trial %d: ktask layout", trial).isEqualTo(Sizing.ceilDiv(to - from, chunk));
            }
        }
    }

    /**
     * End to end, ordered mode: an adaptive task of about 200 ns per unit lays out after its
     * probes and ends with chunks a quarter of its largest or less, and the emitted chunks still tile the
     * range in order. The busy unit only sets a floor on the cost, so a slow machine makes the
     * adaptive minimum smaller, never the tail coarser than the bulk.
     */
    @Test
    void anAdaptiveOrderedTaskEndsWithFinerChunksAndStillTilesTheRange() {
        KTaskSpec<Long, long[]> spec = KTaskSpec.<Long, long[]>of(c -> {
            for (long i = c.start(); i < c.end(); i++) {
                Busy.spin(200);
            }
            return new long[] {c.start(), c.end()};
        }).ordered().maxThreads(2).scheduler(SCHEDULER).build();

        List<long[]> emitted = KTask.range(0, 40_000).transform(KTask.parallelize(spec)).collectList().block();

        long cursor = 0;
        for (long[] c : emitted) {
            assertThat(c[0]).isEqualTo(cursor);
            cursor = c[1];
        }
        assertThat(cursor).isEqualTo(40_000);
        List<Long> sizes = emitted.stream().map(c -> c[1] - c[0]).collect(Collectors.toList());
        long largest = sizes.stream().mapToLong(Long::longValue).max().orElseThrow();
        // ktask's equal layout ends with full chunks and at most one partial one; the tail is 2 x 16.
        assertThat(sizes.subList(sizes.size() - 4, sizes.size())).as("chunk sizes %s", sizes)
                .allMatch(size -> size <= largest / 4);
    }

    /**
     * Field shape of the fine tail: an ordered known-cost task of 26 chunks (6 of 500 units, then
     * 20 tail chunks of 50) subscribed on {@code Schedulers.parallel()} with debug hooks, cut by
     * {@code take} at a random chunk (fixed seed): what was emitted tiles a prefix of the range in
     * order, and no helper keeps its permit.
     */
    @Test
    void aTakeAtARandomChunkOfTheTailOnANonBlockingSubscriberWithDebugHooksLeavesAnOrderedPrefix() {
        Random random = new Random(20261203);
        Hooks.onOperatorDebug();
        try {
            for (int trial = 0; trial < 20; trial++) {
                KTaskSpec<Long, long[]> spec = KTaskSpec.<Long, long[]>of(c -> { // one lambda class: one hint
                    Busy.spin(c.size() * 200);
                    return new long[] {c.start(), c.end()};
                }).ordered().scheduler(SCHEDULER).build();
                spec.cost.record(200); // known: 4000 units laid out at once, target chunk 250 units
                int taken = 1 + random.nextInt(26);

                List<long[]> emitted = KTask.range(0, 4_000).transform(KTask.parallelize(spec)).take(taken)
                        .subscribeOn(Schedulers.parallel()).checkpoint("tail").collectList()
                        .block(Duration.ofSeconds(10));

                assertThat(emitted).as("trial %d", trial).hasSize(taken);
                long cursor = 0;
                for (long[] c : emitted) {
                    assertThat(c[0]).as("trial %d: chunks in order, contiguous", trial).isEqualTo(cursor);
                    cursor = c[1];
                }
                Awaits.until(() -> SCHEDULER.stats().helpersRunning() == 0, "the helpers to return their permits");
            }
        } finally {
            Hooks.resetOnOperatorDebug();
        }
    }

    @Test
    void anExplicitMinChunkKeepsKtasksEqualChunks() {
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> c.end() - c.start()).ordered().minChunk(1_000)
                .maxThreads(2).scheduler(SCHEDULER).build();
        List<Long> sizes = KTask.range(0, 80_000).transform(KTask.parallelize(spec)).collectList().block();
        assertThat(sizes).hasSize(8).containsOnly(10_000L);
    }
}
