package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
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

    private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);

    @AfterEach
    void shutdown() {
        executor.shutdownNow();
    }

    @Test
    void taskQueuedWhenTheSchedulerTurnsOutDisposedIsWithdrawnAndNeverRuns() throws Exception {
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        executor.execute(() -> {
            busy.countDown();
            LeaseTest.await(release);
        });
        assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();
        AtomicBoolean ran = new AtomicBoolean();
        assertThatThrownBy(() -> SchedulerTask.schedule(executor, null, () -> ran.set(true), 0, -1,
                TimeUnit.NANOSECONDS, () -> true)).isSameAs(Exceptions.failWithRejected());
        release.countDown();
        CountDownLatch after = new CountDownLatch(1);
        executor.execute(after::countDown);
        assertThat(after.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).isFalse();
    }

    @Test
    void taskThatAlreadyStartedIsAcceptedEvenIfTheSchedulerIsDisposedMeanwhile() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Disposable d = SchedulerTask.schedule(executor, null, () -> {
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
