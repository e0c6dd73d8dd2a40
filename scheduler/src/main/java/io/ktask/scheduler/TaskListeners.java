package io.ktask.scheduler;

import java.util.Arrays;
import java.util.Objects;

import reactor.core.Disposable;
import reactor.core.Exceptions;

/**
 * The {@link TaskListener}s of one scheduler: a copy-on-write array, since listeners are added
 * rarely (a metrics binding) and read by every task that opens.
 */
final class TaskListeners {

    static final TaskListener[] NONE = {};

    private volatile TaskListener[] listeners = NONE;

    /** @return the listeners now; a task opened now reports to these */
    TaskListener[] snapshot() {
        return listeners;
    }

    /** @return a Disposable that removes {@code listener} (the one added by this call) */
    Disposable add(TaskListener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (this) {
            TaskListener[] now = listeners;
            TaskListener[] next = Arrays.copyOf(now, now.length + 1);
            next[now.length] = listener;
            listeners = next;
        }
        return new Disposable() {
            private volatile boolean disposed;

            @Override
            public void dispose() {
                synchronized (TaskListeners.this) {
                    if (!disposed) { // a second dispose must not remove another add of the same listener
                        disposed = true;
                        remove(listener);
                    }
                }
            }

            @Override
            public boolean isDisposed() {
                return disposed;
            }
        };
    }

    /** Called with this object's lock held. */
    private void remove(TaskListener listener) {
        TaskListener[] now = listeners;
        for (int i = 0; i < now.length; i++) {
            if (now[i] == listener) {
                TaskListener[] next = new TaskListener[now.length - 1];
                System.arraycopy(now, 0, next, 0, i);
                System.arraycopy(now, i + 1, next, i, now.length - i - 1);
                listeners = next;
                return;
            }
        }
    }

    /** Tells each of {@code listeners} that a task ended; one listener's failure does not stop the others. */
    static void taskEnded(TaskListener[] listeners, TaskListener.Mode mode, TaskListener.Outcome outcome,
            long durationNanos) {
        for (TaskListener l : listeners) {
            try {
                l.taskEnded(mode, outcome, durationNanos);
            } catch (Throwable e) {
                Exceptions.throwIfJvmFatal(e);
                Log.logger().warn("ktask: TaskListener " + l + " failed", e);
            }
        }
    }
}
