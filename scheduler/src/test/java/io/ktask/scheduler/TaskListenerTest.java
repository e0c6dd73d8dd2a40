package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.ktask.scheduler.internal.TaskHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/** Task-end reports: {@link TaskHandle#ended}, {@link TaskHandle#close()} and {@link TaskListener}. */
class TaskListenerTest {

    private final KTaskScheduler scheduler = KTaskScheduler.builder().name("listener")
            .topology(NodeTopology.uniform(1, 2)).jmx(false).build();
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final TaskListener recorder = (mode, outcome, nanos) -> seen.add(mode + " " + outcome);

    @AfterEach
    void tearDown() {
        scheduler.dispose();
    }

    @Test
    void aTaskIsReportedOnceWithItsModeOutcomeAndDuration() {
        List<Long> durations = new CopyOnWriteArrayList<>();
        scheduler.addTaskListener(recorder);
        scheduler.addTaskListener((mode, outcome, nanos) -> durations.add(nanos));
        long before = System.nanoTime();
        TaskHandle task = scheduler.openTask();
        long minimum = TimeUnit.MILLISECONDS.toNanos(5);
        while (System.nanoTime() - before < minimum) {
            LockSupport.parkNanos(minimum); // let time pass: the duration must cover it
        }
        task.ended(TaskListener.Mode.ORDERED, TaskListener.Outcome.CANCELLED);
        task.ended(TaskListener.Mode.MERGE, TaskListener.Outcome.COMPLETED); // only the first call counts
        assertThat(seen).isEmpty();
        task.close();
        long elapsed = System.nanoTime() - before;
        task.close();
        assertThat(seen).containsExactly("ORDERED CANCELLED");
        assertThat(durations).singleElement().satisfies(d -> assertThat(d).isBetween(minimum, elapsed));
        assertThat(scheduler.stats().tasksRunning()).isZero();
    }

    @Test
    void aTaskClosedWithoutSayingHowIsReportedAsUnknown() {
        scheduler.addTaskListener(recorder);
        scheduler.openTask().close();
        assertThat(seen).containsExactly("UNKNOWN UNKNOWN");
    }

    @Test
    void onlyTasksOpenedWhileAListenerIsAddedAreReported() {
        TaskHandle before = scheduler.openTask();
        Disposable added = scheduler.addTaskListener(recorder);
        TaskHandle during = scheduler.openTask();
        added.dispose();
        TaskHandle after = scheduler.openTask();
        for (TaskHandle t : List.of(before, during, after)) {
            t.ended(TaskListener.Mode.MERGE, TaskListener.Outcome.FAILED);
            t.close();
        }
        assertThat(seen).containsExactly("MERGE FAILED");
        assertThat(added.isDisposed()).isTrue();
    }

    @Test
    void disposingTwiceRemovesOnlyItsOwnAddition() {
        Disposable first = scheduler.addTaskListener(recorder);
        scheduler.addTaskListener(recorder);
        first.dispose();
        first.dispose();
        scheduler.openTask().close();
        assertThat(seen).containsExactly("UNKNOWN UNKNOWN");
    }

    @Test
    void aFailingListenerReachesNeitherTheTaskNorTheOtherListeners() {
        scheduler.addTaskListener((mode, outcome, nanos) -> {
            throw new IllegalStateException("listener bug");
        });
        scheduler.addTaskListener(recorder);
        TaskHandle task = scheduler.openTask();
        task.ended(TaskListener.Mode.MERGE, TaskListener.Outcome.COMPLETED);
        task.close();
        assertThat(seen).containsExactly("MERGE COMPLETED");
        assertThat(scheduler.stats().tasksRunning()).isZero();
    }

    @Test
    void nullsAreRejectedByName() {
        assertThatThrownBy(() -> scheduler.addTaskListener(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("listener");
        try (TaskHandle task = scheduler.openTask()) {
            assertThatThrownBy(() -> task.ended(null, TaskListener.Outcome.COMPLETED))
                    .isInstanceOf(NullPointerException.class).hasMessage("mode");
            assertThatThrownBy(() -> task.ended(TaskListener.Mode.MERGE, null))
                    .isInstanceOf(NullPointerException.class).hasMessage("outcome");
        }
    }

    @Test
    void racingClosesReportEachTaskOnce() throws Exception {
        AtomicInteger reports = new AtomicInteger();
        scheduler.addTaskListener((mode, outcome, nanos) -> reports.incrementAndGet());
        int tasks = 2_000;
        int threads = 3;
        TaskHandle[] handles = new TaskHandle[tasks];
        for (int i = 0; i < tasks; i++) {
            handles[i] = scheduler.openTask();
        }
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> closers = new CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread closer = new Thread(() -> {
                try {
                    start.await(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (TaskHandle h : handles) {
                    h.close();
                }
            });
            closers.add(closer);
            closer.start();
        }
        for (Thread closer : closers) {
            closer.join(TimeUnit.SECONDS.toMillis(20));
        }
        assertThat(reports).hasValue(tasks);
        assertThat(scheduler.stats().tasksRunning()).isZero();
    }
}
