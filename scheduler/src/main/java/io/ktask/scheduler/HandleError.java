package io.ktask.scheduler;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import reactor.core.Exceptions;
import reactor.core.scheduler.Schedulers;

/**
 * Hands an error thrown by a task to reactor-core's own scheduler error path,
 * {@code Schedulers.handleError(Throwable)}: the current thread's uncaught-exception handler (or,
 * without one, reactor's error log), then the {@link Schedulers#onHandleError} hooks. That method
 * is package-private in reactor-core, so it is looked up once through a private lookup, which
 * works wherever reactor-core is on the class path or an automatic module (as it ships). Where
 * the lookup is refused (a reactor-core without that method, or a module layer that does not
 * open it), the uncaught handler alone is called, as before, and the reason is logged once.
 */
final class HandleError {

    /** reactor-core's {@code Schedulers.handleError(Throwable)}, or null where it cannot be reached. */
    private static final MethodHandle REACTOR = reactorHandleError();

    private HandleError() {
    }

    private static MethodHandle reactorHandleError() {
        try {
            return MethodHandles.privateLookupIn(Schedulers.class, MethodHandles.lookup())
                    .findStatic(Schedulers.class, "handleError", MethodType.methodType(void.class, Throwable.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.logger().warn("ktask cannot reach reactor-core's Schedulers.handleError ({}): errors of tasks go to "
                    + "the thread's uncaught-exception handler only, not to Schedulers.onHandleError hooks", e.toString());
            return null;
        }
    }

    /**
     * Reports {@code error}, thrown by a task running on the current thread, as reactor-core's
     * schedulers do. An exception thrown by the handler or a hook propagates to the caller.
     */
    static void handle(Throwable error) {
        if (REACTOR == null) {
            uncaught(error);
            return;
        }
        try {
            REACTOR.invokeExact(error);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw Exceptions.propagate(e); // a checked exception thrown sneakily by a hook
        }
    }

    /** The fallback: the current thread's uncaught-exception handler alone. */
    static void uncaught(Throwable error) {
        Thread t = Thread.currentThread();
        t.getUncaughtExceptionHandler().uncaughtException(t, Exceptions.unwrap(error));
    }

    /** @return whether errors reach the {@code onHandleError} hooks (for tests) */
    static boolean reachesHooks() {
        return REACTOR != null;
    }
}
