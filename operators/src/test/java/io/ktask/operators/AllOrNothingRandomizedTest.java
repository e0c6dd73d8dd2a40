package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.ktask.scheduler.KTaskScheduler;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/**
 * Thousands of tasks with random sizes, modes, chunk failures, undo failures and cancels, run
 * concurrently on a scheduler with small limits. For every task: each chunk ran at most once, and
 * each finished chunk is either in what was emitted or undone exactly once, never both, never
 * neither. Seeds are fixed; a failure names the seed and the task to replay.
 */
class AllOrNothingRandomizedTest {

    static final long[] SEEDS = {1, 7, 42, 1234, 99_991, 20_261_122};
    static final int TASKS_PER_SEED = 400;
    /** Started once per JVM by JNA's first native binding, not per task: not a leak. */
    static final Set<String> JVM_WIDE = Set.of("JNA Cleaner", "process reaper");

    @Test
    void everyFinishedChunkIsEmittedXorUndoneExactlyOnce() throws Exception {
        runAll(0);
    }

    /**
     * The same for adaptive {@code KTask.range} tasks, with the work's cost hint set before each
     * task so that it is estimated at 30 us: under the helper payoff, in the band where a task splits in two
     * halves with a helper that is awake, or wakes one in a burst (the callers run back to back).
     * Concurrent tasks overwrite the shared hint: a task may also see another's, as in the field.
     */
    @Test
    void everyFinishedChunkIsEmittedXorUndoneExactlyOnceInTheAwakeHelperBand() throws Exception {
        // Estimated under the payoff, a task runs more than one chunk only split with a helper
        // (or by a hint another task raised meanwhile): the band's path ran.
        assertThat(runAll(30_000)).as("tasks that ran more than one chunk").isPositive();
    }

    /**
     * @param estimateNanos 0, or the estimate the hint is set to give each task's range before it runs
     * @return the tasks that ran more than one chunk
     */
    private static int runAll(long estimateNanos) throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        KTaskScheduler scheduler = KTaskScheduler.builder().name("chaos").maxHelpers(2).maxHelpersPerNode(1).build();
        ExecutorService callers = Executors.newFixedThreadPool(4);
        int multiChunk = 0;
        try {
            for (long seed : SEEDS) {
                List<Future<Boolean>> futures = new ArrayList<>();
                for (int t = 0; t < TASKS_PER_SEED; t++) {
                    long taskSeed = seed * 1_000_003L + t;
                    futures.add(callers.submit(() -> runAndCheck(taskSeed, scheduler, estimateNanos)));
                }
                for (Future<Boolean> f : futures) {
                    multiChunk += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
                }
            }
            Awaits.until(() -> scheduler.stats().helpersRunning() == 0, "helpers back to zero");
            Awaits.until(() -> scheduler.stats().tasksRunning() == 0, "tasks back to zero");
            callers.shutdown();
            assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            // no thread left but the scheduler's own (idle, retiring after keep-alive)
            Awaits.until(() -> Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> !before.contains(t) && t.isAlive())
                    .allMatch(t -> t.getName().startsWith("chaos") || JVM_WIDE.contains(t.getName())),
                    "only scheduler threads remain: "
                    + Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t)).map(Thread::getName).toList());
        } finally {
            callers.shutdownNow();
            scheduler.dispose();
        }
        return multiChunk;
    }

    /** @return whether the task ran more than one chunk */
    static boolean runAndCheck(long taskSeed, KTaskScheduler scheduler, long estimateNanos) {
        try {
            RandomTask task = new RandomTask(taskSeed, scheduler, estimateNanos > 0);
            if (estimateNanos > 0 && task.size > 0) {
                // Up at once, down by at most half a record: a few records reach it.
                double perUnit = (double) estimateNanos / task.size;
                for (int i = 0; i < 64 && task.spec.cost.nanosPerUnit() > perUnit; i++) {
                    task.spec.cost.record(perUnit);
                }
                task.spec.cost.record(perUnit);
            }
            task.runAndCheck();
            return task.runs.size() > 1;
        } catch (Throwable e) {
            throw new AssertionError("task seed " + taskSeed + " (replay: runAndCheck(" + taskSeed + "L, scheduler, "
                    + estimateNanos + "L))", e);
        }
    }

    static final class RandomTask {
        final long seed;
        final long size;
        final boolean merge;
        final long failAt;      // chunk index whose work throws, or -1
        final long undoFailAt;  // chunk index whose undo throws, or -1
        final long cancelAt;    // chunk index that cancels the subscription when it runs, or -1
        final boolean cancelEarly;
        final int upstreamKind;          // 0 KTask.range, 1 fused fromIterable, 2 push (hidden)
        final boolean upstreamError;     // generic upstreams only: error after the last element
        final KTaskSpec<Long, List<Long>> spec;

        final Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
        final AtomicInteger running = new AtomicInteger(); // chunks inside work() now
        final Map<Long, AtomicInteger> undos = new ConcurrentHashMap<>();
        final Set<Long> succeeded = ConcurrentHashMap.newKeySet();
        final Set<Long> emitted = ConcurrentHashMap.newKeySet();
        final AtomicReference<Subscription> subscription = new AtomicReference<>();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final CountDownLatch terminated = new CountDownLatch(1);
        volatile boolean cancelled;

        /**
         * @param adaptiveRange a {@code KTask.range} upstream, adaptive sizing and at least two
         *     threads, whatever the seed draws for them: the shape whose layout follows the hint
         */
        RandomTask(long seed, KTaskScheduler scheduler, boolean adaptiveRange) {
            this.seed = seed;
            Random r = new Random(seed);
            size = r.nextInt(10) == 0 ? 0 : 1 + r.nextInt(r.nextBoolean() ? 50 : 5000);
            merge = r.nextBoolean();
            failAt = r.nextInt(3) == 0 ? r.nextInt(12) : -1;
            undoFailAt = r.nextInt(4) == 0 ? r.nextInt(12) : -1;
            cancelAt = r.nextInt(5) == 0 ? r.nextInt(12) : -1;
            cancelEarly = r.nextInt(20) == 0;
            upstreamKind = adaptiveRange ? 0 : r.nextInt(3); // the draws differ from here: another task per seed
            upstreamError = upstreamKind != 0 && r.nextInt(6) == 0;
            KTaskSpec.Builder<Long, List<Long>> b = KTaskSpec.<Long, List<Long>>of(this::work)
                    .undo(this::undo).scheduler(scheduler);
            if (merge) {
                b.merge(RandomTask::concat);
            } else {
                b.ordered();
            }
            if (r.nextInt(3) != 0 && !adaptiveRange) {
                b.minChunk(1 + r.nextInt(200));
            }
            if (r.nextBoolean()) {
                b.maxThreads(adaptiveRange ? 2 + r.nextInt(3) : 1 + r.nextInt(4));
            }
            if (r.nextInt(4) == 0) {
                b.callerRuns(false);
            }
            spec = b.build();
        }

        List<Long> work(Chunk<Long> c) {
            running.incrementAndGet();
            try {
                assertThat(c.size()).isPositive();
                runs.computeIfAbsent(c.index(), k -> new AtomicInteger()).incrementAndGet();
                if (c.index() == failAt) {
                    throw new IllegalStateException("injected failure in chunk " + c.index());
                }
                if (c.index() == cancelAt) {
                    cancelTask();
                }
                succeeded.add(c.index());
                return List.of(c.index());
            } finally {
                running.decrementAndGet();
            }
        }

        void undo(Chunk<Long> c, List<Long> result) {
            assertThat(result).containsExactly(c.index());
            undos.computeIfAbsent(c.index(), k -> new AtomicInteger()).incrementAndGet();
            if (c.index() == undoFailAt) {
                throw new IllegalStateException("injected undo failure in chunk " + c.index());
            }
        }

        static List<Long> concat(List<Long> a, List<Long> b) {
            List<Long> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        }

        void cancelTask() {
            cancelled = true;
            Subscription s = subscription.get();
            if (s != null) {
                s.cancel();
            }
        }

        void runAndCheck() throws InterruptedException {
            upstream().transform(KTask.parallelize(spec)).subscribe(new BaseSubscriber<List<Long>>() {
                @Override
                protected void hookOnSubscribe(Subscription s) {
                    subscription.set(s);
                    if (cancelEarly) {
                        cancelTask();
                    } else {
                        s.request(Long.MAX_VALUE);
                    }
                }

                @Override
                protected void hookOnNext(List<Long> value) {
                    if (merge) {
                        assertThat(emitted).isEmpty();
                        assertThat(value).isSorted(); // merge in chunk order
                    }
                    emitted.addAll(value);
                }

                @Override
                protected void hookOnError(Throwable e) {
                    error.set(e);
                    terminated.countDown();
                }

                @Override
                protected void hookOnComplete() {
                    terminated.countDown();
                }
            });
            // A cancel (possibly from a chunk on another thread) means no terminal signal: then wait
            // until every finished chunk is accounted for instead.
            // "Accounted for" is vacuous while a chunk still runs: wait for none to be running too.
            Awaits.until(() -> terminated.getCount() == 0
                            || (cancelled && running.get() == 0 && everyFinishedChunkAccountedFor()),
                    "terminated, or cancelled with every finished chunk emitted or undone: " + this);
            checkInvariant();
        }

        Flux<Long> upstream() {
            if (upstreamKind == 0) {
                return KTask.range(1_000, size);
            }
            List<Long> values = Flux.range(1_000, (int) size).map(Long::valueOf).collectList().block();
            Flux<Long> flux = upstreamKind == 1 ? Flux.fromIterable(values) : Flux.fromIterable(values).hide();
            return upstreamError ? flux.concatWith(Flux.error(new IllegalStateException("injected upstream error"))) : flux;
        }

        boolean everyFinishedChunkAccountedFor() {
            return succeeded.stream().allMatch(i -> emitted.contains(i) || undos.containsKey(i));
        }

        void checkInvariant() {
            runs.forEach((i, n) -> assertThat(n.get()).as("runs of chunk %d", i).isEqualTo(1));
            undos.forEach((i, n) -> assertThat(n.get()).as("undos of chunk %d", i).isEqualTo(1));
            for (long i : succeeded) {
                assertThat(emitted.contains(i) ^ undos.containsKey(i))
                        .as("chunk %d emitted xor undone (emitted=%s, undone=%s)", i, emitted, undos.keySet()).isTrue();
            }
            assertThat(succeeded).containsAll(emitted).containsAll(undos.keySet());
            Throwable e = error.get();
            if (e != null) {
                assertThat(e).isInstanceOf(KTaskException.class);
                KTaskException k = (KTaskException) e;
                if (k.failedChunk() == KTaskException.NO_CHUNK) {
                    assertThat(upstreamError).as("only an upstream error has no chunk").isTrue();
                    assertThat(k).hasRootCauseMessage("injected upstream error");
                } else {
                    assertThat(k.failedChunk()).isEqualTo(failAt);
                }
                Set<Long> undoneNormally = new java.util.TreeSet<>(undos.keySet());
                undoneNormally.remove(undoFailAt);
                assertThat(k.undoneChunks()).isSorted().containsExactlyElementsOf(undoneNormally);
                if (undos.containsKey(undoFailAt)) {
                    assertThat(k.getSuppressed()).anyMatch(s -> s instanceof UndoFailedException u
                            && u.chunkIndex() == undoFailAt && s.getCause().getMessage().contains("injected undo failure"));
                }
                if (merge) {
                    assertThat(emitted).isEmpty();
                }
            } else if (!cancelled) {
                assertThat(failAt < 0 || !runs.containsKey(failAt)).as("a failure must be signalled").isTrue();
                assertThat(upstreamError).as("an upstream error must be signalled").isFalse();
                assertThat(undos).isEmpty();
                assertThat(emitted).isEqualTo(runs.keySet());
                long chunks = runs.size();
                assertThat(emitted).containsExactlyInAnyOrderElementsOf(
                        Flux.range(0, (int) chunks).map(Long::valueOf).collectList().block());
            }
        }

        @Override
        public String toString() {
            return "RandomTask{seed=" + seed + ", size=" + size + ", upstream=" + upstreamKind
                    + (upstreamError ? "+error" : "") + ", merge=" + merge + ", failAt=" + failAt
                    + ", undoFailAt=" + undoFailAt + ", cancelAt=" + cancelAt + ", cancelEarly=" + cancelEarly
                    + ", spec=" + spec + ", runs=" + runs.keySet() + ", emitted=" + emitted + ", undone=" + undos.keySet() + '}';
        }
    }
}
