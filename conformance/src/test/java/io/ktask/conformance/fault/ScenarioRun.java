package io.ktask.conformance.fault;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;

import io.ktask.conformance.TestSchedulers;
import io.ktask.conformance.fault.Injected.Site;
import io.ktask.conformance.fault.Scenario.Upstream;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Runs one {@link Scenario} end to end on a fresh scheduler: installs its hook, builds the
 * upstream, the spec and the downstream, subscribes, ends the task the way the scenario says,
 * and waits (bounded) until the task is over and the scheduler idle. {@link Verdict} then judges
 * what was recorded.
 */
final class ScenarioRun {

    static final long SETTLE_MILLIS = 10_000;
    /** How long a settled scenario with a subscriber thread waits for that thread to be idle. */
    static final long FENCE_MILLIS = 5_000;

    final Scenario scenario;
    final KTaskScheduler scheduler;
    final TaskRecorder recorder;
    final RecordingSubscriber subscriber;
    private final ScenarioHooks hooks;
    /** The non-blocking thread that subscribes when the scenario says so (a one-thread parallel scheduler). */
    private final Scheduler subscriberThread;
    final AtomicBoolean cancelled = new AtomicBoolean();
    final AtomicBoolean disposed = new AtomicBoolean();
    /** Throwables that escaped the test's own calls into the pipeline: subscribe, cancel. */
    final ConcurrentLinkedQueue<Throwable> escaped = new ConcurrentLinkedQueue<>();
    /** The non-compliant upstream, when the scenario has one. */
    NoncompliantPublisher noncompliant;
    boolean settled;

    ScenarioRun(Scenario scenario, Scheduler subscriberThread) {
        this.scenario = scenario;
        this.subscriberThread = subscriberThread;
        this.scheduler = TestSchedulers.create(FaultInjectionTest.THREAD_PREFIX,
                NodeTopology.uniform(scenario.nodes(), scenario.cpusPerNode()), scenario.maxHelpers());
        this.scheduler.setEnabled(scenario.helpersEnabled());
        this.recorder = new TaskRecorder(scenario, scheduler);
        this.subscriber = new RecordingSubscriber(scenario.ending() == Scenario.Ending.ONE_BY_ONE, recorder);
        this.hooks = new ScenarioHooks(scenario, recorder);
    }

    /**
     * Runs the task and waits until it has settled; returns normally even if it did not.
     *
     * @param dropped where dropped and uncaught errors of this scenario arrive
     */
    void run(DroppedSignals dropped) throws InterruptedException {
        Thread racer = null;
        switch (scenario.ending()) {
            case CANCEL_IN_CHUNK -> recorder.ending = this::cancel;
            case DISPOSE_IN_CHUNK -> recorder.ending = this::disposeScheduler;
            case CANCEL_RACE -> racer = startCancelRacer();
            default -> { }
        }
        hooks.install();
        try {
            try {
                task().subscribe(subscriber);
            } catch (Throwable e) {
                escaped.add(e); // a fatal error met by the caller comes back here; anything else is a bug
            }
            settle(dropped);
        } finally {
            if (racer != null) {
                racer.join(SETTLE_MILLIS);
            }
            scheduler.dispose();
            ScenarioHooks.reset();
        }
    }

    private Flux<IndexRuns> task() {
        KTaskSpec.Builder<Long, IndexRuns> spec = KTaskSpec.<Long, IndexRuns>of(recorder::work)
                .minChunk(scenario.minChunk())
                .maxThreads(scenario.maxThreads())
                .scheduler(scheduler);
        if (scenario.shape().undo()) {
            spec.undo(recorder::undo);
        }
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
        // What the operator signals is recorded before timeout/take/publishOn, which may drop a
        // value or an error after they cancelled: such a value was emitted all the same, and
        // must not be undone. The discard hook is the operator's (and its upstream's) only: the
        // context is written right behind it, so publishOn or timeout discarding an emitted
        // value is not counted.
        Flux<IndexRuns> task = recorder.watch.markDownstreamCalls(upstream().transform(KTask.parallelize(spec.build())))
                .doOnEach(recorder::signalled)
                .contextWrite(context -> Operators.enableOnDiscard(context, recorder::discarded));
        task = switch (scenario.shape().downstream()) {
            case PUBLISH_ON_ONE -> task.publishOn(Schedulers.single(), 1);
            case LIMIT_RATE -> task.limitRate(scenario.shape().limitRate());
            case DIRECT -> task;
        };
        task = switch (scenario.ending()) {
            case TIMEOUT -> task.timeout(Duration.ofMillis(1));
            case TAKE_ZERO -> task.take(0);
            default -> task;
        };
        return scenario.shape().subscribeOnParallel() ? task.subscribeOn(subscriberThread) : task;
    }

    private Flux<Long> upstream() {
        Upstream kind = scenario.upstream();
        if (kind == Upstream.RANGE) {
            return hooks.checkpoints(KTask.range(scenario.start(), scenario.size()));
        }
        if (kind == Upstream.NONCOMPLIANT) {
            noncompliant = new NoncompliantPublisher(scenario, recorder);
            return recorder.watch.markPushes(hooks.checkpoints(noncompliant));
        }
        int errorAt = scenario.upstreamErrorAt();
        Flux<Long> elements = elements(errorAt < 0 ? scenario.size() : errorAt);
        if (errorAt >= 0) {
            elements = elements.concatWith(Flux.defer(() -> Flux.error(recorder.fault(Site.UPSTREAM, "upstream at " + errorAt))));
        }
        elements = hooks.checkpoints(elements);
        // fused upstreams are polled by the task's threads: a marking operator would make them push
        boolean pushes = errorAt >= 0 || kind != Upstream.ITERABLE && kind != Upstream.ARRAY;
        return pushes ? recorder.watch.markPushes(elements) : elements;
    }

    private Flux<Long> elements(int count) {
        List<Long> list = LongStream.range(0, count).map(scenario::element).boxed().toList();
        return switch (scenario.upstream()) {
            case ITERABLE -> Flux.fromIterable(list);
            case ARRAY -> Flux.fromArray(list.toArray(new Long[0]));
            case GENERATE -> Flux.generate(() -> 0L, (i, sink) -> {
                if (i < count) {
                    sink.next(scenario.element(i));
                } else {
                    sink.complete();
                }
                return i + 1;
            });
            case HIDE -> Flux.fromIterable(list).hide();
            case PUBLISH_ON -> Flux.fromIterable(list).publishOn(Schedulers.parallel(), scenario.shape().prefetch());
            case MAPPED_RANGE -> Flux.range(0, count).map(i -> scenario.element(i));
            default -> throw new IllegalStateException("not an element upstream: " + scenario.upstream());
        };
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
            try {
                cancel();
            } catch (Throwable e) {
                escaped.add(e); // a fatal error from an undo this cancel ran comes back here
            }
        }, "fault-cancel-racer-" + scenario.seed());
        racer.start();
        return racer;
    }

    /**
     * Waits until the task is over (terminal signal, or cancel), the scheduler has no task and
     * no helper left, every finished chunk is accounted for, the upstream can signal no more,
     * and every injected fault has arrived somewhere (a fatal one also on a thread);
     * {@link #settled} says if all that happened in time.
     */
    private void settle(DroppedSignals dropped) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_MILLIS * 1_000_000;
        while (System.nanoTime() < deadline) {
            boolean over = subscriber.awaitTerminal(1) || cancelled.get();
            if (over && idle() && accounted() && recorder.watch.upstreamQuiet() && faultsArrived(dropped)
                    && subscriberThreadIdle() && deliveryThreadIdle()) {
                settled = true;
                return;
            }
        }
    }

    /**
     * With subscribeOn, a cancel may come before the subscriber thread has subscribed the task
     * (it then still subscribes, and cancels at once): everything looks over while the task has
     * not even begun. The subscriber thread runs its work in order, so once a task scheduled on
     * it now has run, the subscription scheduled earlier is done; the caller then looks again.
     */
    private boolean subscriberThreadIdle() throws InterruptedException {
        if (!scenario.shape().subscribeOnParallel()) {
            return true;
        }
        CountDownLatch fence = new CountDownLatch(1);
        subscriberThread.schedule(fence::countDown);
        return fence.await(FENCE_MILLIS, TimeUnit.MILLISECONDS) && idle() && recorder.watch.upstreamQuiet();
    }

    /**
     * With publishOn(single()) downstream, a value or an error the operator signalled may still
     * wait in publishOn's queue when timeout cancels; publishOn's drain on single() then drops it
     * (to the discard or onErrorDropped hook), possibly after this scenario looks over, and a later
     * scenario would see it. single() runs its work in order: once a task scheduled on it now has
     * run, every drain queued before is done.
     */
    private boolean deliveryThreadIdle() throws InterruptedException {
        if (scenario.shape().downstream() != Shape.Downstream.PUBLISH_ON_ONE) {
            return true;
        }
        CountDownLatch fence = new CountDownLatch(1);
        Schedulers.single().schedule(fence::countDown);
        return fence.await(FENCE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Each fault thrown reached the subscriber or the dropped errors; each fatal one a thread too (exactness: verdict). */
    private boolean faultsArrived(DroppedSignals dropped) {
        List<Throwable> thrown;
        synchronized (recorder.thrown) {
            thrown = List.copyOf(recorder.thrown);
        }
        if (thrown.isEmpty()) {
            return true;
        }
        Set<Throwable> reported = Verdict.walk(recorder.operatorErrors, subscriber.errors, dropped.errors());
        Set<Throwable> rethrown = Verdict.walk(List.copyOf(escaped), dropped.uncaught());
        return thrown.stream().allMatch(t -> reported.contains(t) && (!(t instanceof InjectedFatal) || rethrown.contains(t)));
    }

    boolean idle() {
        var stats = scheduler.stats();
        return stats.tasksRunning() == 0 && stats.helpersRunning() == 0;
    }

    /** Every finished chunk is emitted, undone or discarded (the exactness is checked by the verdict). */
    private boolean accounted() {
        Set<Long> missing = new HashSet<>(recorder.finished);
        synchronized (recorder.emitted) {
            recorder.emitted.forEach(missing::remove);
        }
        missing.removeAll(recorder.undos.keySet());
        synchronized (recorder.discarded) {
            recorder.discarded.forEach(missing::remove);
        }
        return missing.isEmpty();
    }
}
