package io.ktask.jcstress;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import io.ktask.operators.Chunk;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/**
 * One small task of {@link #CHUNKS} one-unit chunks over {@code KTask.range}, and everything it
 * did: how often each chunk ran and was undone, which threads ran chunks, and what the subscriber
 * saw. A stress test builds one per state and reads it in its arbiter.
 */
final class TaskProbe extends BaseSubscriber<List<Long>> {

    static final int CHUNKS = 4;
    /** {@link #failing}: no chunk fails. */
    static final int NONE = -1;

    private static final long TERMINAL_WAIT_SECONDS = 10;

    final AtomicIntegerArray runs = new AtomicIntegerArray(CHUNKS);
    final AtomicIntegerArray undos = new AtomicIntegerArray(CHUNKS);
    final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    final List<List<Long>> received = new ArrayList<>(); // written only under the RS serial-signal rule
    volatile int completions;
    volatile int errors;
    private final CountDownLatch terminated = new CountDownLatch(1);
    /** The chunk whose work throws after it counted its run, or {@link #NONE}. */
    private final int failing;

    TaskProbe() {
        this(NONE);
    }

    TaskProbe(int failing) {
        this.failing = failing;
    }

    /** The task, not yet subscribed: ordered mode emits one single-element list per chunk. */
    Flux<List<Long>> task(KTaskScheduler scheduler, int maxThreads, boolean merge) {
        KTaskSpec.Builder<Long, List<Long>> spec = KTaskSpec.<Long, List<Long>>of(this::work)
                .undo(this::undo)
                .minChunk(1)
                .maxThreads(maxThreads)
                .scheduler(scheduler);
        if (merge) {
            spec.merge(TaskProbe::concat);
        } else {
            spec.ordered();
        }
        return KTask.range(0, CHUNKS).transform(KTask.parallelize(spec.build()));
    }

    private List<Long> work(Chunk<Long> chunk) {
        threads.add(Thread.currentThread());
        runs.incrementAndGet((int) chunk.index());
        if (chunk.index() == failing) {
            throw new IllegalStateException("chunk " + failing + " fails");
        }
        return List.of(chunk.index());
    }

    private void undo(Chunk<Long> chunk, List<Long> result) {
        undos.incrementAndGet((int) chunk.index());
    }

    private static List<Long> concat(List<Long> a, List<Long> b) {
        List<Long> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    protected void hookOnNext(List<Long> value) {
        received.add(value);
    }

    @Override
    protected void hookOnComplete() {
        completions++; // serial signals: a plain increment of a volatile is enough
        terminated.countDown();
    }

    @Override
    protected void hookOnError(Throwable error) {
        errors++;
        terminated.countDown();
    }

    /** Waits (bounded) for onComplete or onError; false if neither came. */
    boolean awaitTerminal() {
        try {
            return terminated.await(TERMINAL_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** @return the chunk indexes the subscriber received, in order of arrival */
    List<Long> emittedChunks() {
        List<Long> all = new ArrayList<>();
        received.forEach(all::addAll);
        return all;
    }

    /** @return how many chunks ran exactly once */
    int ranOnce() {
        int n = 0;
        for (int i = 0; i < CHUNKS; i++) {
            n += runs.get(i) == 1 ? 1 : 0;
        }
        return n;
    }

    /**
     * @return how many chunks break all-or-nothing: ran more than once, undone more than once,
     *     undone without having run, or finished and both emitted and undone / neither
     */
    int allOrNothingViolations() {
        List<Long> emitted = emittedChunks();
        int bad = 0;
        for (int i = 0; i < CHUNKS; i++) {
            int ran = runs.get(i);
            int undone = undos.get(i);
            int shown = (int) emitted.stream().filter(Long.valueOf(i)::equals).count();
            if (i == failing) {
                bad += ran == 1 && undone == 0 && shown == 0 ? 0 : 1; // a failed chunk has nothing to undo
                continue;
            }
            boolean ok = ran <= 1 && undone <= 1 && shown <= 1 && (ran == 0 ? undone + shown == 0 : undone + shown == 1);
            bad += ok ? 0 : 1;
        }
        return bad;
    }

    /**
     * Waits for both tasks to end, then records r1, r2 = task completed correctly (1) or not (0)
     * and r3, r4 = how many threads ran each task's chunks.
     */
    static void judgePair(TaskProbe first, TaskProbe second, IIII_Result r) {
        r.r1 = first.awaitTerminal() ? first.completedCorrectly() : 0;
        r.r2 = second.awaitTerminal() ? second.completedCorrectly() : 0;
        r.r3 = first.threads.size();
        r.r4 = second.threads.size();
    }

    /**
     * Records, for a task that may have been cancelled: r1 = values received, r2 = chunks
     * breaking all-or-nothing, r3 = chunks undone.
     */
    static void judgeCancelled(TaskProbe probe, III_Result r) {
        r.r1 = probe.received.size();
        r.r2 = probe.allOrNothingViolations();
        int undone = 0;
        for (int i = 0; i < CHUNKS; i++) {
            undone += probe.undos.get(i);
        }
        r.r3 = undone;
    }

    /**
     * Waits for both tasks to end, then records r1, r2 = task failed correctly (1) or not (0)
     * and r3, r4 = how many threads ran each task's chunks.
     */
    static void judgeFailedPair(TaskProbe first, TaskProbe second, IIII_Result r) {
        r.r1 = first.awaitTerminal() ? first.failedCorrectly() : 0;
        r.r2 = second.awaitTerminal() ? second.failedCorrectly() : 0;
        r.r3 = first.threads.size();
        r.r4 = second.threads.size();
    }

    /**
     * 1 if the task ended with exactly one error and no completion, every chunk ran at most once,
     * and each finished chunk was emitted (ordered mode, before the failure) or undone, not both.
     */
    int failedCorrectly() {
        return errors == 1 && completions == 0 && allOrNothingViolations() == 0 ? 1 : 0;
    }

    /** 1 if the task completed normally with every chunk run once and emitted in order, else 0. */
    int completedCorrectly() {
        boolean ok = completions == 1 && errors == 0 && ranOnce() == CHUNKS
                && emittedChunks().equals(List.of(0L, 1L, 2L, 3L)) && allOrNothingViolations() == 0;
        return ok ? 1 : 0;
    }
}
