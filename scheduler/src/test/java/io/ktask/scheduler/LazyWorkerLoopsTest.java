package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.TaskHandle;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;

/** Worker loops are made on first use of their index (issue 11, cold start), see {@link Pools#worker}. */
class LazyWorkerLoopsTest {

    private static KTaskScheduler build(NodeTopology topology) {
        return KTaskScheduler.builder().name("lazy").topology(topology).jmx(false).enabled(true)
                .keepAlive(Duration.ofMinutes(1)).build();
    }

    @Test
    void tasksAloneMakeNoWorkerLoopAndPlainSchedulingMakesOnlyTheLoopsItUses() throws Exception {
        KTaskScheduler s = build(NodeTopology.uniform(2, 2));
        try {
            CountDownLatch ran = new CountDownLatch(2);
            try (TaskHandle task = s.openTask(); HelperLease lease = task.lease(1, 0)) {
                assertThat(lease.granted()).isEqualTo(1);
                lease.start(0, ran::countDown);
                assertThat(s.startTaskThread(1, ran::countDown)).isTrue();
                assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(s.workersMade()).as("loops made by a task's helpers and own thread").isZero();

            CountDownLatch scheduled = new CountDownLatch(2);
            s.schedule(scheduled::countDown); // round-robin: the first loop of node 0
            Scheduler.Worker onNode1 = s.createWorker(1);
            onNode1.schedule(scheduled::countDown);
            assertThat(scheduled.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(s.workersMade()).isEqualTo(2);
            assertThat(s.scanUnsafe(reactor.core.Scannable.Attr.CAPACITY)).as("capacity counts every loop").isEqualTo(4);
        } finally {
            s.dispose();
        }
    }

    /** Racing first uses of one index all get the one loop whose CAS won: their tasks share its thread. */
    @Test
    void racingFirstUsesOfOneLoopShareIt() throws Exception {
        int racers = 4;
        for (int round = 0; round < 50; round++) {
            KTaskScheduler s = build(NodeTopology.uniform(1, 1));
            try {
                CyclicBarrier start = new CyclicBarrier(racers);
                Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
                CountDownLatch ran = new CountDownLatch(racers);
                Set<Throwable> errors = ConcurrentHashMap.newKeySet();
                Thread[] threads = new Thread[racers];
                for (int i = 0; i < racers; i++) {
                    threads[i] = new Thread(() -> {
                        try {
                            start.await(10, TimeUnit.SECONDS);
                            s.createWorker(0).schedule(() -> {
                                ranOn.add(Thread.currentThread());
                                ran.countDown();
                            });
                        } catch (Exception | Error e) {
                            errors.add(e);
                        }
                    });
                    threads[i].start();
                }
                for (Thread t : threads) {
                    t.join(10_000);
                }
                assertThat(errors).as("round %d: racers' errors", round).isEmpty();
                assertThat(ran.await(10, TimeUnit.SECONDS)).as("round %d: every task ran", round).isTrue();
                assertThat(s.workersMade()).isEqualTo(1);
                assertThat(ranOn).as("round %d: threads the tasks ran on", round).hasSize(1);
            } finally {
                s.dispose();
            }
        }
    }

    /** A shutdown fills the slots never used with stopped loops: a later first use is rejected, and a graceful dispose ends. */
    @Test
    void aShutdownStopsTheLoopsNeverUsedToo() throws Exception {
        KTaskScheduler s = build(NodeTopology.uniform(2, 2));
        Scheduler.Worker used = s.createWorker(0);
        CountDownLatch ran = new CountDownLatch(1);
        used.schedule(ran::countDown);
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(s.workersMade()).isEqualTo(1);

        s.disposeGracefully().block(Duration.ofSeconds(10));
        assertThat(s.workersMade()).as("every slot holds a loop once shut down").isEqualTo(4);
        assertThat(s.liveThreads()).isZero();
        assertThatThrownBy(() -> used.schedule(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    /** Plain scheduling racing a dispose: whatever each first use meets, the graceful end comes and no thread is left. */
    @Test
    void firstUsesRacingADisposeLeaveNoThreadBehind() throws Exception {
        for (int round = 0; round < 30; round++) {
            KTaskScheduler s = build(NodeTopology.uniform(2, 2));
            CyclicBarrier start = new CyclicBarrier(3);
            Set<Throwable> errors = ConcurrentHashMap.newKeySet();
            Thread[] producers = new Thread[2];
            for (int p = 0; p < producers.length; p++) {
                producers[p] = new Thread(() -> {
                    try {
                        start.await(10, TimeUnit.SECONDS);
                        for (int i = 0; i < 8; i++) {
                            s.schedule(() -> { });
                        }
                    } catch (RejectedExecutionException e) {
                        // disposed first: expected in some rounds
                    } catch (Exception | Error e) {
                        errors.add(e);
                    }
                });
                producers[p].start();
            }
            start.await(10, TimeUnit.SECONDS);
            s.disposeGracefully().block(Duration.ofSeconds(10));
            for (Thread t : producers) {
                t.join(10_000);
            }
            assertThat(errors).as("round %d: producers' errors", round).isEmpty();
            assertThat(s.workersMade()).as("round %d: loops", round).isEqualTo(4);
            assertThat(s.liveThreads()).as("round %d: threads alive after the graceful end", round).isZero();
        }
    }
}
