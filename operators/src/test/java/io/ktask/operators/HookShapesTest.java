package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Assembly and scheduling hooks (issue 10: D4, D5): a throwing {@code onScheduleHook} fails the
 * task cleanly (undo, one error, counters back to zero), and a range stays a range through any
 * number of assembly-hook layers.
 */
class HookShapesTest {

    static final KTaskScheduler SCHEDULER = KTaskScheduler.builder().name("hooks")
            .topology(NodeTopology.uniform(1, 2)).build();

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    @AfterEach
    void resetHooks() {
        Schedulers.resetOnScheduleHooks();
        Hooks.resetOnOperatorDebug();
        Hooks.resetOnEachOperator();
    }

    static long sum(long from, long to) {
        long s = 0;
        for (long i = from; i < to; i++) {
            s += i;
        }
        return s;
    }

    /**
     * D4: the hook used to throw out of {@code request()}, leaving the task running forever and
     * its finished chunk never undone. Now the task fails with the hook's error, after the undo.
     */
    @Test
    void aThrowingScheduleHookFailsTheTaskAfterItsUndo() {
        for (CallerRuns callerRuns : CallerRuns.values()) {
            RuntimeException hookError = new RuntimeException("hook refuses");
            Schedulers.onScheduleHook("refuse", task -> {
                throw hookError;
            });
            List<Long> undone = new CopyOnWriteArrayList<>();
            KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> sum(c.start(), c.end()))
                    .merge(Long::sum).minChunk(1_000).maxThreads(2).callerRuns(callerRuns)
                    .undo((c, r) -> undone.add(c.index())).scheduler(SCHEDULER).build();
            // A helper of an earlier task may still be on its way out with its permit: wait, so
            // that this task's lease is granted and its helper start meets the hook.
            Awaits.until(() -> SCHEDULER.stats().helpersRunning() == 0, "no helper left from earlier tasks");
            StepVerifier.create(KTask.range(0, 100_000).transform(KTask.parallelize(spec)))
                    .expectErrorSatisfies(e -> assertThat(e).as(callerRuns.name())
                            .isInstanceOf(KTaskException.class).hasCause(hookError))
                    .verify(Duration.ofSeconds(10));
            Awaits.until(() -> SCHEDULER.stats().tasksRunning() == 0, "no task left running: " + callerRuns);
            assertThat(SCHEDULER.stats().helpersRunning()).isZero();
            assertThat(undone).as("every finished chunk is undone").doesNotHaveDuplicates();
            Schedulers.resetOnScheduleHooks();
        }
    }

    /** D5: two checkpoints used to turn range values into element positions. */
    @Test
    void aRangeStaysARangeThroughCheckpoints() {
        assertSumOfValues(KTask.range(5, 10).checkpoint("one").checkpoint("two", true));
    }

    @Test
    void aRangeStaysARangeThroughOperatorDebugAndACheckpoint() {
        Hooks.onOperatorDebug();
        assertSumOfValues(KTask.range(5, 10).checkpoint());
    }

    @Test
    void aRangeStaysARangeThroughATracingLift() {
        AtomicBoolean lifted = new AtomicBoolean();
        Hooks.onEachOperator("trace", Operators.lift((scannable, subscriber) -> {
            lifted.set(true);
            return subscriber;
        }));
        assertSumOfValues(KTask.range(5, 10));
        assertThat(lifted).as("the lift still decorates the operator itself").isTrue();
    }

    /** start()/end() are the range's values (5..14, sum 95), never positions (0..9, sum 45). */
    private static void assertSumOfValues(Flux<Long> range) {
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> sum(c.start(), c.end()))
                .merge(Long::sum).scheduler(SCHEDULER).build();
        StepVerifier.create(range.transform(KTask.parallelize(spec)))
                .expectNext(95L).expectComplete().verify(Duration.ofSeconds(10));
    }
}
