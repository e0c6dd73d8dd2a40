package io.ktask.conformance.fault;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import io.ktask.operators.Chunk;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import io.ktask.scheduler.KTaskStats;

/**
 * The work, merge and undo functions of one scenario, with faults injected where the scenario
 * says, and a record of everything they saw. Chunk results are the list of chunk indexes they
 * cover, so the emitted value itself tells which chunks it contains and in what order.
 */
final class TaskRecorder {

    private final Scenario scenario;
    private final KTaskScheduler scheduler;
    /** Called (once) when the chunk that ends the task starts; set by the scenario runner. */
    volatile Runnable ending = () -> { };

    final Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
    final Map<Long, Chunk<Long>> chunks = new ConcurrentHashMap<>();
    final Set<Long> finished = ConcurrentHashMap.newKeySet();
    final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    final Map<Long, AtomicInteger> undos = new ConcurrentHashMap<>();
    final List<Long> undoOrder = Collections.synchronizedList(new ArrayList<>());
    /** Chunk indexes in the values the operator itself emitted (seen right after it, before timeout/take). */
    final List<Long> emitted = Collections.synchronizedList(new ArrayList<>());
    final Set<Throwable> thrown = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inWork = new AtomicInteger();
    private final AtomicInteger inUndo = new AtomicInteger();
    private final AtomicInteger merges = new AtomicInteger();
    volatile int maxConcurrentWork;

    TaskRecorder(Scenario scenario, KTaskScheduler scheduler) {
        this.scenario = scenario;
        this.scheduler = scheduler;
    }

    List<Long> work(Chunk<Long> chunk) {
        int concurrent = inWork.incrementAndGet();
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
            checkItems(chunk);
            checkLimits();
            if (index == scenario.endingChunk()) {
                ending.run();
            }
            spin(chunk.size() * scenario.spinPerUnit());
            if (index == scenario.failingChunk()) {
                throw fault("work of chunk " + index);
            }
            finished.add(index);
            return List.of(index);
        } finally {
            inWork.decrementAndGet();
        }
    }

    List<Long> merge(List<Long> left, List<Long> right) {
        if (merges.getAndIncrement() == scenario.failingMerge()) {
            throw fault("merge " + left + " + " + right);
        }
        List<Long> all = new ArrayList<>(left.size() + right.size());
        all.addAll(left);
        all.addAll(right);
        return all;
    }

    void undo(Chunk<Long> chunk, List<Long> result) {
        if (inUndo.incrementAndGet() > 1) {
            violations.add("two undos ran at once (chunk " + chunk.index() + ")");
        }
        try {
            long index = chunk.index();
            if (!result.equals(List.of(index))) {
                violations.add("undo of chunk " + index + " got result " + result);
            }
            undos.computeIfAbsent(index, i -> new AtomicInteger()).incrementAndGet();
            undoOrder.add(index);
            if (index == scenario.failingUndo()) {
                throw fault("undo of chunk " + index);
            }
        } finally {
            inUndo.decrementAndGet();
        }
    }

    /** Records a value as the operator emits it; downstream operators may still drop it. */
    void emitted(List<Long> value) {
        emitted.addAll(value);
    }

    int undoneCount() {
        return undoOrder.size();
    }

    InjectedFault fault(String where) {
        InjectedFault fault = new InjectedFault(scenario.seed(), where);
        thrown.add(fault);
        return fault;
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
                violations.add("chunk " + chunk.index() + " item " + i + " is " + items.get(i) + ", expected " + expected);
                return;
            }
        }
        if (items.size() != chunk.size()) {
            violations.add("chunk " + chunk.index() + " has " + items.size() + " items for size " + chunk.size());
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

    private static void spin(long iterations) {
        for (long i = 0; i < iterations; i++) {
            Thread.onSpinWait();
        }
    }
}
