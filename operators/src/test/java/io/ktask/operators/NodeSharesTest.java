package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** ktask_run_numa on a simulated two-node machine: which node ran which chunk, via Chunk.node(). */
class NodeSharesTest {

    KTaskScheduler scheduler;

    @BeforeEach
    void twoNodes() {
        scheduler = KTaskScheduler.builder().name("numa-test").topology(NodeTopology.uniform(2, 2)).build();
    }

    @AfterEach
    void dispose() {
        scheduler.dispose();
    }

    /** 2 nodes x 2 CPUs, maxThreads 2: one share per node, 8 chunks of 125 units each. */
    @RepeatedTest(20)
    void eachThreadDrainsItsOwnNodesShareFirst() throws InterruptedException {
        Thread caller = Thread.currentThread();
        Map<Long, Integer> nodeOfChunk = new ConcurrentHashMap<>();
        Map<Long, Thread> threadOfChunk = new ConcurrentHashMap<>();
        Map<Thread, Long> firstChunkOf = new ConcurrentHashMap<>();
        CountDownLatch callerStarted = new CountDownLatch(1);
        CountDownLatch helperStarted = new CountDownLatch(1);
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
            nodeOfChunk.put(c.index(), c.node());
            threadOfChunk.put(c.index(), Thread.currentThread());
            boolean first = firstChunkOf.putIfAbsent(Thread.currentThread(), c.index()) == null;
            if (first) {
                // each thread holds its first chunk until the other has claimed its own first one,
                // so neither can drain both shares before the other starts
                boolean isCaller = Thread.currentThread() == caller;
                (isCaller ? callerStarted : helperStarted).countDown();
                Awaits.await(isCaller ? helperStarted : callerStarted);
            }
            return c.size();
        }).merge(Long::sum).minChunk(100).maxThreads(2).allNodes().scheduler(scheduler).build();

        assertThat(KTask.range(0, 1000).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(1000L);

        assertThat(nodeOfChunk).hasSize(8);
        assertThat(firstChunkOf).hasSize(2); // the caller and one helper (maxThreads 2)
        long callerFirst = firstChunkOf.get(caller);
        long helperFirst = firstChunkOf.entrySet().stream().filter(e -> e.getKey() != caller)
                .mapToLong(Map.Entry::getValue).findFirst().orElseThrow();
        int callerNode = nodeOfChunk.get(callerFirst);
        // share n covers chunks [4n, 4n + 4): each thread started at the head of its own node's share
        // (and may then have helped with the other share)
        assertThat(callerFirst).isEqualTo(4L * callerNode);
        assertThat(helperFirst).isEqualTo(4L * (1 - callerNode));
        assertThat(nodeOfChunk.get(helperFirst)).isEqualTo(1 - callerNode);
        threadOfChunk.forEach((i, t) -> assertThat(nodeOfChunk.get(i))
                .isEqualTo(t == caller ? callerNode : 1 - callerNode));
    }

    @Test
    void preferredNodeHostsTheCallerChunksAndHelpers() {
        Map<Long, Integer> nodeOfChunk = new ConcurrentHashMap<>();
        KTaskSpec<Long, Long> spec = onNodeOne(nodeOfChunk);
        assertThat(KTask.range(0, 10_000).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(10_000L);
        // node 1 has room for one helper (80% of 2 CPUs), so every chunk ran on node 1
        assertThat(nodeOfChunk.values()).containsOnly(1);
    }

    @Test
    void helperPlacedPastAFullNodeReportsWhereItRan() throws InterruptedException {
        scheduler.setMaxHelpersPerNode(1, 1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch occupied = new CountDownLatch(1);
        // occupy node 1's only helper slot with a long chunk of another task
        KTaskSpec<Long, Long> blocker = KTaskSpec.<Long, Long>of(c -> {
            occupied.countDown();
            Awaits.await(release);
            return 0L;
        }).merge(Long::sum).minChunk(1).maxThreads(2).node(1).callerRuns(false).scheduler(scheduler).build();
        var blocking = KTask.range(0, 2).transform(KTask.parallelize(blocker)).subscribe();
        try {
            assertThat(occupied.await(10, TimeUnit.SECONDS)).isTrue();
            Map<Long, Integer> nodeOfChunk = new ConcurrentHashMap<>();
            KTaskSpec<Long, Long> spec = onNodeOne(nodeOfChunk);
            assertThat(KTask.range(0, 10_000).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(10_000L);
            assertThat(nodeOfChunk.values()).allMatch(n -> n == 0 || n == 1);
        } finally {
            release.countDown();
            blocking.dispose();
        }
    }

    /** A task preferring node 1 that records, per chunk index, the node its chunk ran on. */
    private KTaskSpec<Long, Long> onNodeOne(Map<Long, Integer> nodeOfChunk) {
        return KTaskSpec.<Long, Long>of(c -> {
            nodeOfChunk.put(c.index(), c.node());
            return c.size();
        }).merge(Long::sum).minChunk(10).maxThreads(2).node(1).scheduler(scheduler).build();
    }
}
