package io.ktask.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import io.ktask.operators.KTask;
import io.ktask.operators.KTaskException;
import io.ktask.operators.KTaskSpec;
import reactor.core.publisher.Mono;

/**
 * The same job on one machine with ktask and on Apache Spark, one set of work, merge and undo
 * functions for both engines: the primes below a limit and the largest gap between consecutive
 * primes ({@link PrimeGaps}, {@code --job gaps}, over a range of numbers), or the One Billion Row
 * Challenge ({@link SparkBrc}, {@code --job brc}, over a file of records). Run it with the
 * argument file the build writes:
 *
 * <pre>
 * mvn -B -q -pl spark -am package -DskipTests
 * java @spark/target/spark-sample.args --engine both
 * java @spark/target/spark-sample.args --job brc --engine both
 * java @spark/target/spark-sample.args --engine spark --master spark://host:7077 --out /shared/dir
 * </pre>
 */
final class SparkSample {

    private static final String USAGE = """
            usage: java @spark/target/spark-sample.args [options]
              --job gaps|brc             the job (default gaps): prime gaps below --limit, or the
                                         One Billion Row Challenge over the lines of --file
              --engine ktask|spark|both  which engine runs the job (default both)
              --master URL               Spark master (default local[*])
              --runs N                   runs per engine; the best time is printed (default 1)
            gaps:
              --limit N                  primes below N (default 200000000)
              --fail-chunk K             make chunk K fail, to see every other chunk undone
              --out DIR                  folder for the chunk files (default: a new temporary folder;
                                         on a cluster, one that every executor can write)
            brc:
              --file PATH                'station;temperature' lines (default: a generated temporary
                                         file; on a cluster, a path every executor can read)
              --rows N                   rows of the generated file (default 10000000; 400 stations,
                                         seed 42: the file the brc sample generates)""";

    static final String FAILED = "failed: ";
    private static final List<String> GAPS_ONLY = List.of("--limit", "--fail-chunk", "--out");
    private static final List<String> BRC_ONLY = List.of("--file", "--rows");

    private SparkSample() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "io/ktask/spark/sample-log4j2.properties");
        }
        String job = "gaps";
        String engine = "both";
        String master = SparkKTask.LOCAL;
        long limit = 200_000_000L;
        int runs = 1;
        long failChunk = -1;
        Path out = null;
        Path file = null;
        long rows = 10_000_000L;
        Set<String> given = new HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--help")) {
                System.out.println(USAGE);
                return;
            }
            if (i + 1 >= args.length) {
                fail("option " + option + " needs a value");
            }
            String value = args[++i];
            given.add(option);
            switch (option) {
                case "--job" -> job = oneOf(option, value, "gaps", "brc");
                case "--engine" -> engine = oneOf(option, value, "ktask", "spark", "both");
                case "--master" -> master = value;
                case "--limit" -> limit = number(option, value, 1, 1L << 40);
                case "--runs" -> runs = (int) number(option, value, 1, 100);
                case "--fail-chunk" -> failChunk = number(option, value, 0, Integer.MAX_VALUE);
                case "--out" -> out = Paths.get(value);
                case "--file" -> file = Paths.get(value);
                case "--rows" -> rows = number(option, value, 0, 10_000_000_000L);
                default -> fail("unknown option " + option);
            }
        }
        for (String option : job.equals("brc") ? GAPS_ONLY : BRC_ONLY) {
            if (given.contains(option)) {
                fail(option + " is not an option of --job " + job);
            }
        }
        if (job.equals("brc")) {
            if (file != null && !Files.isRegularFile(file)) {
                fail("--file must be a readable file but was " + file + " (without --file, a generated file is used)");
            }
            SparkBrc.run(engine, master, file, rows, runs, System.out);
        } else {
            run(engine, master, limit, runs, failChunk, out != null ? out : Files.createTempDirectory("ktask-gaps-"),
                    System.out);
        }
    }

    static void run(String engine, String master, long limit, int runs, long failChunk, Path out, PrintStream console)
            throws Exception {
        Files.createDirectories(out);
        PrimeGaps job = new PrimeGaps(out.toString(), failChunk);
        SparkJob.Work<PrimeGaps.Gaps> work = job::work;
        SparkJob.Merge<PrimeGaps.Gaps> merge = PrimeGaps.Gaps::merge;
        SparkJob.Undo<PrimeGaps.Gaps> undo = job::undo;
        console.printf("primes below %,d, chunk files in %s%n", limit, out);
        String ktask = null;
        String spark = null;
        if (!engine.equals("spark")) {
            Mono<PrimeGaps.Gaps> local = KTask.range(0, limit)
                    .as(KTask.reduce(KTaskSpec.of(work).merge(merge).undo(undo).minChunk(1 << 20).build()));
            ktask = gaps(localLabel(), runs, out, local, console);
        }
        if (!engine.equals("ktask")) {
            try (SparkKTask engineOnSpark = start(master, "ktask-prime-gaps", console)) {
                Mono<PrimeGaps.Gaps> remote = engineOnSpark.reduce(0, limit,
                        SparkJob.of(work).merge(merge).undo(undo).minChunk(1 << 20).build());
                spark = gaps(sparkLabel(master), runs, out, remote, console);
            }
        }
        check(ktask, spark, console);
    }

    /** Runs the gaps job; prints the best time, the result and the chunk files left. */
    private static String gaps(String label, int runs, Path out, Mono<PrimeGaps.Gaps> job, PrintStream console)
            throws Exception {
        Timing timing = time(runs, () -> {
            clear(out);
            return job.block().toString();
        });
        long kept = files(out);
        console.printf(Locale.ROOT, "%-32s %8.3f s  %s; chunk files kept: %d%n", label, timing.nanos() / 1e9,
                timing.result(), kept);
        return timing.failed() && kept > 0 ? timing.result() + " (FILES KEPT)" : timing.result();
    }

    /** The best time of some runs of a job, and the last run's result: its text, or {@link #FAILED} and why. */
    record Timing(long nanos, String result) {
        boolean failed() {
            return result.startsWith(FAILED);
        }
    }

    /** Runs {@code job} {@code runs} times; a {@link KTaskException} is a result ({@link #FAILED} and its message). */
    static Timing time(int runs, Callable<String> job) throws Exception {
        long best = Long.MAX_VALUE;
        String result = null;
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            try {
                result = job.call();
            } catch (KTaskException e) {
                result = FAILED + e.getMessage();
            }
            best = Math.min(best, System.nanoTime() - t0);
        }
        return new Timing(best, result);
    }

    /** Starts an engine on {@code master} and says how long the Spark context took to start. */
    static SparkKTask start(String master, String appName, PrintStream console) {
        long started = System.nanoTime();
        SparkKTask spark = SparkKTask.builder().master(master).appName(appName).build();
        console.printf(Locale.ROOT, "spark context on %s started in %.2f s%n", master, (System.nanoTime() - started) / 1e9);
        return spark;
    }

    static String localLabel() {
        return "ktask (this JVM, " + Runtime.getRuntime().availableProcessors() + " CPUs)";
    }

    static String sparkLabel(String master) {
        return "spark (" + master + ")";
    }

    /** Prints whether both engines, when both ran, gave the same result. */
    static void check(String ktask, String spark, PrintStream console) {
        if (ktask != null && spark != null) {
            boolean bothFailed = ktask.startsWith(FAILED) && spark.startsWith(FAILED);
            console.println(bothFailed ? "check: both engines failed and undid every committed chunk"
                    : ktask.equals(spark) ? "check: same result on both engines" : "check: RESULTS DIFFER");
        }
    }

    private static void clear(Path out) throws IOException {
        try (Stream<Path> files = Files.list(out)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("gaps-")).toList()) {
                Files.delete(f);
            }
        }
    }

    private static long files(Path out) throws IOException {
        try (Stream<Path> files = Files.list(out)) {
            return files.filter(p -> p.getFileName().toString().startsWith("gaps-")).count();
        }
    }

    private static String oneOf(String option, String value, String... allowed) {
        for (String a : allowed) {
            if (a.equals(value)) {
                return value;
            }
        }
        return fail(option + " must be one of " + String.join(", ", allowed) + " but was " + value);
    }

    private static long number(String option, String value, long min, long max) {
        long n;
        try {
            n = Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            return fail(option + " must be a number but was " + value);
        }
        if (n < min || n > max) {
            fail(option + " must be in [" + min + ", " + max + "] but was " + value);
        }
        return n;
    }

    private static <T> T fail(String message) {
        System.err.println(message);
        System.err.println(USAGE);
        System.exit(2);
        return null;
    }
}
