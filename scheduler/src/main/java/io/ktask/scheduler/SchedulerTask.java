package io.ktask.scheduler;

import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BooleanSupplier;

import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.scheduler.Schedulers;

/**
 * One task handed to a {@link WorkerLoop}, and the {@link Disposable} its caller gets back: the
 * queue entry and the handle are one object, so a hand-off allocates nothing else but the queue
 * node. Disposing it before it runs means it never runs (a delayed one also leaves its loop's
 * timers at once); disposing it while it runs on another thread interrupts that thread, as
 * reactor-core's schedulers do. A worker's task removes itself from the worker's pending set
 * once it is over.
 *
 * <p>{@link #state} moves by CAS: {@code NEW} (never ran) or {@code WAITING} (a periodic task
 * between runs) {@code -> RUNNING -> FINISHED} or back to {@code WAITING}; any live state
 * {@code -> CANCELLED}, through {@code INTERRUPTING} when the task is running on another thread.
 * {@code NEW -> CANCELLED} is also how a submitter withdraws a task after seeing the scheduler
 * disposed: whichever of that CAS and the first run wins decides whether the task runs or its
 * submitter is told it was rejected.
 */
final class SchedulerTask implements Disposable {

    private static final int NEW = 0;
    private static final int WAITING = 1;
    private static final int RUNNING = 2;
    private static final int INTERRUPTING = 3;
    private static final int FINISHED = 4;
    private static final int CANCELLED = 5;

    /**
     * Delays and periods are capped (about 146 years) so that every due time lies within this of
     * now, as the loop's difference-based comparison of due times needs.
     */
    private static final long MAX_DELAY_NANOS = Long.MAX_VALUE >> 1;

    private static final AtomicIntegerFieldUpdater<SchedulerTask> STATE =
            AtomicIntegerFieldUpdater.newUpdater(SchedulerTask.class, "state");

    private final Runnable task;
    /** The worker's pending tasks, or {@code null} for a task given to the scheduler itself. */
    private final Disposable.Composite parent;
    private final WorkerLoop loop;
    /** {@code < 0}: once; {@code 0}: again as soon as a run ended; {@code > 0}: rate in nanoseconds. */
    private final long period;
    /** Whether {@link #due} applies (delayed or periodic); else the task runs when dequeued. */
    final boolean timed;
    /** When to run next ({@link System#nanoTime()}); written by the submitter, then by the loop. */
    long due;
    /** The loop's filing order while in its timers, else -1; loop thread only. */
    long filed = -1;
    /** The thread running it; written before the CAS to RUNNING, read by dispose() after it. */
    private Thread runner;
    private volatile int state;

    private SchedulerTask(Runnable task, Disposable.Composite parent, WorkerLoop loop, long period, long delayNanos) {
        this.task = task;
        this.parent = parent;
        this.loop = loop;
        this.period = Math.min(period, MAX_DELAY_NANOS);
        this.timed = delayNanos > 0 || period >= 0;
        if (timed) {
            due = System.nanoTime() + Math.min(delayNanos, MAX_DELAY_NANOS);
        }
    }

    /**
     * Decorates {@code task} with {@link Schedulers#onSchedule(Runnable)} (once) and hands it to
     * {@code loop}.
     *
     * @param parent the worker's pending tasks, or {@code null} for the scheduler's own tasks
     * @param period {@code < 0}: run once; {@code 0}: run again as soon as the last run ended;
     *     {@code > 0}: at a fixed rate
     * @param disposed whether the scheduler is disposed now
     * @throws RejectedExecutionException {@link Exceptions#failWithRejected()} if the loop is
     *     shut down or the worker disposed, or if the scheduler was disposed while the task was
     *     being submitted and the task had not started yet
     */
    static Disposable schedule(WorkerLoop loop, Disposable.Composite parent, Runnable task, long delay,
            long period, TimeUnit unit, BooleanSupplier disposed) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(unit, "unit");
        SchedulerTask st = new SchedulerTask(Schedulers.onSchedule(task), parent, loop,
                period < 0 ? -1 : unit.toNanos(period), delay > 0 ? unit.toNanos(delay) : 0);
        if (parent != null && !parent.add(st)) {
            throw Exceptions.failWithRejected();
        }
        try {
            loop.execute(st);
        } catch (RejectedExecutionException e) {
            // Shut down (the task may be queued all the same), or no thread could be started (the
            // loop took it out of its queue). Take it back, unless a thread took it.
            st.withdraw();
            return st;
        }
        // A dispose between the caller's check and the hand-off would drop the task unseen (the
        // loop may have ended already): take it back and say so, unless it already started.
        if (disposed.getAsBoolean()) {
            st.withdraw();
        }
        return st;
    }

    /**
     * Takes back a task just handed in: the loop drops it unrun.
     *
     * @throws RejectedExecutionException {@link Exceptions#failWithRejected()} once withdrawn;
     *     returns normally if a loop thread already started it (or it was disposed meanwhile)
     */
    private void withdraw() {
        // Loses to the first run (or to a dispose): then the submitter keeps the task.
        if (STATE.compareAndSet(this, NEW, CANCELLED)) {
            cancelled(NEW);
            throw Exceptions.failWithRejected();
        }
    }

    /**
     * Cancels a task that is not running because no thread could be started to run it.
     *
     * @return true if it was waiting to run (never ran, or a periodic task between runs), so that
     *     its submitter, told it was accepted, must learn of the drop another way
     */
    boolean dropUnrun() {
        int s = state;
        // Loses only to a dispose (no thread can run it): then nobody needs telling.
        if ((s == NEW || s == WAITING) && STATE.compareAndSet(this, s, CANCELLED)) {
            cancelled(s);
            return true;
        }
        return false;
    }

    /**
     * Runs the task once, unless it was disposed. Called by the loop thread only.
     *
     * @return whether it is periodic and must run again
     */
    boolean run() {
        runner = Thread.currentThread();
        int s = state;
        if (parent != null && parent.isDisposed()) {
            // Its worker is being disposed: the composite cancels its tasks one at a time, and the
            // interrupt of one that was running may end that run before the composite reaches
            // this one. A disposed worker starts nothing. Loses only to that dispose() itself.
            if ((s == NEW || s == WAITING) && STATE.compareAndSet(this, s, CANCELLED)) {
                parent.remove(this);
            }
            return false;
        }
        // Loses only to dispose() or to a withdrawing submitter: then it must not run.
        if ((s != NEW && s != WAITING) || !STATE.compareAndSet(this, s, RUNNING)) {
            return false;
        }
        Error fatal = null;
        try {
            task.run();
        } catch (Throwable e) {
            // A periodic task keeps its schedule after an error, as reactor-core's schedulers do.
            fatal = report(e);
        }
        boolean again = period >= 0 && fatal == null;
        // Loses only to dispose() during the run.
        if (STATE.compareAndSet(this, RUNNING, again ? WAITING : FINISHED)) {
            if (!again && parent != null) {
                parent.remove(this);
            }
        } else {
            again = false;
            // The interrupt of a concurrent dispose() must land before the loop clears the flag,
            // never in the next task.
            while (state == INTERRUPTING) {
                Thread.onSpinWait();
            }
        }
        if (fatal != null) {
            // Ends the loop's thread (a periodic task stops too); the loop gets a fresh one.
            throw fatal;
        }
        return again;
    }

    /**
     * Hands a task's error to the thread's uncaught-exception handler. The handler is application
     * code: an exception it throws is ignored, as the JVM ignores one from a dying thread's
     * handler, so that it can neither end the loop nor leave this task RUNNING.
     *
     * @return the handler's error if it is JVM-fatal (the loop's thread must end), else null
     */
    private static Error report(Throwable error) {
        try {
            KTaskThread.reportUncaught(error);
            return null;
        } catch (Throwable handlerError) {
            return Exceptions.isJvmFatal(handlerError) ? (Error) handlerError : null;
        }
    }

    /**
     * @return when a periodic task that just ran at {@code now} (at or after {@link #due}) runs
     *     next: at most a capped period from now
     */
    long nextDue(long now) {
        return period == 0 ? now : due + period;
    }

    boolean isPeriodic() {
        return period >= 0;
    }

    @Override
    public void dispose() {
        for (;;) {
            int s = state;
            if (s >= INTERRUPTING) {
                return;
            }
            if (s == RUNNING && runner != Thread.currentThread()) {
                // Loses to the run ending or to another dispose(): look again.
                if (STATE.compareAndSet(this, RUNNING, INTERRUPTING)) {
                    try {
                        runner.interrupt();
                    } finally {
                        state = CANCELLED;
                    }
                    cancelled(RUNNING);
                    return;
                }
            } else if (STATE.compareAndSet(this, s, CANCELLED)) {
                // Loses to the run starting or ending, or to another dispose(): look again. A
                // task disposing itself from its own run is not interrupted.
                cancelled(s);
                return;
            }
        }
    }

    private void cancelled(int from) {
        if (timed && from != RUNNING) {
            loop.unfile(this);
        }
        if (parent != null) {
            parent.remove(this);
        }
    }

    @Override
    public boolean isDisposed() {
        return state >= INTERRUPTING;
    }
}
