package io.ktask.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.ktask.operators.KTask;
import io.ktask.operators.KTaskException;
import io.ktask.operators.KTaskSpec;
import reactor.core.publisher.Mono;

/**
 * The same job on one machine with ktask and on Apache Spark: the primes below a limit and the
 * largest gap between consecutive primes ({@link PrimeGaps}), one set of work, merge and undo
 * functions for both engines. Run it with the argument file the build writes:
 *
 * <pre>
 * mvn -B -q -pl spark -am package -DskipTests
 * java @spark/target/spark-sample.args --engine both
 * java @spark/target/spark-sample.args --engine spark --master spark://host:7077 --out /shared/dir
 * </pre>
 */
final class SparkSample {

    private static final String USAGE = """
            usage: java @spark/target/spark-sample.args [options]
              --engine ktask|spark|both  which engine runs the job (default both)
              --master URL               Spark master (default local[*])
              --limit N                  primes below N (default 200000000)
              --runs N                   runs per engine; the best time is printed (default 1)
              --fail-chunk K             make chunk K fail, to see every other chunk undone
              --out DIR                  folder for the chunk files (default: a new temporary folder;
                                         on a cluster, one that every executor can write)""";

    private static final String FAILED = "failed: ";

    private SparkSample() {
    }

    public static void main(String[] args) throws IOException {
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "io/ktask/spark/sample-log4j2.properties");
        }
        String engine = "both";
        String master = SparkKTask.LOCAL;
        long limit = 200_000_000L;
        int runs = 1;
        long failChunk = -1;
        Path out = null;
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
            switch (option) {
                case "--engine" -> engine = oneOf(option, value, "ktask", "spark", "both");
                case "--master" -> master = value;
                case "--limit" -> limit = number(option, value, 1, 1L << 40);
                case "--runs" -> runs = (int) number(option, value, 1, 100);
                case "--fail-chunk" -> failChunk = number(option, value, 0, Integer.MAX_VALUE);
                case "--out" -> out = Paths.get(value);
                default -> fail("unknown option " + option);
            }
        }
        run(engine, master, limit, runs, failChunk, out != null ? out : Files.createTempDirectory("ktask-gaps-"), System.out);
    }

    static void run(String engine, String master, long limit, int runs, long failChunk, Path out, PrintStream console)
            throws IOException {
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
            ktask = time("ktask (this JVM, " + Runtime.getRuntime().availableProcessors() + " CPUs)", runs, out,
                    local::block, console);
        }
        if (!engine.equals("ktask")) {
            long started = System.nanoTime();
            try (SparkKTask engineOnSpark = SparkKTask.builder().master(master).appName("ktask-prime-gaps").build()) {
                console.printf("spark context on %s started in %.2f s%n", master, (System.nanoTime() - started) / 1e9);
                Mono<PrimeGaps.Gaps> remote = engineOnSpark.reduce(0, limit,
                        SparkJob.of(work).merge(merge).undo(undo).minChunk(1 << 20).build());
                spark = time("spark (" + master + ")", runs, out, remote::block, console);
            }
        }
        if (ktask != null && spark != null) {
            boolean bothFailed = ktask.startsWith(FAILED) && spark.startsWith(FAILED);
            console.println(bothFailed ? "check: both engines failed and undid every committed chunk"
                    : ktask.equals(spark) ? "check: same result on both engines" : "check: RESULTS DIFFER");
        }
    }

    /** Runs {@code job} {@code runs} times; prints the best time, the result and the chunk files left. */
    private static String time(String label, int runs, Path out, Supplier<PrimeGaps.Gaps> job, PrintStream console)
            throws IOException {
        long best = Long.MAX_VALUE;
        String result = null;
        for (int r = 0; r < runs; r++) {
            clear(out);
            long t0 = System.nanoTime();
            try {
                result = job.get().toString();
            } catch (KTaskException e) {
                result = FAILED + e.getMessage();
            }
            best = Math.min(best, System.nanoTime() - t0);
        }
        long kept = files(out);
        console.printf(Locale.ROOT, "%-32s %8.3f s  %s; chunk files kept: %d%n", label, best / 1e9, result, kept);
        return result.startsWith(FAILED) && kept > 0 ? result + " (FILES KEPT)" : result;
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
