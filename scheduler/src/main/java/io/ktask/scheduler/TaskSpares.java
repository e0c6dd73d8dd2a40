package io.ktask.scheduler;

import java.util.concurrent.RejectedExecutionException;

import reactor.util.annotation.Nullable;

/**
 * Blocking compensation for one task (cmwq: when a worker blocks, start another so that the
 * queued work is not held up behind it). While a thread running the task's chunks is blocked in a
 * call it declared ({@link #blocked()}), the scheduler may run one <i>spare</i> helper for it: a
 * helper thread that runs the task's {@link SpareBody}, so the task keeps as many threads on the
 * CPUs as it had. Obtained from {@link KTaskScheduler#spares(SpareBody)}, once per task.
 *
 * <p>Protocol:
 * <ol>
 *   <li>Every thread that runs the task's chunks {@linkplain #bind() binds} itself to it around
 *       its chunk loop, and {@linkplain #restore restores} what it had before when the loop ends
 *       (tasks nest: a chunk may run another task on the same thread).</li>
 *   <li>Chunk code that is about to block calls {@link #blocked()} and closes what it returns once
 *       the blocking call has returned, on the same thread (try-with-resources).</li>
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
 * <p>Thread-safety: {@link #bind()}, {@link #restore} and {@link #blocked()} act on the calling
 * thread only and may be called from any thread.
 */
public final class TaskSpares {

    /** What {@link #blocked()} returns; close it on the same thread once the blocking call returned. */
    public interface Blocked extends AutoCloseable {

        /** The blocking call has returned: a spare started for it stops after its work in hand. Idempotent. */
        @Override
        void close();
    }

    /** Returned when no spare was started: closing it does nothing. */
    private static final Blocked NO_SPARE = new NoSpare();

    /** A class, not a lambda: this class loads in a fresh JVM's first task, where a lambda costs milliseconds. */
    private static final class NoSpare implements Blocked {
        @Override
        public void close() {
        }
    }

    /** Per thread: the task it runs chunks of, and the spare standing in for its blocked call. */
    static final class Binding {
        @Nullable
        TaskSpares task;
        @Nullable
        Spare spare;
    }

    // An anonymous subclass rather than withInitial(lambda), for the same reason.
    private static final ThreadLocal<Binding> BINDING = new ThreadLocal<>() {
        @Override
        protected Binding initialValue() {
            return new Binding();
        }
    };

    private final KTaskScheduler scheduler;
    private final SpareLimit limit;
    private final SpareBody body;

    TaskSpares(KTaskScheduler scheduler, SpareLimit limit, SpareBody body) {
        this.scheduler = scheduler;
        this.limit = limit;
        this.body = body;
    }

    /**
     * Binds the calling thread to this task: from now on a {@link #blocked()} call on it may start
     * a spare of this task.
     *
     * @return the task the thread was bound to before, or null; pass it to {@link #restore}
     */
    @Nullable
    public TaskSpares bind() {
        Binding binding = BINDING.get();
        TaskSpares previous = binding.task;
        binding.task = this;
        return previous;
    }

    /** Binds the calling thread back to {@code previous} (from {@link #bind()}), or to no task. */
    public static void restore(@Nullable TaskSpares previous) {
        BINDING.get().task = previous;
    }

    /**
     * Declares that the calling thread is about to block, and starts a spare for it if the rules
     * of the class comment allow.
     *
     * @return what to close, on this thread, once the blocking call has returned; never null
     * @throws RuntimeException if a {@code Schedulers.onSchedule} hook throws (no spare started)
     */
    public static Blocked blocked() {
        Binding binding = BINDING.get();
        TaskSpares task = binding.task;
        if (task == null || binding.spare != null) {
            return NO_SPARE;
        }
        Spare spare = task.start(binding);
        return spare == null ? NO_SPARE : spare;
    }

    /** @return the spare started for the blocked thread of {@code binding}, or null if none may start */
    @Nullable
    private Spare start(Binding binding) {
        if (!scheduler.isEnabled() || scheduler.isDisposed() || !limit.tryAcquire()) {
            return null;
        }
        int node = Thread.currentThread() instanceof KTaskThread t && t.owner == scheduler
                ? t.node : NodeTopology.ANY_NODE;
        Spare spare;
        try {
            spare = new Spare(this, binding, node);
            scheduler.helpers(node).execute(spare);
        } catch (RejectedExecutionException e) {
            limit.release(); // disposed between the check above and execute(): it never runs
            return null;
        } catch (Throwable e) {
            limit.release(); // an onSchedule hook failed: it never runs
            throw e;
        }
        binding.spare = spare;
        return spare;
    }

    SpareBody body() {
        return body;
    }

    SpareLimit limit() {
        return limit;
    }

    @Override
    public String toString() {
        return "TaskSpares(" + scheduler + ", maxSpares=" + limit.limit() + ")";
    }
}
