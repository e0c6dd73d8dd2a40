package io.ktask.scheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.IntPredicate;

/**
 * The threads of one {@link KTaskScheduler}: per node, one {@link WorkerLoop} per CPU of the node
 * (the plain Reactor scheduling, as {@code Schedulers.parallel()} has one executor per CPU) and one
 * node-wide group for task threads and spares; plus the unpinned any-node group.
 *
 * <p>Helpers of a node with several CPUs go, when pinning is on, to one group per CPU, each pinned
 * to its CPU, and a helper starts on a CPU other than its starter's. Why: a woken thread is queued
 * on its previous CPU or its waker's unless the kernel sees a cache shared with an idle CPU, which
 * many VMs do not show; a helper queued behind its own task's caller waits a load-balancing tick
 * (milliseconds) while another CPU idles, holding a permit the next task then cannot get. A helper
 * pinned elsewhere can only wake where it will run.
 *
 * <p>Every loop and group starts its threads on first use and lets them go after the keep-alive,
 * so a scheduler nobody uses holds no thread. A worker loop (and its queues) is even made on first
 * use only: the operators' default scheduler, built by a fresh JVM's first task, runs helpers and
 * task threads and never a loop unless it is also used as a plain Reactor scheduler. Helper groups
 * have no queue: the helper permits already bound how many bodies run at once, so each start
 * either finds an idle thread or makes one.
 */
final class Pools implements PlacedThreadFactory.Lifecycle {

    /** Made on first use ({@link #worker}); once shut down, no slot is null (see {@link #shutdown}). */
    private final AtomicReferenceArray<WorkerLoop> workers;
    /** Node {@code n}'s workers are {@code workers[firstWorker[n] .. firstWorker[n + 1])}. */
    private final int[] firstWorker;
    /** Index {@code n} is node {@code n}'s group; the last one is the any-node group. */
    private final ThreadPoolExecutor[] helpers;
    /**
     * Per node, its helper groups pinned one per CPU (in the order of {@code pins[n]}), or null
     * where helpers use the node's group: pinning off, or a node of one CPU.
     */
    private final ThreadPoolExecutor[][] helpersPerCpu;
    /** The work queues of {@code helpersPerCpu}, index for index: where an idle helper spins. */
    private final SpinningHandOff[][] handOffsPerCpu;
    /** Every group above, node-wide, any-node and per-CPU: what shutdown stops and waits for. */
    private final List<ThreadPoolExecutor> allGroups = new ArrayList<>();
    /** Per node, where {@link #startHelper} starts its search for a CPU; racy by design, see there. */
    private final int[] nextHelperCpu;
    /** The next worker loop for {@link #nextWorker()}; racy by design, see there. */
    private int nextWorker;
    private final AtomicIntegerArray nextWorkerOnNode;
    private final AtomicInteger liveThreads = new AtomicInteger();
    /**
     * Made by the first {@link #shutdown}: a CompletableFuture made at build would load some 16
     * classes (and set up ForkJoinPool's common pool) on the thread that builds a fresh JVM's
     * first scheduler.
     */
    private volatile CompletableFuture<Void> terminated;
    @SuppressWarnings("rawtypes") // an updater's field class cannot name a type argument
    private static final AtomicReferenceFieldUpdater<Pools, CompletableFuture> TERMINATED =
            AtomicReferenceFieldUpdater.newUpdater(Pools.class, CompletableFuture.class, "terminated");
    private volatile boolean shutDown;
    /** What a worker loop's thread factory needs, kept to make the loops on first use. */
    private final Object owner;
    private final String name;
    /** Per node, the CPUs its workers are pinned to, or null for no pinning. */
    private final int[][] pins;
    private final boolean daemon;
    private final long keepAliveNanos;

    /** The thread options of a scheduler's pools, as validated by the builder. */
    record Settings(boolean pinning, int helperNice, Duration keepAlive, boolean daemon) {
    }

    Pools(Object owner, String name, NodeTopology topology, Settings settings) {
        int nodes = topology.nodeCount();
        boolean pinning = settings.pinning();
        int helperNice = settings.helperNice();
        boolean daemon = settings.daemon();
        long keepAliveNanos = settings.keepAlive().toNanos();
        this.owner = owner;
        this.name = name;
        this.daemon = daemon;
        this.keepAliveNanos = keepAliveNanos;
        this.workers = new AtomicReferenceArray<>(topology.cpuCount());
        this.firstWorker = new int[nodes + 1];
        this.pins = new int[nodes][];
        this.helpers = new ThreadPoolExecutor[nodes + 1];
        this.helpersPerCpu = new ThreadPoolExecutor[nodes][];
        this.handOffsPerCpu = new SpinningHandOff[nodes][];
        this.nextHelperCpu = new int[nodes];
        this.nextWorkerOnNode = new AtomicIntegerArray(nodes);
        int w = 0;
        for (int n = 0; n < nodes; n++) {
            int[] cpus = topology.cpus(n);
            int[] pin = pinning ? cpus : null;
            pins[n] = pin;
            firstWorker[n] = w;
            w += cpus.length;
            helpers[n] = group(new PlacedThreadFactory(owner, name + "-helper-n" + n, n, pin, helperNice, daemon,
                    false, this), keepAliveNanos, new SynchronousQueue<>());
            if (pin != null && cpus.length > 1) {
                helpersPerCpu[n] = new ThreadPoolExecutor[cpus.length];
                handOffsPerCpu[n] = new SpinningHandOff[cpus.length];
                for (int c = 0; c < cpus.length; c++) {
                    handOffsPerCpu[n][c] = new SpinningHandOff();
                    helpersPerCpu[n][c] = group(new PlacedThreadFactory(owner, name + "-helper-n" + n + "-cpu" + cpus[c],
                            n, new int[] {cpus[c]}, helperNice, daemon, false, this), keepAliveNanos,
                            handOffsPerCpu[n][c]);
                }
            }
        }
        firstWorker[nodes] = w;
        // The any-node group may run anywhere, even when started by a thread pinned to one node.
        int[] allCpus = pinning ? allCpus(topology) : null;
        helpers[nodes] = group(new PlacedThreadFactory(
                owner, name + "-helper-any", NodeTopology.ANY_NODE, allCpus, helperNice, daemon, false, this),
                keepAliveNanos, new SynchronousQueue<>());
    }

    /**
     * A loop, not a stream: this runs while a fresh JVM builds the default scheduler for its first
     * task, where a stream pipeline would load some 40 classes and spin a lambda (about 14 ms).
     */
    private static int[] allCpus(NodeTopology topology) {
        int[] all = new int[topology.cpuCount()];
        int at = 0;
        for (int n = 0; n < topology.nodeCount(); n++) {
            int[] cpus = topology.cpus(n);
            System.arraycopy(cpus, 0, all, at, cpus.length);
            at += cpus.length;
        }
        Arrays.sort(all);
        return all;
    }

    /**
     * @param handOff a queue of no capacity: each start finds an idle thread or makes one
     * @return a new group, listed in {@link #allGroups}
     */
    private ThreadPoolExecutor group(PlacedThreadFactory factory, long keepAliveNanos, BlockingQueue<Runnable> handOff) {
        ThreadPoolExecutor group = new ThreadPoolExecutor(0, Integer.MAX_VALUE, keepAliveNanos, TimeUnit.NANOSECONDS,
                handOff, factory);
        allGroups.add(group);
        return group;
    }

    /** @return the index of the next worker loop, round-robin over every node */
    int nextWorker() {
        // Benign race, as in reactor-core's ParallelScheduler: two callers may pick the same loop
        // (a lost step of the round), never an index out of range, since every write is one.
        int index = nextWorker;
        nextWorker = index + 1 == workers.length() ? 0 : index + 1;
        return index;
    }

    /** @return the index of the next worker loop of {@code node}, round-robin over its CPUs */
    int nextWorker(int node) {
        int first = firstWorker[node];
        int count = firstWorker[node + 1] - first;
        return first + Math.floorMod(nextWorkerOnNode.getAndIncrement(node), count);
    }

    /** @return worker loop {@code index}, made by this call if it is the first use of that index */
    WorkerLoop worker(int index) {
        WorkerLoop w = workers.get(index);
        return w != null ? w : publish(index, newWorker(index));
    }

    /** @return a new worker loop for slot {@code index}, with no thread yet */
    private WorkerLoop newWorker(int index) {
        int node = nodeOfWorker(index);
        return new WorkerLoop(new PlacedThreadFactory(owner, name + "-n" + node + "-w" + (index - firstWorker[node]),
                node, pins[node], PlacedThreadFactory.INHERIT_NICE, daemon, true, this), keepAliveNanos);
    }

    /**
     * @return the loop in slot {@code index}: {@code made} if its CAS wins, else the one that won
     *     (a racing first use, or {@link #shutdown}); a losing loop is dropped unused, which is
     *     free, as a loop starts no thread before its first task
     */
    private WorkerLoop publish(int index, WorkerLoop made) {
        return workers.compareAndSet(index, null, made) ? made : workers.get(index);
    }

    /** @return the node of worker loop {@code index} */
    int nodeOfWorker(int index) {
        int node = 0;
        while (firstWorker[node + 1] <= index) {
            node++;
        }
        return node;
    }

    /**
     * Hands {@code work} to an idle thread of {@code node}'s group (or the any-node group for
     * {@link NodeTopology#ANY_NODE}), or to a new one: for a task's own thread and for spares,
     * which may run on any CPU of the node. See {@link #handOff} for the one wait.
     *
     * @throws java.util.concurrent.RejectedExecutionException if the group was shut down
     */
    void execute(int node, Runnable work) {
        handOff(helpers[node == NodeTopology.ANY_NODE ? helpers.length - 1 : node], work);
    }

    /**
     * Hands a helper body to {@code node}: to the group of one of its CPUs other than the one the
     * calling thread (the task's caller or another helper) runs on now, when its helpers are
     * pinned per CPU, preferring a CPU whose idle helper spins ({@link #helperAwake}); else as
     * {@link #execute}. Costs the caller one {@code sched_getcpu} through
     * JNA (under a microsecond on a warm path, 1.5-3.5 us on a cold one: bench/RESULTS.md), and
     * nothing before libc is bound, when the CPU is unknown and the turn alone decides.
     *
     * @throws java.util.concurrent.RejectedExecutionException if the group was shut down
     */
    void startHelper(int node, Runnable work) {
        ThreadPoolExecutor[] perCpu = node == NodeTopology.ANY_NODE ? null : helpersPerCpu[node];
        if (perCpu == null) {
            execute(node, work);
            return;
        }
        int[] cpus = pins[node];
        // Benign race: two starters may read the same turn and pick the same CPU (each still
        // avoids its own); a lost turn only skews the spread, and any int is a valid turn.
        int turn = nextHelperCpu[node];
        int own = indexOf(cpus, ThreadPlacement.currentCpu());
        SpinningHandOff[] handOffs = handOffsPerCpu[node];
        int at = startCpu(cpus.length, own, turn, c -> handOffs[c].spinning());
        if (at == helperCpu(cpus.length, own, turn)) {
            // The turn moves on only when its CPU was taken: a start sent to an awake CPU
            // instead must not make the next one skip the turn's CPU.
            nextHelperCpu[node] = turn + 1;
        }
        handOff(perCpu[at], work);
    }

    /**
     * Whether a helper started on {@code node} now would find an idle thread spinning for work
     * (see {@link SpinningHandOff}) on a CPU other than the calling thread's: it would then join
     * within a microsecond, where a parked one joins 10-30 us later. A hint, stale at once: the
     * spinner may give up or take another body before a start reaches it, and that start then
     * wakes a parked thread as without the hint.
     *
     * @param node a node id, or {@link NodeTopology#ANY_NODE} (whose group never spins)
     * @return true if such a helper spins now; false also where helpers are not pinned per CPU
     */
    boolean helperAwake(int node) {
        if (node == NodeTopology.ANY_NODE || handOffsPerCpu[node] == null) {
            return false;
        }
        SpinningHandOff[] handOffs = handOffsPerCpu[node];
        return awakeCpu(handOffs.length, indexOf(pins[node], ThreadPlacement.currentCpu()), c -> handOffs[c].spinning()) >= 0;
    }

    /**
     * @param spinning whether the helper of the CPU at an index spins for work now
     * @return the index of the CPU a helper starts on: the turn's ({@link #helperCpu}) if its
     *     helper spins or none other than {@code own} does; else one whose helper spins, which
     *     joins within a microsecond where a parked one joins 10-30 us later
     */
    static int startCpu(int cpus, int own, int turn, IntPredicate spinning) {
        int turnCpu = helperCpu(cpus, own, turn);
        if (spinning.test(turnCpu)) {
            return turnCpu;
        }
        int awake = awakeCpu(cpus, own, spinning);
        return awake >= 0 ? awake : turnCpu;
    }

    /** @return the index of a CPU other than {@code own} whose helper spins now, or -1 */
    private static int awakeCpu(int cpus, int own, IntPredicate spinning) {
        for (int c = 0; c < cpus; c++) {
            if (c != own && spinning.test(c)) {
                return c;
            }
        }
        return -1;
    }

    /**
     * @param cpus how many CPUs the node has, at least 2
     * @param own the index of the starter's CPU among them, or -1 if it is not one of them or unknown
     * @param turn any int, advanced by one per helper start
     * @return the index of the CPU a helper starts on: the turn goes round the CPUs other than
     *     {@code own}, so a task's helpers spread over them before any CPU gets a second one
     */
    static int helperCpu(int cpus, int own, int turn) {
        if (own < 0) {
            return Math.floorMod(turn, cpus);
        }
        int other = Math.floorMod(turn, cpus - 1);
        return other >= own ? other + 1 : other;
    }

    /** @return the index of {@code cpu} in {@code cpus}, or -1 */
    private static int indexOf(int[] cpus, int cpu) {
        for (int i = 0; i < cpus.length; i++) {
            if (cpus[i] == cpu) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The one hand-off to a group. Its only wait is the executor's own: adding a thread takes its
     * pool lock, which another thread adding or retiring one holds for a few instructions, so an
     * event loop that starts a task's thread may park for microseconds.
     * {@link KTaskBlockHoundIntegration} allows that wait here, in this method alone, as
     * reactor-core's integration allows a retiring executor thread's.
     */
    private static void handOff(ThreadPoolExecutor group, Runnable work) {
        group.execute(work);
    }

    /** @return the number of worker loops (one per CPU), made or not */
    int workerCount() {
        return workers.length();
    }

    /** @return the worker loops made so far (for tests) */
    int workersMade() {
        int made = 0;
        for (int i = 0; i < workers.length(); i++) {
            made += workers.get(i) != null ? 1 : 0;
        }
        return made;
    }

    /** @return the tasks queued (delayed or waiting) in the worker loops now */
    int buffered() {
        int total = 0;
        for (int i = 0; i < workers.length(); i++) {
            WorkerLoop w = workers.get(i);
            total += w != null ? w.buffered() : 0;
        }
        return total;
    }

    /** @return threads of this scheduler that are alive now */
    int liveThreads() {
        return liveThreads.get();
    }

    /**
     * Stops every loop and group: {@code now} drops queued tasks and interrupts running ones
     * ({@link ExecutorService#shutdownNow()}); otherwise queued tasks still run. Idempotent.
     */
    void shutdown(boolean now) {
        if (terminated == null) {
            // Racing shutdowns (dispose and a graceful dispose): one future wins, the others are
            // dropped unseen. Set before shutDown, so whoever sees shutDown sees the future.
            TERMINATED.compareAndSet(this, null, new CompletableFuture<Void>());
        }
        shutDown = true;
        for (int i = 0; i < workers.length(); i++) {
            WorkerLoop w = workers.get(i);
            if (w == null) {
                // Never used: the slot gets a loop stopped before anyone can see it. A first use
                // racing this shutdown either loses its CAS to it (and gets the stopped loop, which
                // rejects its task) or wins, and then its loop is the one stopped here: either way
                // no loop this shutdown missed can start a thread.
                WorkerLoop stopped = newWorker(i);
                stopped.shutdown(now);
                w = publish(i, stopped);
            }
            w.shutdown(now);
        }
        for (ThreadPoolExecutor e : allGroups) {
            stop(e, now);
        }
        checkTerminated();
    }

    private static void stop(ExecutorService e, boolean now) {
        if (now) {
            e.shutdownNow();
        } else {
            e.shutdown();
        }
    }

    /** @return completes once every thread has ended; call after {@link #shutdown}, which makes it */
    CompletableFuture<Void> terminated() {
        return terminated;
    }

    @Override
    public void threadStarted() {
        liveThreads.incrementAndGet();
    }

    @Override
    public void threadEnded() {
        liveThreads.decrementAndGet();
        checkTerminated();
    }

    private void checkTerminated() {
        // A loop or group is terminated only after its last thread left its run loop, and this
        // thread's count drops after that: once both hold, no thread can start again.
        if (!shutDown || liveThreads.get() != 0) {
            return;
        }
        for (int i = 0; i < workers.length(); i++) {
            WorkerLoop w = workers.get(i);
            // Null: shutdown() has not reached this slot yet, and checks again once it has.
            if (w == null || !w.isTerminated()) {
                return;
            }
        }
        for (ThreadPoolExecutor e : allGroups) {
            if (!e.isTerminated()) {
                return;
            }
        }
        terminated.complete(null);
    }
}
