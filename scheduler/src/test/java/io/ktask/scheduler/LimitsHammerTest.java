package io.ktask.scheduler;

import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.TaskHandle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 16 threads lease, start and close helpers on a simulated 4-node machine while another thread
 * changes the global and per-node limits at random; a monitor checks, at every step, that no
 * limit is exceeded, and after each round every counter is back to zero.
 *
 * <p><b>What "exceeded" means.</b> A grant is allowed only when the count before it is below the
 * limit in force at that instant; lowering a limit never takes permits back. So after the limit
 * drops to {@code L} while {@code H} helpers run, the count may stay above {@code L} but may not
 * grow until it has fallen below {@code L}: for every later instant, count &le;
 * {@code max(L, H)}. The monitor keeps that bound, the <i>ceiling</i>, per limit: the limit
 * changer raises a ceiling before it raises the limit, and after it lowers a limit it reads the
 * count and lowers the ceiling to {@code max(L, count)}. Checks read the ceilings under a sequence
 * number (a seqlock written by the one changer thread), so a check only compares a count with a
 * ceiling that was in force for the whole time the count was read.
 *
 * <p>Two independent views are checked against the ceilings: the scheduler's own counters
 * ({@link KTaskScheduler#stats()}, after every lease), and the number of helper bodies the test
 * sees running at once (counted by the bodies themselves, a lower bound of the permits held). A
 * non-atomic check-then-increment, or a grant judged against a stale limit, makes either exceed.
 */
class LimitsHammerTest {

    private static final long SEED = 0x6B7461736BL;
    private static final int ROUNDS = 200;
    private static final int THREADS = 16;
    private static final int OPS_PER_THREAD = 30;
    private static final int NODES = 4;

    private KTaskScheduler scheduler;
    private final ExecutorService threads = Executors.newFixedThreadPool(THREADS + 1);

    /** Seqlock over the ceilings: odd while the changer writes them. */
    private volatile int version;
    private volatile int globalCeiling = 6;
    private final AtomicIntegerArray nodeCeilings = new AtomicIntegerArray(new int[] {2, 2, 2, 2});

    private final AtomicInteger activeBodies = new AtomicInteger();
    private final AtomicIntegerArray activeBodiesPerNode = new AtomicIntegerArray(NODES);
    private final AtomicInteger bodiesOutstanding = new AtomicInteger();
    private final AtomicReference<Throwable> bodyFailure = new AtomicReference<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        scheduler.dispose();
    }

    /**
     * Pinned, helpers go through the per-CPU groups (CPUs this machine may lack: the pinning is
     * then refused, logged once, and the threads run anyway), unpinned through the node groups.
     */
    @ParameterizedTest(name = "pinning {0}")
    @ValueSource(booleans = {false, true})
    void noLimitIsEverExceededAndEveryPermitComesBack(boolean pinning) throws Exception {
        scheduler = KTaskScheduler.builder().name("hammer").topology(NodeTopology.uniform(NODES, 2))
                .maxHelpers(6).maxHelpersPerNode(2).pinning(pinning).build();
        for (int round = 0; round < ROUNDS; round++) {
            long seed = SEED + round;
            try {
                runRound(seed);
            } catch (AssertionError | Exception e) {
                throw new AssertionError("round " + round + " failed; replay with seed " + seed + ": " + e, e);
            }
        }
    }

    private void runRound(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            long threadSeed = random.nextLong();
            tasks.add(() -> hammer(new SplittableRandom(threadSeed)));
        }
        long changerSeed = random.nextLong();
        tasks.add(() -> changeLimits(new SplittableRandom(changerSeed)));
        for (Future<Void> f : threads.invokeAll(tasks, 30, TimeUnit.SECONDS)) {
            f.get();
        }
        // A permit is returned just after its body's last line, so wait for the counts too.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((bodiesOutstanding.get() != 0 || scheduler.stats().helpersRunning() != 0)
                && System.nanoTime() < deadline) {
            LockSupport.parkNanos(100_000);
        }
        assertThat(bodyFailure.get()).as("a helper body saw a limit exceeded").isNull();
        assertThat(bodiesOutstanding).as("helper bodies still running").hasValue(0);
        KTaskStats stats = scheduler.stats();
        assertThat(stats.helpersRunning()).as("global count after the round").isZero();
        assertThat(stats.helpersRunningPerNode()).as("node counts after the round").containsOnly(0);
        assertThat(stats.tasksRunning()).as("tasks after the round").isZero();
    }

    private Void hammer(SplittableRandom random) {
        ArrayDeque<HelperLease> open = new ArrayDeque<>();
        try (TaskHandle task = scheduler.openTask()) {
            for (int op = 0; op < OPS_PER_THREAD; op++) {
                int wanted = random.nextInt(5);
                int node = random.nextInt(NODES + 1) - 1;
                HelperLease lease = scheduler.lease(wanted, node);
                assertThat(lease.granted()).isBetween(0, wanted);
                checkCounters();
                for (int i = 0; i < lease.granted(); i++) {
                    if (random.nextInt(4) != 0) {
                        start(lease, i, random.nextInt(20_000));
                    }
                }
                open.add(lease);
                // Keep up to two leases open, so unstarted permits are held across limit changes.
                while (open.size() > random.nextInt(3)) {
                    open.poll().close();
                    checkCounters();
                }
                task.chunksDone(1);
            }
        } finally {
            open.forEach(HelperLease::close);
        }
        return null;
    }

    private void start(HelperLease lease, int slot, int spinNanos) {
        int node = lease.node(slot);
        bodiesOutstanding.incrementAndGet();
        boolean started = lease.start(slot, () -> {
            try {
                activeBodies.incrementAndGet();
                if (node >= 0) {
                    activeBodiesPerNode.incrementAndGet(node);
                }
                checkBodies(node);
                if (node >= 0 && scheduler.currentNode() != node) {
                    throw new AssertionError("helper of node " + node + " runs on node " + scheduler.currentNode());
                }
                long end = System.nanoTime() + spinNanos;
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
            } catch (Throwable e) {
                bodyFailure.compareAndSet(null, e);
            } finally {
                activeBodies.decrementAndGet();
                if (node >= 0) {
                    activeBodiesPerNode.decrementAndGet(node);
                }
                bodiesOutstanding.decrementAndGet();
            }
        });
        assertThat(started).isTrue();
    }

    /** The scheduler's own counters never pass the ceilings. */
    private void checkCounters() {
        for (;;) {
            int v = version;
            if ((v & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            KTaskStats stats = scheduler.stats();
            int[] ceilings = nodeCeilingsNow();
            int global = globalCeiling;
            if (version != v) {
                continue;
            }
            assertThat(stats.helpersRunning()).as("helpers running vs global ceiling").isLessThanOrEqualTo(global);
            for (int n = 0; n < NODES; n++) {
                assertThat(stats.helpersRunning(n)).as("helpers on node %d vs its ceiling", n)
                        .isLessThanOrEqualTo(ceilings[n]);
            }
            return;
        }
    }

    /** Bodies seen running at once never pass the ceilings (they hold at most that many permits). */
    private void checkBodies(int node) {
        for (;;) {
            int v = version;
            if ((v & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            int total = activeBodies.get();
            int onNode = node >= 0 ? activeBodiesPerNode.get(node) : 0;
            int global = globalCeiling;
            int nodeCeiling = node >= 0 ? nodeCeilings.get(node) : Integer.MAX_VALUE;
            if (version != v) {
                continue;
            }
            if (total > global || onNode > nodeCeiling) {
                throw new AssertionError("bodies running " + total + " (ceiling " + global + "), on node " + node
                        + ": " + onNode + " (ceiling " + nodeCeiling + ")");
            }
            return;
        }
    }

    private int[] nodeCeilingsNow() {
        int[] c = new int[NODES];
        for (int n = 0; n < NODES; n++) {
            c[n] = nodeCeilings.get(n);
        }
        return c;
    }

    private Void changeLimits(SplittableRandom random) {
        for (int change = 0; change < 8; change++) {
            int global = 1 + random.nextInt(8);
            int node = random.nextInt(NODES);
            int nodeLimit = 1 + random.nextInt(3);
            // Raise the ceilings before a raised limit can admit anyone.
            writeCeilings(() -> {
                globalCeiling = Math.max(globalCeiling, global);
                nodeCeilings.set(node, Math.max(nodeCeilings.get(node), nodeLimit));
            });
            scheduler.setMaxHelpers(global);
            scheduler.setMaxHelpersPerNode(node, nodeLimit);
            // Now only counts below the new limits may grow: tighten to max(limit, count now).
            int globalCount = scheduler.stats().helpersRunning();
            int nodeCount = scheduler.stats().helpersRunning(node);
            writeCeilings(() -> {
                globalCeiling = Math.max(global, globalCount);
                nodeCeilings.set(node, Math.max(nodeLimit, nodeCount));
            });
            Thread.yield();
        }
        return null;
    }

    private void writeCeilings(Runnable update) {
        version++;
        update.run();
        version++;
    }
}
