package io.ktask.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.ktask.scheduler.KTaskScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockHound;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.LoopResources;

/**
 * {@code serve} under load, in its own JVM with BlockHound installed (surefire execution
 * {@code blockhound}, with {@code -XX:+AllowRedefinitionToAddDeleteMethods}): while 8 bulk
 * requests run at once, again and again, /health is probed one request at a time. No blocking call
 * may happen on a {@code NonBlocking} thread (the event loops, and the scheduler's workers), and
 * /health must stay fast: the event loops are free, whatever the tasks do.
 *
 * <p>The load runs once, in {@link #runLoad()}; each test judges one aspect of it. Every loop is
 * bounded in count and time.
 */
class ServeLoadBlockHoundTest {

    private static final String NAME = "ktask-serve-bh";
    private static final int BULK = 8;
    private static final long N = 20_000_000;
    private static final int MAX_BULK_PER_CLIENT = 40;
    /** Enough that the p99 is the 10th slowest probe: one GC pause or one unlucky time slice cannot decide it. */
    private static final int PROBES = 1000;
    private static final Duration PROBE_WINDOW = Duration.ofSeconds(20);
    private static final ConcurrentLinkedQueue<String> VIOLATIONS = new ConcurrentLinkedQueue<>();
    private static final ConcurrentLinkedQueue<String> LOG = new ConcurrentLinkedQueue<>();

    private static final List<String> LOAD_VIOLATIONS = new ArrayList<>();
    private static final List<HttpTestClient.Response> BULK_RESPONSES = new ArrayList<>();
    private static int mostInFlight;
    private static Probes loaded;
    private static long[] idleNanos;

    private static KTaskScheduler scheduler;
    private static StatsServer server;

    @BeforeAll
    static void runLoad() throws Exception {
        // only the `blockhound` surefire execution starts its JVM with the flag; a -Dtest run of
        // the default execution may select this class too, and must skip it rather than fail
        assumeTrue(ManagementFactory.getRuntimeMXBean().getInputArguments()
                .contains("-XX:+AllowRedefinitionToAddDeleteMethods"), "runs in the blockhound JVM only");
        BlockHound.install(builder -> builder.blockingMethodCallback(method -> VIOLATIONS.add(
                method + " on " + Thread.currentThread().getName() + "\n" + stackOf(new Exception()))));
        scheduler = KTaskScheduler.builder().name(NAME).build();
        server = StatsServer.start(NAME, 0, scheduler, 16, LOG::add);
        try (HttpTestClient bulk = new HttpTestClient(NAME + "-bulk", server.port());
                HttpTestClient probe = new HttpTestClient(NAME + "-probe", server.port())) {
            assertThat(bulk.get("/stats?n=" + N).status()).isEqualTo(200); // warm-up: JIT, first task
            probe(probe); // warm-up
            Probes before = probe(probe); // without load, before and after it: how fast this machine answers at all

            AtomicBoolean stop = new AtomicBoolean();
            List<CompletableFuture<List<HttpTestClient.Response>>> clients = new ArrayList<>();
            for (int c = 0; c < BULK; c++) {
                int client = c;
                clients.add(Flux.range(0, MAX_BULK_PER_CLIENT)
                        .concatMap(i -> bulk.getLater("/stats?n=" + N + "&seed=" + (client * 1000 + i)), 1)
                        .takeUntil(r -> stop.get())
                        .collectList().toFuture());
            }
            mostInFlight = reachInFlight(probe, BULK);
            loaded = probe(probe);
            stop.set(true);
            for (CompletableFuture<List<HttpTestClient.Response>> c : clients) {
                BULK_RESPONSES.addAll(c.get(60, TimeUnit.SECONDS));
            }
            Probes after = probe(probe); // the machine may have got busier meanwhile
            idleNanos = concat(before.nanos(), after.nanos());
        }
        LOAD_VIOLATIONS.addAll(VIOLATIONS);
    }

    /** @return the most bulk requests seen in flight at once, polling until {@code count} or for 10 s */
    private static int reachInFlight(HttpTestClient probe, int count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int most = 0;
        while (most < count && System.nanoTime() < deadline) {
            most = Math.max(most, (int) probe.get("/health").number("bulkInFlight"));
        }
        return most;
    }

    /** /health latencies, one request at a time, and the bulk requests each answer saw in flight. */
    private record Probes(long[] nanos, int[] inFlight) {
    }

    private static Probes probe(HttpTestClient probe) {
        long[] nanos = new long[PROBES];
        int[] inFlight = new int[PROBES];
        long deadline = System.nanoTime() + PROBE_WINDOW.toNanos();
        int count = 0;
        while (count < PROBES && System.nanoTime() < deadline) {
            long start = System.nanoTime();
            HttpTestClient.Response r = probe.get("/health");
            nanos[count] = System.nanoTime() - start;
            assertThat(r.status()).isEqualTo(200);
            inFlight[count++] = (int) r.number("bulkInFlight");
        }
        return new Probes(Arrays.copyOf(nanos, count), Arrays.copyOf(inFlight, count));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
            scheduler.dispose();
        }
    }

    @Test
    void noBlockingCallOnAnEventLoopWhileEightBulkRequestsRun() {
        assertThat(BULK_RESPONSES).hasSizeGreaterThanOrEqualTo(BULK)
                .allSatisfy(r -> assertThat(r.status()).as(r.body()).isEqualTo(200))
                .allSatisfy(r -> assertThat(r.number("count")).isEqualTo(N));
        assertThat(LOAD_VIOLATIONS).isEmpty();
        assertThat(LOG).isEmpty();
    }

    /** A machine whose /health p99 without load of ours is under this many ms is quiet enough to judge the p99. */
    static final double QUIET_P99_MS = 5.0;

    @Test
    void healthP99StaysUnder20msWhileEightBulkRequestsRun() {
        long[] sorted = sorted(loaded.nanos());
        double p50 = percentile(sorted, 0.50);
        double p99 = percentile(sorted, 0.99);
        long[] idle = sorted(idleNanos);
        int[] seen = loaded.inFlight().clone();
        Arrays.sort(seen);
        long allBusy = Arrays.stream(seen).filter(k -> k >= BULK).count();
        System.out.printf(Locale.ROOT, "serve under load: /health p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d probes;"
                        + " %d of them saw all %d bulk requests in flight (median %d); %d bulk requests of n=%,d answered;"
                        + " without load: p50 %.2f ms, p99 %.2f ms over %d probes%n",
                p50, p99, sorted[sorted.length - 1] / 1e6, sorted.length, allBusy, BULK, seen[seen.length / 2],
                BULK_RESPONSES.size(), N, percentile(idle, 0.50), percentile(idle, 0.99), idle.length);

        // an event loop that runs a task's chunks reads no other request of its connections meanwhile
        assertThat(mostInFlight).as("bulk requests in flight at once before the probes").isEqualTo(BULK);
        assertThat(sorted.length).as("probes within %s", PROBE_WINDOW).isGreaterThanOrEqualTo(100);
        assertThat(allBusy).as("probes that ran while all %d bulk requests were in flight", BULK)
                .isGreaterThanOrEqualTo(sorted.length / 2);
        assertThat(p50).as("/health p50 in ms").isLessThan(20.0);
        // the p99 judges the server only on a quiet machine (its /health p99 without load of ours
        // under QUIET_P99_MS): on a host busy with other processes, nice-19 helper threads starve
        // and hold up the JVM's safepoints, which stops the event loops too (seen: idle p99 18 ms,
        // loaded p99 184 ms); that measures the host, not serve, and is reported, not asserted
        double idleP99 = percentile(idle, 0.99);
        assumeTrue(idleP99 < QUIET_P99_MS, () -> String.format(Locale.ROOT,
                "p99 not judged: this machine's /health p99 without load is %.2f ms (quiet: under %.0f ms)",
                idleP99, QUIET_P99_MS));
        assertThat(p99).as("/health p99 in ms").isLessThan(20.0);
    }

    @Test
    void blockHoundWatchesReactorNettysEventLoops() throws Exception {
        LoopResources loops = LoopResources.create(NAME + "-check", 1, true);
        try {
            boolean nonBlocking = loops.onServer(true).next().submit(() -> {
                Thread.sleep(1);
                return Schedulers.isInNonBlockingThread();
            }).get(10, TimeUnit.SECONDS);

            assertThat(nonBlocking).as("an event loop is a NonBlocking thread").isTrue();
            assertThat(VIOLATIONS).as("Thread.sleep on an event loop is reported")
                    .anySatisfy(v -> assertThat(v).contains("sleep").contains(" on " + NAME + "-check-"));
        } finally {
            loops.disposeLater(Duration.ZERO, Duration.ofSeconds(10)).block(Duration.ofSeconds(20));
        }
    }

    private static long[] concat(long[] a, long[] b) {
        long[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static long[] sorted(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted;
    }

    private static double percentile(long[] sorted, double p) {
        return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    private static String stackOf(Throwable t) {
        StringBuilder b = new StringBuilder();
        StackTraceElement[] stack = t.getStackTrace();
        for (int i = 0; i < Math.min(25, stack.length); i++) {
            b.append("    at ").append(stack[i]).append('\n');
        }
        return b.toString();
    }
}
