package io.ktask.scheduler;

import java.util.Objects;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.BooleanSupplier;

import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.scheduler.Schedulers;

/**
 * One task handed to an executor, as the {@link Disposable} its caller gets back. Tracks the
 * executor's {@link Future} so that disposing cancels a task that has not run yet (and interrupts
 * one that is running on another thread), and, for a worker's task, removes itself from the
 * worker's set of pending tasks once it is over.
 *
 * <p>{@link #future} moves from {@code null} to the executor's future, and from either to one of
 * the terminal markers {@link #FINISHED} or {@link #CANCELLED}, by CAS. {@link #start} moves once
 * from {@link #NOT_STARTED} to {@link #STARTED} (first run) or to {@link #WITHDRAWN} (the
 * scheduler was disposed while the task was being submitted), by CAS: whichever wins decides
 * whether the task runs or its submitter is told it was rejected.
 */
final class SchedulerTask implements Runnable, Disposable {

    private static final Future<Void> FINISHED = new FutureTask<>(() -> null);
    private static final Future<Void> CANCELLED = new FutureTask<>(() -> null);

    private static final int NOT_STARTED = 0;
    private static final int STARTED = 1;
    private static final int WITHDRAWN = 2;

    private static final AtomicIntegerFieldUpdater<SchedulerTask> START =
            AtomicIntegerFieldUpdater.newUpdater(SchedulerTask.class, "start");

    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<SchedulerTask, Future> FUTURE =
            AtomicReferenceFieldUpdater.newUpdater(SchedulerTask.class, Future.class, "future");

    private final Runnable task;
    /** The worker's pending tasks, or {@code null} for a task given to the scheduler itself. */
    private final Disposable.Composite parent;
    private final boolean periodic;
    private volatile Future<?> future;
    private volatile Thread runner;
    private volatile int start;

    private SchedulerTask(Runnable task, Disposable.Composite parent, boolean periodic) {
        this.task = task;
        this.parent = parent;
        this.periodic = periodic;
    }

    /**
     * Decorates {@code task} with {@link Schedulers#onSchedule(Runnable)} (once) and hands it to
     * {@code executor}.
     *
     * @param parent the worker's pending tasks, or {@code null} for the scheduler's own tasks
     * @param period {@code < 0}: run once; {@code 0}: run again as soon as the last run ended;
     *     {@code > 0}: at a fixed rate
     * @param disposed whether the scheduler is disposed now
     * @throws RejectedExecutionException {@link Exceptions#failWithRejected()} if the executor
     *     is shut down or the worker disposed, or if the scheduler was disposed while the task was
     *     being submitted and the task had not started yet
     */
    static Disposable schedule(ScheduledExecutorService executor, Disposable.Composite parent,
            Runnable task, long delay, long period, TimeUnit unit, BooleanSupplier disposed) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(unit, "unit");
        SchedulerTask st = new SchedulerTask(Schedulers.onSchedule(task), parent, period >= 0);
        if (parent != null && !parent.add(st)) {
            throw Exceptions.failWithRejected();
        }
        try {
            Future<?> f;
            if (period < 0) {
                f = executor.schedule(st, delay, unit);
            } else if (period == 0) {
                f = executor.scheduleWithFixedDelay(st, delay, 1, TimeUnit.NANOSECONDS);
            } else {
                f = executor.scheduleAtFixedRate(st, delay, period, unit);
            }
            st.setFuture(f);
        } catch (RejectedExecutionException e) {
            if (parent != null) {
                parent.remove(st);
            }
            throw Exceptions.failWithRejected();
        }
        // A dispose between the caller's check and the submit would drop the task unseen (its
        // shutdownNow() drains the queue): take it back and say so, unless it already started.
        if (disposed.getAsBoolean() && START.compareAndSet(st, NOT_STARTED, WITHDRAWN)) {
            st.dispose();
            throw Exceptions.failWithRejected();
        }
        return st;
    }

    @Override
    public void run() {
        // Loses only to the submitter withdrawing the task after a dispose: then it never runs.
        if (start != STARTED && !START.compareAndSet(this, NOT_STARTED, STARTED)) {
            return;
        }
        if (future == CANCELLED) {
            // Disposed after the executor took it but before it started: it must not run.
            return;
        }
        runner = Thread.currentThread();
        try {
            task.run();
        } catch (Throwable e) {
            // A periodic task keeps its schedule after an error, as reactor-core's schedulers do.
            KTaskThread.reportUncaught(e);
        } finally {
            runner = null;
            if (!periodic) {
                finish();
            }
        }
    }

    private void finish() {
        for (;;) {
            Future<?> f = future;
            if (f == CANCELLED) {
                return;
            }
            // Loses only to dispose() (then CANCELLED) or to setFuture() (retry with its future).
            if (FUTURE.compareAndSet(this, f, FINISHED)) {
                break;
            }
        }
        if (parent != null) {
            parent.remove(this);
        }
    }

    /** Records the executor's future; cancels it at once if the task was disposed meanwhile. */
    void setFuture(Future<?> f) {
        for (;;) {
            Future<?> current = future;
            if (current == FINISHED) {
                return;
            }
            if (current == CANCELLED) {
                f.cancel(runner != Thread.currentThread());
                return;
            }
            // Loses only to finish() or dispose() running on another thread: look again.
            if (FUTURE.compareAndSet(this, current, f)) {
                return;
            }
        }
    }

    @Override
    public void dispose() {
        for (;;) {
            Future<?> f = future;
            if (f == FINISHED || f == CANCELLED) {
                return;
            }
            // Loses to finish() or setFuture(): look again at what they stored.
            if (FUTURE.compareAndSet(this, f, CANCELLED)) {
                if (f != null) {
                    // A task disposing itself from its own run must not interrupt its thread.
                    f.cancel(runner != Thread.currentThread());
                }
                if (parent != null) {
                    parent.remove(this);
                }
                return;
            }
        }
    }

    @Override
    public boolean isDisposed() {
        Future<?> f = future;
        return f == FINISHED || f == CANCELLED;
    }
}
