package io.ktask.scheduler;

import io.ktask.scheduler.internal.HelperLease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;

/**
 * Node threads are pinned to their node's CPUs and helpers are reniced, as the OS reports it in
 * {@code /proc/thread-self/status} and {@code /proc/thread-self/stat}: a simulated topology of two
 * one-CPU nodes on CPUs 0 and 1.
 */
class PlacementTest {

    private final KTaskScheduler scheduler = KTaskScheduler.builder().name("placement")
            .topology(NodeTopology.of(new int[] {0}, new int[] {1})).maxHelpers(2).build();

    @BeforeAll
    static void linuxWithTwoCpus() throws IOException {
        assumeTrue(System.getProperty("os.name", "").startsWith("Linux"), "pinning is proven on Linux only");
        assumeTrue(Files.isReadable(Path.of("/proc/thread-self/status")), "needs /proc/thread-self");
        assumeTrue(cpusAllowed().equals("0-1"), "needs CPUs 0 and 1 allowed, had " + cpusAllowed());
    }

    @AfterEach
    void dispose() {
        scheduler.dispose();
    }

    @Test
    void workerOfNodeOneRunsOnCpuOneAtNormalPriority() throws Exception {
        Scheduler.Worker worker = scheduler.createWorker(1);
        CompletableFuture<String[]> seen = new CompletableFuture<>();
        worker.schedule(() -> seen.complete(new String[] {cpusAllowedUnchecked(), String.valueOf(niceUnchecked()),
                String.valueOf(scheduler.currentNode())}));
        assertThat(seen.get(5, TimeUnit.SECONDS)).containsExactly("1", String.valueOf(processNice()), "1");
        worker.dispose();
    }

    @Test
    void helperOfNodeOneRunsOnCpuOneAtNiceNineteen() throws Exception {
        assertThat(onHelper(1, () -> cpusAllowedUnchecked() + " nice " + niceUnchecked())).isEqualTo("1 nice 19");
        assertThat(onHelper(0, () -> cpusAllowedUnchecked() + " nice " + niceUnchecked())).isEqualTo("0 nice 19");
    }

    @Test
    void threadsStartedByAPinnedHelperGetTheirOwnPlacement() throws Exception {
        assumeTrue(mayLowerNice(), "resetting a worker's nice to 0 needs CAP_SYS_NICE");
        scheduler.setMaxHelpers(3);
        // The helper on node 1 starts the other threads, so they would inherit CPU 1 and nice 19.
        String seen = onHelper(1, () -> {
            CompletableFuture<String> worker = new CompletableFuture<>();
            scheduler.createWorker(0).schedule(() -> worker.complete(cpusAllowedUnchecked() + " nice " + niceUnchecked()));
            CompletableFuture<String> anyNode = new CompletableFuture<>();
            try (HelperLease nodeZero = scheduler.lease(1, 0); HelperLease any = scheduler.lease(1, 1)) {
                assertThat(nodeZero.node(0)).isZero();
                assertThat(any.node(0)).as("both nodes are full").isEqualTo(NodeTopology.ANY_NODE);
                any.start(0, () -> anyNode.complete(cpusAllowedUnchecked() + " nice " + niceUnchecked()));
            }
            return worker.join() + " / " + anyNode.join();
        });
        assertThat(seen).isEqualTo("0 nice " + processNice() + " / 0-1 nice 19");
    }

    /**
     * On one node of CPUs 0 and 1, a caller on CPU 0 gets its helper pinned to CPU 1 alone, and
     * the other way round: the helper can only wake where it will run, not queued behind its
     * caller. With pinning off the helper may run on either CPU.
     */
    @Test
    void aHelperOfASharedNodeStartsPinnedToACpuOtherThanItsCallers() throws Exception {
        KTaskScheduler oneNode = KTaskScheduler.builder().name("placement-cpu")
                .topology(NodeTopology.of(new int[] {0, 1})).maxHelpers(1).build();
        KTaskScheduler unpinned = KTaskScheduler.builder().name("placement-unpinned")
                .topology(NodeTopology.of(new int[] {0, 1})).maxHelpers(1).pinning(false).build();
        try {
            assertThat(fromCallerOn(0, () -> helperOf(oneNode))).isEqualTo("1 nice 19");
            assertThat(fromCallerOn(1, () -> helperOf(oneNode))).isEqualTo("0 nice 19");
            assertThat(fromCallerOn(0, () -> helperOf(oneNode))).as("again, on a retained thread").isEqualTo("1 nice 19");
            // Unpinned, a helper keeps the affinity it inherits from its creator: the test's own thread, on both CPUs.
            assertThat(helperOf(unpinned)).isEqualTo("0-1 nice 19");
        } finally {
            unpinned.dispose();
            // Completes once every thread of the scheduler has ended, the per-CPU helpers' too.
            oneNode.disposeGracefully().block(java.time.Duration.ofSeconds(10));
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("placement-cpu-")) {
                t.join(TimeUnit.SECONDS.toMillis(10)); // it may still be on its way out of its last line
                assertThat(t.isAlive()).as(t.getName() + " ended").isFalse();
            }
        }
    }

    /** @return what {@code body} returns, run on a new thread pinned to {@code cpu} */
    private static <T> T fromCallerOn(int cpu, java.util.concurrent.Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                assertThat(ThreadPlacement.pinCurrentThread(new int[] {cpu})).as("caller pinned to " + cpu).isTrue();
                result.complete(body.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "placement-caller-cpu" + cpu);
        caller.start();
        return result.get(10, TimeUnit.SECONDS);
    }

    /** @return the CPUs allowed and nice of {@code s}'s one helper, leased for node 0 by the calling thread */
    private static String helperOf(KTaskScheduler s) throws Exception {
        CompletableFuture<String> seen = new CompletableFuture<>();
        try (HelperLease lease = s.lease(1, 0)) {
            assertThat(lease.granted()).isOne();
            lease.start(0, () -> seen.complete(cpusAllowedUnchecked() + " nice " + niceUnchecked()));
        }
        String result = seen.get(10, TimeUnit.SECONDS);
        // The permit comes back just after the body's last line: wait for it, so the next lease is granted.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (s.stats().helpersRunning() != 0 && System.nanoTime() - deadline < 0) {
            Thread.onSpinWait();
        }
        return result;
    }

    /** @return the nice value the JVM was started with (e.g. 5 under {@code nice -n 5 mvn ...}) */
    private static int processNice() {
        return PlacedThreadFactory.readProcessNice(Path.of("/proc/self/stat"));
    }

    /** @return whether this process has CAP_SYS_NICE (bit 23 of CapEff) */
    private static boolean mayLowerNice() throws IOException {
        String capEff = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("CapEff:")).map(l -> l.substring(7).trim()).findFirst().orElse("0");
        return (Long.parseUnsignedLong(capEff, 16) & (1L << 23)) != 0;
    }

    private <T> T onHelper(int node, Supplier<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        try (HelperLease lease = scheduler.lease(1, node)) {
            assertThat(lease.node(0)).isEqualTo(node);
            lease.start(0, () -> {
                try {
                    result.complete(body.get());
                } catch (Throwable e) {
                    result.completeExceptionally(e);
                }
            });
        }
        return result.get(10, TimeUnit.SECONDS);
    }

    static String cpusAllowed() throws IOException {
        return Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
                .filter(l -> l.startsWith("Cpus_allowed_list:")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                .findFirst().orElseThrow();
    }

    private static String cpusAllowedUnchecked() {
        try {
            return cpusAllowed();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static int niceUnchecked() {
        return PlacedThreadFactory.readProcessNice(Path.of("/proc/thread-self/stat"));
    }
}
