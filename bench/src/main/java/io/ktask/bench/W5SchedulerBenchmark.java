package io.ktask.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.ktask.scheduler.KTaskScheduler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * W5, the scheduler as a plain Reactor {@link Scheduler}: {@code publishOn} hand-off throughput,
 * {@code subscribeOn} of many small Monos, and a ping-pong between two {@code createWorker()}
 * workers. Scores are per element / per hop ({@code @OperationsPerInvocation}); the baseline is
 * {@code Schedulers.parallel()}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = RangeBenchmark.PRE_TOUCH)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 10, time = 1)
public class W5SchedulerBenchmark {

    static final int ELEMENTS = 10_000;
    static final int MONOS = 1_000;
    static final int HOPS = 1_000;

    @Param({"parallel", "boundedElastic", Impl.KTASK})
    String impl;

    private Scheduler scheduler;
    private Scheduler.Worker ping;
    private Scheduler.Worker pong;

    /** Picks the scheduler, creates the two ping-pong workers, and checks each benchmark's result once. */
    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
        switch (impl) {
            case "parallel":
                scheduler = Schedulers.parallel();
                break;
            case "boundedElastic":
                scheduler = Schedulers.boundedElastic();
                break;
            case Impl.KTASK:
                scheduler = KTaskScheduler.create();
                break;
            default:
                throw new IllegalArgumentException("impl must be parallel, boundedElastic or ktask but was " + impl);
        }
        ping = scheduler.createWorker();
        pong = scheduler.createWorker();
        expect("publishOn", publishOn(), (long) ELEMENTS * (ELEMENTS - 1) / 2);
        expect("subscribeOn", subscribeOn(), MONOS);
        expect("pingPong", pingPong(), HOPS);
    }

    private void expect(String what, long actual, long expected) {
        if (actual != expected) {
            tearDown();
            throw new IllegalStateException(what + " on " + impl + " gave " + actual + " but should give " + expected);
        }
    }

    /** Disposes the workers, and the scheduler if it is ours (the shared Reactor ones stay). */
    @TearDown(Level.Trial)
    public void tearDown() {
        ping.dispose();
        pong.dispose();
        if (scheduler instanceof KTaskScheduler) {
            scheduler.dispose();
        }
    }

    /** @return the sum of the elements, after each crossed to a scheduler thread */
    @Benchmark
    @OperationsPerInvocation(ELEMENTS)
    public long publishOn() {
        return Flux.range(0, ELEMENTS).publishOn(scheduler).reduce(0L, (a, b) -> a + b).block();
    }

    /** @return how many Monos ran, each subscribed on a scheduler thread */
    @Benchmark
    @OperationsPerInvocation(MONOS)
    public long subscribeOn() {
        return Flux.range(0, MONOS).flatMap(i -> Mono.fromCallable(() -> i).subscribeOn(scheduler)).count().block();
    }

    /** @return the hops made: each task schedules the next on the other worker */
    @Benchmark
    @OperationsPerInvocation(HOPS)
    public long pingPong() throws InterruptedException {
        AtomicInteger hops = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        ping.schedule(new Hop(hops, done, true));
        if (!done.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("ping-pong on " + impl + " stalled after " + hops.get() + " hops");
        }
        return hops.get();
    }

    /** One hop: counts itself and schedules the next hop on the other worker, until {@link #HOPS}. */
    private final class Hop implements Runnable {

        private final AtomicInteger hops;
        private final CountDownLatch done;
        private final boolean onPing;

        Hop(AtomicInteger hops, CountDownLatch done, boolean onPing) {
            this.hops = hops;
            this.done = done;
            this.onPing = onPing;
        }

        @Override
        public void run() {
            if (hops.incrementAndGet() == HOPS) {
                done.countDown();
            } else {
                (onPing ? pong : ping).schedule(new Hop(hops, done, !onPing));
            }
        }
    }
}
