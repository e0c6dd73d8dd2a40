package io.ktask.scheduler;

import io.ktask.scheduler.internal.HelperLease;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import reactor.core.Scannable;
import reactor.core.scheduler.Scheduler;
import reactor.test.StepVerifier;

/** Threads start on first use, retire after the keep-alive, and are all gone after dispose. */
class ThreadLifecycleTest {

    @Test
    void unusedSchedulerStartsNoThread() {
        KTaskScheduler s = KTaskScheduler.builder().name("lifecycle-unused").topology(NodeTopology.uniform(2, 2)).build();
        try {
            s.init();
            s.stats();
            s.createWorker().dispose();
            s.lease(0, 0).close();
            assertThat(threadsNamed("lifecycle-unused-")).isEmpty();
            assertThat(s.liveThreads()).isZero();
        } finally {
            s.dispose();
        }
    }

    @Test
    void idleThreadsRetireAfterKeepAlive() throws Exception {
        KTaskScheduler s = KTaskScheduler.builder().name("lifecycle-idle").topology(NodeTopology.uniform(2, 1)).maxHelpers(2)
                .keepAlive(Duration.ofMillis(50)).build();
        try {
            useWorkersAndHelpers(s);
            awaitTrue(() -> threadsNamed("lifecycle-idle-").isEmpty() && s.liveThreads() == 0,
                    () -> "threads still alive: " + threadsNamed("lifecycle-idle-"));
            // Retired threads come back on demand.
            useWorkersAndHelpers(s);
        } finally {
            s.dispose();
        }
    }

    @Test
    void noThreadLeftAfterDispose() throws Exception {
        KTaskScheduler s = KTaskScheduler.builder().name("lifecycle-dispose").topology(NodeTopology.uniform(2, 1)).maxHelpers(2).build();
        useWorkersAndHelpers(s);
        s.dispose();
        awaitTrue(() -> threadsNamed("lifecycle-dispose-").isEmpty(),
                () -> "threads still alive: " + threadsNamed("lifecycle-dispose-"));
    }

    @Test
    void gracefulDisposeCompletesWhenEveryThreadHasEnded() throws Exception {
        KTaskScheduler s = KTaskScheduler.builder().name("lifecycle-graceful").topology(NodeTopology.uniform(2, 1)).maxHelpers(2).build();
        useWorkersAndHelpers(s);
        StepVerifier.create(s.disposeGracefully()).expectComplete().verify(Duration.ofSeconds(10));
        assertThat(s.liveThreads()).isZero();
        awaitTrue(() -> threadsNamed("lifecycle-graceful-").isEmpty(),
                () -> "threads still alive: " + threadsNamed("lifecycle-graceful-"));
    }

    /**
     * Runs two plain tasks and two helpers at once, each holding its thread until all four are
     * seen running, so the threads are known to exist whatever the keep-alive.
     */
    private static void useWorkersAndHelpers(KTaskScheduler s) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(4);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(4);
        Runnable task = () -> {
            running.countDown();
            LeaseTest.await(release);
            done.countDown();
        };
        Scheduler.Worker worker = s.createWorker(1);
        worker.schedule(task);
        s.createWorker(0).schedule(task);
        try (HelperLease lease = s.lease(2, 0)) {
            assertThat(lease.granted()).isEqualTo(2);
            lease.start(0, task);
            lease.start(1, task);
        }
        assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
        String prefix = Scannable.from(s).name() + "-";
        assertThat(threadsNamed(prefix)).hasSize(4);
        assertThat(s.liveThreads()).isEqualTo(4);
        release.countDown();
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        worker.dispose();
    }

    static List<String> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(prefix)).sorted().collect(Collectors.toList());
    }

    static void awaitTrue(BooleanSupplier condition, java.util.function.Supplier<String> message) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(message.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
