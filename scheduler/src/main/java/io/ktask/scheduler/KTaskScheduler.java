package io.ktask.scheduler;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.internal.SpareBody;
import io.ktask.scheduler.internal.TaskHandle;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.annotation.Nullable;

/**
 * A node-aware Reactor {@link Scheduler} with ktask's helper limits.
 *
 * <p><b>Plain scheduling</b> ({@link #schedule}, {@link #createWorker()}, {@link #createWorker(int)})
 * works like {@link Schedulers#parallel()}: per node, one single-threaded worker per CPU of the
 * node, whose thread is pinned to the node's CPUs (Linux, when pinning is on), runs at the
 * process's priority (not the helpers') and implements {@link reactor.core.scheduler.NonBlocking}.
 * {@code schedule} picks workers round-robin over all nodes; a {@link Worker} stays on one of
 * them, so it runs its tasks in FIFO order and never two at once. A worker thread that runs out
 * of tasks spins for about 20 microseconds before it parks, so that a steady stream of hand-offs
 * does not pay a thread wake-up each; an idle scheduler uses no CPU. An error thrown by a task goes,
 * as on reactor-core's schedulers, to its thread's uncaught-exception handler and then to the
 * {@link Schedulers#onHandleError} hooks; a periodic task keeps its schedule after an error.
 *
 * <p><b>Helpers</b> (leased by the operator for each task) are threads that run chunks of one task beside the
 * task's own thread. At most {@link #maxHelpers()} run at once, and at most
 * {@link #maxHelpersPerNode(int)} on each node; a lease never blocks and never queues, it grants
 * fewer helpers instead. Helper threads run at a low priority (nice 19 by default) and are not
 * {@code NonBlocking}: chunk code may block. A task's own thread that runs out of chunks lends its
 * priority to one of the task's helpers at a time.
 *
 * <p><b>Lifecycle</b>: {@link #create()} and {@link KTaskSchedulerBuilder#build()} return a ready
 * scheduler that holds no thread until it is used; idle threads end after the keep-alive. After
 * {@link #dispose()} (or once {@link #disposeGracefully()} is subscribed) every {@code schedule*}
 * call, on the scheduler or on its workers, and {@code createWorker} throw
 * {@link Exceptions#failWithRejected()}.
 *
 * <p><b>Management</b>: each scheduler registers a {@link KTaskSchedulerMXBean} (limits, the
 * enabled switch, {@link #stats()}) in the platform MBean server when built, and unregisters it
 * when disposed. The one exception is the operators' default scheduler (that of specs which name
 * none): it registers its bean on a daemon thread of its own once its first task has ended (or,
 * if that task runs longer, one second after it was built), so that a fresh JVM's first task
 * neither waits for nor shares the CPUs with the 150 to 230 ms that starting the platform MBean
 * server takes.
 *
 * <p>Thread-safety: every method may be called from any thread.
 */
public final class KTaskScheduler implements Scheduler, Scannable {

    static {
        SchedulerInternals.install(new InternalsBridge());
    }

    private final String name;
    private final NodeTopology topology;
    private final HelperLimits limits;
    private final Pools pools;
    /** Counted by each task's {@link TaskRecord}. */
    final AtomicInteger tasksRunning = new AtomicInteger();
    final LongAdder chunksDone = new LongAdder();
    private final LongAdder priorityHandOffs = new LongAdder();
    private final TaskListeners taskListeners = new TaskListeners();
    private final SpareLimit spareLimit;
    private final int helperNice;
    private volatile boolean enabled;
    /** Why helpers are off, or null while they are on (see {@link #setEnabled(boolean)}). */
    @Nullable
    private volatile String disabledReason;
    private volatile boolean disposed;
    /** {@link #dispose()} was called: threads are interrupted, running tasks cannot finish. */
    private volatile boolean stoppedAtOnce;
    /** The MBean's registration, or null when built with {@code jmx(false)}. */
    @Nullable
    private final SchedulerJmx.Registration jmx;
    /** {@link #isDisposed()} as a supplier, made once rather than per scheduled task. */
    final BooleanSupplier disposedNow = () -> disposed;

    KTaskScheduler(String name, NodeTopology topology, int maxHelpers, int[] maxHelpersPerNode,
            @Nullable String disabledReason, Jmx jmx, Pools.Settings settings, int maxSpares, boolean bindLibcNow) {
        this.name = name;
        this.spareLimit = new SpareLimit(maxSpares);
        this.topology = topology;
        this.limits = new HelperLimits(maxHelpers, maxHelpersPerNode);
        this.enabled = disabledReason == null;
        this.disabledReason = disabledReason;
        this.helperNice = settings.helperNice();
        this.pools = new Pools(this, name, topology, settings);
        // Binding libc takes ~100 ms of CPU: never on this (the caller's) thread. A scheduler built
        // ahead of its tasks starts it now in the background, so that its first helper finds it
        // done; one built by its first task's thread leaves it to the first thread that places
        // itself, which starts microseconds later anyway, and a task without helpers never pays.
        if (bindLibcNow) {
            ThreadPlacement.bindInBackground();
        }
        // Last, once every field is set: the MBean server publishes this scheduler to other threads.
        this.jmx = jmx == Jmx.OFF ? null
                : jmx == Jmx.IN_BACKGROUND
                        ? SchedulerJmx.Registration.inBackground(this, name, SchedulerJmx.Registration.FIRST_TASK_WAIT_MILLIS)
                : SchedulerJmx.register(this, name);
    }

    /**
     * Called by each task's {@link TaskRecord} as it ends: the first end lets a background JMX
     * registration go on (see {@link SchedulerJmx.Registration#inBackground}); every later one
     * costs one volatile read.
     */
    void taskEnded() {
        if (jmx != null) {
            jmx.firstTaskEnded(); // after the first, a latch already at zero: one volatile read
        }
    }

    /**
     * When the MXBean is registered: not at all, during the build, or on a thread of its own once
     * the first task has ended.
     */
    enum Jmx {
        OFF, AT_BUILD, IN_BACKGROUND
    }

    /**
     * {@return a scheduler with every default (see {@link KTaskSchedulerBuilder}), ready to use; same as
     *     {@code builder().build()}}
     *
     * @throws IllegalArgumentException if a {@code ktask.*} system property has a bad value
     */
    public static KTaskScheduler create() {
        return builder().build();
    }

    /** {@return a new builder; each of its options may be set once} */
    public static KTaskSchedulerBuilder builder() {
        return new KTaskSchedulerBuilder();
    }

    /** {@return the nodes and CPUs this scheduler places its threads on} */
    public NodeTopology topology() {
        return topology;
    }

    /**
     * {@return the node the calling thread runs on: its node if it is one of this scheduler's
     *     node threads, else the node of the CPU the OS reports, else 0 (never {@link NodeTopology#ANY_NODE})}
     */
    public int currentNode() {
        if (Thread.currentThread() instanceof KTaskThread t && t.owner == this && t.node >= 0) {
            return t.node;
        }
        if (topology.nodeCount() == 1) {
            return 0;
        }
        int node = topology.nodeOfCpu(ThreadPlacement.currentCpu());
        return node >= 0 ? node : 0;
    }

    /**
     * Takes permits for up to {@code wanted} helpers of one task, placed on {@code preferredNode}
     * while its limit allows, then on another node with room, then in the unpinned any-node
     * group, while the global limit allows. Never blocks and never queues: past the global limit
     * the lease grants fewer (possibly 0), and when helpers are disabled it grants 0. The caller's
     * own thread is not counted. Close the lease when done with it (see {@link HelperLease}).
     *
     * @param wanted how many helpers the task would like, {@code >= 0}
     * @param preferredNode a node id, or {@link NodeTopology#ANY_NODE} for no preference
     * @return the permits granted, between 0 and {@code wanted}
     * @throws IllegalArgumentException if {@code wanted < 0} or {@code preferredNode} is not a
     *     node of {@link #topology()} nor {@link NodeTopology#ANY_NODE}
     * @throws java.util.concurrent.RejectedExecutionException ({@link Exceptions#failWithRejected()})
     *     if this scheduler is disposed
     */
    HelperLease lease(int wanted, int preferredNode) {
        return lease(wanted, preferredNode, null);
    }

    /** {@link #lease(int, int)} for the helpers of one task, which {@code lending} may raise. */
    HelperLease lease(int wanted, int preferredNode, @Nullable LentPriority lending) {
        if (wanted < 0) {
            throw new IllegalArgumentException("wanted must be >= 0 but was " + wanted);
        }
        if (preferredNode != NodeTopology.ANY_NODE) {
            checkNode("preferredNode", preferredNode);
        }
        if (disposed) {
            throw Exceptions.failWithRejected();
        }
        int[] placed = new int[enabled ? wanted : 0];
        int granted = 0;
        while (granted < placed.length) {
            int node = limits.acquire(preferredNode);
            if (node == HelperLimits.REFUSED) {
                limits.refused(placed.length - granted);
                break;
            }
            placed[granted++] = node;
        }
        return new Lease(this, limits, granted == placed.length ? placed : Arrays.copyOf(placed, granted), lending);
    }

    /**
     * Runs {@code body} once as a task's own thread, on a helper thread of {@code node} (or of
     * the any-node group), without taking a permit: ktask never counts a task's own thread
     * against the limits, so every task progresses whatever the load. Like a helper it is never
     * queued (it starts on a thread at once, so a dispose cannot silently drop it) and, unlike
     * {@link #schedule(Runnable)}'s NonBlocking workers, its thread may block. It runs at the
     * helpers' nice value. An exception thrown by {@code body} goes to the thread's
     * uncaught-exception handler.
     *
     * @param node a node id, or {@link NodeTopology#ANY_NODE}
     * @param body what the task's own thread runs
     * @return {@code true} if started; {@code false} if this scheduler is disposed
     * @throws IllegalArgumentException if {@code node} is not a node of {@link #topology()} nor
     *     {@link NodeTopology#ANY_NODE}
     * @throws NullPointerException if {@code body} is null
     */
    boolean startTaskThread(int node, Runnable body) {
        if (node != NodeTopology.ANY_NODE) {
            checkNode("node", node);
        }
        Objects.requireNonNull(body, "body must not be null");
        if (disposed) {
            return false;
        }
        Runnable task = Schedulers.onSchedule(body);
        try {
            pools.execute(node, () -> {
                try {
                    task.run();
                } catch (Throwable e) {
                    KTaskThread.reportUncaught(e);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false; // disposed between the check and execute()
        }
    }

    /** Hands {@code work} to a thread of {@code node}'s group: see {@link Pools#execute}. */
    void execute(int node, Runnable work) {
        pools.execute(node, work);
    }

    /**
     * @return true if a helper leased now for {@code node} would find a thread awake (see
     *     {@link Pools#helperAwake}); false also when helpers are off or this scheduler is disposed
     * @throws IllegalArgumentException if {@code node} is not a node of {@link #topology()} nor
     *     {@link NodeTopology#ANY_NODE}
     */
    boolean helperAwake(int node) {
        if (node != NodeTopology.ANY_NODE) {
            checkNode("node", node);
        }
        return enabled && !disposed && pools.helperAwake(node);
    }

    /** Hands a helper body to {@code node}, off the caller's CPU: see {@link Pools#startHelper}. */
    void startHelper(int node, Runnable work) {
        pools.startHelper(node, work);
    }

    /**
     * Records the start of one task, for {@link KTaskStats#tasksRunning()} and
     * {@link KTaskStats#chunksDone()}; close the handle when the task ends.
     *
     * @return the task's handle, open
     */
    TaskHandle openTask() {
        return new TaskRecord(this, taskListeners.snapshot());
    }

    /**
     * Adds a listener told, once, when each task opened from now on ends, with its mode, outcome
     * and duration (see {@link TaskListener} for the thread and the errors). A scheduler with no
     * listener does not read the clock for its tasks.
     *
     * @param listener the listener; the same one may be added more than once (then it is told as often)
     * @return a Disposable that removes this addition of {@code listener} (idempotent); tasks
     *     already open still report to it
     * @throws NullPointerException if {@code listener} is null
     */
    public Disposable addTaskListener(TaskListener listener) {
        return taskListeners.add(listener);
    }

    /** {@return the state of one task's priority lending, see {@link TaskHandle#lendPriority()}} */
    LentPriority newLending() {
        return new LentPriority(helperNice, priorityHandOffs);
    }

    /** See {@link SchedulerInternals#spares}. */
    Spares spares(SpareBody body) {
        return new Spares(this, spareLimit, Objects.requireNonNull(body, "body must not be null"));
    }

    /** {@return the spare limit now: at most this many spare helpers run at once (0: no compensation)} */
    public int maxSpares() {
        return spareLimit.limit();
    }

    /**
     * Sets the spare limit. Lowering it never interrupts running spares: it only stops new ones.
     *
     * @param maxSpares at most this many spare helpers at once, {@code >= 0} (0: no compensation)
     * @throws IllegalArgumentException if {@code maxSpares < 0}
     */
    public void setMaxSpares(int maxSpares) {
        spareLimit.setLimit(KTaskSchedulerBuilder.checkSpares("maxSpares", maxSpares));
    }

    /** @return spare helpers running now (for tests) */
    int sparesRunning() {
        return spareLimit.running();
    }

    /** @return spares refused by the spare limit since the scheduler was built (for tests) */
    long sparesRefused() {
        return spareLimit.refused();
    }

    /** {@return a snapshot of the counters now (see {@link KTaskStats} for its atomicity)} */
    public KTaskStats stats() {
        int[] perNode = new int[topology.nodeCount()];
        for (int n = 0; n < perNode.length; n++) {
            perNode[n] = HelperLimits.countOf(limits.nodeWord(n));
        }
        return new KTaskStats(HelperLimits.countOf(limits.globalWord()), perNode, tasksRunning.get(),
                chunksDone.sum(), limits.refusedByGlobalLimit(), limits.placedElsewhereByNodeLimit(), enabled,
                priorityHandOffs.sum(), Objects.requireNonNullElse(disabledReason, ""));
    }

    /** {@return the global helper limit now} */
    public int maxHelpers() {
        return HelperLimits.limitOf(limits.globalWord());
    }

    /**
     * Sets the global helper limit. Lowering it never interrupts running helpers: it only stops
     * new ones until fewer than {@code maxHelpers} run.
     *
     * @param maxHelpers the new limit, {@code >= 1}
     * @throws IllegalArgumentException if {@code maxHelpers < 1}
     */
    public void setMaxHelpers(int maxHelpers) {
        limits.setGlobalLimit(KTaskSchedulerBuilder.checkLimit("maxHelpers", maxHelpers));
    }

    /**
     * {@return the helper limit of {@code node} now}
     *
     * @param node a node of {@link #topology()}
     * @throws IllegalArgumentException if {@code node} is not a node of {@link #topology()}
     */
    public int maxHelpersPerNode(int node) {
        return HelperLimits.limitOf(limits.nodeWord(checkNode("node", node)));
    }

    /**
     * Sets the helper limit of {@code node}. Lowering it never interrupts running helpers.
     *
     * @param node a node of {@link #topology()}
     * @param limit the new limit, {@code >= 1}
     * @throws IllegalArgumentException if {@code node} is not a node of {@link #topology()} or
     *     {@code limit < 1}
     */
    public void setMaxHelpersPerNode(int node, int limit) {
        limits.setNodeLimit(checkNode("node", node), KTaskSchedulerBuilder.checkLimit("limit", limit));
    }

    /**
     * {@return whether leases grant helpers ({@code ktask.enabled}, the power policy, or
     *     {@link #setEnabled(boolean)}; {@link KTaskStats#disabledReason()} says why not)}
     */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * Turns helpers on or off. Off, every lease grants 0 helpers, so each task runs on its own
     * thread alone (the kernel's {@code CONFIG_KTASK=n}); running helpers finish normally. On,
     * it also overrides the power policy ({@link KTaskSchedulerBuilder#powerAware(boolean)}).
     *
     * @param enabled whether leases grant helpers from now on
     */
    public void setEnabled(boolean enabled) {
        // Two writes, not one atomic change: a stats() in between may pair the new switch with the old reason.
        this.disabledReason = enabled ? null : "setEnabled(false)";
        this.enabled = enabled;
    }

    private int checkNode(String argument, int node) {
        if (node < 0 || node >= topology.nodeCount()) {
            throw new IllegalArgumentException(argument + " must be a node in [0, "
                    + (topology.nodeCount() - 1) + "] but was " + node);
        }
        return node;
    }

    /**
     * Runs {@code task} once on the next node worker (round-robin over all nodes).
     *
     * @throws java.util.concurrent.RejectedExecutionException ({@link Exceptions#failWithRejected()})
     *     if this scheduler is disposed
     */
    @Override
    public Disposable schedule(Runnable task) {
        return schedule(task, 0, -1, TimeUnit.NANOSECONDS);
    }

    /** Like {@link #schedule(Runnable)}, once {@code delay} has passed. */
    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        return schedule(task, delay, -1, unit);
    }

    /**
     * Like {@link #schedule(Runnable)}, first after {@code initialDelay}, then every {@code period}
     * (at a fixed rate); with {@code period <= 0}, again as soon as each run has ended.
     */
    @Override
    public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
        return schedule(task, initialDelay, Math.max(0, period), unit);
    }

    private Disposable schedule(Runnable task, long delay, long period, TimeUnit unit) {
        if (disposed) {
            throw Exceptions.failWithRejected();
        }
        return SchedulerTask.schedule(pools.worker(pools.nextWorker()), null, task, delay, period, unit, disposedNow);
    }

    /**
     * {@return a worker on the next node worker (round-robin over all nodes)}
     *
     * @throws java.util.concurrent.RejectedExecutionException if this scheduler is disposed
     */
    @Override
    public Worker createWorker() {
        if (disposed) {
            throw Exceptions.failWithRejected();
        }
        int index = pools.nextWorker();
        return new NodeWorker(this, pools.worker(index), pools.nodeOfWorker(index));
    }

    /**
     * {@return a worker on one of {@code node}'s workers (round-robin over its CPUs), whose
     *     tasks run on that node}
     *
     * @param node a node of {@link #topology()}
     * @throws IllegalArgumentException if {@code node} is not a node of {@link #topology()}
     * @throws java.util.concurrent.RejectedExecutionException if this scheduler is disposed
     */
    public Worker createWorker(int node) {
        checkNode("node", node);
        if (disposed) {
            throw Exceptions.failWithRejected();
        }
        return new NodeWorker(this, pools.worker(pools.nextWorker(node)), node);
    }

    /**
     * Does nothing more: a built scheduler is already initialized.
     *
     * @throws IllegalStateException if this scheduler was disposed
     */
    @Override
    public void init() {
        if (disposed) {
            throw new IllegalStateException("KTaskScheduler " + name + " was disposed and cannot be initialized again");
        }
    }

    /**
     * Stops at once: queued tasks are cancelled, running tasks and helpers are interrupted (a
     * helper's permit is still returned when its body ends). Idempotent.
     */
    @Override
    public void dispose() {
        disposed = true;
        stoppedAtOnce = true;
        pools.shutdown(true);
        if (jmx != null) {
            jmx.unregister();
        }
    }

    /**
     * Lazily disposes: when subscribed, stops accepting work, lets queued and running tasks
     * finish, and completes once every thread of this scheduler has ended. Retryable: each
     * subscription waits for the same end (bound the wait with {@code timeout(...)}, then call
     * {@link #dispose()} to force it).
     */
    @Override
    public Mono<Void> disposeGracefully() {
        return Mono.defer(() -> {
            disposed = true;
            pools.shutdown(false);
            // The bean goes once every thread has ended, before the subscriber hears of it.
            return Mono.fromFuture(jmx == null ? pools.terminated() : pools.terminated().thenRun(jmx::unregister), true);
        });
    }

    /** {@return true once {@link #dispose()} was called or {@link #disposeGracefully()} subscribed} */
    @Override
    public boolean isDisposed() {
        return disposed;
    }

    /**
     * NAME: the builder's name; CAPACITY: the number of node workers (one per CPU); BUFFERED:
     * tasks queued in them now; TERMINATED and CANCELLED: {@link #isDisposed()}; RUN_STYLE: ASYNC.
     */
    @Override
    @SuppressWarnings("rawtypes") // Scannable declares the parameter raw
    public Object scanUnsafe(Attr key) {
        if (key == Attr.NAME) {
            return name;
        }
        if (key == Attr.TERMINATED || key == Attr.CANCELLED) {
            return disposed;
        }
        if (key == Attr.CAPACITY) {
            return pools.workerCount();
        }
        if (key == Attr.BUFFERED) {
            return pools.buffered();
        }
        if (key == Attr.RUN_STYLE) {
            return Attr.RunStyle.ASYNC;
        }
        return null;
    }

    /** {@return true once {@link #dispose()} (not a graceful dispose) was called} */
    boolean stoppedAtOnce() {
        return stoppedAtOnce;
    }

    /** {@return the name of this scheduler's MBean, or null if it has none (for tests)} */
    @Nullable
    javax.management.ObjectName objectName() {
        return jmx == null ? null : jmx.objectName();
    }

    /** {@return the MBean's registration, or null if it has none (for tests)} */
    @Nullable
    SchedulerJmx.Registration jmxRegistration() {
        return jmx;
    }

    /** {@return the worker loops made so far, see {@link Pools#worker} (for tests)} */
    int workersMade() {
        return pools.workersMade();
    }

    /** {@return threads of this scheduler alive now (for tests)} */
    int liveThreads() {
        return pools.liveThreads();
    }

    /** {@return the name and the node and CPU counts} */
    @Override
    public String toString() {
        return "KTaskScheduler(" + name + ", nodes=" + topology.nodeCount() + ", cpus=" + topology.cpuCount() + ")";
    }
}
