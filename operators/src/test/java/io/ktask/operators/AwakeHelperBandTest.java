package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Function;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.internal.TaskHandle;
import org.junit.jupiter.api.Test;

/**
 * Tasks under the helper payoff but over {@link UnitCost#AWAKE_HELPER_PAYOFF_NANOS}: split in two
 * halves with a helper that is awake, alone when none is and they come one at a time, and at
 * most one helper woken per period for a burst of them.
 */
class AwakeHelperBandTest {

    private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);
    /** 100 units at 300 ns: an estimated 30 us, inside the band. */
    private static final long UNITS = 100;
    private static final double BAND_NANOS_PER_UNIT = 300;

    @Test
    void aBandTaskOneAtATimeWakesNoHelper() {
        UnitCost cost = costOf(c -> c);
        long now = System.nanoTime();
        assertThat(cost.bandTaskStarts(now, false)).as("first band task").isFalse();
        assertThat(cost.bandTaskStarts(now + UnitCost.BURST_GAP_NANOS, false)).as("one gap later").isFalse();
        assertThat(cost.bandTaskStarts(now + 3 * UnitCost.BURST_GAP_NANOS, false)).as("two gaps later").isFalse();
    }

    @Test
    void aBurstOfBandTasksWakesOneHelperPerPeriod() {
        UnitCost cost = costOf(c -> c.size());
        long t = System.nanoTime();
        long step = UnitCost.BURST_GAP_NANOS / 2;
        assertThat(cost.bandTaskStarts(t, false)).as("first: nothing before it").isFalse();
        assertThat(cost.bandTaskStarts(t += step, false)).as("second, close behind: wakes one").isTrue();
        int woken = 0;
        long periodEnd = t + UnitCost.BURST_WAKE_PERIOD_NANOS;
        while (t + step - periodEnd < 0) {
            woken += cost.bandTaskStarts(t += step, false) ? 1 : 0;
        }
        assertThat(woken).as("more wake-ups within the period").isZero();
        assertThat(cost.bandTaskStarts(t + step, false)).as("the period over, still a burst").isTrue();
    }

    @Test
    void anAwakeHelperIsTakenWhateverTheGapAndTheStartIsRecorded() {
        UnitCost cost = costOf(c -> c.end());
        long t = System.nanoTime();
        assertThat(cost.bandTaskStarts(t, true)).isTrue();
        assertThat(cost.bandTaskStarts(t + 10 * UnitCost.BURST_GAP_NANOS, true)).isTrue();
        // Recorded although no wake-up was needed: the next one is part of the burst.
        assertThat(cost.bandTaskStarts(t + 10 * UnitCost.BURST_GAP_NANOS + 1, false)).isTrue();
    }

    /**
     * Threads racing at the same moments of a burst, one moment per period: no more than one of
     * them wins that period's wake-up (all may read the last moment's start as the one before
     * theirs, a period ago, and then none does).
     */
    @Test
    void concurrentBandTasksShareAtMostOneWakeUpPerPeriod() throws Exception {
        UnitCost cost = costOf(c -> c.start());
        int threads = 8;
        int periods = 200;
        long t0 = System.nanoTime();
        AtomicIntegerArray wins = new AtomicIntegerArray(periods + 1);
        CyclicBarrier barrier = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                done.add(pool.submit(() -> {
                    for (int p = 1; p <= periods; p++) {
                        barrier.await(10, TimeUnit.SECONDS);
                        if (cost.bandTaskStarts(t0 + p * UnitCost.BURST_WAKE_PERIOD_NANOS, false)) {
                            wins.incrementAndGet(p);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            int total = 0;
            for (int p = 1; p <= periods; p++) {
                assertThat(wins.get(p)).as("wake-ups in period %s", p).isLessThanOrEqualTo(1);
                total += wins.get(p);
            }
            assertThat(total).as("periods with a wake-up: the race was run").isPositive();
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A helper spinning after a helped task's body: the band task that follows is cut in two
     * halves and the helper runs one. Attempts repeat until the helper is seen awake right before
     * the band task (a busy machine can make it park first), with a deadline.
     */
    @Test
    void aBandTaskSplitsInHalvesWithAnAwakeHelper() {
        KTaskScheduler scheduler = KTaskScheduler.builder().name("band").topology(NodeTopology.uniform(1, 2)).build();
        try {
            KTaskSpec<Long, Long> waker = KTaskSpec.<Long, Long>of(c -> {
                Busy.spin(c.size() * 1_000);
                return c.size();
            }).merge(Long::sum).scheduler(scheduler).build();
            Queue<String> threads = new ConcurrentLinkedQueue<>();
            Queue<Long> sizes = new ConcurrentLinkedQueue<>();
            KTaskSpec<Long, Long> band = KTaskSpec.<Long, Long>of(c -> {
                threads.add(Thread.currentThread().getName());
                sizes.add(c.size());
                Busy.spin(c.size() * (long) BAND_NANOS_PER_UNIT);
                return c.size();
            }).merge(Long::sum).scheduler(scheduler).build();
            boolean helped = false;
            long deadline = System.nanoTime() + 20_000 * MILLI;
            while (!helped && System.nanoTime() - deadline < 0) {
                waker.cost.record(1_000);
                assertThat(KTask.range(0, 1_000).transform(KTask.parallelize(waker)).blockLast()).isEqualTo(1_000);
                if (!awakeWithin(scheduler, MILLI)) {
                    continue;
                }
                threads.clear();
                sizes.clear();
                setHint(band, BAND_NANOS_PER_UNIT);
                assertThat(KTask.range(0, UNITS).transform(KTask.parallelize(band)).blockLast()).isEqualTo(UNITS);
                // The whole range if the helper was gone by then, else two halves.
                assertThat(List.copyOf(sizes)).as("a band task's chunks")
                        .isIn(List.of(UNITS), List.of(UNITS / 2, UNITS / 2));
                helped = threads.stream().anyMatch(name -> name.contains("-helper-"));
            }
            assertThat(helped).as("a band task helped by an awake helper within 20 s").isTrue();
        } finally {
            scheduler.dispose();
        }
    }

    /**
     * No helper can be awake (unpinned helpers never spin) and band tasks come more than a gap
     * apart: each runs alone, in one chunk, on the calling thread.
     */
    @Test
    void bandTasksOneAtATimeRunAloneWhereNoHelperIsAwake() {
        KTaskScheduler scheduler = KTaskScheduler.builder().name("band-alone")
                .topology(NodeTopology.uniform(1, 2)).pinning(false).build();
        try {
            Queue<Long> sizes = new ConcurrentLinkedQueue<>();
            KTaskSpec<Long, Long> band = KTaskSpec.<Long, Long>of(c -> {
                sizes.add(c.size());
                return c.size();
            }).merge(Long::sum).scheduler(scheduler).build();
            for (int i = 0; i < 50; i++) {
                setHint(band, BAND_NANOS_PER_UNIT);
                // A gap, not a synchronization: the next task must start more than a gap later.
                long gapEnd = System.nanoTime() + 2 * UnitCost.BURST_GAP_NANOS;
                while (System.nanoTime() - gapEnd < 0) {
                    Thread.onSpinWait();
                }
                sizes.clear();
                assertThat(KTask.range(0, UNITS).transform(KTask.parallelize(band)).blockLast()).isEqualTo(UNITS);
                assertThat(sizes).as("task %s", i).containsExactly(UNITS);
            }
            assertThat(scheduler.stats().helpersRunning()).isZero();
        } finally {
            scheduler.dispose();
        }
    }

    /**
     * Back-to-back band tasks where no helper stays awake (unpinned): one of them wakes a helper
     * (two halves), and no more than one per period of the run's length do.
     */
    @Test
    void aBurstWhereNoHelperStaysAwakeWakesAtMostOnePerPeriod() {
        KTaskScheduler scheduler = KTaskScheduler.builder().name("band-burst")
                .topology(NodeTopology.uniform(1, 2)).pinning(false).build();
        try {
            Queue<Long> sizes = new ConcurrentLinkedQueue<>();
            KTaskSpec<Long, Long> band = KTaskSpec.<Long, Long>of(c -> {
                sizes.add(c.size());
                return c.size();
            }).merge(Long::sum).scheduler(scheduler).build();
            int tasks = 0;
            int split = 0;
            long began = System.nanoTime();
            long deadline = began + 10_000 * MILLI;
            while ((split == 0 || tasks < 2_000) && System.nanoTime() - deadline < 0) {
                setHint(band, BAND_NANOS_PER_UNIT);
                sizes.clear();
                assertThat(KTask.range(0, UNITS).transform(KTask.parallelize(band)).blockLast()).isEqualTo(UNITS);
                tasks++;
                split += sizes.size() > 1 ? 1 : 0;
            }
            long periods = (System.nanoTime() - began) / UnitCost.BURST_WAKE_PERIOD_NANOS;
            assertThat(split).as("tasks split of %s", tasks).isPositive().isLessThanOrEqualTo((int) periods + 1);
        } finally {
            scheduler.dispose();
        }
    }

    private static boolean awakeWithin(KTaskScheduler scheduler, long nanos) {
        try (TaskHandle probe = SchedulerInternals.openTask(scheduler)) {
            long until = System.nanoTime() + nanos;
            while (System.nanoTime() - until < 0) {
                if (probe.helperAwake(0)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Sets the spec's hint to {@code nanosPerUnit}: up at once, down by at most half a record (a
     * task's own timing moves it).
     */
    private static void setHint(KTaskSpec<Long, Long> spec, double nanosPerUnit) {
        for (int i = 0; i < 64 && spec.cost.nanosPerUnit() != nanosPerUnit; i++) {
            spec.cost.record(nanosPerUnit);
        }
        assertThat(spec.cost.nanosPerUnit()).isEqualTo(nanosPerUnit);
    }

    /** @return a fresh hint: each call site's lambda is a class of its own */
    private static UnitCost costOf(Function<Chunk<Long>, Object> work) {
        return UnitCost.of(work);
    }
}
