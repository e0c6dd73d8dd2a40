package io.ktask.samples;

import java.util.ArrayList;
import java.util.List;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.KTaskSchedulerBuilder;
import io.ktask.scheduler.NodeTopology;

/**
 * The scheduler options every job command accepts ({@code --max-helpers}, {@code --helper-nice})
 * and the scheduler built from them. Unset options keep the scheduler's own defaults (and its
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
     * @param topology the nodes to use, or null for the detected ones
     * @throws UsageException if an option is out of range
     */
    static KTaskScheduler create(String name, CommandLine args, NodeTopology topology) {
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
     * @return the scheduler options given on {@code args}, checked, as arguments to pass on to
     *     another command
     * @throws UsageException if an option is out of range
     */
    static List<String> forward(CommandLine args) {
        List<String> out = new ArrayList<>();
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

    /** @return {@code options} followed by the scheduler options */
    static List<Option> with(List<Option> options) {
        List<Option> out = new ArrayList<>(options);
        out.addAll(OPTIONS);
        return out;
    }
}
