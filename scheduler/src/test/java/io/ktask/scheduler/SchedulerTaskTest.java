package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Exceptions;

/**
 * A dispose racing a submission: the submitter either gets the task rejected (and it never runs)
 * or gets it accepted because it already started; it is never accepted and then silently dropped.
 */
class SchedulerTaskTest {

    private final WorkerLoop loop = new WorkerLoop(Executors.defaultThreadFactory(), TimeUnit.SECONDS.toNanos(60));

    @AfterEach
    void shutdown() {
        loop.shutdown(false); // lets the test's last task finish uninterrupted
    }

    private Disposable schedule(Runnable task) {
        return SchedulerTask.schedule(loop, null, task, 0, -1, TimeUnit.NANOSECONDS, () -> false);
    }

    @Test
    void taskQueuedWhenTheSchedulerTurnsOutDisposedIsWithdrawnAndNeverRuns() throws Exception {
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        schedule(() -> {
            busy.countDown();
            LeaseTest.await(release);
        });
        assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();
        AtomicBoolean ran = new AtomicBoolean();
        assertThatThrownBy(() -> SchedulerTask.schedule(loop, null, () -> ran.set(true), 0, -1,
                TimeUnit.NANOSECONDS, () -> true)).isSameAs(Exceptions.failWithRejected());
        release.countDown();
        CountDownLatch after = new CountDownLatch(1);
        schedule(after::countDown);
        assertThat(after.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).isFalse();
    }

    @Test
    void taskThatAlreadyStartedIsAcceptedEvenIfTheSchedulerIsDisposedMeanwhile() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Disposable d = SchedulerTask.schedule(loop, null, () -> {
            started.countDown();
            LeaseTest.await(finish);
        }, 0, -1, TimeUnit.NANOSECONDS, () -> {
            LeaseTest.await(started);
            return true;
        });
        assertThat(d.isDisposed()).isFalse();
        finish.countDown();
    }
}
