package io.ktask.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;

/**
 * Why a W1 task of 10^5 to 10^6 units gets its helper or not (issue 11, goal 2): runs such tasks
 * back to back on a scheduler of its own, as a benchmark does, and records for each its chunks
 * (which thread, when, relative to the task's start), whether a helper permit was held when it
 * started and when it ended ({@code stats().helpersRunning()}), and the leases refused meanwhile.
 * It prints the tasks grouped by what happened, with each group's median time, and a few tasks of
 * median time chunk by chunk. "Launched" is read off the caller's first chunk: it begins more
 * than 4 us after the start when the caller first handed a helper to its thread (waking a parked
 * thread takes the caller 5 to 20 us on this VM; a refused lease or none costs under 1 us).
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.ktask.bench.HelperJoinTrace
 * [n=130000] [tasks=300] [warmUp=30000] [pinning=true]}. A diagnosis, not a benchmark: no peer is compared.
 */
public final class HelperJoinTrace {

    /** The caller's first chunk beginning later than this after the start means a helper was launched. */
    private static final long LAUNCH_NANOS = 4_000;

    private HelperJoinTrace() {
    }

    /** One chunk as the work function saw it, in ns from its task's start. */
    private record ChunkSeen(long index, boolean onCaller, long begin, long end, long units) {
    }

    /** One recorded task. */
    private record TaskSeen(long nanos, int permitsAtStart, int permitsAtEnd, List<ChunkSeen> chunks) {
        long callerBegins() {
            return chunks.stream().filter(ChunkSeen::onCaller).mapToLong(ChunkSeen::begin).min().orElse(-1);
        }

        boolean helped() {
            return chunks.stream().anyMatch(c -> !c.onCaller());
        }
    }

    private static volatile long taskStart;
    private static volatile boolean recording;

    /** Runs the trace described in the class comment. */
    public static void main(String[] args) {
        Map<String, String> options = Options.parse(args, Map.of("n", "130000", "tasks", "300", "warmUp", "30000",
                "pinning", "true"));
        long n = Options.positiveInt(options, "n");
        int tasks = Options.positiveInt(options, "tasks");
        int warmUp = Options.positiveInt(options, "warmUp");
        boolean pinning = Options.bool(options, "pinning");
        Thread caller = Thread.currentThread();
        ConcurrentLinkedQueue<ChunkSeen> seen = new ConcurrentLinkedQueue<>();
        KTaskScheduler scheduler = KTaskScheduler.builder().name("join-trace").jmx(false).pinning(pinning).build();
        try {
            KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
                long begin = System.nanoTime();
                long sum = Units.sumHash(c.start(), c.end());
                long end = System.nanoTime();
                if (recording) {
                    seen.add(new ChunkSeen(c.index(), Thread.currentThread() == caller, begin - taskStart,
                            end - taskStart, c.end() - c.start()));
                }
                return sum;
            }).merge(Long::sum).scheduler(scheduler).build();
            long expected = Units.sumHash(0, n);
            // The warm-up traces too (and reads the stats), its traces dropped: code the JIT first
            // compiles inside the traced window takes a CPU from the helpers (at nice 19, the
            // compiler threads' nice-0 work holds a woken helper off its CPU for milliseconds).
            for (int i = 0; i < warmUp; i++) {
                traceOne(scheduler, spec, n, expected, seen);
            }
            long refusedBefore = scheduler.stats().refusedByGlobalLimit();
            List<TaskSeen> trace = new ArrayList<>();
            for (int i = 0; i < tasks; i++) {
                trace.add(traceOne(scheduler, spec, n, expected, seen));
            }
            report(trace, n, scheduler.stats().refusedByGlobalLimit() - refusedBefore, loopMicros(n, tasks));
        } finally {
            scheduler.dispose();
        }
    }

    /** Runs one task over {@code [0, n)} and returns what it saw. */
    private static TaskSeen traceOne(KTaskScheduler scheduler, KTaskSpec<Long, Long> spec, long n, long expected,
            ConcurrentLinkedQueue<ChunkSeen> seen) {
        seen.clear();
        int permitsAtStart = scheduler.stats().helpersRunning();
        recording = true;
        taskStart = System.nanoTime();
        Long total = KTask.range(0, n).transform(KTask.parallelize(spec)).blockLast();
        long nanos = System.nanoTime() - taskStart;
        recording = false;
        check(total, expected);
        return new TaskSeen(nanos, permitsAtStart, scheduler.stats().helpersRunning(), List.copyOf(seen));
    }

    private static void check(Long total, long expected) {
        if (total == null || total != expected) {
            throw new IllegalStateException("computed " + total + ", expected " + expected);
        }
    }

    /** @return the loop's median time over {@code [0, n)} in us, in the same JVM */
    private static double loopMicros(long n, int runs) {
        Samples loop = new Samples();
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            Units.sumHash(0, n);
            loop.add((System.nanoTime() - start) / 1e3);
        }
        return loop.median();
    }

    private static void report(List<TaskSeen> trace, long n, long refused, double loopMicros) {
        Samples all = new Samples();
        Map<String, Samples> groups = new TreeMap<>();
        for (TaskSeen t : trace) {
            all.add(t.nanos() / 1e3);
            String group = String.format(Locale.ROOT, "launched %-5s helped %-5s permit held at start %-5s at end %s",
                    t.callerBegins() > LAUNCH_NANOS, t.helped(), t.permitsAtStart() > 0, t.permitsAtEnd() > 0);
            groups.computeIfAbsent(group, g -> new Samples()).add(t.nanos() / 1e3);
        }
        System.out.printf(Locale.ROOT, "HelperJoinTrace: W1 over %d units, %d tasks back to back; task us %s, mean "
                + "%.1f; the loop %.1f us; leases refused by the global limit meanwhile: %d%n", n, trace.size(),
                all.summary(1), all.mean(), loopMicros, refused);
        System.out.println("| tasks | what happened | task us, median (p25 .. p75) |");
        System.out.println("|---|---|---|");
        groups.forEach((group, times) -> System.out.printf(Locale.ROOT, "| %d | %s | %s |%n", times.size(), group,
                times.summary(1)));
        TaskSeen[] byTime = trace.toArray(new TaskSeen[0]);
        Arrays.sort(byTime, (a, b) -> Long.compare(a.nanos(), b.nanos()));
        System.out.println("tasks around the median, chunks as [index C(aller)|H(elper) begin-end us, units]:");
        for (int i = byTime.length / 2 - 3; i <= byTime.length / 2 + 3; i += 2) {
            TaskSeen t = byTime[Math.max(0, Math.min(byTime.length - 1, i))];
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %.1f us:", t.nanos() / 1e3));
            t.chunks().stream().sorted((a, b) -> Long.compare(a.begin(), b.begin())).forEach(c -> line.append(
                    String.format(Locale.ROOT, " [#%d %s %.1f-%.1f, %d]", c.index(), c.onCaller() ? "C" : "H",
                            c.begin() / 1e3, c.end() / 1e3, c.units())));
            System.out.println(line);
        }
    }
}
