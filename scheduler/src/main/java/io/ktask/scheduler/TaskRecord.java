package io.ktask.scheduler;

import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.TaskHandle;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/** The {@link TaskHandle} of {@link KTaskScheduler#openTask()}. */
final class TaskRecord implements TaskHandle {

    private final KTaskScheduler scheduler;
    /** 1 once closed (a field, not an AtomicBoolean: one object less per task). */
    private volatile int closed;
    /** The listeners when the task opened, and its start ({@link System#nanoTime()}) if there are any. */
    private final TaskListener[] listeners;
    private final long startNanos;
    /** How the task ends ({@link #ended}): 0 until said, then 1 + mode * outcomes + outcome. */
    private volatile int end;
    /** Made by the first lease: a task that runs on its own thread alone never pays for it. */
    private volatile LentPriority lending;

    private static final AtomicReferenceFieldUpdater<TaskRecord, LentPriority> LENDING =
            AtomicReferenceFieldUpdater.newUpdater(TaskRecord.class, LentPriority.class, "lending");
    private static final AtomicIntegerFieldUpdater<TaskRecord> END =
            AtomicIntegerFieldUpdater.newUpdater(TaskRecord.class, "end");
    private static final AtomicIntegerFieldUpdater<TaskRecord> CLOSED =
            AtomicIntegerFieldUpdater.newUpdater(TaskRecord.class, "closed");
    private static final TaskListener.Mode[] MODES = TaskListener.Mode.values();
    private static final TaskListener.Outcome[] OUTCOMES = TaskListener.Outcome.values();

    /** The scheduler's counters are read through {@code scheduler}: one field per task, not two. */
    TaskRecord(KTaskScheduler scheduler, TaskListener[] listeners) {
        this.scheduler = scheduler;
        this.listeners = listeners;
        // No clock read for a scheduler nobody listens to.
        this.startNanos = listeners.length == 0 ? 0 : System.nanoTime();
        scheduler.tasksRunning.incrementAndGet();
    }

    @Override
    public void ended(TaskListener.Mode mode, TaskListener.Outcome outcome) {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(outcome, "outcome");
        int said = 1 + mode.ordinal() * OUTCOMES.length + outcome.ordinal();
        END.compareAndSet(this, 0, said); // only the first call counts
    }

    @Override
    public void chunksDone(long chunks) {
        if (chunks < 0) {
            throw new IllegalArgumentException("chunks must be >= 0 but was " + chunks);
        }
        scheduler.chunksDone.add(chunks);
    }

    @Override
    public boolean helperAwake(int preferredNode) {
        return scheduler.helperAwake(preferredNode);
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
        return l != null && closed == 0 && l.lend();
    }

    @Override
    public void close() {
        // Only the first close counts the task as ended, whichever thread it comes from.
        if (closed == 0 && CLOSED.compareAndSet(this, 0, 1)) {
            scheduler.tasksRunning.decrementAndGet();
            scheduler.taskEnded();
            if (listeners.length != 0) {
                long duration = System.nanoTime() - startNanos;
                int said = end;
                TaskListeners.taskEnded(listeners,
                        said == 0 ? TaskListener.Mode.UNKNOWN : MODES[(said - 1) / OUTCOMES.length],
                        said == 0 ? TaskListener.Outcome.UNKNOWN : OUTCOMES[(said - 1) % OUTCOMES.length], duration);
            }
        }
        // Read after closed is set: a lending made by a racing lease is withdrawn here, or its
        // lendPriority() sees closed.
        LentPriority l = lending;
        if (l != null) {
            l.withdraw();
        }
    }
}
