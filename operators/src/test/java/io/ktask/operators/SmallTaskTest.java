package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * Threadlets for tiny tasks: a range that one chunk covers, by ktask sizing or by the work
 * function's measured cost, runs as that one chunk on the calling thread; a cost that rises is
 * seen again within a few tasks, and the task then goes parallel again.
 */
class SmallTaskTest {

    /** Two CPUs whatever the machine: a task may always want a helper. */
    static final KTaskScheduler SCHEDULER =
            KTaskScheduler.builder().name("small").topology(NodeTopology.uniform(1, 2)).build();

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    /** The chunks one task ran: [index, start, end, ran on the subscribing thread (1) or not (0)]. */
    static final class Seen {
        final Thread caller = Thread.currentThread();
        final List<long[]> chunks = new CopyOnWriteArrayList<>();

        long record(Chunk<Long> c) {
            chunks.add(new long[] {c.index(), c.start(), c.end(), Thread.currentThread() == caller ? 1 : 0});
            return c.end() - c.start();
        }

        boolean soloOnCaller(long start, long end) {
            return chunks.size() == 1 && chunks.get(0)[0] == 0 && chunks.get(0)[1] == start
                    && chunks.get(0)[2] == end && chunks.get(0)[3] == 1;
        }
    }

    @Test
    void aRangeThatSizingCutsIntoOneChunkRunsAsThatChunkOnTheCaller() {
        Seen byMinChunk = new Seen();
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(byMinChunk::record).merge(Long::sum)
                .minChunk(1000).align(7).scheduler(SCHEDULER).build();
        assertThat(KTask.range(5, 1000).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(1000L);
        assertThat(byMinChunk.soloOnCaller(5, 1005)).as("chunks %s", byMinChunk.chunks).isTrue();

        Seen byOneThread = new Seen();
        KTaskSpec<Long, Long> one = KTaskSpec.<Long, Long>of(byOneThread::record).merge(Long::sum)
                .maxThreads(1).scheduler(SCHEDULER).build();
        assertThat(KTask.range(0, 1_000_000).transform(KTask.parallelize(one)).blockLast()).isEqualTo(1_000_000L);
        assertThat(byOneThread.soloOnCaller(0, 1_000_000)).as("chunks %s", byOneThread.chunks).isTrue();
    }

    @Test
    void aCheapRangeRunsSoloOnceItsCostIsKnownAndGoesParallelAgainWhenTheCostRises() {
        // One call site, so one class: every task below shares the work function's cost hint.
        // A task that never runs solo within 200 tries would mean the solo path is gone (a probe
        // timed during a preemption only delays it by a few tasks: the hint falls by half each).
        boolean solo = false;
        for (int i = 0; i < 200 && !solo; i++) {
            Seen seen = new Seen();
            assertThat(task(seen, 0).blockLast()).isEqualTo(1000L);
            solo = seen.soloOnCaller(0, 1000);
        }
        assertThat(solo).as("a cheap 1000-unit task ran as one chunk on the caller").isTrue();

        // The same work function now costs ~2 us per unit: a task is ~2 ms, worth a helper. Only
        // one solo run in 8 is timed; (7/8)^100 < 2e-6 that none of 100 is. Once one is, the hint
        // rises at once and the next task is laid out for a helper (several chunks).
        boolean parallel = false;
        for (int i = 0; i < 100 && !parallel; i++) {
            Seen seen = new Seen();
            assertThat(task(seen, 2_000).blockLast()).isEqualTo(1000L);
            parallel = seen.chunks.size() > 1;
        }
        assertThat(parallel).as("a task went parallel again after its unit cost rose").isTrue();
    }

    /** A 1000-unit task whose units spin {@code nanosPerUnit} each. */
    private static Flux<Long> task(Seen seen, long nanosPerUnit) {
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
            long until = System.nanoTime() + nanosPerUnit * c.size();
            while (nanosPerUnit != 0 && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            return seen.record(c);
        }).merge(Long::sum).scheduler(SCHEDULER).build();
        return KTask.range(0, 1000).transform(KTask.parallelize(spec));
    }
}
