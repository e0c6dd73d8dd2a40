package io.ktask.scheduler;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The {@link TaskHandle} of {@link KTaskScheduler#openTask()}. */
final class TaskRecord implements TaskHandle {

    private final AtomicInteger tasksRunning;
    private final LongAdder chunksDone;
    private final AtomicBoolean closed = new AtomicBoolean();

    TaskRecord(AtomicInteger tasksRunning, LongAdder chunksDone) {
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
    public void close() {
        // Only the first close counts the task as ended, whichever thread it comes from.
        if (closed.compareAndSet(false, true)) {
            tasksRunning.decrementAndGet();
        }
    }
}
