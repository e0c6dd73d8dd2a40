package io.ktask.samples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.KTaskStats;
import io.ktask.scheduler.NodeTopology;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;

/**
 * {@code pipeline}: a reactive bulk-data pipeline. A Flux of generated inputs, each parallelized
 * by ktask, several at once ({@code flatMap} with a concurrency), all under ONE
 * {@link KTaskScheduler} whose global and per-node helper limits share the machine between
 * them. The scheduler's {@code stats()} are printed while its last timed run runs; the runs of
 * the pipeline and of the one-by-one loop alternate.
 */
final class PipelineSample extends Sample {

    static final String NAME = "pipeline";
    static final long MIN_CHUNK = 1 << 16;
    private static final Duration STATS_EVERY = Duration.ofMillis(500);

    PipelineSample() {
        super(NAME,
                "several parallelized inputs at once under one scheduler's limits, with live stats",
                """
                Runs a Flux of --inputs generated data sets of --size values each; every input is
                summarized by ktask (KTask.range + parallelize), --concurrency inputs at a time
                (flatMap), all sharing one KTaskScheduler: its global limit (--max-helpers) and
                per-node limits decide how many helpers each task gets; requests past them are
                refused, never queued. Prints stats() every 0.5 s during the last run. --nodes N
                simulates N NUMA nodes (NodeTopology.uniform) and spreads the inputs over them. Compares
                with summarizing the inputs one after another; the runs of the two alternate.""",
                SchedulerFactory.with(List.of(
                        Option.value("inputs", "N", 8, "number of inputs (data sets)"),
                        Option.value("size", "N", "20000000", "values per input"),
                        Option.value("concurrency", "N", 4, "inputs in flight at once (flatMap concurrency)"),
                        Option.value("nodes", "N", null,
                                "simulate N nodes of max(1, cpus/N) CPUs each; default: the detected topology"))));
    }

    @Override
    Outcome run(CommandLine args, Console console) {
        int inputs = args.intNumber("inputs", 1, 10_000);
        long size = args.number("size", 1, 1L << 40);
        int concurrency = args.intNumber("concurrency", 1, 1024);
        int runs = Timed.runs(args);
        int cpus = Runtime.getRuntime().availableProcessors();
        int nodes = args.has("nodes") ? args.intNumber("nodes", 1, 64) : 0;
        NodeTopology topology = nodes > 0 ? NodeTopology.uniform(nodes, Math.max(1, cpus / nodes)) : null;

        KTaskScheduler scheduler = SchedulerFactory.create("ktask-pipeline", args, topology);
        try {
            NodeTopology used = scheduler.topology();
            console.out.printf("pipeline: %d inputs x %s values, %d at a time, on %d node(s) x %s CPUs, max helpers %d%s%n",
                    inputs, Format.count(size), concurrency, used.nodeCount(), cpusPerNode(used),
                    scheduler.maxHelpers(), used.nodeCount() == 1 ? "" : " (" + perNodeLimits(scheduler) + " per node)");
            StatsPrinter stats = new StatsPrinter(scheduler, console);
            int[] pipelineRuns = {0};
            List<Timed<List<List<Dataset.Summary>>>> timed = Timed.interleaved(runs,
                    List.<Timed.Job<Timed<List<Dataset.Summary>>, RuntimeException>>of(
                            () -> Timed.of(() -> sequential(inputs, size, console)),
                            () -> {
                                boolean last = ++pipelineRuns[0] == runs + 1; // after the warm-up run
                                Disposable ticker = last ? Flux.interval(STATS_EVERY).subscribe(tick -> stats.print(false))
                                        : Disposables.disposed();
                                try {
                                    return Timed.of(() -> pipeline(inputs, size, concurrency, scheduler, console));
                                } finally {
                                    ticker.dispose();
                                }
                            }));
            stats.print(true);
            Timed<List<List<Dataset.Summary>>> sequential = timed.get(0);
            Timed<List<List<Dataset.Summary>>> ktask = timed.get(1);
            List<Dataset.Summary> expected = sequential.value().get(0);
            boolean same = timed.stream().flatMap(t -> t.value().stream()).allMatch(expected::equals);
            console.out.println("  " + Timed.method(runs) + "; stats above: the last pipeline run");
            console.out.println(Format.timing("one by one", sequential.nanos(), sequential.nanos()));
            console.out.println(Format.timing("ktask pipeline", ktask.nanos(), sequential.nanos())
                    + "  (peak " + stats.peak.get() + " helpers seen)");
            String check = same ? "same summaries for " + inputs + " inputs" : "SUMMARIES DIFFER";
            console.out.println("  check: " + check);
            return new Outcome(NAME, inputs + " x " + Format.count(size) + " values", sequential.nanos(),
                    ktask.nanos(), same, check);
        } finally {
            scheduler.dispose();
        }
    }

    /** No ktask task here, so no progress reports: the loop advances its bar by hand. */
    private static List<Dataset.Summary> sequential(int inputs, long size, Console console) {
        List<Dataset.Summary> out = new ArrayList<>();
        try (ProgressBar bar = console.progress("pipeline one by one", (long) inputs * size)) {
            for (int i = 0; i < inputs; i++) {
                Dataset.Summary total = null;
                for (long from = 0; from < size; from += MIN_CHUNK) {
                    Dataset.Summary part = Dataset.summarize(i, from, Math.min(size, from + MIN_CHUNK));
                    total = total == null ? part : total.merge(part);
                    bar.advance(part.count());
                }
                out.add(total);
            }
        }
        return out;
    }

    /**
     * One bar for the whole pipeline, fed by the progress reports of its tasks (one per input):
     * it shows the sum of the values the tasks report done, so it fills as the inputs in flight
     * progress, each counted once, and reaches the total when the last task completes.
     */
    private static List<Dataset.Summary> pipeline(int inputs, long size, int concurrency, KTaskScheduler scheduler,
            Console console) {
        int nodes = scheduler.topology().nodeCount();
        try (ProgressBar bar = console.progress("pipeline ktask", (long) inputs * size)) {
            List<Dataset.Summary> out = Flux.range(0, inputs)
                    .flatMap(i -> KTask.range(0, size).transform(KTask.parallelize(
                            KTaskSpec.<Long, Dataset.Summary>of(chunk -> Dataset.summarize(i, chunk.start(), chunk.end()))
                                    .merge(Dataset.Summary::merge)
                                    .minChunk(MIN_CHUNK)
                                    .node(i % nodes)
                                    .callerRuns(false) // the task's own thread comes from the scheduler
                                    .progress(bar.taskListener()) // this input's share of the bar
                                    .scheduler(scheduler)
                                    .build())), concurrency)
                    .collectList()
                    .block();
            out.sort(Comparator.comparingInt(Dataset.Summary::input));
            return out;
        }
    }

    private static String perNodeLimits(KTaskScheduler scheduler) {
        int[] limits = new int[scheduler.topology().nodeCount()];
        for (int n = 0; n < limits.length; n++) {
            limits[n] = scheduler.maxHelpersPerNode(n);
        }
        return sameOrList(limits);
    }

    private static String cpusPerNode(NodeTopology topology) {
        int[] counts = new int[topology.nodeCount()];
        for (int n = 0; n < counts.length; n++) {
            counts[n] = topology.cpus(n).length;
        }
        return sameOrList(counts);
    }

    private static String sameOrList(int[] values) {
        return Arrays.stream(values).distinct().count() == 1 ? String.valueOf(values[0]) : Arrays.toString(values);
    }

    /** Prints one line of the scheduler's stats; tracks the peak helper count seen. */
    private static final class StatsPrinter {

        private final KTaskScheduler scheduler;
        private final Console console;
        private final long start = System.nanoTime();
        private final AtomicInteger peak = new AtomicInteger();
        private boolean ended; // guarded by this

        StatsPrinter(KTaskScheduler scheduler, Console console) {
            this.scheduler = scheduler;
            this.console = console;
        }

        /**
         * Prints a line unless the final one was printed (a tick may still be running when the
         * ticker is disposed; it must not print after the final line).
         *
         * @param after whether the pipeline has ended (the line then says so instead of the time)
         */
        synchronized void print(boolean after) {
            if (ended) {
                return;
            }
            ended = after;
            KTaskStats s = scheduler.stats();
            peak.accumulateAndGet(s.helpersRunning(), Math::max);
            String when = after ? "after  " : String.format(Locale.ROOT, "%5.1f s", (System.nanoTime() - start) / 1e9);
            console.out.printf(Locale.ROOT, "  [%s] tasks %d, helpers %d %s, chunks %s, refused by global limit %s,"
                            + " placed off-node %s%n",
                    when, s.tasksRunning(), s.helpersRunning(),
                    Arrays.toString(s.helpersRunningPerNode()), Format.count(s.chunksDone()),
                    Format.count(s.refusedByGlobalLimit()), Format.count(s.placedElsewhereByNodeLimit()));
        }
    }
}
