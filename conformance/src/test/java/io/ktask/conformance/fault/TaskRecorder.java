package io.ktask.conformance.fault;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.ktask.conformance.fault.Injected.Origin;
import io.ktask.conformance.fault.Injected.Site;
import io.ktask.operators.Chunk;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.KTaskStats;
import io.ktask.scheduler.NodeTopology;
import reactor.core.publisher.Signal;
import reactor.core.scheduler.Schedulers;

/**
 * The work, merge and undo functions of one scenario, with faults injected where the scenario
 * says, and a record of everything they saw. Chunk results are the chunk indexes they cover
 * ({@link IndexRuns}), so the emitted value itself tells which chunks it contains and in what
 * order.
 */
final class TaskRecorder {

    /** The slow chunk waits until no other chunk has started for this long: the others ran as far as they may. */
    static final long SLOW_CHUNK_QUIET_NANOS = 5_000_000;
    /** ... or at most this long. */
    static final long SLOW_CHUNK_MAX_NANOS = 100_000_000;
    /** Chunks that may be computed ahead of delivery, as a multiple of the task's threads (README). */
    static final int WINDOW_PER_THREAD = 4;
    /** Elements a window reaches, per chunk of it, when chunks are small (README: 1024-element chunks). */
    static final int WINDOW_REACH = 1024;

    private final Scenario scenario;
    private final KTaskScheduler scheduler;
    final ThreadWatch watch = new ThreadWatch();
    /** Called (once) when the chunk that ends the task starts; set by the scenario runner. */
    volatile Runnable ending = () -> { };

    final Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
    final Map<Long, Chunk<Long>> chunks = new ConcurrentHashMap<>();
    final Set<Long> finished = ConcurrentHashMap.newKeySet();
    final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    final Map<Long, AtomicInteger> undos = new ConcurrentHashMap<>();
    final List<Long> undoOrder = Collections.synchronizedList(new ArrayList<>());
    /** Undos that ran on a non-blocking thread. */
    final List<String> nonBlockingUndos = Collections.synchronizedList(new ArrayList<>());
    /** Chunk indexes in the values the operator itself emitted (seen right after it, before timeout/take). */
    final List<Long> emitted = Collections.synchronizedList(new ArrayList<>());
    /** Errors the operator itself signalled (seen right after it, before any downstream operator). */
    final List<Throwable> operatorErrors = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger operatorCompletions = new AtomicInteger();
    /** Undos done when the operator signalled onError: all of them must have run by then. */
    volatile int undoneAtError = -1;
    /** Chunk indexes in the results the operator passed to the discard hook (Operators.onDiscard). */
    final List<Long> discarded = Collections.synchronizedList(new ArrayList<>());
    final Set<Throwable> thrown = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    /** A non-compliant upstream sent its extra element after onComplete. */
    volatile boolean extraNextSent;
    private final AtomicInteger inWork = new AtomicInteger();
    private final AtomicInteger inUndo = new AtomicInteger();
    private final AtomicInteger merges = new AtomicInteger();
    private final AtomicLong emissions = new AtomicLong();
    private final AtomicLong started = new AtomicLong();
    /** Chunks a task may compute ahead of delivery, or -1 where no window applies. */
    private final long windowChunks;
    private final SplittableRandom hookRandom;
    volatile int maxConcurrentWork;

    TaskRecorder(Scenario scenario, KTaskScheduler scheduler) {
        this.scenario = scenario;
        this.scheduler = scheduler;
        this.windowChunks = windowChunks(scenario);
        this.hookRandom = new SplittableRandom(~scenario.seed());
    }

    /**
     * README: a generic upstream's chunks computed ahead of delivery (ordered mode, and merge mode
     * without undo) are at most 4 x threads chunks, widened for chunks under 1024 elements so the
     * window still reaches as many elements. Merge mode with undo keeps everything by design, and
     * a range holds no elements.
     */
    private static long windowChunks(Scenario s) {
        if (s.upstream() == Scenario.Upstream.RANGE || s.merge() && s.shape().undo()) {
            return -1;
        }
        int threads = Math.max(1, Math.min(s.maxThreads(), s.nodes() * s.cpusPerNode()));
        long chunk = (s.minChunk() + s.align() - 1) / s.align() * s.align();
        return (long) WINDOW_PER_THREAD * threads * Math.max(1, WINDOW_REACH / chunk);
    }

    IndexRuns work(Chunk<Long> chunk) {
        int concurrent = inWork.incrementAndGet();
        started.incrementAndGet();
        try {
            maxConcurrentWork = Math.max(maxConcurrentWork, concurrent); // racy max: checked <= cap, any lost update is smaller
            long index = chunk.index();
            if (runs.computeIfAbsent(index, i -> new AtomicInteger()).incrementAndGet() > 1) {
                violations.add("chunk " + index + " ran more than once");
            }
            chunks.put(index, chunk);
            threads.add(Thread.currentThread());
            if (chunk.node() < NodeTopology.ANY_NODE || chunk.node() >= scenario.nodes()) {
                violations.add("chunk " + index + " claims node " + chunk.node() + " of a " + scenario.nodes() + "-node topology");
            }
            checkThread(index);
            checkWindow(index);
            checkItems(chunk);
            checkLimits();
            if (index == scenario.endingChunk()) {
                ending.run();
            }
            if (index == scenario.shape().slowChunk()) {
                holdWhileOthersRun();
            }
            spin(chunk.size() * scenario.spinPerUnit());
            if (index == scenario.failingChunk()) {
                throw fault(Site.WORK, "work of chunk " + index);
            }
            finished.add(index);
            return IndexRuns.of(index);
        } finally {
            inWork.decrementAndGet();
        }
    }

    IndexRuns merge(IndexRuns left, IndexRuns right) {
        if (merges.getAndIncrement() == scenario.failingMerge()) {
            throw fault(Site.MERGE, "merge " + left + " + " + right);
        }
        return IndexRuns.concat(left, right);
    }

    void undo(Chunk<Long> chunk, IndexRuns result) {
        if (inUndo.incrementAndGet() > 1) {
            violations.add("two undos ran at once (chunk " + chunk.index() + ")");
        }
        if (Schedulers.isInNonBlockingThread()) { // judged by the verdict: allowed only when no thread could start
            nonBlockingUndos.add("chunk " + chunk.index() + " on " + Thread.currentThread().getName());
        }
        try {
            long index = chunk.index();
            if (!result.equals(List.of(index))) {
                violations.add("undo of chunk " + index + " got result " + result);
            }
            undos.computeIfAbsent(index, i -> new AtomicInteger()).incrementAndGet();
            undoOrder.add(index);
            if (index == scenario.failingUndo()) {
                throw fault(Site.UNDO, "undo of chunk " + index);
            }
        } finally {
            inUndo.decrementAndGet();
        }
    }

    /**
     * Records a signal as the operator sends it: downstream operators may still drop a value
     * (timeout, take) or an error (a cancelled publishOn), but the operator did send it.
     */
    void signalled(Signal<IndexRuns> signal) {
        switch (signal.getType()) {
            case ON_NEXT -> {
                emitted.addAll(signal.get());
                emissions.incrementAndGet();
            }
            case ON_ERROR -> {
                undoneAtError = undoneCount();
                operatorErrors.add(signal.getThrowable());
            }
            case ON_COMPLETE -> operatorCompletions.incrementAndGet();
            default -> { }
        }
    }

    /** The discard hook of the operator (and its upstream): results are recorded, elements ignored. */
    void discarded(Object value) {
        if (value instanceof IndexRuns result) {
            discarded.addAll(result);
        }
    }

    int undoneCount() {
        return undoOrder.size();
    }

    /**
     * @return a new fault for {@code site}, recorded as thrown; in a fatal-error scenario, work,
     *     merge and undo throw an {@link InjectedFatal} from here instead
     */
    InjectedFault fault(Site site, String where) {
        if (scenario.shape().fatal() && (site == Site.WORK || site == Site.MERGE || site == Site.UNDO)) {
            InjectedFatal fatal = new InjectedFatal(new Origin(scenario.seed(), site, where));
            thrown.add(fatal);
            throw fatal;
        }
        InjectedFault fault = new InjectedFault(new Origin(scenario.seed(), site, where));
        thrown.add(fault);
        return fault;
    }

    /** @return whether this call of the scenario's throwing onSchedule hook throws (seeded odds) */
    synchronized boolean scheduleHookThrows() {
        return hookRandom.nextInt(100) < scenario.shape().hookOdds();
    }

    /**
     * Chunks run only on the task's own thread (the caller inside its first request, if the
     * spec's callerRuns lets it: never on a non-blocking caller by default; else a scheduler
     * thread) and on helpers; never inside an upstream's signal or a downstream's request.
     */
    private void checkThread(long index) {
        Thread t = Thread.currentThread();
        if (watch.inPush()) {
            violations.add("chunk " + index + " ran inside an upstream signal, on " + t.getName());
        }
        if (watch.inDownstreamCall()) {
            violations.add("chunk " + index + " ran inside a downstream request or cancel, on " + t.getName());
        }
        if (t.getName().startsWith(FaultInjectionTest.THREAD_PREFIX + "-helper")) {
            if (scenario.shape().hook() == Shape.Hook.SCHEDULE_HOOK_DECORATES && !watch.inDecorated()) {
                violations.add("chunk " + index + " ran on " + t.getName() + " outside the onSchedule hook's decoration");
            }
        } else if (!watch.inFirstRequest()) {
            violations.add("chunk " + index + " ran on " + t.getName()
                    + ", neither a scheduler thread nor the caller inside its first request");
        } else if (!scenario.callerRuns()) {
            violations.add("chunk " + index + " ran on the caller " + t.getName() + " with callerRuns(false)");
        } else if (Schedulers.isInNonBlockingThread()) {
            violations.add("chunk " + index + " ran on the non-blocking caller " + t.getName() + " (callerRuns automatic)");
        }
    }

    /** Chunks claimed ahead of delivery stay within the window (read after the claim: a safe upper bound). */
    private void checkWindow(long index) {
        if (windowChunks < 0) {
            return;
        }
        // merge: the first fold merges nothing; ordered: one onNext may be under way
        long delivered = 1 + (scenario.merge() ? merges.get() : emissions.get());
        if (index >= delivered + windowChunks) {
            violations.add("chunk " + index + " claimed with " + delivered + " results delivered at most: beyond the "
                    + windowChunks + "-chunk window");
        }
    }

    private void checkItems(Chunk<Long> chunk) {
        if (chunk.size() != chunk.end() - chunk.start() || chunk.size() < 1) {
            violations.add("chunk " + chunk.index() + " has size " + chunk.size() + " for [" + chunk.start()
                    + ", " + chunk.end() + ")");
            return;
        }
        List<Long> items = chunk.items();
        long origin = scenario.upstream() == Scenario.Upstream.RANGE ? scenario.start() : 0;
        for (int i = 0; i < items.size(); i++) {
            long expected = scenario.element(chunk.start() - origin + i);
            if (items.get(i) != expected) {
                violations.add("chunk " + chunk.index() + " [" + chunk.start() + ", " + chunk.end() + ") item " + i
                        + " is " + items.get(i) + ", expected " + expected);
                return;
            }
        }
        if (items.size() != chunk.size()) {
            violations.add("chunk " + chunk.index() + " has " + items.size() + " items for size " + chunk.size());
        }
        if (chunk.end() - origin > scenario.size()) {
            violations.add("chunk " + chunk.index() + " ends at " + chunk.end() + ", beyond the upstream's "
                    + scenario.size() + " units");
        }
    }

    /** Samples the scheduler's counters from inside a chunk: the limits in force must hold. */
    private void checkLimits() {
        KTaskStats stats = scheduler.stats();
        if (!scenario.helpersEnabled() && stats.helpersRunning() > 0) {
            violations.add("helpers disabled, yet helpersRunning is " + stats.helpersRunning());
        }
        if (stats.helpersRunning() > scenario.maxHelpers()) {
            violations.add("helpersRunning " + stats.helpersRunning() + " > maxHelpers " + scenario.maxHelpers());
        }
        for (int node = 0; node < scenario.nodes(); node++) {
            if (stats.helpersRunning(node) > scheduler.maxHelpersPerNode(node)) {
                violations.add("node " + node + " runs " + stats.helpersRunning(node) + " helpers, above its limit "
                        + scheduler.maxHelpersPerNode(node));
            }
        }
    }

    /**
     * The slow chunk: it finishes only once the other threads have stopped starting chunks (or
     * after {@link #SLOW_CHUNK_MAX_NANOS}), so they run as far ahead of it as the task lets them,
     * and every later result waits for this one: the window must hold them back.
     */
    private void holdWhileOthersRun() {
        long begun = System.nanoTime();
        long seen = started.get();
        long quietSince = begun;
        for (long now = begun; now - begun < SLOW_CHUNK_MAX_NANOS && now - quietSince < SLOW_CHUNK_QUIET_NANOS;
                now = System.nanoTime()) {
            Thread.onSpinWait(); // polling with a deadline: simulated slow work, not a hand-off
            long count = started.get();
            if (count != seen) {
                seen = count;
                quietSince = now;
            }
        }
    }

    private static void spin(long iterations) {
        for (long i = 0; i < iterations; i++) {
            Thread.onSpinWait();
        }
    }
}
