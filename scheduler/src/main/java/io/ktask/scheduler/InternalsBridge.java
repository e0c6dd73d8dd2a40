package io.ktask.scheduler;

import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.internal.SpareBody;
import io.ktask.scheduler.internal.TaskHandle;
import io.ktask.scheduler.internal.TaskSpares;

/** The scheduler side of {@link SchedulerInternals}: the operator's plumbing, off the public face. */
final class InternalsBridge implements SchedulerInternals.Bridge {

    @Override
    public KTaskScheduler createDefault(KTaskSchedulerBuilder builder) {
        return builder.forFirstTask().build();
    }

    @Override
    public TaskHandle openTask(KTaskScheduler scheduler) {
        return scheduler.openTask();
    }

    @Override
    public HelperLease lease(KTaskScheduler scheduler, int wanted, int preferredNode) {
        return scheduler.lease(wanted, preferredNode);
    }

    @Override
    public boolean startTaskThread(KTaskScheduler scheduler, int node, Runnable body) {
        return scheduler.startTaskThread(node, body);
    }

    @Override
    public boolean returnPermitNow() {
        return Lease.returnCurrentPermit();
    }

    @Override
    public void reportUncaught(Throwable error) {
        KTaskThread.reportUncaught(error);
    }

    @Override
    public boolean stoppedAtOnce(KTaskScheduler scheduler) {
        return scheduler.stoppedAtOnce();
    }

    @Override
    public int enterSignalPriority() {
        return SignalPriority.enter();
    }

    @Override
    public void leaveSignalPriority(int previous) {
        SignalPriority.leave(previous);
    }

    @Override
    public TaskSpares spares(KTaskScheduler scheduler, SpareBody body) {
        return scheduler.spares(body);
    }

    @Override
    public void restoreSpares(TaskSpares previous) {
        Spares.restore(previous);
    }

    @Override
    public TaskSpares.Blocked blocked() {
        return Spares.blocked();
    }
}
