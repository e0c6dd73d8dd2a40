package io.ktask.conformance.fault;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import reactor.core.publisher.Hooks;
import reactor.core.scheduler.Schedulers;

/**
 * What left a scenario's pipeline other than through its subscriber: errors and values Reactor
 * dropped ({@code Hooks.onErrorDropped}, {@code Hooks.onNextDropped}), and throwables that ended
 * a thread's task (the JVM's default uncaught-exception handler, which the scheduler's threads
 * use, and {@code Schedulers.onHandleError} for Reactor's own threads). Installed for the whole
 * test class; cleared before each scenario.
 */
final class DroppedSignals {

    private static final String KEY = "ktask-fault";

    private final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Object> nexts = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Throwable> uncaught = new ConcurrentLinkedQueue<>();
    /** Where each dropped error that the suite did not inject was dropped: thread and call stack. */
    private final ConcurrentLinkedQueue<String> foreignDrops = new ConcurrentLinkedQueue<>();
    private Thread.UncaughtExceptionHandler previousHandler;

    void install() {
        Hooks.onErrorDropped(this::dropped);
        Hooks.onNextDropped(nexts::add);
        Schedulers.onHandleError(KEY, (thread, e) -> {
            // Schedulers.handleError calls the thread's handler, then this hook: a thread without
            // a handler of its own (a scheduler thread) reaches the default handler below, which
            // already recorded it; Reactor's threads have their own handler, which logs
            if (!(thread.getUncaughtExceptionHandler() instanceof ThreadGroup)) {
                uncaught.add(e);
            }
        });
        previousHandler = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
    }

    void uninstall() {
        Hooks.resetOnErrorDropped();
        Hooks.resetOnNextDropped();
        Schedulers.resetOnHandleError(KEY);
        Thread.setDefaultUncaughtExceptionHandler(previousHandler);
    }

    private void dropped(Throwable e) {
        errors.add(e);
        if (!(e instanceof Injected) && !(e.getCause() instanceof Injected)) {
            // a stray error says little by itself (Reactor's rejection is a stackless singleton)
            StringBuilder where = new StringBuilder(e + " dropped on " + Thread.currentThread().getName() + " at");
            StackTraceElement[] stack = new Throwable().getStackTrace();
            for (int i = 2; i < Math.min(stack.length, 14); i++) {
                where.append("\n        ").append(stack[i]);
            }
            foreignDrops.add(where.toString());
        }
    }

    void clear() {
        foreignDrops.clear();
        errors.clear();
        nexts.clear();
        uncaught.clear();
    }

    List<Throwable> errors() {
        return List.copyOf(errors);
    }

    /** @return where each dropped error that no scenario injected was dropped (thread, stack) */
    List<String> foreignDrops() {
        return List.copyOf(foreignDrops);
    }

    List<Object> nexts() {
        return List.copyOf(nexts);
    }

    /** @return throwables that reached an uncaught-exception handler or Schedulers.onHandleError */
    List<Throwable> uncaught() {
        return List.copyOf(uncaught);
    }
}
