package io.ktask.scheduler;

import java.util.concurrent.RejectedExecutionException;

import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.internal.SpareBody;
import io.ktask.scheduler.internal.TaskSpares;
import reactor.util.annotation.Nullable;

/**
 * The {@link TaskSpares} of one task (the protocol and limits are documented there and in
 * {@link SpareBody}): the calling thread's binding lives in a thread-local, and
 * {@link #blocked()} starts a {@link Spare} on the blocked thread's node when the scheduler's
 * {@link SpareLimit} allows.
 */
final class Spares implements TaskSpares {

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
        Spares task;
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

    Spares(KTaskScheduler scheduler, SpareLimit limit, SpareBody body) {
        this.scheduler = scheduler;
        this.limit = limit;
        this.body = body;
    }

    @Override
    @Nullable
    public TaskSpares bind() {
        Binding binding = BINDING.get();
        Spares previous = binding.task;
        binding.task = this;
        return previous;
    }

    /** See {@link SchedulerInternals#restoreSpares(TaskSpares)}. */
    static void restore(@Nullable TaskSpares previous) {
        BINDING.get().task = (Spares) previous;
    }

    /** See {@link SchedulerInternals#blocked()}. */
    static Blocked blocked() {
        Binding binding = BINDING.get();
        Spares task = binding.task;
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
            scheduler.execute(node, spare);
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
        return "Spares(" + scheduler + ", maxSpares=" + limit.limit() + ")";
    }
}
