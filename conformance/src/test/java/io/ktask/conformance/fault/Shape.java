package io.ktask.conformance.fault;

import java.util.SplittableRandom;

import io.ktask.conformance.fault.Scenario.Family;

/**
 * What a scenario adds around the task beyond the classic suite: the downstream, the subscribing
 * thread, Reactor hooks, fatal errors, a non-compliant upstream's tail. {@link #CLASSIC} is what
 * the classic tests always use.
 *
 * @param downstream what sits between the operator and the subscriber
 * @param limitRate the {@code limitRate} for {@link Downstream#LIMIT_RATE}
 * @param subscribeOnParallel {@code subscribeOn} a one-thread {@code Schedulers.newParallel}
 *     scheduler: the subscriber's first request and later ones come from a non-blocking thread,
 *     which with the default {@code callerRuns} must not run chunks
 * @param undo whether the spec has an undo (without one, merge mode folds eagerly and unemitted
 *     results only go to the discard hook)
 * @param hook the Reactor hook installed while the scenario is assembled and runs
 * @param hookOdds for {@link Hook#SCHEDULE_HOOK_THROWS}: percent of the task's schedules that throw
 * @param fatal faults in work, merge and undo are JVM-fatal errors ({@link InjectedFatal})
 * @param badTail what a {@link Scenario.Upstream#NONCOMPLIANT} upstream signals after {@code onComplete}
 * @param slowChunk index of a chunk whose work lasts until the other threads stop starting chunks
 *     (later chunks finish first, as far ahead as the task's window lets them), or -1
 * @param prefetch the {@code publishOn} prefetch of a {@link Scenario.Upstream#PUBLISH_ON} upstream
 */
record Shape(Downstream downstream, int limitRate, boolean subscribeOnParallel, boolean undo, Hook hook,
             int hookOdds, boolean fatal, BadTail badTail, int slowChunk, int prefetch) {

    /** The classic suite's shape: the subscriber right behind the operator, an undo, no hook. */
    static final Shape CLASSIC = new Shape(Downstream.DIRECT, 0, false, true, Hook.NONE, 0, false, BadTail.NONE, -1, 0);

    /** What sits between the operator and the subscriber. */
    enum Downstream {
        /** the subscriber itself (its own requests, one by one, come from inside onNext) */
        DIRECT,
        /** {@code publishOn(Schedulers.single(), 1)}: every request comes from its delivery loop */
        PUBLISH_ON_ONE,
        /** {@code limitRate(n)}: replenishing requests come from inside onNext, on the emitting thread */
        LIMIT_RATE
    }

    /** A Reactor hook installed for the scenario and reset after it. */
    enum Hook {
        NONE,
        /** {@code Schedulers.onScheduleHook} that throws for some of the task's own schedules */
        SCHEDULE_HOOK_THROWS,
        /** {@code Schedulers.onScheduleHook} that wraps every runnable: chunks on helpers run inside it */
        SCHEDULE_HOOK_DECORATES,
        /** {@code Hooks.onEachOperator(Operators.lift(..))} returning the subscriber itself */
        LIFT_IDENTITY,
        /** {@code Hooks.onEachOperator(Operators.lift(..))} wrapping each subscriber in a forwarding one */
        LIFT_FORWARDING,
        /** {@code Hooks.onOperatorDebug()} and one {@code checkpoint()} on the upstream */
        DEBUG_AND_CHECKPOINT,
        /** two {@code checkpoint}s on the upstream */
        TWO_CHECKPOINTS
    }

    /** What a non-compliant upstream signals after its {@code onComplete}. */
    enum BadTail { NONE, NEXT, ERROR, NEXT_AND_ERROR, COMPLETE_AGAIN }

    private static final int[] PREFETCHES = {1, 4, 32, 256};

    /**
     * Draws the shape of a {@code family} scenario; every field is drawn whatever the family, so
     * the draws (and the scenario a seed names) do not depend on which fields the family uses.
     */
    static Shape random(SplittableRandom r, Family family, int expectedChunks) {
        Downstream downstream = Downstream.values()[r.nextInt(Downstream.values().length)];
        int limitRate = 1 + r.nextInt(8);
        boolean subscribeOn = r.nextInt(family == Family.DOWNSTREAMS ? 2 : 5) == 0;
        boolean undo = r.nextInt(family == Family.TINY_MERGE ? 2 : 5) != 0;
        Hook hook = Hook.values()[1 + r.nextInt(Hook.values().length - 1)];
        int hookOdds = new int[] {25, 50, 100}[r.nextInt(3)];
        BadTail badTail = BadTail.values()[1 + r.nextInt(BadTail.values().length - 1)];
        // tiny merges hold back an early chunk: the rest of a long task then runs into the window
        int slowChunk = r.nextInt(family == Family.TINY_MERGE ? 2 : 8) != 0 ? -1
                : r.nextInt(family == Family.TINY_MERGE ? Math.min(expectedChunks, 8) : expectedChunks);
        int prefetch = PREFETCHES[r.nextInt(PREFETCHES.length)];
        if (family != Family.DOWNSTREAMS && r.nextInt(2) == 0) {
            downstream = Downstream.DIRECT; // the other families mostly keep the plain subscriber
        }
        if (family == Family.FATAL_ERRORS && downstream == Downstream.PUBLISH_ON_ONE) {
            // a fatal error rethrown into publishOn's request loop ends that loop for good (Reactor's
            // rule for fatal errors): its subscriber would never hear of the task's end
            downstream = Downstream.LIMIT_RATE;
        }
        return new Shape(downstream, limitRate, subscribeOn, undo,
                family == Family.HOOKS ? hook : Hook.NONE, hookOdds, family == Family.FATAL_ERRORS,
                family == Family.BAD_UPSTREAMS ? badTail : BadTail.NONE, slowChunk, prefetch);
    }
}
