package io.ktask.scheduler;

import java.util.concurrent.TimeUnit;

import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.core.scheduler.Scheduler;

/**
 * A {@link Scheduler.Worker} bound to one {@link WorkerLoop} of one node: its tasks run in
 * the order they were scheduled (delayed ones when due), never two at once, on that node.
 * Disposing it cancels every task it has not finished.
 */
final class NodeWorker implements Scheduler.Worker, Scannable {

    private final KTaskScheduler parent;
    private final WorkerLoop loop;
    private final int node;
    /** Tasks scheduled and not yet over; each removes itself when done. */
    private final Disposable.Composite tasks = Disposables.composite();

    NodeWorker(KTaskScheduler parent, WorkerLoop loop, int node) {
        this.parent = parent;
        this.loop = loop;
        this.node = node;
    }

    @Override
    public Disposable schedule(Runnable task) {
        return schedule(task, 0, -1, TimeUnit.NANOSECONDS);
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        return schedule(task, delay, -1, unit);
    }

    @Override
    public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
        return schedule(task, initialDelay, Math.max(0, period), unit);
    }

    private Disposable schedule(Runnable task, long delay, long period, TimeUnit unit) {
        if (tasks.isDisposed()) {
            throw Exceptions.failWithRejected();
        }
        return SchedulerTask.schedule(loop, tasks, task, delay, period, unit, parent.disposedNow);
    }

    @Override
    public void dispose() {
        tasks.dispose();
    }

    @Override
    public boolean isDisposed() {
        return tasks.isDisposed();
    }

    @Override
    @SuppressWarnings("rawtypes") // Scannable declares the parameter raw
    public Object scanUnsafe(Attr key) {
        if (key == Attr.NAME) {
            return parent.name() + ".worker-n" + node;
        }
        if (key == Attr.PARENT) {
            return parent;
        }
        if (key == Attr.TERMINATED || key == Attr.CANCELLED) {
            return isDisposed();
        }
        if (key == Attr.BUFFERED) {
            return tasks.size();
        }
        if (key == Attr.CAPACITY) {
            return 1;
        }
        if (key == Attr.RUN_STYLE) {
            return Attr.RunStyle.ASYNC;
        }
        return null;
    }

    @Override
    public String toString() {
        return parent.name() + ".worker-n" + node;
    }
}
