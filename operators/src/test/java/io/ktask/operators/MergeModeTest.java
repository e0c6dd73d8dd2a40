package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import io.ktask.scheduler.KTaskScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class MergeModeTest {

    static final KTaskScheduler SCHEDULER = KTaskScheduler.create();

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    static long sequentialSum(long start, long count) {
        return LongStream.range(start, start + count).map(MergeModeTest::hash).sum();
    }

    static long hash(long x) {
        long h = x * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 29);
    }

    static long chunkSum(Chunk<Long> c) {
        long s = 0;
        for (long i = c.start(); i < c.end(); i++) {
            s += hash(i);
        }
        return s;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 7, 15, 16, 17, 97, 1000, 1021, 65_537, 10_000_000})
    void rangeSumEqualsSequentialAdaptive(long count) {
        Long total = KTask.range(5, count)
                .transform(KTask.parallelize(MergeModeTest::chunkSum, Long::sum))
                .blockLast();
        assertThat(total).isEqualTo(sequentialSum(5, count));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 9, 10, 11, 99, 100, 101, 997, 100_003})
    void rangeSumEqualsSequentialWithMinChunkAroundSize(long count) {
        for (long minChunk : new long[] {1, 10, 100, count - 1 > 0 ? count - 1 : 1, count, count + 1}) {
            for (int maxThreads : new int[] {1, 2, 3, 8}) {
                KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(MergeModeTest::chunkSum)
                        .merge(Long::sum).minChunk(minChunk).maxThreads(maxThreads).scheduler(SCHEDULER).build();
                Long total = KTask.range(0, count).transform(KTask.parallelize(spec)).blockLast();
                assertThat(total).as("count=%d minChunk=%d maxThreads=%d", count, minChunk, maxThreads)
                        .isEqualTo(sequentialSum(0, count));
            }
        }
    }

    @Test
    void zeroUnitsCompletesWithoutValue() {
        StepVerifier.create(KTask.range(0, 0).transform(KTask.parallelize(MergeModeTest::chunkSum, Long::sum)))
                .verifyComplete();
        StepVerifier.create(Flux.<Long>empty().transform(KTask.parallelize(c -> c.size(), Long::sum)))
                .verifyComplete();
    }

    @Test
    void nonCommutativeMergeKeepsChunkOrder() {
        for (long minChunk : new long[] {1, 3, 50}) {
            KTaskSpec<Long, String> spec = KTaskSpec.<Long, String>of(
                            c -> c.items().stream().map(String::valueOf).collect(Collectors.joining(",", "", ",")))
                    .merge(String::concat).minChunk(minChunk).scheduler(SCHEDULER).build();
            String expected = LongStream.range(0, 1000).mapToObj(String::valueOf).collect(Collectors.joining(",", "", ","));
            assertThat(KTask.range(0, 1000).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(expected);
            assertThat(Flux.range(0, 1000).map(i -> (long) i).transform(KTask.parallelize(spec)).blockLast())
                    .isEqualTo(expected);
        }
    }

    @Test
    void genericUpstreamsEqualSequential() {
        List<Integer> list = Flux.range(0, 100_000).collectList().block();
        long expected = list.stream().mapToLong(i -> hash(i)).sum();
        KTaskSpec<Integer, Long> spec = KTaskSpec.<Integer, Long>of(
                c -> c.items().stream().mapToLong(i -> hash(i)).sum()).merge(Long::sum).minChunk(777).build();
        assertThat(Flux.range(0, 100_000).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(expected);
        assertThat(Flux.fromIterable(list).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(expected);
        assertThat(Flux.fromArray(list.toArray(new Integer[0])).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(expected);
        assertThat(Flux.range(0, 100_000).hide().transform(KTask.parallelize(spec)).blockLast()).isEqualTo(expected);
        assertThat(Flux.range(0, 100_000).map(i -> i).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(expected);
    }

    @Test
    void chunkPositionsCoverTheUpstreamExactlyOnce() {
        KTaskSpec<Integer, List<Long>> spec = KTaskSpec.<Integer, List<Long>>of(c -> {
            assertThat(c.items()).hasSize((int) c.size());
            assertThat(c.items().get(0)).isEqualTo((int) c.start());
            return List.of(c.start(), c.end());
        }).merge((a, b) -> {
            assertThat(a.get(a.size() - 1)).isEqualTo(b.get(0));
            return List.of(a.get(0), b.get(1));
        }).minChunk(64).scheduler(SCHEDULER).build();
        assertThat(Flux.range(0, 10_000).hide().transform(KTask.parallelize(spec)).blockLast()).containsExactly(0L, 10_000L);
    }

    /** The result never depends on how many helpers the limits grant (none, some, or all). */
    @ParameterizedTest
    @ValueSource(strings = {"disabled", "one-helper", "one-per-node", "two-nodes"})
    void resultIsIndependentOfSchedulerLimits(String limits) {
        KTaskScheduler limited = switch (limits) {
            case "disabled" -> KTaskScheduler.builder().name("limits-" + limits).enabled(false).build();
            case "one-helper" -> KTaskScheduler.builder().name("limits-" + limits).maxHelpers(1).build();
            case "one-per-node" -> KTaskScheduler.builder().name("limits-" + limits).maxHelpersPerNode(1).build();
            default -> KTaskScheduler.builder().name("limits-" + limits)
                    .topology(io.ktask.scheduler.NodeTopology.uniform(2, 2)).build();
        };
        try {
            for (long count : new long[] {0, 1, 99, 100, 101, 9_973, 1_000_003}) {
                for (boolean allNodes : new boolean[] {false, true}) {
                    KTaskSpec.Builder<Long, Long> b = KTaskSpec.<Long, Long>of(MergeModeTest::chunkSum)
                            .merge(Long::sum).minChunk(100).scheduler(limited);
                    if (allNodes) {
                        b.allNodes();
                    }
                    Long total = KTask.range(3, count).transform(KTask.parallelize(b.build())).blockLast();
                    assertThat(total == null ? 0L : total).as("%s count=%d allNodes=%s", limits, count, allNodes)
                            .isEqualTo(sequentialSum(3, count));
                }
            }
        } finally {
            limited.dispose();
        }
    }
}
