package io.ktask.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.LongStream;

import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * W9, a pushing upstream (issue 10, defect D1): 64 elements of about {@code unitMillis} ms of W1
 * hashing each, one element per chunk ({@code minChunk(1)}), from upstreams that push their
 * elements instead of being polled by the operator ({@code map}, {@code hide}, {@code generate},
 * {@code publishOn}, {@code fromIterable(..).map}), beside the same elements hashed in a loop on
 * one thread and from the fused {@code Flux.range} the operator polls. Every implementation takes
 * its turn in each round; the report gives medians and each one's time relative to the loop.
 * Goal (D1): a pushing upstream gets its helpers, at most 0.6x the loop's time on 2 CPUs.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.ktask.bench.W9PushingUpstream
 * [rounds=10] [elements=64] [unitMillis=5]}. Each task is bounded by a one-minute timeout.
 */
public final class W9PushingUpstream {

    private W9PushingUpstream() {
    }

    /** Runs the comparison described in the class comment. */
    public static void main(String[] args) {
        Map<String, String> options = Options.parse(args, Map.of("rounds", "10", "elements", "64", "unitMillis", "5"));
        int rounds = Options.positiveInt(options, "rounds");
        int elements = Options.positiveInt(options, "elements");
        long hashesPerElement = Options.positiveInt(options, "unitMillis") * 1000L * W8BlockingChunks.hashesPerMicro();
        long expected = Units.sumHash(0, elements * hashesPerElement);

        HostFacts host = new HostFacts();
        KTaskScheduler ktask = KTaskScheduler.create();
        Scheduler emitter = Schedulers.newSingle("w9-publishOn");
        try {
            KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(chunk -> chunk.items().stream()
                            .mapToLong(e -> Units.sumHash(e * hashesPerElement, (e + 1) * hashesPerElement)).sum())
                    .merge(Long::sum).minChunk(1).scheduler(ktask).build();
            KTaskSpec<Long, Long> rangeSpec = KTaskSpec.<Long, Long>of(chunk -> Units.sumHash(
                            chunk.start() * hashesPerElement, chunk.end() * hashesPerElement))
                    .merge(Long::sum).minChunk(1).scheduler(ktask).build();
            List<Long> boxed = LongStream.range(0, elements).boxed().toList();

            Map<String, Supplier<Long>> impls = new LinkedHashMap<>();
            impls.put("one thread (loop)", () -> Units.sumHash(0, elements * hashesPerElement));
            impls.put("KTask.range", () -> KTask.range(0, elements).transform(KTask.parallelize(rangeSpec)).blockLast());
            impls.put("range.map", () -> pushed(Flux.range(0, elements).map(Integer::longValue), spec));
            impls.put("range.hide", () -> pushed(Flux.fromIterable(boxed).hide(), spec));
            impls.put("generate", () -> pushed(Flux.<Long, Long>generate(() -> 0L, (i, sink) -> {
                if (i < elements) {
                    sink.next(i);
                } else {
                    sink.complete();
                }
                return i + 1;
            }), spec));
            impls.put("publishOn", () -> pushed(Flux.fromIterable(boxed).publishOn(emitter), spec));
            impls.put("fromIterable.map", () -> pushed(Flux.fromIterable(boxed).map(e -> e), spec));

            Map<String, Samples> results = InTurns.run(impls, expected, rounds);

            double loop = results.get("one thread (loop)").median();
            System.out.printf(Locale.ROOT, "W9: %d elements of %s ms each, one chunk per element; %d rounds, interleaved%n",
                    elements, options.get("unitMillis"), rounds);
            System.out.println("| upstream | median ms (p25 .. p75) | time / loop |");
            System.out.println("|---|---|---|");
            results.forEach((name, s) -> System.out.printf(Locale.ROOT, "| %s | %s | %.2fx |%n",
                    name, s.summary(1), s.median() / loop));
            System.out.println("Goal (D1): every pushing upstream <= 0.60x the loop's time on 2 CPUs");
            host.print(System.out, HostFacts.thisJdk());
        } finally {
            emitter.dispose();
            ktask.dispose();
        }
    }

    private static Long pushed(Flux<Long> upstream, KTaskSpec<Long, Long> spec) {
        return upstream.transform(KTask.parallelize(spec)).blockLast(Duration.ofMinutes(1));
    }
}
