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
 * @param shape the downstream, hooks, fatal errors and bad tail around the task
 *     ({@link Shape#CLASSIC} in the classic tests)
 */
record Scenario(long seed, int nodes, int cpusPerNode, int maxHelpers, Upstream upstream, long start,
                int size, int minChunk, int align, int maxThreads, boolean merge, int failingChunk,
                int failingMerge, int failingUndo, int upstreamErrorAt, Ending ending, int endingChunk,
                int spinPerUnit, boolean helpersEnabled, boolean callerRuns, int node, Shape shape) {

    /** {@link #node} value: no node option given. */
    static final int DEFAULT_NODE = -1;
    /** {@link #node} value: {@code allNodes()}. */
    static final int ALL_NODES = -2;

    /** The source of the units. */
    enum Upstream {
        /** {@code KTask.range}: split by arithmetic */
        RANGE,
        /** {@code Flux.fromIterable}: read by synchronous fusion, size unknown */
        ITERABLE,
        /** {@code Flux.generate}: pushes (it refuses fusion across threads) */
        GENERATE,
        /** {@code Flux.fromArray}: read by synchronous fusion, size known */
        ARRAY,
        /** {@code Flux.fromIterable(..).hide()}: pushes on the requesting thread, inside {@code request} */
        HIDE,
        /** {@code publishOn(Schedulers.parallel(), prefetch)}: pushes from a non-blocking thread */
        PUBLISH_ON,
        /** {@code Flux.range(..).map(..)}: pushes (map refuses fusion across threads) */
        MAPPED_RANGE,
        /** a publisher that honours demand but signals again after its {@code onComplete} ({@link Shape#badTail()}) */
        NONCOMPLIANT
    }

    /** A kind of scenario: which upstreams it draws from, and which {@link Shape} it takes. */
    enum Family {
        /** the classic suite: a seed names the same scenario as before the shapes were added */
        CLASSIC(Upstream.RANGE, Upstream.ITERABLE, Upstream.GENERATE),
        /** upstreams that push their elements */
        PUSHING(Upstream.HIDE, Upstream.GENERATE, Upstream.PUBLISH_ON, Upstream.MAPPED_RANGE),
        /** merge mode over fused upstreams, minChunk 1..4, up to 30 000 elements */
        TINY_MERGE(Upstream.ITERABLE, Upstream.ARRAY),
        /** downstreams that request from their delivery loop or onNext; subscribers on parallel() */
        DOWNSTREAMS(Upstream.RANGE, Upstream.ITERABLE, Upstream.ARRAY, Upstream.GENERATE, Upstream.HIDE,
                Upstream.PUBLISH_ON, Upstream.MAPPED_RANGE),
        /** throwing and decorating schedule hooks, operator lifts, debug mode and checkpoints (ranges twice as likely) */
        HOOKS(Upstream.RANGE, Upstream.RANGE, Upstream.ITERABLE, Upstream.ARRAY, Upstream.GENERATE, Upstream.HIDE,
                Upstream.PUBLISH_ON, Upstream.MAPPED_RANGE),
        /** upstreams that signal after their onComplete */
        BAD_UPSTREAMS(Upstream.NONCOMPLIANT),
        /** JVM-fatal errors in work, merge and undo */
        FATAL_ERRORS(Upstream.RANGE, Upstream.ITERABLE, Upstream.ARRAY, Upstream.GENERATE, Upstream.HIDE,
                Upstream.PUBLISH_ON, Upstream.MAPPED_RANGE);

        private final Upstream[] upstreams;

        Family(Upstream... upstreams) {
            this.upstreams = upstreams;
        }
    }

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

    /** Draws a classic scenario from {@code seed}, with an ending among {@code endings}. */
    static Scenario random(long seed, Ending... endings) {
        return random(seed, Family.CLASSIC, endings);
    }

    /**
     * Draws a scenario of {@code family} from {@code seed}, with an ending among {@code endings}.
     * For {@link Family#CLASSIC} the draws are exactly those of the suite before families existed.
     */
    static Scenario random(long seed, Family family, Ending... endings) {
        SplittableRandom r = new SplittableRandom(seed);
        boolean classic = family == Family.CLASSIC;
        boolean tiny = family == Family.TINY_MERGE;
        Upstream upstream = family.upstreams[r.nextInt(family.upstreams.length)];
        int size = tiny ? (r.nextInt(4) == 0 ? 2_000 + r.nextInt(28_000) : 1 + r.nextInt(2_000))
                : r.nextInt(10) == 0 ? r.nextInt(3)
                : !classic && r.nextInt(10) == 0 ? 4_000 + r.nextInt(12_000) // past the request window of a push
                : 1 + r.nextInt(400);
        int minChunk = tiny ? 1 + r.nextInt(4) : 1 + r.nextInt(r.nextBoolean() ? 8 : 60);
        int expectedChunks = Math.max(1, size / minChunk);
        boolean merge = r.nextBoolean() || tiny;
        int nodes = 1 + r.nextInt(3);
        int cpusPerNode = 1 + r.nextInt(3);
        int maxHelpers = 1 + r.nextInt(4);
        long start = upstream == Upstream.RANGE ? r.nextLong(-1_000_000, 1_000_000) : 0;
        int align = r.nextInt(4) == 0 ? 1 + r.nextInt(6) : 1;
        int maxThreads = tiny ? 2 + r.nextInt(3) : 1 + r.nextInt(4); // tiny merges: threads that can run ahead
        int failingChunk = r.nextInt(5) == 0 ? r.nextInt(expectedChunks) : -1;
        int failingMerge = merge && r.nextInt(8) == 0 ? r.nextInt(expectedChunks) : -1;
        int failingUndo = r.nextInt(4) == 0 ? r.nextInt(expectedChunks) : -1;
        int upstreamErrorAt = upstream != Upstream.RANGE && r.nextInt(6) == 0 ? r.nextInt(size + 1) : -1;
        Ending ending = endings[r.nextInt(endings.length)];
        int endingChunk = r.nextInt(expectedChunks);
        int spin = tiny ? (r.nextInt(4) == 0 ? r.nextInt(20) : 0) : r.nextInt(4) == 0 ? 0 : r.nextInt(200);
        // drawn last, so that the scenarios of earlier seeds (named in bug reports) keep their values
        boolean helpersEnabled = r.nextInt(10) != 0;
        boolean callerRuns = r.nextInt(5) != 0;
        int node = r.nextInt(3) == 0 ? DEFAULT_NODE : r.nextInt(3) == 0 ? ALL_NODES : r.nextInt(nodes);
        if (classic) {
            return new Scenario(seed, nodes, cpusPerNode, maxHelpers, upstream, start, size, minChunk, align,
                    maxThreads, merge, failingChunk, failingMerge, failingUndo, upstreamErrorAt, ending, endingChunk,
                    spin, helpersEnabled, callerRuns, node, Shape.CLASSIC);
        }
        Shape shape = Shape.random(r, family, expectedChunks);
        if (shape.fatal() && failingChunk < 0 && failingMerge < 0 && failingUndo < 0) {
            failingChunk = r.nextInt(expectedChunks); // a fatal-error scenario always injects one
        }
        return new Scenario(seed, nodes, cpusPerNode, maxHelpers, upstream, start, size, minChunk, align, maxThreads,
                merge, failingChunk, failingMerge, failingUndo,
                upstream == Upstream.NONCOMPLIANT ? -1 : upstreamErrorAt, ending, endingChunk,
                size > 2_000 ? spin / 50 : spin, // a long task spins little per unit: the suite stays fast
                helpersEnabled, callerRuns, node, shape);
    }

    /** @return this scenario with {@code callerRuns} forced to the given value */
    Scenario withCallerRuns(boolean callerRuns) {
        return new Scenario(seed, nodes, cpusPerNode, maxHelpers, upstream, start, size, minChunk, align, maxThreads,
                merge, failingChunk, failingMerge, failingUndo, upstreamErrorAt, ending, endingChunk, spinPerUnit,
                helpersEnabled, callerRuns, node, shape);
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
