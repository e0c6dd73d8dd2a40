package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * The per-CPU helper groups' hand-off: an offer succeeds exactly when a thread waits for work,
 * spinning or parked, and what it hands over is taken exactly once, whatever the timing of
 * spinners giving up, offers and interrupts.
 */
class SpinningHandOffTest {

    private static final long SEED = 0x5350494EL;

    @Test
    void anOfferWithNobodyWaitingFailsAndAWaitingThreadTakesIt() throws Exception {
        SpinningHandOff queue = new SpinningHandOff();
        Runnable work = () -> { };
        assertThat(queue.offer(work)).as("no thread waits").isFalse();
        CompletableFuture<Runnable> taken = new CompletableFuture<>();
        Thread poller = new Thread(() -> {
            try {
                taken.complete(queue.poll(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                taken.completeExceptionally(e);
            }
        });
        poller.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean handed = false;
        while (!handed && System.nanoTime() - deadline < 0) {
            handed = queue.offer(work); // succeeds once the poller spins or has parked
        }
        assertThat(handed).isTrue();
        assertThat(taken.get(10, TimeUnit.SECONDS)).isSameAs(work);
        assertThat(queue.offer(work)).as("the poller left").isFalse();
    }

    @Test
    void aSpinnerInterruptedWithNothingHandedOverThrowsAndFreesTheSlot() throws Exception {
        SpinningHandOff queue = new SpinningHandOff();
        Thread.currentThread().interrupt();
        // Interrupted from the start: the spin gives up at once, before any offer can win.
        assertThatThrownBy(() -> queue.poll(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        assertThat(Thread.interrupted()).as("the flag is consumed by the exception").isFalse();
        assertThat(queue.offer(() -> { })).as("no spinner left behind").isFalse();
        assertThat(queue.size()).isZero();
    }

    /**
     * Producers offer while consumers poll with timeouts shorter and longer than the spin, so
     * spinners give up, park, time out and come back at every point of an offer. Invariant:
     * every accepted offer is received exactly once, and no refused one is received at all.
     */
    @Test
    void everyAcceptedOfferIsTakenExactlyOnceUnderRaces() throws Exception {
        long acceptedInAllRounds = 0;
        for (int round = 0; round < 20; round++) {
            long seed = SEED + round;
            try {
                acceptedInAllRounds += raceRound(new SplittableRandom(seed));
            } catch (AssertionError | Exception e) {
                throw new AssertionError("round " + round + " failed; replay with seed " + seed + ": " + e, e);
            }
        }
        // On a loaded machine one round may see no consumer waiting at any offer; twenty cannot all.
        assertThat(acceptedInAllRounds).as("offers accepted in all rounds: the race was exercised").isPositive();
    }

    /** @return the offers accepted in this round */
    private static int raceRound(SplittableRandom random) throws Exception {
        SpinningHandOff queue = new SpinningHandOff();
        int producers = 3;
        int consumers = 3;
        int offersEach = 2_000;
        ConcurrentHashMap<Runnable, Boolean> accepted = new ConcurrentHashMap<>();
        ConcurrentHashMap<Runnable, Integer> received = new ConcurrentHashMap<>();
        AtomicLong refusedReceived = new AtomicLong();
        AtomicInteger producing = new AtomicInteger(producers);
        CyclicBarrier start = new CyclicBarrier(producers + consumers);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            long seed = random.nextLong();
            threads.add(new Thread(() -> {
                SplittableRandom r = new SplittableRandom(seed);
                try {
                    start.await();
                    for (int i = 0; i < offersEach; i++) {
                        Runnable work = new Work(seed, i); // distinct, unlike a lambda capturing nothing
                        // Recorded first: a consumer may take it before offer() returns.
                        accepted.put(work, Boolean.TRUE);
                        if (!queue.offer(work)) {
                            accepted.remove(work);
                        }
                        for (int spin = r.nextInt(200); spin > 0; spin--) {
                            Thread.onSpinWait();
                        }
                    }
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                } finally {
                    producing.decrementAndGet();
                }
            }));
        }
        for (int c = 0; c < consumers; c++) {
            long seed = random.nextLong();
            threads.add(new Thread(() -> {
                SplittableRandom r = new SplittableRandom(seed);
                try {
                    start.await();
                    while (producing.get() > 0) {
                        // 1 us to 200 us: below, around and above the 50 us spin.
                        Runnable work = queue.poll(1_000 + r.nextInt(200_000), TimeUnit.NANOSECONDS);
                        if (work != null) {
                            received.merge(work, 1, Integer::sum);
                            if (!accepted.containsKey(work)) {
                                refusedReceived.incrementAndGet();
                            }
                        }
                    }
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(t.isAlive()).as("thread ended").isFalse();
        }
        assertThat(failures).isEmpty();
        assertThat(refusedReceived).hasValue(0);
        assertThat(received.values()).allMatch(n -> n == 1);
        assertThat(received.keySet()).containsExactlyInAnyOrderElementsOf(accepted.keySet());
        return accepted.size();
    }

    private record Work(long producer, int index) implements Runnable {
        @Override
        public void run() {
        }
    }

    /** An executor's idle spinning threads end when it shuts down, without waiting out their spin or keep-alive. */
    @Test
    void idleThreadsOfAnExecutorEndAtShutdown() throws Exception {
        ThreadPoolExecutor group = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
                new SpinningHandOff());
        CountDownLatch ran = new CountDownLatch(3);
        for (int i = 0; i < 3; i++) {
            group.execute(ran::countDown);
        }
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        group.shutdown();
        assertThat(group.awaitTermination(10, TimeUnit.SECONDS)).as("idle threads ended").isTrue();
    }
}
