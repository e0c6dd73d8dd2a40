package io.ktask.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import reactor.core.publisher.Flux;

/**
 * W10, a {@code Flux<String>} of a file's lines (issue 15, the fast path for lines): the README's
 * own pattern, {@code Flux.using(() -> Files.lines(path), Flux::fromStream, Stream::close)
 * .transform(KTask.parallelize(..))}, where the upstream's {@code poll()} reads the file, beside a
 * {@code BufferedReader} loop on one thread. Each line holds a number; the work per line hashes
 * {@code lineMicros} microseconds' worth of W1 units from it, so the work dominates the reading.
 * A {@code Files.lines} stream summed on one thread is a second baseline, and the speedup is
 * taken against the faster of the two. All take turns in every round; the report gives medians and the speedup. Goal: >= 1.6x the
 * one-thread time on 2 CPUs.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.ktask.bench.W10Lines [rounds=10]
 * [lines=20000] [lineMicros=50]}. The file is a temporary one, deleted at the end; each task is
 * bounded by a one-minute timeout.
 */
public final class W10Lines {

    private W10Lines() {
    }

    /** Runs the comparison described in the class comment. */
    public static void main(String[] args) throws IOException {
        Map<String, String> options = Options.parse(args, Map.of("rounds", "10", "lines", "20000", "lineMicros", "50"));
        int rounds = Options.positiveInt(options, "rounds");
        int lines = Options.positiveInt(options, "lines");
        long hashesPerLine = Options.positiveInt(options, "lineMicros") * W8BlockingChunks.hashesPerMicro();

        HostFacts host = new HostFacts();
        Path file = Files.createTempFile("ktask-w10-", ".txt");
        KTaskScheduler ktask = KTaskScheduler.create();
        try {
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                for (int i = 0; i < lines; i++) {
                    w.write(Integer.toString(i));
                    w.write('\n');
                }
            }
            long expected = Units.sumHash(0, lines * hashesPerLine);
            KTaskSpec<String, Long> spec = KTaskSpec.<String, Long>of(chunk -> {
                long sum = 0;
                for (String line : chunk.items()) {
                    sum += work(line, hashesPerLine);
                }
                return sum;
            }).merge(Long::sum).scheduler(ktask).build();

            Map<String, Supplier<Long>> impls = new LinkedHashMap<>();
            impls.put("one thread (BufferedReader loop)", () -> {
                long sum = 0;
                try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    for (String line; (line = r.readLine()) != null; ) {
                        sum += work(line, hashesPerLine);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return sum;
            });
            impls.put("one thread (Files.lines stream)", () -> {
                try (Stream<String> stream = Files.lines(file, StandardCharsets.UTF_8)) {
                    return stream.mapToLong(line -> work(line, hashesPerLine)).sum();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            impls.put("ktask over Files.lines", () -> Flux.using(() -> Files.lines(file, StandardCharsets.UTF_8),
                            Flux::fromStream, Stream::close)
                    .transform(KTask.parallelize(spec)).blockLast(Duration.ofMinutes(1)));

            Map<String, Samples> results = InTurns.run(impls, expected, rounds);

            // the faster of the two one-thread forms: a JIT that compiles one loop worse (seen: the
            // BufferedReader loop at 1.4x its usual time in one JVM) must not flatter the speedup
            double loop = Math.min(results.get("one thread (BufferedReader loop)").median(),
                    results.get("one thread (Files.lines stream)").median());
            System.out.printf(Locale.ROOT, "W10: %d lines, %s us of work each; %d rounds, interleaved%n",
                    lines, options.get("lineMicros"), rounds);
            System.out.println("| implementation | median ms (p25 .. p75) | speedup over the faster one-thread form |");
            System.out.println("|---|---|---|");
            results.forEach((name, s) -> System.out.printf(Locale.ROOT, "| %s | %s | %.2fx |%n",
                    name, s.summary(1), loop / s.median()));
            System.out.println("Goal (issue 15): >= 1.6x the one-thread time on 2 CPUs");
            host.print(System.out, HostFacts.thisJdk());
        } finally {
            ktask.dispose();
            Files.deleteIfExists(file);
        }
    }

    /** The work of one line: W1 units {@code [v * hashes, (v + 1) * hashes)} for its number v. */
    private static long work(String line, long hashes) {
        long v = Long.parseLong(line);
        return Units.sumHash(v * hashes, (v + 1) * hashes);
    }
}
