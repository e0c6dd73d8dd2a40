package io.ktask.samples;

import java.util.ArrayList;
import java.util.List;

import io.ktask.operators.Chunk;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.KTaskSchedulerBuilder;
import io.ktask.scheduler.NodeTopology;

/**
 * The scheduler options every job command accepts ({@code --max-helpers}, {@code --helper-nice};
 * {@link #with} adds {@code --runs} too) and the scheduler built from them. Unset options keep the scheduler's own defaults (and its
 * {@code ktask.*} system properties).
 */
final class SchedulerFactory {

    static final Option MAX_HELPERS = Option.value("max-helpers", "N", null,
            "global helper limit; default: the scheduler's (80% of the CPUs, at least 1)");
    static final Option HELPER_NICE = Option.value("helper-nice", "N", null,
            "nice value of helper threads, 0..19; default 19 (ktask: lowest priority), 0 = the caller's");
    static final List<Option> OPTIONS = List.of(MAX_HELPERS, HELPER_NICE);

    private SchedulerFactory() {
    }

    /**
     * Builds the scheduler and warms it up: one tiny task per node makes it start and place its
     * helper threads (and load its native library), so that the timed runs measure the work, as
     * in a long-running service, not the JVM's first use of the scheduler.
     *
     * @param topology the nodes to use, or null for the detected ones
     * @throws UsageException if an option is out of range
     */
    static KTaskScheduler create(String name, CommandLine args, NodeTopology topology) {
        KTaskScheduler scheduler = build(name, args, topology);
        for (int node = 0; node < scheduler.topology().nodeCount(); node++) {
            KTask.range(0, 64).transform(KTask.parallelize(KTaskSpec.<Long, Long>of(Chunk::size)
                    .merge(Long::sum).minChunk(1).node(node).scheduler(scheduler).build())).blockLast();
        }
        return scheduler;
    }

    private static KTaskScheduler build(String name, CommandLine args, NodeTopology topology) {
        KTaskSchedulerBuilder builder = KTaskScheduler.builder().name(name);
        if (topology != null) {
            builder.topology(topology);
        }
        if (args.has(MAX_HELPERS.name())) {
            builder.maxHelpers(maxHelpers(args));
        }
        if (args.has(HELPER_NICE.name())) {
            builder.helperNice(helperNice(args));
        }
        return builder.build();
    }

    /**
     * @return the scheduler options and {@code --runs} given on {@code args}, checked, as
     *     arguments to pass on to another command
     * @throws UsageException if an option is out of range
     */
    static List<String> forward(CommandLine args) {
        List<String> out = new ArrayList<>();
        if (args.has(Timed.RUNS.name())) {
            out.addAll(List.of("--" + Timed.RUNS.name(), String.valueOf(Timed.runs(args))));
        }
        if (args.has(MAX_HELPERS.name())) {
            out.addAll(List.of("--" + MAX_HELPERS.name(), String.valueOf(maxHelpers(args))));
        }
        if (args.has(HELPER_NICE.name())) {
            out.addAll(List.of("--" + HELPER_NICE.name(), String.valueOf(helperNice(args))));
        }
        return out;
    }

    private static int maxHelpers(CommandLine args) {
        return args.intNumber(MAX_HELPERS.name(), 1, 4096);
    }

    private static int helperNice(CommandLine args) {
        return args.intNumber(HELPER_NICE.name(), 0, 19);
    }

    /** @return {@code options} followed by the scheduler options and {@link Timed#RUNS} */
    static List<Option> with(List<Option> options) {
        List<Option> out = new ArrayList<>(options);
        out.addAll(OPTIONS);
        out.add(Timed.RUNS);
        return out;
    }
}
