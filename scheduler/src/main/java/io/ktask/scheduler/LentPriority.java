package io.ktask.scheduler;

import io.ktask.scheduler.internal.TaskHandle;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import reactor.util.annotation.Nullable;

/**
 * The priority a task's own thread lends to the task's helpers (ktask: the caller "wills its
 * priority"). Once the own thread has no chunk left to claim, one helper at a time runs at the own
 * thread's nice value instead of the helpers' low one, so a helper starved on a busy machine does
 * not hold the whole task up with its last chunk.
 *
 * <p>Helpers are registered while their body runs ({@link #enter()} and {@link #leave}, on the
 * helper's own thread). At most one of them, the holder, is raised at a time. The holder puts
 * itself back to the helpers' nice value when it leaves and passes the priority on to another
 * registered helper, if any. Who holds it is decided by CAS, and a thread that loses a race leaves
 * the step to the winner.
 *
 * <p>Per helper the state moves {@code RUNNING -> RAISED} (a lender's setpriority landed), and to
 * {@code LEFT} when the body ends. Both moves, with their system call, happen under the helper
 * thread's {@link KTaskThread#niceLock}: a lender and the leaving helper never interleave, so a
 * raise lands only on a body that still runs and is undone by its leave, and a late lender can
 * neither leak its nice into the thread's next body nor undo another task's raise there. The
 * lock is held for one setpriority call, and only by this thread's lender and the thread itself.
 *
 * <p>Thread-safety: {@link #enter()} and {@link #leave} run on the helper's own thread;
 * {@link #lend()} and {@link #withdraw()} may be called from any thread.
 */
final class LentPriority {

    private static final int RUNNING = 0;
    private static final int RAISED = 1;
    private static final int LEFT = 2;

    /** {@link #lent}: nothing lent yet. */
    private static final int NOT_LENT = Integer.MIN_VALUE;
    /** {@link #lent}: the task closed, or the OS refused a raise; final. */
    private static final int WITHDRAWN = Integer.MAX_VALUE;

    private final int helperNice;
    private final LongAdder handOffs;
    private final Set<Helper> running = ConcurrentHashMap.newKeySet();
    /** The one helper raised (or being raised) now, or null. */
    private final AtomicReference<Helper> holder = new AtomicReference<>();
    /** The nice value lent, or {@link #NOT_LENT}, or {@link #WITHDRAWN}. */
    private final AtomicInteger lent = new AtomicInteger(NOT_LENT);

    /**
     * @param helperNice the nice value helpers run at, and go back to
     * @param handOffs counts every raise, for {@link KTaskStats#priorityHandOffs()}
     */
    LentPriority(int helperNice, LongAdder handOffs) {
        this.helperNice = helperNice;
        this.handOffs = handOffs;
    }

    /** A helper body of this task, while it runs. */
    static final class Helper {
        final int tid;
        /** The helper thread's {@link KTaskThread#niceLock}, which guards {@link #state}. */
        final Object niceLock;
        int state = RUNNING;

        Helper(KTaskThread thread) {
            this.tid = thread.tid;
            this.niceLock = thread.niceLock;
        }
    }

    /**
     * Registers the calling helper thread, whose body starts now; it takes the lent priority if
     * no other helper holds it.
     *
     * @return the registration to pass to {@link #leave}, or null if the thread's kernel id is
     *     unknown (not a helper thread, or not Linux): such a thread is never raised
     */
    @Nullable
    Helper enter() {
        if (!(Thread.currentThread() instanceof KTaskThread t) || t.tid < 0) {
            return null;
        }
        Helper helper = new Helper(t);
        running.add(helper);
        // Pairs with leave(): the leaver clears holder then scans, we register then read holder,
        // so at least one of us passes the priority on.
        if (holder.get() == null && isLent(lent.get())) {
            passOn();
        }
        return helper;
    }

    /**
     * Unregisters {@code helper}, whose body has ended (normally or not), on its own thread: its
     * thread goes back to the helpers' nice value before the next body can start on it, and the
     * lent priority moves on to another registered helper.
     */
    void leave(Helper helper) {
        synchronized (helper.niceLock) {
            if (helper.state == RAISED) {
                ThreadPlacement.setThreadNice(helper.tid, helperNice);
            }
            helper.state = LEFT;
        }
        running.remove(helper);
        if (holder.compareAndSet(helper, null)) {
            passOn();
        }
    }

    /**
     * Lends the calling thread's nice value to one registered helper, unless a helper holds it
     * already; see {@link TaskHandle#lendPriority()}.
     *
     * @return true if a helper holds (or is being given) the lent priority when this returns
     */
    boolean lend() {
        int current = lent.get();
        if (current == WITHDRAWN) {
            return false;
        }
        if (current != NOT_LENT && holder.get() != null) {
            return true; // one helper at a time: no system call while one holds it
        }
        if (!ThreadPlacement.isBound()) {
            // The lender is a task's own thread, which never binds libc (it would wait for it):
            // the helpers bind it as they start, and the next call can lend.
            return false;
        }
        int nice = ThreadPlacement.currentThreadNice();
        if (nice == ThreadPlacement.UNKNOWN_NICE || nice >= helperNice) {
            return false; // nothing to lend: helpers already run at this priority or higher
        }
        // Loses only to withdraw(): a closed task lends nothing more.
        while (!lent.compareAndSet(current, nice)) {
            current = lent.get();
            if (current == WITHDRAWN) {
                return false;
            }
        }
        return passOn();
    }

    /** The task closed: no helper is raised from now on (raised ones go back when they leave). */
    void withdraw() {
        lent.set(WITHDRAWN);
    }

    private static boolean isLent(int nice) {
        return nice != NOT_LENT && nice != WITHDRAWN;
    }

    /** Raises one registered helper unless one holds the priority; true if one holds it on return. */
    private boolean passOn() {
        for (Helper helper : running) {
            int nice = lent.get();
            if (!isLent(nice)) {
                return false;
            }
            // Only the thread whose CAS installs a holder raises it: one helper at a time.
            if (holder.compareAndSet(null, helper)) {
                if (raise(helper, nice)) {
                    return true;
                }
                // It left first (and may have cleared holder itself), or the OS refused.
                holder.compareAndSet(helper, null);
            } else {
                return true;
            }
        }
        return holder.get() != null;
    }

    private boolean raise(Helper helper, int nice) {
        synchronized (helper.niceLock) {
            if (helper.state != RUNNING) {
                return false; // it left before we got to it
            }
            if (!ThreadPlacement.setThreadNice(helper.tid, nice)) {
                // No CAP_SYS_NICE nor RLIMIT_NICE (logged once): this task stops asking.
                lent.set(WITHDRAWN);
                return false;
            }
            helper.state = RAISED;
        }
        handOffs.increment();
        return true;
    }
}
