package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A work function timed before skips the probe: a range its known cost makes worth helpers is laid
 * out at start, and the first chunk that ends re-times the cost for the next task.
 */
class KnownCostLayoutTest {

    /** Two CPUs whatever the machine: a task may always want a helper. */
    private static final KTaskScheduler SCHEDULER =
            KTaskScheduler.builder().name("known-cost").topology(NodeTopology.uniform(1, 2)).build();
    private static final long UNITS = 20_000;
    /** Two threads, ktask's four chunks per thread: the layout's bulk chunk. */
    private static final long LAYOUT_CHUNK = UNITS / (2 * Sizing.LOAD_BALANCE_FACTOR);

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    @Test
    void aTaskOfAKnownCostStartsWithTheLayoutsFirstChunk() {
        KTaskSpec<Long, Long> spec = spinning(200, new ConcurrentLinkedQueue<>());
        run(spec); // never timed: probes

        Queue<Chunk<Long>> seen = new ConcurrentLinkedQueue<>();
        KTaskSpec<Long, Long> again = spinning(200, seen);
        assertThat(again.cost).as("one work class, one hint").isSameAs(spec.cost);
        run(again);

        // A probe of a function costing at least 200 ns a unit is at most 10 us of it (50 units);
        // the layout's first chunk is an eighth of the range.
        Chunk<Long> first = seen.stream().min(Comparator.comparingLong(Chunk::start)).orElseThrow();
        assertThat(first.size()).as("first chunk of %s", sizes(seen)).isEqualTo(LAYOUT_CHUNK);
    }

    @Test
    void theFirstChunkOfAKnownCostLayoutRetimesTheCost() {
        KTaskSpec<Long, Long> spec = spinning(200, new ConcurrentLinkedQueue<>());
        double stale = 1_000_000; // 1 ms a unit: 20 s for the range, far above what it costs
        spec.cost.record(stale);

        run(spec);

        assertThat(spec.cost.nanosPerUnit()).as("hint after one task").isLessThanOrEqualTo(stale / 2);
    }

    /**
     * Near the payoff threshold the decision for parked helpers holds. At 540 ns a unit, 100
     * units are estimated at 54 us, under the 60 us threshold: not laid out for helpers for a work
     * never laid out, laid out for a work whose last task was; at 450 ns (45 us, under the 48 us
     * it stays down to) not again. The hint is set before each task: a task's own timing moves it.
     * Below the threshold a task may still split with an awake helper (the band of
     * {@link UnitCost#AWAKE_HELPER_PAYOFF_NANOS}, {@link AwakeHelperBandTest}): the decision shows
     * in the threshold the work keeps, not in the chunk count.
     */
    @Test
    void aWorkLaidOutForHelpersStaysLaidOutJustUnderTheThreshold() {
        Queue<Chunk<Long>> seen = new ConcurrentLinkedQueue<>();
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> { // its own lambda class: its own hint
            seen.add(c);
            return c.size();
        }).merge(Long::sum).scheduler(SCHEDULER).build();

        assertThat(chunksAt(spec, 540, seen)).as("54 us, never laid out: alone or halves").isLessThanOrEqualTo(2);
        assertThat(spec.cost.payoffNanos()).as("54 us, never laid out").isEqualTo(UnitCost.HELPER_PAYOFF_NANOS);
        assertThat(chunksAt(spec, 1_000, seen)).as("100 us").isGreaterThan(1);
        assertThat(spec.cost.payoffNanos()).as("100 us").isEqualTo(UnitCost.HELPER_STAY_NANOS);
        assertThat(chunksAt(spec, 540, seen)).as("54 us, just laid out: the layout's tail").isGreaterThan(2);
        assertThat(spec.cost.payoffNanos()).as("54 us, just laid out").isEqualTo(UnitCost.HELPER_STAY_NANOS);
        assertThat(chunksAt(spec, 450, seen)).as("45 us: alone or halves").isLessThanOrEqualTo(2);
        assertThat(spec.cost.payoffNanos()).as("45 us").isEqualTo(UnitCost.HELPER_PAYOFF_NANOS);
        assertThat(chunksAt(spec, 540, seen)).as("54 us, not laid out last time").isLessThanOrEqualTo(2);
        assertThat(spec.cost.payoffNanos()).as("54 us, not laid out last time").isEqualTo(UnitCost.HELPER_PAYOFF_NANOS);
    }

    /** @return how many chunks a task of 100 units ran with the hint at {@code nanosPerUnit} */
    private static int chunksAt(KTaskSpec<Long, Long> spec, double nanosPerUnit, Queue<Chunk<Long>> seen) {
        seen.clear();
        // The last task's helper may time its chunk after the task has signalled (the hint is a
        // hint): it records before it returns its permit, so with no permit held it is done.
        Awaits.until(() -> SCHEDULER.stats().helpersRunning() == 0, "the last task's helpers to return their permits");
        // Up at once, down by at most half a record: the last task timed a chunk of this nearly
        // free work, whose few units can make the per-unit figure anything.
        for (int i = 0; i < 64 && spec.cost.nanosPerUnit() != nanosPerUnit; i++) {
            spec.cost.record(nanosPerUnit);
        }
        assertThat(spec.cost.nanosPerUnit()).isEqualTo(nanosPerUnit);
        assertThat(KTask.range(0, 100).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(100);
        return seen.size();
    }

    /**
     * A task worth 1.6 target chunks on two threads is all tail: equal chunks of a
     * {@link RangeSource#TAIL_FLOOR_SPLIT}th of the target, not one target chunk and a short rest
     * (the own thread would then end last, alone, with a helper that joined at once long idle),
     * nor two halves (the own thread would idle for as long as its helper took to join).
     */
    @Test
    void aKnownCostTaskOfUnderTwoTargetChunksIsCutIntoTailChunks() {
        long units = 400; // 80 us at 200 ns a unit; the target chunk is 50 us (250 units)
        Queue<Chunk<Long>> seen = new ConcurrentLinkedQueue<>();
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> { // its own lambda class: its own hint
            seen.add(c);
            Busy.spin(c.size() * 200);
            return c.size();
        }).merge(Long::sum).scheduler(SCHEDULER).build();
        spec.cost.record(200);

        assertThat(KTask.range(0, units).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(units);

        assertThat(sizes(seen)).as("chunks").containsExactly(50L, 50L, 50L, 50L, 50L, 50L, 50L, 50L);
    }

    /**
     * With {@code allNodes}, each node's share has a tail for its own threads: 2 nodes of 2 CPUs,
     * 4000 units at 200 ns (target chunk 250 units, floor 50), so each share of 2000 units keeps 6
     * bulk chunks and cuts 2 into 10 tail chunks. A tail as wide as all 4 threads would leave each
     * share 4 bulk chunks and 20 tail chunks.
     */
    @Test
    void eachNodeShareOfAKnownCostLayoutHasATailForItsOwnThreads() {
        KTaskScheduler twoNodes = KTaskScheduler.builder().name("known-cost-nodes").topology(NodeTopology.uniform(2, 2)).build();
        try {
            Queue<Chunk<Long>> seen = new ConcurrentLinkedQueue<>();
            KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> { // its own lambda class: its own hint
                seen.add(c);
                Busy.spin(c.size() * 200);
                return c.size();
            }).merge(Long::sum).allNodes().scheduler(twoNodes).build();
            spec.cost.record(200);

            assertThat(KTask.range(0, 4_000).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(4_000);

            assertThat(sizes(seen).stream().filter(size -> size == 250)).as("bulk chunks of %s", sizes(seen)).hasSize(12);
            assertThat(sizes(seen).stream().filter(size -> size == 50)).as("tail chunks of %s", sizes(seen)).hasSize(20);
        } finally {
            twoNodes.dispose();
        }
    }

    /** A merge-mode task whose units spin {@code nanosPerUnit} each; one lambda class for every call. */
    private static KTaskSpec<Long, Long> spinning(long nanosPerUnit, Queue<Chunk<Long>> seen) {
        return KTaskSpec.<Long, Long>of(c -> {
            seen.add(c);
            Busy.spin(c.size() * nanosPerUnit);
            return c.size();
        }).merge(Long::sum).scheduler(SCHEDULER).build();
    }

    private static void run(KTaskSpec<Long, Long> spec) {
        assertThat(KTask.range(0, UNITS).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(UNITS);
    }

    private static List<Long> sizes(Queue<Chunk<Long>> seen) {
        return seen.stream().sorted(Comparator.comparingLong(Chunk::start)).map(Chunk::size).toList();
    }
}
