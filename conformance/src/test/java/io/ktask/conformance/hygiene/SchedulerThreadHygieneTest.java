package io.ktask.conformance.hygiene;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.ktask.conformance.TestSchedulers;
import io.ktask.conformance.ThreadsOf;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.KTaskStats;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * Resource hygiene, judged from outside through the JVM's thread MXBean: a scheduler nobody uses
 * starts no thread; after dispose() (or disposeGracefully()) none of its threads is left; idle
 * threads retire after the keep-alive; counters return to zero once the work is done.
 * Each test uses its own scheduler name, so thread names tell whose a thread is.
 */
class SchedulerThreadHygieneTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aSchedulerNobodyUsesStartsNoThread() {
        String name = "ktask-hyg-unused";
        KTaskScheduler scheduler = TestSchedulers.create(name, NodeTopology.uniform(2, 2), 3);
        try {
            scheduler.init();
            KTaskStats stats = scheduler.stats();
            try (HelperLease lease = SchedulerInternals.lease(scheduler, 2, 0)) {
                assertThat(lease.granted()).isEqualTo(2); // permits alone are bookkeeping, not threads
            }
            assertThat(stats.helpersRunning()).isZero();
            assertThat(ThreadsOf.alive(name)).isEmpty();
        } finally {
            scheduler.dispose();
        }
    }

    @RepeatedTest(5)
    void disposeLeavesNoThreadOfTheScheduler() throws InterruptedException {
        String name = "ktask-hyg-dispose";
        KTaskScheduler scheduler = TestSchedulers.create(name, NodeTopology.uniform(2, 2), 3);
        keepEveryKindOfThreadBusy(scheduler, name);
        assertThat(ThreadsOf.alive(name)).as("threads kept alive by the 60 s default keep-alive").isNotEmpty();

        scheduler.dispose();

        assertThat(scheduler.isDisposed()).isTrue();
        assertThat(ThreadsOf.awaitNone(name)).as("threads left after dispose()").isEmpty();
    }

    @Test
    void disposeGracefullyCompletesOnlyWhenEveryThreadHasEnded() throws InterruptedException {
        String name = "ktask-hyg-graceful";
        KTaskScheduler scheduler = TestSchedulers.create(name, NodeTopology.uniform(2, 2), 3);
        keepEveryKindOfThreadBusy(scheduler, name);

        scheduler.disposeGracefully().block(WAIT);

        assertThat(ThreadsOf.alive(name)).as("threads alive when disposeGracefully() completed").isEmpty();
    }

    @Test
    void idleThreadsRetireAfterTheKeepAliveWithoutDispose() throws InterruptedException {
        String name = "ktask-hyg-keepalive";
        KTaskScheduler scheduler = KTaskScheduler.builder().name(name).topology(NodeTopology.uniform(1, 2))
                .maxHelpers(1).pinning(false).helperNice(0).keepAlive(Duration.ofMillis(50)).build();
        try {
            keepEveryKindOfThreadBusy(scheduler, name); // proves threads existed; they may already be retiring
            assertThat(ThreadsOf.awaitNone(name)).as("idle threads past a 50 ms keep-alive").isEmpty();
        } finally {
            scheduler.dispose();
        }
    }

    @Test
    void countersReturnToZeroAfterABurstOfTasks() {
        String name = "ktask-hyg-counters";
        KTaskScheduler scheduler = TestSchedulers.create(name, NodeTopology.uniform(2, 2), 2);
        try {
            for (int i = 0; i < 200; i++) {
                KTask.range(0, 10_000).transform(KTask.parallelize(KTaskSpec.<Long, Long>of(chunk -> chunk.size())
                        .merge(Long::sum).minChunk(100).scheduler(scheduler).build())).blockLast(WAIT);
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            KTaskStats stats = scheduler.stats();
            while ((stats.helpersRunning() != 0 || stats.tasksRunning() != 0) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000); // polling with a deadline: a helper returns its permit after emitting
                stats = scheduler.stats();
            }
            assertThat(stats.helpersRunning()).isZero();
            assertThat(stats.tasksRunning()).isZero();
            assertThat(stats.helpersRunningPerNode()).containsOnly(0);
        } finally {
            scheduler.dispose();
        }
    }

    /**
     * Runs a parallel task (helpers), then schedule, a worker and a periodic task (node workers),
     * and waits until each has run at least once, so that every kind of thread has existed.
     *
     * @return the names of the threads the scheduled tasks ran on (all the scheduler's own)
     */
    private static Set<String> keepEveryKindOfThreadBusy(KTaskScheduler scheduler, String name)
            throws InterruptedException {
        Long total = KTask.range(0, 100_000).transform(KTask.parallelize(KTaskSpec.<Long, Long>of(chunk -> chunk.size())
                .merge(Long::sum).minChunk(1_000).scheduler(scheduler).build())).blockLast(WAIT);
        assertThat(total).isEqualTo(100_000L);
        Set<String> ranOn = ConcurrentHashMap.newKeySet();
        CountDownLatch ran = new CountDownLatch(3);
        Runnable probe = () -> {
            ranOn.add(Thread.currentThread().getName());
            ran.countDown();
        };
        scheduler.schedule(probe);
        Scheduler.Worker worker = scheduler.createWorker();
        worker.schedule(probe);
        Disposable periodic = scheduler.schedulePeriodically(probe, 0, 1, TimeUnit.MILLISECONDS);
        assertThat(ran.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        periodic.dispose();
        worker.dispose();
        assertThat(ranOn).isNotEmpty().allMatch(thread -> thread.startsWith(name));
        return ranOn;
    }
}
