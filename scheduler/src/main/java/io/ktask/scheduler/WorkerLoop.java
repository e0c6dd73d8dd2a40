package io.ktask.scheduler;

import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.LockSupport;

import reactor.core.publisher.Operators;
import reactor.util.annotation.Nullable;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;

/**
 * One node worker: a single thread that runs {@link SchedulerTask}s one at a time, in the order
 * they were handed in (delayed ones when due). It replaces a one-thread
 * {@code ScheduledThreadPoolExecutor} because a plain Reactor hand-off is dominated by waking the
 * thread: here a hand-off is a lock-free queue insert, and a thread that just ran a task keeps
 * looking for {@link #SPIN_NANOS} before it parks, so a busy stream of tasks pays no park/unpark.
 *
 * <p>Producers only touch {@link #ready} and {@link #state}; the delayed tasks ({@link #timers})
 * belong to the loop thread alone, so they need no lock: a delayed task travels through
 * {@code ready} and the loop files it. The thread starts on the first task and ends after
 * {@code keepAlive} without work (never while a delayed task waits); a thread killed by a
 * JVM-fatal error is replaced at once if tasks wait.
 *
 * <p>{@link #state} moves by CAS: {@code NO_THREAD -> RUNNING} (a producer starts the thread),
 * {@code RUNNING <-> PARKED} (the loop parks; a producer wakes it), {@code RUNNING -> NO_THREAD}
 * (the loop retires), and to {@code TERMINATED} once shut down with nothing left to run.
 */
final class WorkerLoop implements Runnable {

    /**
     * How long a loop that ran out of tasks keeps looking before it parks: a few wake-up
     * latencies of a Linux VM, so that a ping-pong or a steady stream of tasks never parks, while
     * an idle worker spends at most this much after its last task. It yields rather than burns:
     * on a busy machine the thread that is about to hand it work may be waiting for this CPU.
     */
    static final long SPIN_NANOS = 20_000;

    private static final int NO_THREAD = 0;
    private static final int RUNNING = 1;
    private static final int PARKED = 2;
    private static final int TERMINATED = 3;

    /** Ready tasks polled per round before the timers are looked at again, so neither starves. */
    private static final int BATCH = 256;

    /**
     * Timers by due time, then filing order. Due times are {@link System#nanoTime()} values, which
     * may wrap: they compare by difference, valid as every due lies within
     * {@code SchedulerTask.MAX_DELAY_NANOS} of now.
     */
    static final Comparator<SchedulerTask> BY_DUE = (a, b) -> {
        long d = a.due - b.due;
        return d != 0 ? Long.signum(d) : Long.compare(a.filed, b.filed);
    };

    private static final AtomicIntegerFieldUpdater<WorkerLoop> STATE =
            AtomicIntegerFieldUpdater.newUpdater(WorkerLoop.class, "state");

    private final ThreadFactory factory;
    private final long keepAliveNanos;
    /** Tasks handed in, plus cancelled delayed tasks sent back so that the loop unfiles them. */
    private final Queue<SchedulerTask> ready = Queues.<SchedulerTask>unboundedMultiproducer().get();
    /** Delayed and periodic tasks by due time, then filing order; loop thread only. */
    private final PriorityQueue<SchedulerTask> timers = new PriorityQueue<>(BY_DUE);
    private long filed;
    /** {@code timers.size()} for {@link #buffered()} on other threads. */
    private volatile int timerCount;
    private volatile int state;
    /** The loop's thread: written before it starts, so a producer that saw PARKED unparks it. */
    private volatile Thread thread;
    private volatile boolean shutdown;
    private volatile boolean shutdownNow;

    WorkerLoop(ThreadFactory factory, long keepAliveNanos) {
        this.factory = factory;
        this.keepAliveNanos = keepAliveNanos;
    }

    /**
     * Queues {@code task} (its {@code due} already set) and makes sure a thread will run it.
     *
     * @throws RejectedExecutionException if shut down, or if no thread could be started
     */
    void execute(SchedulerTask task) {
        if (shutdown) {
            throw new RejectedExecutionException("worker shut down");
        }
        ready.offer(task);
        wake(task);
    }

    /** Sends a cancelled delayed task back to the loop, which drops it from its timers at once. */
    void unfile(SchedulerTask task) {
        int s = state;
        // Without a thread the timers are empty: a task still queued is dropped when polled.
        if (s == RUNNING || s == PARKED) {
            ready.offer(task);
            wake(null);
        }
    }

    /** @param own the caller's own task, if any: its submitter learns of a failed thread start */
    private void wake(@Nullable SchedulerTask own) {
        for (;;) {
            int s = state;
            if (s == RUNNING || s == TERMINATED) {
                // RUNNING: the loop looks at the queue again before it parks (see awaitWork).
                return;
            }
            if (s == PARKED) {
                // Loses to another producer waking it, or to the loop's own timeout: look again.
                if (STATE.compareAndSet(this, PARKED, RUNNING)) {
                    LockSupport.unpark(thread);
                    return;
                }
            } else if (STATE.compareAndSet(this, NO_THREAD, RUNNING)) {
                // Loses to another producer starting the thread, or to shutdown: look again.
                startThread(own);
                return;
            }
        }
    }

    /**
     * Starts the loop's thread; the caller holds RUNNING. If no thread can be started, the tasks
     * queued meanwhile by other submitters, who saw RUNNING and were told their task was accepted,
     * would wait for a next hand-off that may never come (or vanish in a shutdown): they are
     * dropped and reported instead ({@link #dropQueued}), and {@code own}'s submitter gets the
     * exception.
     *
     * @throws RejectedExecutionException if no thread could be started
     */
    private void startThread(@Nullable SchedulerTask own) {
        for (;;) {
            try {
                Thread t = factory.newThread(this);
                thread = t;
                t.start();
                return;
            } catch (Throwable e) {
                RejectedExecutionException rejected = new RejectedExecutionException("cannot start a worker thread", e);
                dropQueued(own, rejected);
                leave();
                // A task queued after the drain by a producer that saw RUNNING: try again for it.
                if (ready.isEmpty() || !STATE.compareAndSet(this, NO_THREAD, RUNNING)) {
                    throw rejected;
                }
                own = null;
            }
        }
    }

    /**
     * Drops every queued and filed task but {@code own}, reporting each through
     * {@link Operators#onErrorDropped}. Only while holding RUNNING with no loop thread alive, so
     * the caller is the queue's only consumer and the timers' only user.
     */
    private void dropQueued(@Nullable SchedulerTask own, RejectedExecutionException cause) {
        for (SchedulerTask t; (t = timers.poll()) != null; ) {
            t.filed = -1;
            dropOne(t, cause);
        }
        timerCount = 0;
        for (SchedulerTask t; (t = ready.poll()) != null; ) {
            if (t != own) {
                dropOne(t, cause);
            }
        }
    }

    private static void dropOne(SchedulerTask t, RejectedExecutionException cause) {
        if (t.dropUnrun()) {
            RejectedExecutionException dropped = new RejectedExecutionException(
                    "a scheduled task was dropped: no worker thread could be started", cause);
            Operators.onErrorDropped(dropped, Context.empty());
        }
    }

    /**
     * Gives up RUNNING with no thread left to look at the queue. A shutdown that saw RUNNING left
     * the termination to the loop: finish it here, or a graceful dispose would wait forever.
     */
    private void leave() {
        state = NO_THREAD;
        if (shutdown && STATE.compareAndSet(this, NO_THREAD, TERMINATED)) {
            ready.clear(); // only withdrawn tasks: their submitters were told
        }
    }

    /** The loop thread's body. */
    @Override
    public void run() {
        try {
            loop();
        } catch (Throwable e) {
            if (state != TERMINATED) {
                replaceThread(e);
            }
            throw e;
        }
    }

    /**
     * A JVM-fatal error ended the loop's thread (a task's other errors never do; see
     * {@link SchedulerTask#run()}): hand the loop to a fresh thread if tasks wait, else let the
     * next hand-off start one.
     */
    private void replaceThread(Throwable error) {
        try {
            if (timerCount != 0) {
                // Timers belong to the thread that runs the loop: no hand-off would start one for
                // them. Staying RUNNING (the state is RUNNING or PARKED: only this thread leaves
                // those, or a producer moves PARKED to RUNNING) keeps shutdown out of the way.
                state = RUNNING;
                startThread(null);
                return;
            }
            leave();
            // A producer may have queued after the loop's last look and seen RUNNING.
            if (!ready.isEmpty()) {
                wake(null);
            }
        } catch (RejectedExecutionException noThread) {
            error.addSuppressed(noThread); // the tasks wait for the next hand-off's thread
        }
    }

    private void loop() {
        long lastWork = System.nanoTime();
        boolean shutdownSeen = false;
        for (;;) {
            boolean worked = drainReady();
            worked |= runDueTimers();
            if (shutdownNow) {
                terminate();
                return;
            }
            if (worked) {
                lastWork = System.nanoTime();
                continue;
            }
            if (shutdown) {
                shutdownSeen = true;
                dropPeriodic();
                if (timers.isEmpty() && ready.isEmpty() && STATE.compareAndSet(this, RUNNING, TERMINATED)) {
                    ready.clear(); // only withdrawn tasks can arrive now: their submitters were told
                    return;
                }
            }
            if (!awaitWork(lastWork, shutdownSeen)) {
                return;
            }
        }
    }

    /** @return whether a task ran */
    private boolean drainReady() {
        boolean ran = false;
        // shutdownNow drops what is queued: it must stop the batch, not wait for its end.
        for (int i = 0; i < BATCH && !shutdownNow; i++) {
            SchedulerTask t = ready.poll();
            if (t == null) {
                break;
            }
            if (t.isDisposed()) {
                // Cancelled (possibly sent back by unfile): its timer, if any, goes now.
                if (t.filed >= 0) {
                    timers.remove(t);
                    t.filed = -1;
                    timerCount = timers.size();
                }
            } else if (t.timed && t.due - System.nanoTime() > 0) {
                file(t);
            } else {
                runTask(t);
                ran = true;
            }
        }
        return ran;
    }

    /** @return whether a task ran */
    private boolean runDueTimers() {
        boolean ran = false;
        long now = System.nanoTime();
        for (int i = 0; i < BATCH && !shutdownNow; i++) {
            SchedulerTask t = timers.peek();
            if (t == null || t.due - now > 0) {
                break;
            }
            timers.poll();
            t.filed = -1;
            timerCount = timers.size();
            runTask(t);
            ran = true;
        }
        return ran;
    }

    private void runTask(SchedulerTask t) {
        if (t.run() && !shutdown) {
            t.due = t.nextDue(System.nanoTime());
            file(t);
        }
        // A dispose() that interrupted the task is over by now (run() waits for it): the next
        // task must not inherit the interrupt. shutdownNow's interrupt is read from its flag.
        Thread.interrupted();
    }

    private void file(SchedulerTask t) {
        t.filed = filed++;
        timers.add(t);
        timerCount = timers.size();
    }

    private void dropPeriodic() {
        // As ScheduledThreadPoolExecutor does by default: periodic tasks stop at shutdown,
        // one-shot delayed tasks still run when due.
        if (timers.removeIf(SchedulerTask::isPeriodic)) {
            timerCount = timers.size();
        }
    }

    /**
     * Spins, then parks until a producer wakes the loop, the next timer is due or the keep-alive
     * ends.
     *
     * @return false if the thread retired (nothing to do for a keep-alive)
     */
    private boolean awaitWork(long lastWork, boolean shutdownSeen) {
        Thread.interrupted(); // a stale interrupt would turn parkNanos into a busy loop
        SchedulerTask next = timers.peek();
        if (next == null || next.due - System.nanoTime() > SPIN_NANOS) {
            long spinEnd = System.nanoTime() + SPIN_NANOS;
            do {
                if (!ready.isEmpty() || shutdownNow || shutdown != shutdownSeen) {
                    return true;
                }
                Thread.yield();
            } while (System.nanoTime() - spinEnd < 0);
        }
        state = PARKED;
        // A producer that queued before seeing PARKED returned without waking anyone (it saw
        // RUNNING): look at the queue once more after publishing PARKED.
        if (!ready.isEmpty() || shutdownNow || shutdown != shutdownSeen) {
            STATE.compareAndSet(this, PARKED, RUNNING); // or a producer already did it
            return true;
        }
        long now = System.nanoTime();
        long wait = next != null ? next.due - now : keepAliveNanos - (now - lastWork);
        if (wait > 0) {
            LockSupport.parkNanos(this, wait);
        }
        // Loses to a producer (or shutdown) that woke the loop: there is work to look at.
        if (!STATE.compareAndSet(this, PARKED, RUNNING)) {
            return true;
        }
        if (next != null || shutdown || !ready.isEmpty() || System.nanoTime() - lastWork < keepAliveNanos) {
            return true; // a timer is due, or an early (spurious) return of parkNanos
        }
        leave();
        // A producer may have queued after the last look and seen RUNNING: keep this thread if
        // nobody has started another one (nor terminated the loop) meanwhile.
        return !ready.isEmpty() && STATE.compareAndSet(this, NO_THREAD, RUNNING);
    }

    private void terminate() {
        state = TERMINATED;
        timers.clear();
        timerCount = 0;
        ready.clear();
    }

    /**
     * Stops accepting tasks. {@code now}: drops queued tasks and interrupts the running one;
     * otherwise queued tasks and one-shot delayed tasks still run, periodic ones stop. Idempotent.
     */
    void shutdown(boolean now) {
        shutdown = true;
        if (now) {
            shutdownNow = true;
        }
        for (;;) {
            int s = state;
            if (s == TERMINATED) {
                return;
            }
            if (s == NO_THREAD) {
                // Loses to a producer starting the thread: that thread sees the flags.
                if (STATE.compareAndSet(this, NO_THREAD, TERMINATED)) {
                    ready.clear();
                    return;
                }
            } else if (s == PARKED) {
                // Loses to a producer or the loop itself waking it: it sees the flags either way.
                if (STATE.compareAndSet(this, PARKED, RUNNING)) {
                    LockSupport.unpark(thread);
                    return;
                }
            } else {
                Thread t = thread;
                if (now && t != null) {
                    t.interrupt();
                }
                return;
            }
        }
    }

    /** @return whether shut down with no thread left running tasks */
    boolean isTerminated() {
        return state == TERMINATED;
    }

    /** @return the tasks queued now, ready or delayed (an estimate while producers race) */
    int buffered() {
        return ready.size() + timerCount;
    }

}
