package io.ktask.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleFunction;

/**
 * W7, polite under load (issue 11, goal 4; DESIGN section 6): another process ({@link CoRunner})
 * keeps busy nice-0 threads on every CPU while this JVM runs W1 tasks with the loop, parallel
 * streams and ktask. For each it measures the task's time and the co-runner's throughput in the
 * same slice; an idle slice (no task) gives the co-runner's throughput alone. Implementations
 * take turns in every round, each round starting with the next one; the report gives medians,
 * and ktask's figures over the loop's paired within each round. Goals: ktask's task time at most
 * 1.05x the loop's under the same load, and the co-runner keeps at least 95% of the throughput it
 * keeps beside the loop (helpers run at nice 19, so they should take almost nothing from it).
 *
 * <p>Each implementation first runs alone, before the co-runner starts, for {@code warmUpMs}: the
 * JIT settles on idle CPUs, as in a JMH fork's warm-up. Otherwise a compiler thread at nice 0
 * competes for the loaded CPUs during the measured rounds, for the implementation with the most
 * code to compile: a mean of 62-236 ms of compile time per loaded 2 s ktask slice against 0.2-2 ms
 * in the loop's, and ktask's task took 0.99-1.21x the loop's time where it took 0.93-0.98x after
 * the warm-up (bench/results-data/harnesses/w7-warm-up-1203.txt); {@code warmUpMs=0} measures
 * that way. The last column is the mean compile time per measured slice: C1 and C2 together, as
 * the compiler threads' elapsed time ({@link CompilationMXBean}), which under load includes their
 * wait for a CPU.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.ktask.bench.W7PoliteUnderLoad
 * [rounds=10] [n=10000000] [sliceMs=2000] [perCpu=2] [warmUpMs=8000, 0 for none] [java=<co-runner's java>]}.
 * Bounded: the co-runner exits when this JVM closes its stdin or after a fixed time budget,
 * whichever is first.
 */
public final class W7PoliteUnderLoad {

    private static final String IDLE = "idle";

    private W7PoliteUnderLoad() {
    }

    /** One slice's figures; {@code compileMillis} is the JIT's compile time in it (NaN if the JVM does not say). */
    private record Slice(double taskMillis, double coRunnerRate, double compileMillis) {
    }

    /** Runs the comparison described in the class comment. */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = Options.parse(args, Map.of("rounds", "10", "n", "10000000", "sliceMs", "2000",
                "perCpu", "2", "warmUpMs", "8000",
                "java", Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        int rounds = Options.positiveInt(options, "rounds");
        long n = Options.positiveInt(options, "n");
        long sliceNanos = Options.positiveInt(options, "sliceMs") * 1_000_000L;
        int perCpu = Options.positiveInt(options, "perCpu");
        long warmUpNanos = Options.nonNegativeInt(options, "warmUpMs") * 1_000_000L;
        String[] impls = {IDLE, Impl.SEQUENTIAL, Impl.PARALLEL_STREAM, Impl.KTASK};
        // The co-runner's own budget: every slice of every round, plus a minute for start-up.
        long budgetSeconds = 60 + (rounds + 1) * impls.length * (sliceNanos / 1_000_000_000L + 2);

        HostFacts host = new HostFacts();
        Map<String, RangeRunner> runners = new LinkedHashMap<>();
        try {
            for (String impl : impls) {
                if (!impl.equals(IDLE)) {
                    runners.put(impl, RangeRunners.createChecked(impl, new W1CheapCpuBenchmark.HashWork(),
                            W1CheapCpuBenchmark.MIN_CHUNK, n));
                }
            }
            long expected = Units.sumHash(0, n);
            for (RangeRunner runner : runners.values()) {
                if (warmUpNanos > 0) {
                    runFor(runner, n, expected, warmUpNanos); // alone: the JIT settles before the load starts
                }
            }
            Process coRunner = new ProcessBuilder(options.get("java"), "--enable-native-access=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), CoRunner.class.getName(), Integer.toString(perCpu),
                    Long.toString(budgetSeconds)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (PrintWriter ask = new PrintWriter(coRunner.getOutputStream(), true, StandardCharsets.UTF_8);
                    BufferedReader answer = new BufferedReader(
                            new InputStreamReader(coRunner.getInputStream(), StandardCharsets.UTF_8))) {
                Map<String, List<Slice>> slices = new LinkedHashMap<>();
                for (String impl : impls) {
                    slices.put(impl, new ArrayList<>());
                }
                for (int round = -1; round < rounds; round++) { // round -1 warms up and is not recorded
                    for (int turn = 0; turn < impls.length; turn++) {
                        // Each round starts one further along: the slice after the idle one may find
                        // this thread rested (a fair scheduler can credit a sleeper), and no
                        // implementation may always be the one that gets that credit.
                        String impl = impls[Math.floorMod(round + turn, impls.length)];
                        Slice s = slice(runners.get(impl), n, expected, sliceNanos, ask, answer);
                        if (round >= 0) {
                            slices.get(impl).add(s);
                        }
                    }
                }
                report(slices, n, rounds, sliceNanos, perCpu, warmUpNanos);
                host.print(System.out, HostFacts.thisJdk());
            } finally {
                coRunner.destroyForcibly();
            }
        } finally {
            runners.values().forEach(RangeRunner::close);
        }
    }

    /**
     * Runs {@code runner} (or nothing, when null) over {@code n} units again and again for one
     * slice, sampling the co-runner's count before and after.
     */
    private static Slice slice(RangeRunner runner, long n, long expected, long sliceNanos, PrintWriter ask,
            BufferedReader answer) throws IOException {
        long[] before = sample(ask, answer);
        long compiledBefore = compileMillis();
        long start = System.nanoTime();
        long runs = 0;
        if (runner == null) {
            while (System.nanoTime() - start < sliceNanos) {
                LockSupport.parkNanos(sliceNanos - (System.nanoTime() - start));
            }
        } else {
            runs = runFor(runner, n, expected, sliceNanos);
        }
        double taskMillis = runs == 0 ? Double.NaN : (System.nanoTime() - start) / 1e6 / runs;
        long compiled = compileMillis() - compiledBefore;
        long[] after = sample(ask, answer);
        double rate = (after[0] - before[0]) * 1e3 / (after[1] - before[1]); // hashes per microsecond
        return new Slice(taskMillis, rate, compiledBefore < 0 ? Double.NaN : compiled);
    }

    /** Runs {@code runner} over {@code n} units, checking each sum, until {@code nanos} passed; returns the runs. */
    private static long runFor(RangeRunner runner, long n, long expected, long nanos) {
        long start = System.nanoTime();
        long runs = 0;
        do {
            long total = runner.run(n);
            if (total != expected) {
                throw new IllegalStateException("computed " + total + ", expected " + expected);
            }
            runs++;
        } while (System.nanoTime() - start < nanos);
        return runs;
    }

    /** @return the JIT's total compile time in ms so far, or -1 if this JVM does not monitor it */
    private static long compileMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    /** @return {hashes so far, the co-runner's nanoTime} */
    private static long[] sample(PrintWriter ask, BufferedReader answer) throws IOException {
        ask.println("sample");
        String line = answer.readLine();
        if (line == null) {
            throw new IllegalStateException("the co-runner ended early (see its stderr above)");
        }
        String[] f = line.split(" ");
        return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
    }

    private static void report(Map<String, List<Slice>> slices, long n, int rounds, long sliceNanos, int perCpu,
            long warmUpNanos) {
        Map<String, Samples> task = new LinkedHashMap<>();
        Map<String, Samples> rate = new LinkedHashMap<>();
        Map<String, Samples> compile = new LinkedHashMap<>();
        slices.forEach((impl, list) -> {
            Samples t = new Samples();
            Samples r = new Samples();
            Samples c = new Samples();
            list.forEach(s -> {
                t.add(s.taskMillis());
                r.add(s.coRunnerRate());
                c.add(s.compileMillis());
            });
            task.put(impl, t);
            rate.put(impl, r);
            compile.put(impl, c);
        });
        double loopTime = task.get(Impl.SEQUENTIAL).median();
        double loopRate = rate.get(Impl.SEQUENTIAL).median();
        double idleRate = rate.get(IDLE).median();
        System.out.printf(Locale.ROOT, "W7: W1 over %d units beside %d busy nice-0 threads per CPU in another process;"
                + " %d rounds of %d ms slices, interleaved, after %d ms of each alone; medians (p25 .. p75)%n", n,
                perCpu, rounds, sliceNanos / 1_000_000, warmUpNanos / 1_000_000);
        System.out.println("| impl | task ms per run | task time / loop's | co-runner hashes/us | co-runner vs beside "
                + "the loop | co-runner vs alone | JIT compile ms per slice, mean |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String impl : slices.keySet()) {
            boolean idle = impl.equals(IDLE);
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %.2fx | %.2fx | %.1f |%n", idle ? "(no task)" : impl,
                    idle ? "n/a" : task.get(impl).summary(2),
                    idle ? "n/a" : String.format(Locale.ROOT, "%.2fx", task.get(impl).median() / loopTime),
                    rate.get(impl).summary(0), rate.get(impl).median() / loopRate, rate.get(impl).median() / idleRate,
                    compile.get(impl).mean());
        }
        System.out.printf(Locale.ROOT, "goals: ktask task time <= 1.05x the loop's (%.2fx); co-runner beside ktask "
                + ">= 0.95x beside the loop (%.2fx)%n", task.get(Impl.KTASK).median() / loopTime,
                rate.get(Impl.KTASK).median() / loopRate);
        System.out.printf(Locale.ROOT, "paired by round (each round's ktask slice over its loop slice, medians and "
                + "p25 .. p75): task time %s, co-runner %s%n", paired(slices, Slice::taskMillis).summary(2),
                paired(slices, Slice::coRunnerRate).summary(2));
    }

    /**
     * Ratios of ktask's figure to the loop's within each round: the load the co-runner gets from
     * the kernel drifts over a run (its threads' share moves with where the caller is placed), and
     * a ratio taken inside one round cancels what the round's neighbours had in common.
     */
    private static Samples paired(Map<String, List<Slice>> slices, ToDoubleFunction<Slice> figure) {
        List<Slice> ours = slices.get(Impl.KTASK);
        List<Slice> loop = slices.get(Impl.SEQUENTIAL);
        Samples ratios = new Samples();
        for (int round = 0; round < ours.size(); round++) {
            ratios.add(figure.applyAsDouble(ours.get(round)) / figure.applyAsDouble(loop.get(round)));
        }
        return ratios;
    }
}
