package io.ktask.scheduler;

import java.util.function.BooleanSupplier;

import io.ktask.scheduler.internal.SpareBody;
import io.ktask.scheduler.internal.TaskSpares;
import reactor.core.scheduler.Schedulers;

/**
 * One spare helper, standing in for one blocked call (see {@link Spares}). As the
 * {@link Runnable} given to the helper executor it runs the task's {@link SpareBody} bound to the
 * task, and returns its spare permit when the body returns, whether or not an
 * {@code onSchedule} hook let the body run. As the {@link TaskSpares.Blocked} of the blocked
 * thread it is closed there when the blocking call returns, which the body sees through
 * {@link #getAsBoolean()}.
 */
final class Spare implements Runnable, BooleanSupplier, TaskSpares.Blocked {

    private final Spares task;
    /** The blocked thread's binding: touched by {@link #close()} only, on that thread. */
    private final Spares.Binding blocked;
    private final Runnable work;
    private volatile boolean released;

    /** Runs {@code Schedulers.onSchedule} on the body, on the calling (blocked) thread, as every schedule call does. */
    Spare(Spares task, Spares.Binding blocked, int node) {
        this.task = task;
        this.blocked = blocked;
        SpareBody body = task.body();
        this.work = Schedulers.onSchedule(() -> body.run(node, this));
    }

    /** On the spare's helper thread. */
    @Override
    public void run() {
        TaskSpares outer = task.bind();
        Throwable error = null;
        try {
            work.run();
        } catch (Throwable e) {
            error = e;
        } finally {
            Spares.restore(outer);
            task.limit().release();
        }
        if (error != null) {
            KTaskThread.reportUncaught(error);
        }
    }

    /** @return true once the blocked call has returned */
    @Override
    public boolean getAsBoolean() {
        return released;
    }

    /** On the blocked thread, once its call returned. */
    @Override
    public void close() {
        if (!released) {
            released = true;
            blocked.spare = null;
        }
    }
}
