package io.ktask.conformance.fault;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

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

    /** @param dropped what Reactor dropped and what reached a thread's uncaught handler during this scenario */
    static List<String> judge(ScenarioRun run, DroppedSignals dropped) {
        Verdict v = new Verdict(run);
        v.broken.addAll(run.recorder.violations);
        v.settledAndIdle();
        v.allOrNothing();
        v.undoDiscipline();
        v.threadCap();
        v.errorsDeliveredOnce(dropped.errors(), dropped.foreignDrops());
        v.fatalErrorsRethrownOnce(dropped.uncaught());
        v.lateSignalsDropped(dropped.nexts());
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
        if (recorder.watch.nextsAfterCancel() > 1) {
            broken.add("the operator started " + recorder.watch.nextsAfterCancel() + " onNext after its cancel returned");
        }
        if (recorder.operatorCompletions.get() + recorder.operatorErrors.size() > 1) {
            broken.add("the operator sent more than one terminal signal: completions=" + recorder.operatorCompletions
                    + ", errors=" + recorder.operatorErrors);
        }
    }

    /**
     * Every finished chunk is emitted or undone exactly once (without an undo: emitted or
     * discarded exactly once); an undone chunk's result is discarded once too; nothing
     * unfinished is emitted, undone or discarded.
     */
    private void allOrNothing() {
        Map<Long, Long> emitted = counts(recorder.emitted);
        Map<Long, Long> discarded = counts(recorder.discarded);
        boolean undo = scenario.shape().undo();
        for (Long index : recorder.finished) {
            long shown = emitted.getOrDefault(index, 0L);
            int undone = recorder.undos.containsKey(index) ? recorder.undos.get(index).get() : 0;
            long thrownAway = discarded.getOrDefault(index, 0L);
            if (undo ? shown + undone != 1 : shown + thrownAway != 1) {
                broken.add("finished chunk " + index + " emitted " + shown + "x, undone " + undone + "x, discarded "
                        + thrownAway + "x");
            } else if (undo && thrownAway != undone) {
                broken.add("finished chunk " + index + " undone " + undone + "x, but its result discarded " + thrownAway + "x");
            }
        }
        notFinished(emitted.keySet(), "emitted");
        notFinished(recorder.undos.keySet(), "undone");
        notFinished(discarded.keySet(), "discarded");
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

    private void notFinished(Collection<Long> indexes, String what) {
        for (Long index : indexes) {
            if (!recorder.finished.contains(index)) {
                broken.add("chunk " + index + " " + what + " but never finished");
            }
        }
    }

    private static Map<Long, Long> counts(List<Long> synchronizedIndexes) {
        Map<Long, Long> counts = new HashMap<>();
        synchronized (synchronizedIndexes) {
            synchronizedIndexes.forEach(i -> counts.merge(i, 1L, Long::sum));
        }
        return counts;
    }

    /**
     * Undos run one at a time (checked while recording), in ascending chunk order, not on a
     * non-blocking thread, before onError.
     */
    private void undoDiscipline() {
        List<Long> order = List.copyOf(recorder.undoOrder);
        for (int i = 1; i < order.size(); i++) {
            if (order.get(i - 1) >= order.get(i)) {
                broken.add("undos not in ascending chunk order: " + order);
                break;
            }
        }
        // DESIGN 4: undo runs where blocking is allowed; a non-blocking thread hands it to a task
        // thread, and runs it itself only if none can start (a disposed scheduler, a refusing hook)
        boolean noThreadCouldStart = run.disposed.get() || thrownAt(Injected.Site.SCHEDULE_HOOK);
        if (!recorder.nonBlockingUndos.isEmpty() && !noThreadCouldStart) {
            broken.add("undos ran on a non-blocking thread: " + List.copyOf(recorder.nonBlockingUndos));
        }
        if (!recorder.operatorErrors.isEmpty() && recorder.operatorErrors.get(0) instanceof KTaskException
                && recorder.undoneAtError != order.size()) {
            broken.add("onError sent after " + recorder.undoneAtError + " undos, but " + order.size()
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
     * Each injected fault that was thrown reaches the operator's subscriber (as the
     * KTaskException's cause or a suppressed exception, or inside an UndoFailedException there)
     * or Hooks.onErrorDropped exactly once, and is never both the cause and a suppressed
     * exception of one error. The error the operator sent and the one the subscriber got are the
     * same object when no downstream operator replaced it: counted once.
     */
    private void errorsDeliveredOnce(Collection<Throwable> dropped, List<String> foreignDrops) {
        Map<Throwable, Integer> seen = new IdentityHashMap<>();
        Set<Throwable> signalled = Collections.newSetFromMap(new IdentityHashMap<>());
        signalled.addAll(List.copyOf(recorder.operatorErrors));
        signalled.addAll(List.copyOf(subscriber.errors));
        List<Throwable> delivered = new ArrayList<>(signalled);
        for (Throwable e : dropped) {
            // an error the operator signalled while a cancel raced it is dropped again by the
            // cancelled subscriber (BaseSubscriber): the operator delivered it once
            if (!signalled.contains(e)) {
                delivered.add(e);
            }
        }
        countPerEvent(delivered, seen);
        for (Throwable fault : List.copyOf(recorder.thrown)) {
            int times = seen.getOrDefault(fault, 0);
            if (times != 1) {
                broken.add("fault '" + fault.getMessage() + "' delivered " + times + "x (errors=" + signalled
                        + ", dropped=" + dropped + ")");
            }
        }
        for (Throwable e : delivered) {
            if (e.getCause() != null && List.of(e.getSuppressed()).contains(e.getCause())) {
                broken.add("an error is both the cause and a suppressed exception of " + e);
            }
        }
        for (Throwable e : seen.keySet()) {
            if (e instanceof Injected i && i.origin().seed() != scenario.seed()) {
                broken.add("a fault of seed " + i.origin().seed() + " surfaced in this scenario: " + e);
            }
        }
        for (Throwable e : dropped) {
            // a scheduler disposed mid-task may reject a helper after the task ended: dropping
            // that rejection is Reactor's convention for an error with nobody left to receive it
            boolean rejectedAfterDispose = run.disposed.get() && e instanceof RejectedExecutionException;
            // a failed undo of a cancelled task is dropped as the UndoFailedException naming its chunk
            boolean failedUndo = e instanceof UndoFailedException && e.getCause() instanceof Injected;
            // a publishOn whose worker a cancel disposed rejects a signal that raced that cancel,
            // and the rejection is dropped (Reactor's convention): downstream, the one onNext
            // allowed after a cancel (Reactive Streams §2.8); upstream, the task's request, whose
            // rejection publishOn signals back from inside it to the cancelled operator
            boolean rejectedByCancelledPublishOn = e instanceof RejectedExecutionException
                    && (scenario.shape().downstream() == Shape.Downstream.PUBLISH_ON_ONE
                            && recorder.watch.cancelledByDownstream()
                    || scenario.upstream() == Scenario.Upstream.PUBLISH_ON && recorder.watch.upstreamCancelled());
            if (!(e instanceof Injected) && !(e instanceof KTaskException) && !rejectedAfterDispose && !failedUndo
                    && !rejectedByCancelledPublishOn) {
                broken.add("unexpected error dropped: " + e + "; where: " + foreignDrops);
            }
        }
    }

    /**
     * A fatal error is also rethrown, once, on the thread that met it: out of the test's own call
     * (subscribe, cancel), or to the uncaught-exception handler of a scheduler's or Reactor's
     * thread. Nothing else may escape to a thread (Reactive Streams §2.13, §3.16).
     */
    private void fatalErrorsRethrownOnce(Collection<Throwable> uncaught) {
        List<Throwable> rethrown = new ArrayList<>(run.escaped);
        rethrown.addAll(uncaught);
        Map<Throwable, Integer> seen = new IdentityHashMap<>();
        countPerEvent(rethrown, seen); // one thread meeting two: the second may ride suppressed on the first
        for (Throwable fault : List.copyOf(recorder.thrown)) {
            int times = seen.getOrDefault(fault, 0);
            if (fault instanceof InjectedFatal && times != 1) {
                broken.add("fatal '" + fault.getMessage() + "' rethrown " + times + "x (escaped=" + run.escaped
                        + ", uncaught=" + uncaught + ")");
            }
        }
        for (Throwable e : rethrown) {
            if (!(e instanceof InjectedFatal f) || f.origin().seed() != scenario.seed()) {
                broken.add("thrown to a thread instead of signalled: " + e + (run.escaped.contains(e)
                        ? " (out of the test's subscribe or cancel)" : " (uncaught handler)"));
            }
        }
    }

    /**
     * A non-compliant upstream's element after onComplete goes to Hooks.onNextDropped exactly
     * once; no other element is dropped (the operator's own results dropped by a downstream
     * operator after a cancel are that operator's business).
     */
    private void lateSignalsDropped(Collection<Object> nexts) {
        Long extra = run.noncompliant == null ? null : run.noncompliant.extraElement();
        long extraDropped = nexts.stream().filter(v -> v.equals(extra)).count();
        if (recorder.extraNextSent && extraDropped != 1) {
            broken.add("the element " + extra + " sent after onComplete was dropped " + extraDropped + "x");
        }
        for (Object v : nexts) {
            if (!(v instanceof IndexRuns) && !(recorder.extraNextSent && v.equals(extra))) {
                broken.add("unexpected value dropped: " + v);
            }
        }
    }

    /**
     * Counts, for each throwable, in how many of {@code events} (each one signal, drop or
     * rethrow) it appears, as the event itself, a cause or a suppressed exception. Within one
     * event it counts once: the error a task signals may reach a fault twice (a fatal error that
     * carries a later one as suppressed, which is also an UndoFailedException's cause there).
     */
    private static void countPerEvent(List<Throwable> events, Map<Throwable, Integer> seen) {
        for (Throwable event : events) {
            for (Throwable e : walk(List.of(event))) {
                seen.merge(e, 1, Integer::sum);
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

    /** @return every throwable in {@code lists}, with their causes and suppressed ones (by identity) */
    @SafeVarargs
    static Set<Throwable> walk(List<Throwable>... lists) {
        Map<Throwable, Integer> seen = new IdentityHashMap<>();
        for (List<Throwable> list : lists) {
            synchronized (list) { // the subscriber's errors are a synchronized list
                list.forEach(e -> count(e, seen));
            }
        }
        return seen.keySet();
    }

    /** What the subscriber must have seen, given how the task was ended. */
    private void outcome() {
        // A schedule hook may throw on a thread outside the task's chunks (the caller waking
        // helpers) while a helper completes the task: the failure then comes after the end was
        // decided and is dropped. Such a hook fault need not fail the task; one that reached
        // the operator's onError did.
        Set<Throwable> signalled = walk(recorder.operatorErrors);
        boolean thrown;
        synchronized (recorder.thrown) {
            thrown = recorder.thrown.stream().anyMatch(t -> ((Injected) t).origin().site().failsTask()
                    && (((Injected) t).origin().site() != Injected.Site.SCHEDULE_HOOK || signalled.contains(t)));
        }
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
            expect(recorder.operatorErrors.size() == 1 && recorder.operatorErrors.get(0) instanceof KTaskException,
                    "a failed task must end with one KTaskException, got errors=" + recorder.operatorErrors
                            + " completions=" + recorder.operatorCompletions);
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

    private boolean thrownAt(Injected.Site site) {
        synchronized (recorder.thrown) {
            return recorder.thrown.stream().anyMatch(t -> ((Injected) t).origin().site() == site);
        }
    }

    private void expect(boolean holds, String otherwise) {
        if (!holds) {
            broken.add(otherwise);
        }
    }
}
