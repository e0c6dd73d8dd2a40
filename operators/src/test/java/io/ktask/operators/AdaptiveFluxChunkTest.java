package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * With no {@code minChunk}, a Flux read by synchronous fusion is pulled in chunks sized by the
 * measured cost per element (about {@link UnitCost#TARGET_CHUNK_NANOS} each, growing at most
 * {@link PulledSource#ADAPTIVE_GROWTH}-fold from one timing to the next); a pushing Flux keeps
 * {@link PushedSource#DEFAULT_CHUNK}. Each test has its own work lambda, hence its own cost hint.
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
            c.items().forEach(i -> Busy.spin(2_000));
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
        assertThat(largest).isGreaterThan(PushedSource.DEFAULT_CHUNK).isLessThanOrEqualTo(PulledSource.MAX_ADAPTIVE_CHUNK);
        for (int i = 1; i < chunks.size(); i++) {
            assertThat(chunks.get(i)[1]).as("chunk %d grows at most %dx over the first", i, PulledSource.ADAPTIVE_GROWTH)
                    .isLessThanOrEqualTo(Math.max(chunks.get(0)[1], largestBefore(chunks, i)) * PulledSource.ADAPTIVE_GROWTH);
        }
    }

    private static long largestBefore(List<long[]> chunks, int i) {
        return chunks.subList(0, i).stream().mapToLong(c -> c[1]).max().orElseThrow();
    }

    @Test
    void adaptiveChunksKeepTheAlignment() {
        List<long[]> chunks = chunksOf(Flux.range(0, 100_000), c -> {
            c.items().forEach(i -> Busy.spin(100));
            return seen(c);
        }, 7);

        assertTiles(chunks, 100_000);
        for (long[] c : chunks.subList(0, chunks.size() - 1)) {
            assertThat(c[1] % 7).as("chunk at %d has %d elements", c[0], c[1]).isZero();
        }
    }

    /**
     * Threadlets: a small cheap Flux, once its cost is known, runs on the caller alone. The first
     * tasks time cold code and may call helpers; so may a task whose 16-element probe was timed
     * across a preemption or a GC pause, and the tasks after it until the hint falls back (by
     * half per chunk timed): on a busy 2-CPU host one pause costs several tasks. So the test asks
     * for a long run of caller-only tasks, which a solo path that is gone, or one that a task in
     * a few misses, never gives.
     */
    @Test
    void aSmallCheapFluxRunsOnTheCallerAlone() {
        Function<Chunk<Integer>, long[]> cheap = AdaptiveFluxChunkTest::seen;
        for (int warmUp = 0; warmUp < 20; warmUp++) {
            assertTiles(chunksOf(Flux.range(0, 500), cheap, 1), 500);
        }
        int streak = 0;
        int longest = 0;
        for (int task = 0; task < 400 && longest < 50; task++) {
            List<long[]> chunks = chunksOf(Flux.range(0, 500), cheap, 1);
            assertTiles(chunks, 500);
            streak = chunks.stream().allMatch(c -> c[2] == 1) ? streak + 1 : 0;
            longest = Math.max(longest, streak);
        }
        assertThat(longest).as("the longest run of tasks with every chunk on the caller").isGreaterThanOrEqualTo(50);
    }

    @Test
    void aPushingFluxKeepsTheDefaultChunk() {
        List<long[]> chunks = chunksOf(Flux.range(0, 5_000).hide(), c -> {
            c.items().forEach(i -> Busy.spin(200));
            return seen(c);
        }, 1);

        assertTiles(chunks, 5_000);
        assertThat(chunks).hasSize(5).allMatch(c -> c[1] == PushedSource.DEFAULT_CHUNK || c[0] == 4 * PushedSource.DEFAULT_CHUNK);
    }

    /**
     * Ordered mode: tiny adaptive chunks must not fill the window behind one late helper chunk.
     * The helper's first chunk holds until the caller has run 200 chunks beyond it; with a window
     * of 4 x threads tiny chunks the caller would leave after 8 and the helper would wait in vain.
     * The caller's first chunk after the probe waits for that helper chunk to begin: a nice-19
     * helper on a busy machine (or one binding libc in a fresh JVM) may start later than the
     * 100 ms the caller would need to run everything alone.
     */
    @Test
    void inOrderedModeTheCallerRunsOnFarBeyondALateHelperChunk() {
        // A helper of an earlier test may still hold the permit on its way out: this task's lease
        // must find it free (a CI run saw the task refused, and no helper ran a chunk).
        Awaits.until(() -> SCHEDULER.stats().helpersRunning() == 0, "no helper left from earlier tests");
        CountDownLatch helperHolds = new CountDownLatch(1);
        CountDownLatch callerChunksWhileHeld = new CountDownLatch(200);
        AtomicBoolean callerWaited = new AtomicBoolean();
        AtomicBoolean helperHeld = new AtomicBoolean();
        AtomicBoolean helperReleased = new AtomicBoolean();
        List<long[]> chunks = chunksOf(Flux.range(0, 4_000), c -> {
            c.items().forEach(i -> Busy.spin(25_000));
            if (Thread.currentThread() != caller) {
                if (helperHeld.compareAndSet(false, true)) {
                    helperHolds.countDown();
                    helperReleased.set(await(callerChunksWhileHeld));
                }
            } else if (helperHolds.getCount() == 0) {
                callerChunksWhileHeld.countDown();
            } else if (c.items().get(0) > 0 && callerWaited.compareAndSet(false, true)) {
                await(helperHolds); // once: a failing run must not wait 10 s per chunk
            }
            return seen(c);
        }, 1);

        assertTiles(chunks, 4_000);
        assertThat(helperHeld).as("a helper ran a chunk").isTrue();
        assertThat(helperReleased).as("the caller ran 200 chunks while a helper chunk was held").isTrue();
    }

    /**
     * An Iterable cannot count what remains (its size() is 0 or 1), yet a costly one gets a
     * helper in merge mode: the caller's chunks hold until a helper has run one, in vain if none
     * ever comes (each waits at most 10 s, and then the test fails).
     */
    @Test
    void aCostlyIterableGetsHelpersInMergeModeThoughItsSizeIsUnknown() {
        // A helper of an earlier test may still hold the permit on its way out: the lease made
        // after the probe must find it free, as the caller's chunks then wait inside the work.
        Awaits.until(() -> SCHEDULER.stats().helpersRunning() == 0, "no helper left from earlier tests");
        List<Integer> elements = IntStream.range(0, 4_000).boxed().collect(Collectors.toList());
        CountDownLatch helperRan = new CountDownLatch(1);
        Thread subscriber = Thread.currentThread();
        AtomicBoolean callerWaitedInVain = new AtomicBoolean();
        KTaskSpec<Integer, Long> spec = KTaskSpec.<Integer, Long>of(c -> {
            c.items().forEach(i -> Busy.spin(25_000));
            if (Thread.currentThread() != subscriber) {
                helperRan.countDown();
            } else if (c.start() > 0 && !callerWaitedInVain.get() && !await(helperRan)) {
                callerWaitedInVain.set(true); // once: a failing run must not wait 10 s per chunk
            }
            return (long) c.items().size();
        }).merge(Long::sum).maxThreads(2).scheduler(SCHEDULER).build();

        assertThat(Flux.fromIterable(elements).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(4_000L);
        assertThat(callerWaitedInVain).as("no helper came while the caller waited").isFalse();
        assertThat(helperRan.getCount()).isZero();
    }

    /**
     * One lambda class, two costs: after cheap tasks (a low hint) a costly one still starts with
     * the 16-element probe and grows at most 4x per timing, so it never runs a huge first chunk
     * alone on a stale hint.
     */
    @Test
    void aStaleLowHintStillStartsWithTheProbe() {
        for (int i = 0; i < 10; i++) {
            assertTiles(chunksOfCost(50_000, 0), 50_000);
        }
        List<long[]> costly = chunksOfCost(2_000, 25_000);

        assertTiles(costly, 2_000);
        assertThat(costly.get(0)[1]).isEqualTo(UnitCost.FIRST_PROBE_UNITS);
        for (int i = 1; i < costly.size(); i++) {
            assertThat(costly.get(i)[1]).isLessThanOrEqualTo(largestBefore(costly, i) * PulledSource.ADAPTIVE_GROWTH);
        }
    }

    /** One call site, hence one lambda class and one cost hint, whatever {@code nanosPerElement}. */
    private static List<long[]> chunksOfCost(int count, long nanosPerElement) {
        return chunksOf(Flux.range(0, count), c -> {
            c.items().forEach(i -> Busy.spin(nanosPerElement));
            return seen(c);
        }, 1);
    }

    private static boolean await(CountDownLatch latch) {
        try {
            return latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
