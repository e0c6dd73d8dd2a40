package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.ktask.scheduler.KTaskScheduler;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** The README's and DESIGN.md's two examples, compiled and run as written. */
class DesignExamplesTest {

    static long sum(long start, long end) { // sum of start..end-1
        return (end - start) * (start + end - 1) / 2;
    }

    @Test
    void sumOfABillion() {
        Long total = KTask.range(0, 1_000_000_000L)
            .transform(KTask.parallelize(chunk -> sum(chunk.start(), chunk.end()), Long::sum))
            .blockLast();
        assertThat(total).isEqualTo(sum(0, 1_000_000_000L));
    }

    record Stats(long lines, long chars) {
        static Stats combine(Stats a, Stats b) {
            return new Stats(a.lines + b.lines, a.chars + b.chars);
        }
    }

    static Stats parse(List<String> lines) {
        return new Stats(lines.size(), lines.stream().mapToLong(String::length).sum());
    }

    static Flux<String> lines(String file) {
        return Flux.range(0, 25_000).map(i -> file + ":" + i);
    }

    @Test
    void perFileStats() {
        KTaskScheduler ktask = KTaskScheduler.create();
        try {
            Flux<String> files = Flux.just("a", "bb");
            Flux<Stats> perFile = files.concatMap(f -> lines(f)
                .transform(KTask.parallelize(KTaskSpec.<String, Stats>of(chunk -> parse(chunk.items()))
                    .merge(Stats::combine).minChunk(10_000).scheduler(ktask).build())));
            assertThat(perFile.collectList().block()).containsExactly(
                    parse(lines("a").collectList().block()), parse(lines("bb").collectList().block()));
        } finally {
            ktask.dispose();
        }
    }

    static void rollBack(Chunk<Long> chunk) {
        throw new AssertionError("nothing failed, nothing to roll back: " + chunk);
    }

    @Test
    void readmeExample() {
        KTaskScheduler ktask = KTaskScheduler.create();               // node-aware, ktask's limits
        Long total = KTask.range(0, 1_000_000_000L)                    // split by arithmetic, no signal per unit
            .transform(KTask.parallelize(KTaskSpec.<Long, Long>of(chunk -> sum(chunk.start(), chunk.end()))
                .merge(Long::sum)                                      // one result, merged in chunk order
                .undo((chunk, partial) -> rollBack(chunk))             // all or nothing
                .scheduler(ktask)
                .build()))
            .blockLast();                                              // caller runs chunks too
        ktask.dispose();
        assertThat(total).isEqualTo(sum(0, 1_000_000_000L));
    }
}
