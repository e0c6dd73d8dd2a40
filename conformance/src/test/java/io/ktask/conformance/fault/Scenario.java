package io.ktask.conformance.fault;

import java.util.SplittableRandom;

/**
 * One randomized task, derived entirely from its seed: the same seed always describes the same
 * task (thread timing aside), which is what makes a failure replayable.
 *
 * @param seed the seed everything below was drawn from
 * @param nodes simulated NUMA nodes of the scheduler
 * @param cpusPerNode simulated CPUs per node
 * @param maxHelpers the scheduler's global helper limit
 * @param upstream where the units come from
 * @param start first unit of a {@code KTask.range} upstream
 * @param size number of units (elements)
 * @param minChunk the spec's minimum chunk
 * @param align the spec's chunk alignment
 * @param maxThreads the spec's per-task thread cap
 * @param merge merge mode (one value) rather than ordered mode (one value per chunk)
 * @param failingChunk index of the chunk whose work throws, or -1
 * @param failingMerge the merge call (0-based) that throws, or -1
 * @param failingUndo index of the chunk whose undo throws, or -1
 * @param upstreamErrorAt element position at which a generic upstream fails, or -1
 * @param ending how the subscriber ends the task
 * @param endingChunk for endings triggered from inside a chunk: the chunk index that triggers it
 * @param spinPerUnit busy work per unit, so that chunks overlap and cancels land mid-task
 * @param helpersEnabled false: the scheduler is switched off ({@code setEnabled(false)}), so the
 *     task must run on one thread alone
 * @param callerRuns the spec's {@code callerRuns}
 * @param node the spec's preferred node, {@link #ALL_NODES} for {@code allNodes()}, or
 *     {@link #DEFAULT_NODE} for neither
 */
record Scenario(long seed, int nodes, int cpusPerNode, int maxHelpers, Upstream upstream, long start,
                int size, int minChunk, int align, int maxThreads, boolean merge, int failingChunk,
                int failingMerge, int failingUndo, int upstreamErrorAt, Ending ending, int endingChunk,
                int spinPerUnit, boolean helpersEnabled, boolean callerRuns, int node) {

    /** {@link #node} value: no node option given. */
    static final int DEFAULT_NODE = -1;
    /** {@link #node} value: {@code allNodes()}. */
    static final int ALL_NODES = -2;

    /** The source of the units. */
    enum Upstream { RANGE, ITERABLE, GENERATE }

    /** How the subscriber ends the task. */
    enum Ending {
        /** requests everything and waits for the terminal signal */
        RUN_TO_END,
        /** requests one result at a time */
        ONE_BY_ONE,
        /** cancels from inside the work of chunk {@code endingChunk} */
        CANCEL_IN_CHUNK,
        /** another thread cancels after a random short spin */
        CANCEL_RACE,
        /** {@code timeout(1ms)} downstream */
        TIMEOUT,
        /** {@code take(0)} downstream */
        TAKE_ZERO,
        /** disposes the scheduler from inside the work of chunk {@code endingChunk} */
        DISPOSE_IN_CHUNK
    }

    /** Draws a scenario from {@code seed}, with an ending among {@code endings}. */
    static Scenario random(long seed, Ending... endings) {
        SplittableRandom r = new SplittableRandom(seed);
        Upstream upstream = Upstream.values()[r.nextInt(Upstream.values().length)];
        int size = r.nextInt(10) == 0 ? r.nextInt(3) : 1 + r.nextInt(400);
        int minChunk = 1 + r.nextInt(r.nextBoolean() ? 8 : 60);
        int expectedChunks = Math.max(1, size / minChunk);
        boolean merge = r.nextBoolean();
        int nodes = 1 + r.nextInt(3);
        return new Scenario(seed,
                nodes, 1 + r.nextInt(3), 1 + r.nextInt(4),
                upstream,
                upstream == Upstream.RANGE ? r.nextLong(-1_000_000, 1_000_000) : 0,
                size, minChunk,
                r.nextInt(4) == 0 ? 1 + r.nextInt(6) : 1,
                1 + r.nextInt(4),
                merge,
                r.nextInt(5) == 0 ? r.nextInt(expectedChunks) : -1,
                merge && r.nextInt(8) == 0 ? r.nextInt(expectedChunks) : -1,
                r.nextInt(4) == 0 ? r.nextInt(expectedChunks) : -1,
                upstream != Upstream.RANGE && r.nextInt(6) == 0 ? r.nextInt(size + 1) : -1,
                endings[r.nextInt(endings.length)],
                r.nextInt(expectedChunks),
                r.nextInt(4) == 0 ? 0 : r.nextInt(200),
                // drawn last, so that the scenarios of earlier seeds (named in bug reports) keep their values
                r.nextInt(10) != 0,
                r.nextInt(5) != 0,
                r.nextInt(3) == 0 ? DEFAULT_NODE : r.nextInt(3) == 0 ? ALL_NODES : r.nextInt(nodes));
    }

    /** @return this scenario with {@code callerRuns} forced to the given value */
    Scenario withCallerRuns(boolean callerRuns) {
        return new Scenario(seed, nodes, cpusPerNode, maxHelpers, upstream, start, size, minChunk, align, maxThreads,
                merge, failingChunk, failingMerge, failingUndo, upstreamErrorAt, ending, endingChunk, spinPerUnit,
                helpersEnabled, callerRuns, node);
    }

    /** @return the unit value of position {@code i} (ranges) or the element at position i */
    long element(long i) {
        return upstream == Upstream.RANGE ? start + i : 3 * i + 1;
    }

    /** @return true when no failure is injected at all */
    boolean faultFree() {
        return failingChunk < 0 && failingMerge < 0 && upstreamErrorAt < 0;
    }
}
