package io.ktask.operators;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BooleanSupplier;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.internal.TaskHandle;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.util.annotation.Nullable;
import reactor.util.context.Context;

/**
 * A task as its chunk source and its workers see it ({@link RunningTask}): what it is made of
 * (spec, context, threads, source, workers, home node) and how it starts, on its first request.
 * Its workers run the {@link ClaimLoop}; its stop flags and its drain are the {@link TaskRun}'s,
 * reached only through the interface's methods.
 *
 * @param <T> the upstream element type
 * @param <R> the chunk result type
 */
final class TaskSetup<T, R> implements RunningTask<T> {

    private final TaskRun<T, R> run;
    private final KTaskSpec<T, R> spec;
    private final KTaskScheduler scheduler;
    private final RollbackGate gate;
    private final Context context;
    private final int threads;
    /** Chunks one task may compute ahead of delivery, before a source scales it to its chunk size. */
    final int window;
    private final ResultMode<T, R> mode;
    private final TaskWorkers workers;
    private final ClaimLoop<T, R> claims;
    private ChunkSource<T> source;   // set once before onSubscribe
    private int homeNode;            // set by startOnce(), before any worker runs
    /** The requesting thread is the task's own (callerRuns, resolved on it by startOnce()). */
    private volatile boolean callerRuns;
    /** The first request has started the task (0 or 1). */
    private volatile int started;

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<TaskSetup> STARTED =
            AtomicIntegerFieldUpdater.newUpdater(TaskSetup.class, "started");

    TaskSetup(TaskRun<T, R> run, Context context, KTaskScheduler scheduler, RollbackGate gate, TaskHandle handle) {
        this.run = run;
        this.spec = run.spec;
        this.scheduler = scheduler;
        this.gate = gate;
        this.context = context;
        this.threads = Math.max(1, Math.min(spec.maxThreads, scheduler.topology().cpuCount()));
        this.window = Sizing.LOAD_BALANCE_FACTOR * threads;
        this.mode = run.mode;
        this.workers = new TaskWorkers(this, scheduler, handle);
        this.claims = new ClaimLoop<>(run, this, SchedulerInternals.spares(scheduler, workers));
    }

    @Override
    public void subscribed(ChunkSource<T> source) {
        this.source = source;
        run.subscription.handDownstream();
    }

    @Override
    public Scannable downstream() {
        return run.subscription;
    }

    @Override
    public ChunkSource<T> source() {
        return source;
    }

    @Override
    public KTaskSpec<T, ?> spec() {
        return spec;
    }

    @Override
    public Context context() {
        return context;
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public NodeTopology topology() {
        return scheduler.topology();
    }

    @Override
    public int homeNode() {
        return homeNode;
    }

    @Override
    public TaskWorkers workers() {
        return workers;
    }

    @Override
    public boolean inWindow(long index) {
        return mode.inWindow(index, source.window(window));
    }

    @Override
    public boolean stopped() {
        return run.stopped();
    }

    @Override
    public void fail(Throwable e, @Nullable Chunk<T> chunk) {
        run.fail(e, chunk);
    }

    @Override
    public void drain() {
        run.drain();
    }

    @Override
    public void workLoop(int node, boolean helper, @Nullable BooleanSupplier released) {
        claims.loop(node, helper, released);
    }

    /** @return whether the thread that made the first request runs chunks (set by {@link #startOnce()}) */
    boolean callerRuns() {
        return callerRuns;
    }

    /**
     * First request: the task begins, unless an earlier task of this operator is still undoing
     * (then it begins on the thread that ends that rollback, as a task whose caller has left).
     *
     * @return false if an earlier request started the task already (nothing was done)
     */
    boolean startOnce() {
        if (started != 0 || !STARTED.compareAndSet(this, 0, 1)) {
            return false;
        }
        if (gate.passOrWait(() -> begin(false))) {
            begin(spec.callerRuns.runsOnCallingThread());
        }
        return true;
    }

    /** The requesting thread runs chunks if {@code callerRuns}: it is then the task's own. */
    private void begin(boolean callerRuns) {
        // One node: no need to ask the OS where we run (a native call per task start).
        homeNode = spec.node != NodeTopology.ANY_NODE ? spec.node
                : scheduler.topology().nodeCount() == 1 ? 0 : scheduler.currentNode();
        this.callerRuns = callerRuns;
        if (callerRuns) {
            workers.reserveOwnSlot(); // before the source starts: its pushes must not start another own thread
        }
        try {
            source.start();
        } catch (Throwable e) {
            // A fatal error that a drain inside the start already met and recorded (an undo's,
            // when a synchronous upstream completes here) is only on its way out: not a new failure.
            if (!(Exceptions.isJvmFatal(e) && stopped())) {
                fail(Exceptions.unwrap(e), null);
            }
            workers.releaseOwnSlot();
            drain();
            Exceptions.throwIfJvmFatal(e);
            return;
        }
        if (source.done()) {
            drain(); // an empty task completes here (any other end drains by itself)
        }
        workers.wakeUp(); // helpers for what lies beyond the own thread's next chunk (and, if not the caller, the own thread)
        if (callerRuns) {
            workers.runOwnLoopHere();
        }
    }
}
