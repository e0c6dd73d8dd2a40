package io.ktask.samples;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code all} (the default command): runs every sample at demo size, including a prealloc with
 * an injected failure, and prints a summary table. A sample that throws is reported as a failed
 * row and the others still run.
 */
final class AllSample extends Sample {

    static final String NAME = "all";
    private final List<Sample> samples;

    AllSample(List<Sample> samples) {
        super(NAME,
                "(default) run every sample at demo size and print a summary table",
                """
                Runs brc, zero, prealloc (once clean, once with --fail-at 2) and pipeline (--nodes 2) at
                demo size, about half a minute on 2 cores, then prints one row per run: the work, the
                sequential and ktask times, the speedup and the check. --scale shrinks or grows every
                size (percent); --max-helpers and --helper-nice are passed on to every run.""",
                SchedulerFactory.with(List.of(
                        Option.value("scale", "PERCENT", 100, "size of every demo, in percent of the default"))));
        this.samples = List.copyOf(samples);
    }

    @Override
    Outcome run(CommandLine args, Console console) {
        int scale = args.intNumber("scale", 1, 1000);
        List<String> schedulerOptions = SchedulerFactory.forward(args);
        List<Outcome> outcomes = new ArrayList<>();
        long start = System.nanoTime();
        for (List<String> demo : demos(scale)) {
            Sample sample = find(demo.get(0));
            List<String> options = new ArrayList<>(demo.subList(1, demo.size()));
            options.addAll(schedulerOptions);
            console.out.println();
            console.out.println("=== " + String.join(" ", demo));
            outcomes.add(runOne(sample, options, console));
        }
        long nanos = System.nanoTime() - start;
        console.out.println();
        console.out.println(table(outcomes));
        boolean ok = outcomes.stream().allMatch(Outcome::ok);
        console.out.printf("all: %d runs in %s, %s%n", outcomes.size(), Format.seconds(nanos),
                ok ? "every check passed" : "SOME CHECKS FAILED");
        return new Outcome(NAME, outcomes.size() + " runs", outcomes.stream().mapToLong(Outcome::sequentialNanos).sum(),
                outcomes.stream().mapToLong(Outcome::ktaskNanos).sum(), ok, ok ? "all passed" : "failures");
    }

    /** @return each demo as its command followed by its options */
    static List<List<String>> demos(int scale) {
        long zeroMib = Math.min(scaled(256, scale), Math.max(1, ZeroSample.directMemoryLimit() / 2 >> 20));
        return List.of(
                List.of(BrcSample.NAME, "--rows", String.valueOf(scaled(4_000_000, scale))),
                List.of(ZeroSample.NAME, "--mib", String.valueOf(Math.min(zeroMib, 2047))),
                List.of(PreallocSample.NAME, "--mib", String.valueOf(scaled(128, scale))),
                List.of(PreallocSample.NAME, "--mib", String.valueOf(Math.max(4, scaled(64, scale))), "--fail-at", "2"),
                List.of(PipelineSample.NAME, "--nodes", "2", "--inputs", "6",
                        "--size", String.valueOf(scaled(10_000_000, scale))));
    }

    private static long scaled(long size, int percent) {
        return Math.max(1, size * percent / 100);
    }

    private Outcome runOne(Sample sample, List<String> options, Console console) {
        String work = String.join(" ", options);
        try {
            return sample.run(CommandLine.parse(sample.name(), Main.optionsOf(sample), options), console);
        } catch (UsageException e) {
            throw e; // a demo's own arguments are wrong: a bug, not a failed run
        } catch (Exception e) {
            console.err.println("error: " + sample.name() + " failed: " + e);
            e.printStackTrace(console.err);
            return new Outcome(sample.name(), work, 0, 0, false, "ERROR: " + e);
        }
    }

    private Sample find(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    /**
     * @return one row per outcome; a speedup above the CPU count is starred, and a line under
     *     the table says why it is not the split's doing alone (as each command's own report does)
     */
    static String table(List<Outcome> outcomes) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-9s %-26s %11s %11s %8s  %s%n",
                "command", "work", "sequential", "ktask", "speedup", "check"));
        String why = "";
        for (Outcome o : outcomes) {
            String above = Format.aboveCpus(o.speedup());
            why = above.isEmpty() ? why : above;
            b.append(String.format(Locale.ROOT, "%-9s %-26s %11s %11s %8s  %s%n", o.command(), o.work(),
                    Format.seconds(o.sequentialNanos()), Format.seconds(o.ktaskNanos()),
                    Format.speedup(o.speedup()) + (above.isEmpty() ? "" : "*"),
                    o.ok() ? "ok: " + o.check() : "FAILED: " + o.check()));
        }
        if (!why.isEmpty()) {
            b.append("* ").append(why).append(System.lineSeparator());
        }
        return b.toString().stripTrailing();
    }
}
