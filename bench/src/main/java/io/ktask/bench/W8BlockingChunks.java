package io.ktask.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import reactor.core.publisher.Flux;

/**
 * W8, blocked chunks (issue 11, goal 5; DESIGN section 6): task A's units each do some CPU work
 * then wait 1 ms (a stand-in for I/O), run with the wait declared through {@code KTask.blocking}
 * (a spare helper runs chunks meanwhile) and without; task B is CPU-only (W1's hash), run alone
 * and at the same time as each kind of A. Implementations take turns in every round; the report
 * gives medians over the rounds. Goals: A with {@code blocking} at least 1.6x faster than without
 * on 2 CPUs, and B no slower beside A with {@code blocking} than beside A without.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.ktask.bench.W8BlockingChunks
 * [rounds=10] [units=200] [cpuMicros=500] [blockMicros=1000] [bUnits=30000000]}. Every task is
 * bounded: a round whose tasks have not finished within a minute fails the harness. Uses one
 * {@code KTaskScheduler.create()} (default limits: on 2 CPUs one helper and two spares).
 */
public final class W8BlockingChunks {

    private static final long TIMEOUT_SECONDS = 60;

    private W8BlockingChunks() {
    }

    /** Runs the comparison described in the class comment. */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = Options.parse(args, Map.of("rounds", "10", "units", "200", "cpuMicros", "500",
                "blockMicros", "1000", "bUnits", "30000000"));
        int rounds = Options.positiveInt(options, "rounds");
        long units = Options.positiveInt(options, "units");
        long cpuMicros = Options.positiveInt(options, "cpuMicros");
        long blockNanos = TimeUnit.MICROSECONDS.toNanos(Options.positiveInt(options, "blockMicros"));
        long bUnits = Options.positiveInt(options, "bUnits");

        HostFacts host = new HostFacts();
        KTaskScheduler scheduler = KTaskScheduler.create();
        try {
            long hashesPerUnit = Math.max(1, cpuMicros * hashesPerMicro());
            Function<Flux<Long>, Flux<Long>> plain = mixedTask(scheduler, hashesPerUnit, blockNanos, false);
            Function<Flux<Long>, Flux<Long>> blocking = mixedTask(scheduler, hashesPerUnit, blockNanos, true);
            Function<Flux<Long>, Flux<Long>> cpuOnly = KTask.parallelize(KTaskSpec.<Long, Long>of(
                    c -> Units.sumHash(c.start(), c.end())).merge(Long::sum).scheduler(scheduler).build());
            long expectedB = Units.sumHash(0, bUnits);

            Map<String, Samples> results = new LinkedHashMap<>();
            for (String name : new String[] {"A without blocking", "A with blocking", "B alone",
                "B beside A without blocking", "B beside A with blocking"}) {
                results.put(name, new Samples());
            }
            for (int round = -1; round < rounds; round++) { // round -1 warms up and is not recorded
                double aPlain = millis(() -> run(plain, units));
                double aBlocking = millis(() -> run(blocking, units));
                double bAlone = millis(() -> check(run(cpuOnly, bUnits), expectedB));
                double bBesidePlain = besideA(plain, units, cpuOnly, bUnits, expectedB);
                double bBesideBlocking = besideA(blocking, units, cpuOnly, bUnits, expectedB);
                if (round >= 0) {
                    results.get("A without blocking").add(aPlain);
                    results.get("A with blocking").add(aBlocking);
                    results.get("B alone").add(bAlone);
                    results.get("B beside A without blocking").add(bBesidePlain);
                    results.get("B beside A with blocking").add(bBesideBlocking);
                }
            }

            System.out.printf(Locale.ROOT, "W8: A = %d units of %d us CPU + %d us wait; B = W1 over %d units; "
                    + "%d rounds, interleaved; scheduler maxHelpers %d, maxSpares %d%n", units, cpuMicros,
                    blockNanos / 1000, bUnits, rounds, scheduler.maxHelpers(), scheduler.maxSpares());
            System.out.println("| run | median ms (p25 .. p75) |");
            System.out.println("|---|---|");
            results.forEach((name, s) -> System.out.printf(Locale.ROOT, "| %s | %s |%n", name, s.summary(1)));
            System.out.printf(Locale.ROOT, "A: blocking makes it %.2fx faster (goal >= 1.6x on 2 CPUs)%n",
                    results.get("A without blocking").median() / results.get("A with blocking").median());
            System.out.printf(Locale.ROOT, "B beside A with blocking: %.2fx the time beside A without, %.2fx alone%n",
                    results.get("B beside A with blocking").median() / results.get("B beside A without blocking").median(),
                    results.get("B beside A with blocking").median() / results.get("B alone").median());
            host.print(System.out, HostFacts.thisJdk());
        } finally {
            scheduler.dispose();
        }
    }

    /**
     * Task A: each unit hashes {@code hashesPerUnit} times, then waits {@code blockNanos}, inside
     * {@code KTask.blocking} or not. One unit per chunk at least ({@code minChunk(1)}), so that
     * ktask sizing gives every thread several chunks.
     */
    static Function<Flux<Long>, Flux<Long>> mixedTask(KTaskScheduler scheduler, long hashesPerUnit, long blockNanos,
            boolean declared) {
        return KTask.parallelize(KTaskSpec.<Long, Long>of(chunk -> {
            long sum = 0;
            for (long u = chunk.start(); u < chunk.end(); u++) {
                sum += Units.sumHash(u * hashesPerUnit, (u + 1) * hashesPerUnit);
                if (declared) {
                    KTask.blocking(() -> LockSupport.parkNanos(blockNanos));
                } else {
                    LockSupport.parkNanos(blockNanos);
                }
            }
            return sum;
        }).merge(Long::sum).minChunk(1).scheduler(scheduler).build());
    }

    /** @return B's time in ms, run on this thread while A runs on another */
    private static double besideA(Function<Flux<Long>, Flux<Long>> a, long aUnits,
            Function<Flux<Long>, Flux<Long>> b, long bUnits, long expectedB) throws Exception {
        CompletableFuture<Long> aDone = CompletableFuture.supplyAsync(() -> run(a, aUnits), r -> new Thread(r, "w8-a").start());
        double bMillis = millis(() -> check(run(b, bUnits), expectedB));
        aDone.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return bMillis;
    }

    private static long run(Function<Flux<Long>, Flux<Long>> task, long units) {
        Long total = KTask.range(0, units).transform(task).blockLast(Duration.ofSeconds(TIMEOUT_SECONDS));
        return total == null ? 0 : total;
    }

    private static long check(long actual, long expected) {
        if (actual != expected) {
            throw new IllegalStateException("B computed " + actual + ", expected " + expected);
        }
        return actual;
    }

    private static double millis(Runnable run) {
        long start = System.nanoTime();
        run.run();
        return (System.nanoTime() - start) / 1e6;
    }

    /** @return how many W1 hashes one CPU does per microsecond, measured here (after a warm-up) */
    static long hashesPerMicro() {
        long n = 1 << 22;
        long sink = 0;
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            long start = System.nanoTime();
            sink += Units.sumHash(i * n, (i + 1) * n);
            best = Math.min(best, System.nanoTime() - start);
        }
        if (sink == 42) {
            System.out.print(""); // keeps the loop's result alive
        }
        return Math.max(1, n * 1000 / Math.max(1, best));
    }
}
