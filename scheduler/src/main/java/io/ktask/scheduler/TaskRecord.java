package io.ktask.scheduler;

import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.TaskHandle;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.atomic.LongAdder;

/** The {@link TaskHandle} of {@link KTaskScheduler#openTask()}. */
final class TaskRecord implements TaskHandle {

    private final KTaskScheduler scheduler;
    private final AtomicInteger tasksRunning;
    private final LongAdder chunksDone;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Made by the first lease: a task that runs on its own thread alone never pays for it. */
    private volatile LentPriority lending;

    private static final AtomicReferenceFieldUpdater<TaskRecord, LentPriority> LENDING =
            AtomicReferenceFieldUpdater.newUpdater(TaskRecord.class, LentPriority.class, "lending");

    TaskRecord(KTaskScheduler scheduler, AtomicInteger tasksRunning, LongAdder chunksDone) {
        this.scheduler = scheduler;
        this.tasksRunning = tasksRunning;
        this.chunksDone = chunksDone;
        tasksRunning.incrementAndGet();
    }

    @Override
    public void chunksDone(long chunks) {
        if (chunks < 0) {
            throw new IllegalArgumentException("chunks must be >= 0 but was " + chunks);
        }
        chunksDone.add(chunks);
    }

    @Override
    public HelperLease lease(int wanted, int preferredNode) {
        LentPriority l = lending;
        if (l == null) {
            // Racing first leases: one instance wins, the others use it.
            LENDING.compareAndSet(this, null, scheduler.newLending());
            l = lending;
        }
        return scheduler.lease(wanted, preferredNode, l);
    }

    @Override
    public boolean lendPriority() {
        LentPriority l = lending;
        return l != null && !closed.get() && l.lend();
    }

    @Override
    public void close() {
        // Only the first close counts the task as ended, whichever thread it comes from.
        if (closed.compareAndSet(false, true)) {
            tasksRunning.decrementAndGet();
        }
        // Read after closed is set: a lending made by a racing lease is withdrawn here, or its
        // lendPriority() sees closed.
        LentPriority l = lending;
        if (l != null) {
            l.withdraw();
        }
    }
}
