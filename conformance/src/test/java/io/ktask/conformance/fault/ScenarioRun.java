package io.ktask.conformance.fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;

import io.ktask.conformance.TestSchedulers;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import reactor.core.publisher.Flux;

/**
 * Runs one {@link Scenario} end to end on a fresh scheduler: builds the upstream and the spec,
 * subscribes, ends the task the way the scenario says, and waits (bounded) until the task is
 * over and the scheduler idle. {@link Verdict} then judges what was recorded.
 */
final class ScenarioRun {

    static final long SETTLE_MILLIS = 10_000;

    final Scenario scenario;
    final KTaskScheduler scheduler;
    final TaskRecorder recorder;
    final RecordingSubscriber subscriber;
    final AtomicBoolean cancelled = new AtomicBoolean();
    final AtomicBoolean disposed = new AtomicBoolean();
    boolean settled;

    ScenarioRun(Scenario scenario) {
        this.scenario = scenario;
        this.scheduler = TestSchedulers.create(FaultInjectionTest.THREAD_PREFIX,
                NodeTopology.uniform(scenario.nodes(), scenario.cpusPerNode()), scenario.maxHelpers());
        this.scheduler.setEnabled(scenario.helpersEnabled());
        this.recorder = new TaskRecorder(scenario, scheduler);
        this.subscriber = new RecordingSubscriber(scenario.ending() == Scenario.Ending.ONE_BY_ONE, recorder);
    }

    /** Runs the task and waits until it has settled; returns normally even if it did not. */
    void run() throws InterruptedException {
        Thread racer = null;
        switch (scenario.ending()) {
            case CANCEL_IN_CHUNK -> recorder.ending = this::cancel;
            case DISPOSE_IN_CHUNK -> recorder.ending = this::disposeScheduler;
            case CANCEL_RACE -> racer = startCancelRacer();
            default -> { }
        }
        try {
            task().subscribe(subscriber);
            settle();
        } finally {
            if (racer != null) {
                racer.join(SETTLE_MILLIS);
            }
            scheduler.dispose();
        }
    }

    private Flux<List<Long>> task() {
        KTaskSpec.Builder<Long, List<Long>> spec = KTaskSpec.<Long, List<Long>>of(recorder::work)
                .undo(recorder::undo)
                .minChunk(scenario.minChunk())
                .maxThreads(scenario.maxThreads())
                .scheduler(scheduler);
        if (scenario.align() > 1) {
            spec.align(scenario.align());
        }
        if (!scenario.callerRuns()) {
            spec.callerRuns(false);
        }
        if (scenario.node() == Scenario.ALL_NODES) {
            spec.allNodes();
        } else if (scenario.node() != Scenario.DEFAULT_NODE) {
            spec.node(scenario.node());
        }
        if (scenario.merge()) {
            spec.merge(recorder::merge);
        } else {
            spec.ordered();
        }
        // what the operator emits is recorded before timeout/take, which may drop a value after
        // they cancelled: such a value was emitted all the same, and must not be undone
        Flux<List<Long>> task = upstream().transform(KTask.parallelize(spec.build())).doOnNext(recorder::emitted);
        return switch (scenario.ending()) {
            case TIMEOUT -> task.timeout(Duration.ofMillis(1));
            case TAKE_ZERO -> task.take(0);
            default -> task;
        };
    }

    private Flux<Long> upstream() {
        int size = scenario.size();
        if (scenario.upstream() == Scenario.Upstream.RANGE) {
            return KTask.range(scenario.start(), size);
        }
        int errorAt = scenario.upstreamErrorAt();
        int clean = errorAt < 0 ? size : errorAt;
        Flux<Long> elements = scenario.upstream() == Scenario.Upstream.ITERABLE
                ? Flux.fromIterable(LongStream.range(0, clean).map(scenario::element).boxed().toList())
                : Flux.generate(() -> 0L, (i, sink) -> {
                    if (i < clean) {
                        sink.next(scenario.element(i));
                    } else {
                        sink.complete();
                    }
                    return i + 1;
                });
        return errorAt < 0 ? elements
                : elements.concatWith(Flux.defer(() -> Flux.error(recorder.fault("upstream at " + errorAt))));
    }

    private void cancel() {
        if (cancelled.compareAndSet(false, true)) {
            subscriber.cancelTask();
        }
    }

    private void disposeScheduler() {
        if (disposed.compareAndSet(false, true)) {
            scheduler.dispose();
        }
    }

    /** A thread that cancels after a seed-chosen spin, racing the task from its subscription on. */
    private Thread startCancelRacer() {
        long spins = scenario.seed() % 20_000;
        Thread racer = new Thread(() -> {
            for (long i = 0; i < spins; i++) {
                Thread.onSpinWait();
            }
            cancel();
        }, "fault-cancel-racer-" + scenario.seed());
        racer.start();
        return racer;
    }

    /**
     * Waits until the task is over (terminal signal, or cancel) and the scheduler has no task and
     * no helper left, and every finished chunk is accounted for; {@link #settled} says if it was.
     */
    private void settle() throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_MILLIS * 1_000_000;
        while (System.nanoTime() < deadline) {
            boolean over = subscriber.awaitTerminal(1) || cancelled.get();
            if (over && idle() && accounted()) {
                settled = true;
                return;
            }
        }
    }

    boolean idle() {
        var stats = scheduler.stats();
        return stats.tasksRunning() == 0 && stats.helpersRunning() == 0;
    }

    /** Every finished chunk is emitted or undone (the exactness is checked by the verdict). */
    private boolean accounted() {
        List<Long> missing = new ArrayList<>(recorder.finished);
        synchronized (recorder.emitted) {
            missing.removeAll(recorder.emitted);
        }
        missing.removeAll(recorder.undos.keySet());
        return missing.isEmpty();
    }
}
