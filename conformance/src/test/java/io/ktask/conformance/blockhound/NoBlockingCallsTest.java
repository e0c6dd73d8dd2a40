package io.ktask.conformance.blockhound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import io.ktask.conformance.TestSchedulers;
import io.ktask.operators.Chunk;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskException;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import io.ktask.scheduler.internal.SchedulerInternals;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockHound;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * BlockHound, in its own JVM (surefire execution {@code blockhound}, with
 * {@code -XX:+AllowRedefinitionToAddDeleteMethods}): neither the operator nor the scheduler makes
 * a blocking call on a non-blocking thread. Non-blocking here means Reactor's
 * {@link reactor.core.scheduler.NonBlocking} threads (Reactor's own integration, which covers
 * the scheduler's worker threads and Schedulers.parallel() callers) and, for these tests only,
 * the scheduler's helper threads, since the chunk work given to them never blocks.
 * Violations are recorded rather than thrown, so one on a helper thread cannot be swallowed.
 * The first task of the JVM and idle workers are judged in tests of their own, so that a failure says which.
 */
class NoBlockingCallsTest {

    private static final String NAME = "ktask-bh";
    private static final ConcurrentLinkedQueue<String> VIOLATIONS = new ConcurrentLinkedQueue<>();
    private static final ConcurrentLinkedQueue<String> IDLE_WORKERS = new ConcurrentLinkedQueue<>();
    private static final List<String> FIRST_USE = new ArrayList<>();
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static KTaskScheduler scheduler;

    @BeforeAll
    static void installBlockHound() {
        // only the `blockhound` surefire execution starts its JVM with the flag; a -Dtest run of
        // the default execution may select this class too, and must skip it rather than fail
        assumeTrue(ManagementFactory.getRuntimeMXBean().getInputArguments()
                .contains("-XX:+AllowRedefinitionToAddDeleteMethods"), "runs in the blockhound JVM only");
        BlockHound.install(builder -> builder
                .nonBlockingThreadPredicate(p -> p.or(t -> t.getName().startsWith(NAME + "-helper")))
                .blockingMethodCallback(NoBlockingCallsTest::record));
        scheduler = TestSchedulers.create(NAME, NodeTopology.uniform(2, 2), 3);
        // the first task of the JVM, subscribed from a NonBlocking thread: anything the scheduler
        // or the operator initializes lazily on that path must not block either
        firstTask().subscribeOn(Schedulers.parallel()).blockLast(WAIT);
        FIRST_USE.addAll(VIOLATIONS);
    }

    /**
     * Sorts a blocking call: an idle pool thread waiting for work (ThreadPoolExecutor.getTask) on
     * a helper is by design (helpers are not NonBlocking; this test only marks them so), but on a
     * NonBlocking worker it is a violation a user's BlockHound would throw on; anything else is
     * a blocking call made by the operator or the scheduler.
     */
    private static void record(reactor.blockhound.BlockingMethod method) {
        String thread = Thread.currentThread().getName();
        String stack = stackOf(new Exception());
        boolean idleWait = stack.contains("java.util.concurrent.ThreadPoolExecutor.getTask");
        if (idleWait && thread.startsWith(NAME + "-helper")) {
            return;
        }
        (idleWait ? IDLE_WORKERS : VIOLATIONS).add(method + " on " + thread + "\n" + stack);
    }

    private static Flux<Long> firstTask() {
        return KTask.range(0, 10_000).transform(KTask.parallelize(KTaskSpec.<Long, Long>of(NoBlockingCallsTest::sum)
                .merge(Long::sum).minChunk(100).scheduler(scheduler).build()));
    }

    @AfterAll
    static void disposeScheduler() {
        if (scheduler != null) {
            scheduler.dispose();
        }
    }

    @BeforeEach
    void clearViolations() {
        VIOLATIONS.clear();
    }

    @Test
    void firstTaskOfTheJvmDoesNotBlockItsNonBlockingSubscriber() {
        assertThat(FIRST_USE).isEmpty();
    }

    @Test
    void idleNonBlockingWorkersDoNotBlock() {
        schedulerWorkersRunReactorPipelinesWithoutBlocking();
        assertThat(IDLE_WORKERS).isEmpty();
    }

    @Test
    void blockHoundIsActiveInThisJvm() {
        Mono.fromRunnable(() -> {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).subscribeOn(Schedulers.parallel()).block(WAIT);
        assertThat(VIOLATIONS).as("Thread.sleep on a parallel() thread must be reported").isNotEmpty();
    }

    @Test
    void mergeAndOrderedTasksWithHelpersNeverBlock() {
        for (int round = 0; round < 20; round++) {
            StepVerifier.create(KTask.range(0, 100_000).transform(KTask.parallelize(
                            KTaskSpec.<Long, Long>of(NoBlockingCallsTest::sum).merge(Long::sum).minChunk(1_000)
                                    .scheduler(scheduler).build()))
                            .subscribeOn(Schedulers.parallel()))
                    .expectNext(99_999L * 100_000L / 2)
                    .expectComplete()
                    .verify(WAIT);
            StepVerifier.create(Flux.range(0, 2_000).map(Integer::longValue).transform(KTask.parallelize(
                            KTaskSpec.<Long, Long>of(NoBlockingCallsTest::sum).ordered().minChunk(100)
                                    .scheduler(scheduler).build()))
                            .subscribeOn(Schedulers.parallel()))
                    .expectNextCount(20)
                    .expectComplete()
                    .verify(WAIT);
        }
        assertThat(VIOLATIONS).isEmpty();
    }

    @Test
    void failedAndCancelledTasksUndoWithoutBlocking() {
        AtomicInteger undone = new AtomicInteger();
        for (int round = 0; round < 20; round++) {
            StepVerifier.create(KTask.range(0, 10_000).transform(KTask.parallelize(
                            KTaskSpec.<Long, Long>of(chunk -> chunk.index() == 7 ? fail() : sum(chunk))
                                    .merge(Long::sum).undo((chunk, result) -> { }).minChunk(100)
                                    .scheduler(scheduler).build()))
                            .subscribeOn(Schedulers.parallel()))
                    .expectError(KTaskException.class)
                    .verify(WAIT);
            // an upstream that stops without completing: the merge never comes, so the timeout
            // cancels the task for sure, and every finished chunk is undone
            StepVerifier.create(Flux.range(0, 2_000).map(Integer::longValue).concatWith(Flux.never())
                            .transform(KTask.parallelize(KTaskSpec.<Long, Long>of(NoBlockingCallsTest::sum)
                                    .merge(Long::sum).undo((chunk, result) -> undone.incrementAndGet())
                                    .minChunk(100).scheduler(scheduler).build()))
                            .subscribeOn(Schedulers.parallel())
                            .timeout(Duration.ofMillis(50), Schedulers.parallel()))
                    .expectError(TimeoutException.class)
                    .verify(WAIT);
        }
        assertThat(undone).as("the timed-out tasks undid their chunks").hasPositiveValue();
        assertThat(VIOLATIONS).isEmpty();
    }

    @Test
    void schedulerWorkersRunReactorPipelinesWithoutBlocking() {
        for (int round = 0; round < 20; round++) {
            StepVerifier.create(Flux.range(0, 1_000)
                            .publishOn(scheduler)
                            .delayElements(Duration.ofNanos(1), scheduler)
                            .subscribeOn(scheduler)
                            .count())
                    .expectNext(1_000L)
                    .expectComplete()
                    .verify(WAIT);
        }
        assertThat(VIOLATIONS).isEmpty();
    }

    private static long sum(Chunk<Long> chunk) {
        long total = 0;
        for (Long value : chunk.items()) {
            total += value;
        }
        return total;
    }

    private static long fail() {
        throw new IllegalStateException("injected chunk failure");
    }

    /**
     * An event loop that starts a task's thread while another thread holds the helper group's
     * pool lock (as one adding or retiring a thread does) waits for that lock: the executor's own
     * wait, allowed in {@code Pools.handOff} alone. Made deterministic by holding the lock here
     * until the loop thread is parked on it (the executor needs a new thread: the group has none).
     */
    @Test
    void anEventLoopStartingATaskThreadMayWaitForTheExecutorsPoolLock() throws Exception {
        KTaskScheduler fresh = TestSchedulers.create(NAME + "-lock", NodeTopology.uniform(1, 2), 1);
        try {
            ReentrantLock poolLock = (ReentrantLock) field(ThreadPoolExecutor.class, "mainLock").get(anyNodeGroup(fresh));
            CountDownLatch ran = new CountDownLatch(1);
            Thread loop = new EventLoopThread(() -> SchedulerInternals.startTaskThread(fresh, NodeTopology.ANY_NODE,
                    ran::countDown), NAME + "-lock-loop");
            poolLock.lock();
            try {
                loop.start();
                long deadline = System.nanoTime() + WAIT.toNanos();
                // Queued is not yet parked (AQS spins a little first): only the park is what
                // BlockHound sees, so wait for both before letting go of the lock.
                while (!(poolLock.hasQueuedThread(loop) && loop.getState() == Thread.State.WAITING)
                        && System.nanoTime() - deadline < 0) {
                    Thread.onSpinWait();
                }
                assertThat(loop.getState()).as("the loop thread is parked on the pool lock").isEqualTo(Thread.State.WAITING);
            } finally {
                poolLock.unlock();
            }
            loop.join(WAIT.toMillis());
            assertThat(ran.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the task's thread ran").isTrue();
            assertThat(VIOLATIONS).noneMatch(v -> v.contains(NAME + "-lock-loop"));
        } finally {
            fresh.dispose();
        }
    }

    /** A thread Reactor's BlockHound integration treats as an event loop. */
    private static final class EventLoopThread extends Thread implements NonBlocking {
        EventLoopThread(Runnable body, String name) {
            super(body, name);
        }
    }

    /** @return the scheduler's any-node helper group (the last of {@code Pools.helpers}) */
    private static ThreadPoolExecutor anyNodeGroup(KTaskScheduler s) throws ReflectiveOperationException {
        Object pools = field(KTaskScheduler.class, "pools").get(s);
        ThreadPoolExecutor[] groups = (ThreadPoolExecutor[]) field(pools.getClass(), "helpers").get(pools);
        return groups[groups.length - 1];
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    private static String stackOf(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (StackTraceElement e : List.of(t.getStackTrace()).subList(0, Math.min(25, t.getStackTrace().length))) {
            b.append("    at ").append(e).append('\n');
        }
        return b.toString();
    }
}
