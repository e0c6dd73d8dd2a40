package io.ktask.conformance.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;

import io.ktask.conformance.ThreadsOf;
import io.ktask.conformance.fault.Scenario.Ending;
import io.ktask.conformance.fault.Scenario.Family;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Fault injection at scale: thousands of seeded random tasks (sizes, limits, topologies, faults
 * in work, merge and undo, upstream errors, cancels at random moments, timeout, take(0), the
 * scheduler disposed mid-task), each on a fresh scheduler and judged by {@link Verdict}. The
 * classic tests split by how a task ends, so that a bug in one path does not hide the others;
 * the shape tests ({@link Family}) add pushing upstreams, tiny-chunk merges, re-requesting
 * downstreams, non-blocking subscribers, Reactor hooks, non-compliant upstreams and fatal
 * errors. A failure names its seed; replay it alone with {@code -Dktask.seed=<seed>} (see
 * docs/TESTING.md).
 */
class FaultInjectionTest {

    static final String THREAD_PREFIX = "ktask-fault";

    /** First seed of the fixed sequence; seeds are FIRST_SEED, FIRST_SEED + 1, ... */
    private static final long FIRST_SEED = 20_181_105L;
    private static final int DEFAULT_SCENARIOS = 3_000;
    private static final int MAX_REPORTED = 5;
    private static final Ending[] ALL_ENDINGS = Ending.values();

    private static final DroppedSignals DROPPED = new DroppedSignals();
    /** Subscribes for scenarios whose subscriber is on a non-blocking thread; one thread: work runs in order. */
    private static Scheduler subscriberThread;

    @BeforeAll
    static void recordDroppedSignals() {
        DROPPED.install();
        subscriberThread = Schedulers.newParallel("fault-subscriber", 1, true);
    }

    @AfterAll
    static void restoreHooks() {
        DROPPED.uninstall();
        ScenarioHooks.reset();
        subscriberThread.dispose();
    }

    @AfterEach
    void disposedSchedulersLeaveNoThread() {
        ScenarioHooks.reset(); // also after a scenario that threw out of the runner
        assertThat(ThreadsOf.awaitNone(THREAD_PREFIX)).as("threads of disposed schedulers still alive").isEmpty();
    }

    /** Tasks the subscriber lets finish: they complete, or fail with one KTaskException after undoing. */
    @Test
    void completedAndFailedTasks() throws InterruptedException {
        check("completedAndFailedTasks", DEFAULT_SCENARIOS, Family.CLASSIC, Ending.RUN_TO_END, Ending.ONE_BY_ONE);
    }

    /** Tasks cut short downstream: cancel from a chunk or another thread, timeout(1ms), take(0). */
    @Test
    void cancelledTasks() throws InterruptedException {
        check("cancelledTasks", DEFAULT_SCENARIOS, Family.CLASSIC,
                Ending.CANCEL_IN_CHUNK, Ending.CANCEL_RACE, Ending.TIMEOUT, Ending.TAKE_ZERO);
    }

    /** The scheduler disposed from inside a chunk: the task still ends, all-or-nothing, no leak. */
    @Test
    void schedulerDisposedMidTask() throws InterruptedException {
        check("schedulerDisposedMidTask", DEFAULT_SCENARIOS / 4, Family.CLASSIC, s -> s.withCallerRuns(true),
                Ending.DISPOSE_IN_CHUNK);
    }

    /** The same when the task's own thread is a scheduler thread too ({@code callerRuns(false)}). */
    @Test
    void schedulerDisposedMidTaskWithoutCallerThread() throws InterruptedException {
        check("schedulerDisposedMidTaskWithoutCallerThread", DEFAULT_SCENARIOS / 4, Family.CLASSIC,
                s -> s.withCallerRuns(false), Ending.DISPOSE_IN_CHUNK);
    }

    /** Upstreams that push (hide, generate, publishOn, map over a range): chunks never run on the pushing thread. */
    @Test
    void pushingUpstreams() throws InterruptedException {
        check("pushingUpstreams", DEFAULT_SCENARIOS / 3, Family.PUSHING, ALL_ENDINGS);
    }

    /** Merge mode over fused upstreams in chunks of 1..4 elements: a bounded window, every result folded once. */
    @Test
    void tinyChunkMergesOverFusedUpstreams() throws InterruptedException {
        check("tinyChunkMergesOverFusedUpstreams", DEFAULT_SCENARIOS / 6, Family.TINY_MERGE,
                Ending.RUN_TO_END, Ending.CANCEL_IN_CHUNK, Ending.CANCEL_RACE, Ending.TIMEOUT);
    }

    /**
     * Downstreams that request from their own delivery loop ({@code publishOn(single(), 1)}) or
     * from inside onNext ({@code limitRate}, one by one), subscribers on a non-blocking thread.
     */
    @Test
    void requestingDownstreamsAndNonBlockingSubscribers() throws InterruptedException {
        check("requestingDownstreamsAndNonBlockingSubscribers", DEFAULT_SCENARIOS / 2, Family.DOWNSTREAMS, ALL_ENDINGS);
    }

    /** Throwing and decorating onSchedule hooks, pass-through lifts on every operator, debug mode and checkpoints. */
    @Test
    void throwingAndDecoratingHooks() throws InterruptedException {
        check("throwingAndDecoratingHooks", DEFAULT_SCENARIOS / 2, Family.HOOKS, ALL_ENDINGS);
    }

    /** Upstreams that signal onNext, onError or onComplete again after their onComplete. */
    @Test
    void upstreamsSignallingAfterComplete() throws InterruptedException {
        check("upstreamsSignallingAfterComplete", DEFAULT_SCENARIOS / 4, Family.BAD_UPSTREAMS, ALL_ENDINGS);
    }

    /**
     * JVM-fatal errors in work, merge and undo: reported once and rethrown once. No timeout
     * ending: a fatal error rethrown into timeout's cancel ends that operator before it signals.
     */
    @Test
    void fatalErrors() throws InterruptedException {
        check("fatalErrors", DEFAULT_SCENARIOS / 2, Family.FATAL_ERRORS, Ending.RUN_TO_END, Ending.ONE_BY_ONE,
                Ending.CANCEL_IN_CHUNK, Ending.CANCEL_RACE, Ending.TAKE_ZERO, Ending.DISPOSE_IN_CHUNK);
    }

    private static void check(String test, int scenarios, Family family, Ending... endings) throws InterruptedException {
        check(test, scenarios, family, UnaryOperator.identity(), endings);
    }

    private static void check(String test, int scenarios, Family family, UnaryOperator<Scenario> adjust,
            Ending... endings) throws InterruptedException {
        List<String> failures = new ArrayList<>();
        for (long seed : seeds(scenarios)) {
            Scenario scenario = adjust.apply(Scenario.random(seed, family, endings));
            ScenarioRun run = new ScenarioRun(scenario, subscriberThread);
            DROPPED.clear();
            run.run(DROPPED);
            List<String> broken = Verdict.judge(run, DROPPED);
            if (!broken.isEmpty()) {
                failures.add("seed " + seed + " " + scenario + "\n    " + String.join("\n    ", broken));
                if (failures.size() >= MAX_REPORTED) {
                    break; // enough to diagnose; the rest would only repeat
                }
            }
        }
        assertThat(failures)
                .as("scenarios that broke the contract; replay one with: mvn -B -pl conformance -am verify "
                        + "-Dtest='FaultInjectionTest#" + test + "' -Dsurefire.failIfNoSpecifiedTests=false "
                        + "-Dktask.seed=<seed>")
                .isEmpty();
    }

    /**
     * {@code -Dktask.seed=N}: that one seed; else {@code -Dktask.scenarios} seeds (default
     * {@code scenarios}) from {@code -Dktask.firstSeed} (default {@link #FIRST_SEED}).
     */
    private static long[] seeds(int scenarios) {
        String replay = System.getProperty("ktask.seed");
        if (replay != null) {
            return new long[] {Long.parseLong(replay.trim())};
        }
        long first = Long.getLong("ktask.firstSeed", FIRST_SEED);
        return LongStream.range(first, first + Integer.getInteger("ktask.scenarios", scenarios)).toArray();
    }
}
