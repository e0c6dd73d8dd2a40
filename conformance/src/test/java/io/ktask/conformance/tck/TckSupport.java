package io.ktask.conformance.tck;

import java.util.function.Function;

import io.ktask.operators.Chunk;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import org.reactivestreams.tck.TestEnvironment;
import reactor.core.publisher.Flux;

/** What the TCK classes share: timeouts, the chunk functions, and the failed publisher. */
final class TckSupport {

    /** Generous for a loaded 2-core CI box; tests only wait this long when something is wrong. */
    static final long TIMEOUT_MILLIS = 2_000;
    /** How long "no further signal" is watched for; every such check costs this much. */
    static final long NO_SIGNALS_MILLIS = 100;

    private TckSupport() {
    }

    static TestEnvironment environment() {
        return new TestEnvironment(TIMEOUT_MILLIS, NO_SIGNALS_MILLIS);
    }

    /** The sum of a chunk's elements, read through {@link Chunk#items()}. */
    static long sum(Chunk<Long> chunk) {
        long total = 0;
        for (Long value : chunk.items()) {
            total += value;
        }
        return total;
    }

    /** A merge-mode summing spec on {@code scheduler} with the given minimum chunk. */
    static Function<Flux<Long>, Flux<Long>> summing(KTaskScheduler scheduler, long minChunk) {
        return KTask.parallelize(KTaskSpec.<Long, Long>of(TckSupport::sum)
                .merge(Long::sum).minChunk(minChunk).maxThreads(64).scheduler(scheduler).build());
    }

    /** An ordered spec of one-element chunks, each emitting its element: n elements in, n out. */
    static Function<Flux<Long>, Flux<Long>> onePerChunk(KTaskScheduler scheduler) {
        return KTask.parallelize(KTaskSpec.<Long, Long>of(chunk -> chunk.items().get(0))
                .ordered().minChunk(1).maxThreads(64).scheduler(scheduler).build());
    }

    /** A task whose upstream fails at once: the operator must signal onError without any demand. */
    static Flux<Long> failed(Function<Flux<Long>, Flux<Long>> operator) {
        return Flux.<Long>error(new IllegalStateException("upstream failure injected by the TCK"))
                .transform(operator);
    }
}
