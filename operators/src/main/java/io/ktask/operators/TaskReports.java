package io.ktask.operators;

import io.ktask.scheduler.TaskListener;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.internal.TaskHandle;
import reactor.core.CoreSubscriber;
import reactor.util.annotation.Nullable;

/**
 * Who hears how a task goes, besides what its result mode emits: the scheduler (through the
 * task's handle: chunks done, how the task ended, when it is over), the spec's progress listener,
 * and the subscriber, whose last signal runs at the caller's priority.
 *
 * @param <R> the chunk result type
 */
final class TaskReports<R> {

    private final CoreSubscriber<? super R> actual;
    private final TaskHandle handle; // open from subscription; closed by the drain at the end
    @Nullable
    private final TaskProgress progress; // drain-only; null without a listener
    private final TaskListener.Mode mode;
    private final RunningTask<?> task;

    TaskReports(CoreSubscriber<? super R> actual, KTaskSpec<?, R> spec, TaskHandle handle,
            @Nullable TaskProgress progress, RunningTask<?> task) {
        this.actual = actual;
        this.handle = handle;
        this.progress = progress;
        this.mode = spec.merge != null ? TaskListener.Mode.MERGE : TaskListener.Mode.ORDERED;
        this.task = task;
    }

    /** The drain absorbed {@code chunks} finished chunks of {@code units} units in one pass. */
    void absorbed(long chunks, long units) {
        handle.chunksDone(chunks); // one shared-counter update per drain pass, not per chunk
        if (progress != null) {
            progress.finished(chunks, units, task.source().totalUnits(), task.workers().helpersActive);
        }
    }

    /** The task's end is decided: the scheduler's listeners learn how. */
    void ended(TaskListener.Outcome outcome) {
        handle.ended(mode, outcome);
    }

    /** The progress listener's last report, just before the subscriber's last signal. */
    void progressEnded(boolean completed) {
        if (progress != null) {
            progress.end(completed, task.source().totalUnits());
        }
    }

    /** The last signal: {@code error}, or else {@code result} (if any) and completion. */
    void signal(@Nullable R result, @Nullable Throwable error) {
        int priority = SchedulerInternals.enterSignalPriority(); // downstream never at helper priority
        try {
            if (error != null) {
                actual.onError(error);
                return;
            }
            if (result != null) {
                actual.onNext(result);
            }
            actual.onComplete();
        } finally {
            SchedulerInternals.leaveSignalPriority(priority);
        }
    }

    /** Every signal of the task was made: the scheduler counts it as over. Idempotent. */
    void close() {
        handle.close();
    }
}
