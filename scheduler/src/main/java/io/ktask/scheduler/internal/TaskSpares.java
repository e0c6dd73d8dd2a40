package io.ktask.scheduler.internal;

import io.ktask.scheduler.KTaskScheduler;
import reactor.util.annotation.Nullable;

/**
 * Not API: blocking compensation for one task (cmwq: when a worker blocks, start another so that
 * the queued work is not held up behind it). While a thread running the task's chunks is blocked
 * in a call it declared ({@link SchedulerInternals#blocked()}), the scheduler may run one
 * <i>spare</i> helper for it: a helper thread that runs the task's {@link SpareBody}, so the task
 * keeps as many threads on the CPUs as it had. Obtained once per task from
 * {@link SchedulerInternals#spares(KTaskScheduler, SpareBody)}.
 *
 * <p>Protocol:
 * <ol>
 *   <li>Every thread that runs the task's chunks {@linkplain #bind() binds} itself to it around
 *       its chunk loop, and {@linkplain SchedulerInternals#restoreSpares restores} what it had
 *       before when the loop ends (tasks nest: a chunk may run another task on the same
 *       thread).</li>
 *   <li>Chunk code that is about to block calls {@link SchedulerInternals#blocked()} and closes
 *       what it returns once the blocking call has returned, on the same thread
 *       (try-with-resources).</li>
 *   <li>If the calling thread is bound to a task, is not already standing in a blocked call of
 *       its own, and the scheduler grants a spare permit, a spare starts at once (see
 *       {@link SpareBody} for when it starts, where it runs and how it must stop). Closing tells
 *       it to stop; its permit returns when its body returns.</li>
 * </ol>
 *
 * <p>Limits: at most {@link KTaskScheduler#maxSpares()} spares run at once over the whole
 * scheduler, counted apart from the helper limits (a spare takes no helper permit, so one task's
 * blocked chunks never use up the permits another task needs), and at most one per blocked call.
 * Asking never blocks and never queues: past the limit the blocked call simply has no spare.
 *
 * <p>Thread-safety: {@link #bind()} acts on the calling thread only and may be called from any
 * thread.
 */
public interface TaskSpares {

    /**
     * Binds the calling thread to this task: from now on a {@link SchedulerInternals#blocked()}
     * call on it may start a spare of this task.
     *
     * @return the task the thread was bound to before, or null; pass it to
     *     {@link SchedulerInternals#restoreSpares(TaskSpares)}
     */
    @Nullable
    TaskSpares bind();

    /** What {@link SchedulerInternals#blocked()} returns; close it on the same thread once the blocking call returned. */
    interface Blocked extends AutoCloseable {

        /** The blocking call has returned: a spare started for it stops after its work in hand. Idempotent. */
        @Override
        void close();
    }
}
