package io.ktask.conformance.fault;

import io.ktask.conformance.fault.Injected.Site;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Schedulers;

/**
 * The Reactor hook of one scenario ({@link Shape#hook()}): installed before the pipeline is
 * assembled (assembly hooks act then), reset once the scenario has settled, so that no hook
 * leaks into the next scenario or test class.
 */
final class ScenarioHooks {

    static final String KEY = "ktask-fault-scenario";

    private final Shape.Hook hook;
    private final TaskRecorder recorder;

    ScenarioHooks(Scenario scenario, TaskRecorder recorder) {
        this.hook = scenario.shape().hook();
        this.recorder = recorder;
    }

    void install() {
        switch (hook) {
            case SCHEDULE_HOOK_THROWS -> Schedulers.onScheduleHook(KEY, r -> {
                if (ownRunnable(r) && recorder.scheduleHookThrows()) {
                    throw recorder.fault(Site.SCHEDULE_HOOK, "onSchedule hook for " + r);
                }
                return r;
            });
            case SCHEDULE_HOOK_DECORATES -> Schedulers.onScheduleHook(KEY, recorder.watch::decorate);
            case LIFT_IDENTITY -> Hooks.onEachOperator(KEY, Operators.lift((scannable, actual) -> actual));
            case LIFT_FORWARDING -> Hooks.onEachOperator(KEY, Operators.lift((scannable, actual) -> new Forwarding<>(actual)));
            case DEBUG_AND_CHECKPOINT -> Hooks.onOperatorDebug();
            default -> { }
        }
    }

    /** @return {@code upstream} with the scenario's checkpoints, if it has any */
    <T> Flux<T> checkpoints(Flux<T> upstream) {
        return switch (hook) {
            case DEBUG_AND_CHECKPOINT -> upstream.checkpoint("fault-upstream");
            case TWO_CHECKPOINTS -> upstream.checkpoint().checkpoint("fault-upstream", true);
            default -> upstream;
        };
    }

    /** Resets every hook any scenario installs (idempotent). */
    static void reset() {
        Schedulers.resetOnScheduleHook(KEY);
        Hooks.resetOnEachOperator(KEY);
        Hooks.resetOnOperatorDebug();
    }

    /**
     * The throwing hook throws only for the task's own runnables (helpers, task threads):
     * Reactor's schedulers (timeout, publishOn, subscribeOn, the suite's own fence) see the
     * same hook, and their failures are not the operator's to report.
     */
    private static boolean ownRunnable(Runnable r) {
        String name = r.getClass().getName();
        return name.startsWith("io.ktask.") && !name.startsWith("io.ktask.conformance.");
    }
}
