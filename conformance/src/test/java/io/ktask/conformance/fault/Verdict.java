package io.ktask.conformance.fault;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import io.ktask.operators.Chunk;
import io.ktask.operators.KTaskException;
import io.ktask.operators.UndoFailedException;

/**
 * Judges one settled {@link ScenarioRun} against the operator's contract (DESIGN.md section 4)
 * and the scheduler's limit invariants (section 3); returns every broken rule, empty if none.
 */
final class Verdict {

    private final ScenarioRun run;
    private final Scenario scenario;
    private final TaskRecorder recorder;
    private final RecordingSubscriber subscriber;
    private final List<String> broken = new ArrayList<>();

    private Verdict(ScenarioRun run) {
        this.run = run;
        this.scenario = run.scenario;
        this.recorder = run.recorder;
        this.subscriber = run.subscriber;
    }

    /** @param dropped the errors {@code Hooks.onErrorDropped} received during this scenario */
    static List<String> judge(ScenarioRun run, Collection<Throwable> dropped) {
        Verdict v = new Verdict(run);
        v.broken.addAll(run.recorder.violations);
        v.settledAndIdle();
        v.allOrNothing();
        v.undoDiscipline();
        v.threadCap();
        v.errorsDeliveredOnce(dropped);
        v.outcome();
        return v.broken;
    }

    private void settledAndIdle() {
        if (!run.settled) {
            broken.add("did not settle within " + ScenarioRun.SETTLE_MILLIS + " ms: terminal signals="
                    + subscriber.terminalSignals() + ", cancelled=" + run.cancelled.get() + ", idle=" + run.idle()
                    + ", stats=" + run.scheduler.stats());
        }
        if (subscriber.terminalSignals() > 1) {
            broken.add("more than one terminal signal: completions=" + subscriber.completions + ", errors="
                    + subscriber.errors);
        }
    }

    /** Every finished chunk is emitted or undone exactly once; nothing else is either. */
    private void allOrNothing() {
        Map<Long, Long> emitted = List.copyOf(recorder.emitted).stream()
                .collect(Collectors.groupingBy(i -> i, Collectors.counting()));
        for (Long index : recorder.finished) {
            long shown = emitted.getOrDefault(index, 0L);
            int undone = recorder.undos.containsKey(index) ? recorder.undos.get(index).get() : 0;
            if (shown + undone != 1) {
                broken.add("finished chunk " + index + " emitted " + shown + "x and undone " + undone + "x");
            }
        }
        for (Long index : emitted.keySet()) {
            if (!recorder.finished.contains(index)) {
                broken.add("chunk " + index + " emitted but never finished");
            }
        }
        for (Long index : recorder.undos.keySet()) {
            if (!recorder.finished.contains(index)) {
                broken.add("chunk " + index + " undone but never finished");
            }
        }
        List<Chunk<Long>> byIndex = new ArrayList<>(recorder.chunks.values());
        byIndex.sort(Comparator.comparingLong(Chunk::index));
        for (int i = 1; i < byIndex.size(); i++) {
            Chunk<Long> a = byIndex.get(i - 1);
            Chunk<Long> b = byIndex.get(i);
            if (a.end() > b.start()) {
                broken.add("chunks " + a.index() + " [" + a.start() + "," + a.end() + ") and " + b.index() + " ["
                        + b.start() + "," + b.end() + ") overlap or are out of order");
            }
        }
    }

    /** Undos run one at a time (checked while recording), in ascending chunk order, before onError. */
    private void undoDiscipline() {
        List<Long> order = List.copyOf(recorder.undoOrder);
        for (int i = 1; i < order.size(); i++) {
            if (order.get(i - 1) >= order.get(i)) {
                broken.add("undos not in ascending chunk order: " + order);
                break;
            }
        }
        if (!subscriber.errors.isEmpty() && subscriber.errors.get(0) instanceof KTaskException
                && subscriber.undoneAtError != order.size()) {
            broken.add("onError arrived after " + subscriber.undoneAtError + " undos, but " + order.size()
                    + " ran in all");
        }
    }

    /**
     * maxThreads caps the chunks running at once; a disabled scheduler runs a task one chunk at a
     * time (with callerRuns(false) its own thread may resume on another worker, so the thread
     * itself may change, but never two at once).
     */
    private void threadCap() {
        if (recorder.maxConcurrentWork > scenario.maxThreads()) {
            broken.add(recorder.maxConcurrentWork + " chunks ran at once, above maxThreads " + scenario.maxThreads());
        }
        if (!scenario.helpersEnabled() && recorder.maxConcurrentWork > 1) {
            broken.add("helpers disabled, yet " + recorder.maxConcurrentWork + " chunks ran at once on " + recorder.threads);
        }
    }

    /**
     * Each injected fault that was thrown reaches the subscriber (as the KTaskException's cause
     * or a suppressed exception) or Hooks.onErrorDropped exactly once.
     */
    private void errorsDeliveredOnce(Collection<Throwable> dropped) {
        Map<Throwable, Integer> seen = new IdentityHashMap<>();
        List<Throwable> delivered = new ArrayList<>(subscriber.errors);
        delivered.addAll(dropped);
        delivered.forEach(e -> count(e, seen));
        for (Throwable fault : List.copyOf(recorder.thrown)) {
            int times = seen.getOrDefault(fault, 0);
            if (times != 1) {
                broken.add("fault '" + fault.getMessage() + "' delivered " + times + "x (errors=" + subscriber.errors
                        + ", dropped=" + dropped + ")");
            }
        }
        for (Throwable e : seen.keySet()) {
            if (e instanceof InjectedFault f && f.seed != scenario.seed()) {
                broken.add("a fault of seed " + f.seed + " surfaced in this scenario: " + e);
            }
        }
        for (Throwable e : dropped) {
            // a scheduler disposed mid-task may reject a helper after the task ended: dropping
            // that rejection is Reactor's convention for an error with nobody left to receive it
            boolean rejectedAfterDispose = run.disposed.get() && e instanceof RejectedExecutionException;
            // a failed undo of a cancelled task is dropped as the UndoFailedException naming its chunk
            boolean failedUndo = e instanceof UndoFailedException && e.getCause() instanceof InjectedFault;
            if (!(e instanceof InjectedFault) && !(e instanceof KTaskException) && !rejectedAfterDispose && !failedUndo) {
                broken.add("unexpected error dropped: " + e);
            }
        }
    }

    private static void count(Throwable e, Map<Throwable, Integer> seen) {
        if (e == null || seen.merge(e, 1, Integer::sum) > 1) {
            return; // a cycle or a repeat: counted, not walked again
        }
        count(e.getCause(), seen);
        for (Throwable s : e.getSuppressed()) {
            count(s, seen);
        }
    }

    /** What the subscriber must have seen, given how the task was ended. */
    private void outcome() {
        boolean thrown = !recorder.thrown.isEmpty() && recorder.thrown.stream()
                .anyMatch(t -> !t.getMessage().contains("undo")); // an undo fault alone never fails a task
        boolean interrupted = run.cancelled.get() || run.disposed.get()
                || scenario.ending() == Scenario.Ending.TIMEOUT || scenario.ending() == Scenario.Ending.TAKE_ZERO;
        if (scenario.ending() == Scenario.Ending.TAKE_ZERO) {
            expect(subscriber.values.isEmpty() && subscriber.completions == 1 && subscriber.errors.isEmpty(),
                    "take(0) must complete empty");
        }
        if (scenario.ending() == Scenario.Ending.TIMEOUT && !subscriber.errors.isEmpty()) {
            Throwable e = subscriber.errors.get(0);
            expect(e instanceof TimeoutException || e instanceof KTaskException, "timeout ended with " + e);
        }
        if (thrown && !interrupted) {
            expect(subscriber.errors.size() == 1 && subscriber.errors.get(0) instanceof KTaskException,
                    "a failed task must end with one KTaskException, got errors=" + subscriber.errors
                            + " completions=" + subscriber.completions);
            expect(!scenario.merge() || subscriber.values.isEmpty(), "a failed merge task emitted " + subscriber.values);
        }
        if (!thrown && !interrupted) {
            succeeded();
        }
    }

    private void succeeded() {
        expect(subscriber.completions == 1 && subscriber.errors.isEmpty(),
                "a fault-free task must complete, got errors=" + subscriber.errors);
        expect(recorder.undos.isEmpty(), "a completed task undid chunks " + recorder.undoOrder);
        int chunks = recorder.chunks.size();
        List<Long> all = new ArrayList<>();
        for (long i = 0; i < chunks; i++) {
            all.add(i);
        }
        expect(subscriber.emittedChunks().equals(all), "emitted " + subscriber.values + " for " + chunks + " chunks");
        if (scenario.merge()) {
            expect(subscriber.values.size() == (scenario.size() == 0 ? 0 : 1),
                    "merge mode emitted " + subscriber.values.size() + " values");
        } else {
            expect(subscriber.values.stream().allMatch(v -> v.size() == 1), "ordered mode emitted " + subscriber.values);
        }
        long origin = scenario.upstream() == Scenario.Upstream.RANGE ? scenario.start() : 0;
        long covered = recorder.chunks.values().stream().mapToLong(Chunk::size).sum();
        expect(covered == scenario.size(), "chunks cover " + covered + " units of " + scenario.size());
        recorder.chunks.values().stream().min(Comparator.comparingLong(Chunk::index))
                .ifPresent(first -> expect(first.start() == origin, "first chunk starts at " + first.start()));
    }

    private void expect(boolean holds, String otherwise) {
        if (!holds) {
            broken.add(otherwise);
        }
    }
}
