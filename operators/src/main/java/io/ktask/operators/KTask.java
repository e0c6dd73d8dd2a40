package io.ktask.operators;

import java.util.Objects;
import java.util.function.BinaryOperator;
import java.util.function.Function;

import io.ktask.scheduler.KTaskScheduler;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Entry point: ktask's chunked, limit-aware parallelism as a Flux transformer.
 *
 * <pre>{@code
 * Long total = KTask.range(0, 1_000_000_000L)
 *     .transform(KTask.parallelize(chunk -> sum(chunk.start(), chunk.end()), Long::sum))
 *     .blockLast();
 * }</pre>
 */
public final class KTask {

    private KTask() {
    }

    /**
     * A Flux of the longs {@code start .. start + count - 1}. A plain subscriber sees an ordinary
     * range that honours backpressure; {@link #parallelize} recognises it and splits it by
     * arithmetic, with no signal or allocation per unit.
     *
     * @param start the first value
     * @param count how many values, {@code >= 0}
     * @return the range
     * @throws IllegalArgumentException if {@code count < 0} or {@code start + count} overflows
     */
    public static Flux<Long> range(long start, long count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0 but was " + count);
        }
        if (start + count < start) {
            throw new IllegalArgumentException("start + count overflows: start=" + start + ", count=" + count);
        }
        return LongRangeFlux.assemble(start, count);
    }

    /**
     * Parallelizes the upstream with the default spec: chunks computed by {@code work}, results
     * reduced in chunk order by {@code merge}. Same as
     * {@code parallelize(KTaskSpec.of(work).merge(merge).build())}.
     *
     * @param <T> the upstream element type
     * @param <R> the chunk result type
     * @param work computes one chunk's result; called once per chunk, possibly on several threads at once
     * @param merge combines two results in chunk order; associative
     * @return the transformer, for {@code flux.transform(...)}
     * @throws NullPointerException if {@code work} or {@code merge} is null
     */
    public static <T, R> Function<Flux<T>, Flux<R>> parallelize(
            Function<? super Chunk<T>, ? extends R> work, BinaryOperator<R> merge) {
        Objects.requireNonNull(work, "work must not be null");
        Objects.requireNonNull(merge, "merge must not be null");
        return parallelize(KTaskSpec.<T, R>of(work).merge(merge).build());
    }

    /**
     * Parallelizes the upstream as {@code spec} describes. Each subscription is one task, started
     * by the first {@code request(n)}.
     *
     * <p>Threads: the requesting thread runs chunks (unless {@code callerRuns(false)}), helper
     * threads of the spec's scheduler run the others, and the thread that finishes last merges
     * and emits, so downstream signals may arrive on a helper thread. No thread of the task ever
     * blocks waiting for another.
     *
     * <p>Ordering: merge mode emits one value, the chunk results merged in chunk order; ordered
     * mode emits chunk results in chunk order, honouring demand.
     *
     * <p>Errors: a failing chunk, an upstream error or a cancel stops new chunks, lets running
     * ones finish, undoes every finished unemitted chunk (serially, ascending), then signals
     * {@link KTaskException} (nothing after a cancel). A {@code request(n <= 0)} is signalled as
     * {@link IllegalArgumentException}.
     *
     * @param <T> the upstream element type
     * @param <R> the chunk result type
     * @param spec the task's description
     * @return the transformer, for {@code flux.transform(...)}
     * @throws NullPointerException if {@code spec} is null
     * @throws IllegalArgumentException when applied to an upstream other than {@link #range} with
     *     a spec that has a {@code boundaries} cut
     */
    public static <T, R> Function<Flux<T>, Flux<R>> parallelize(KTaskSpec<T, R> spec) {
        Objects.requireNonNull(spec, "spec must not be null");
        return upstream -> assemble(upstream, spec);
    }

    /**
     * Reduces the upstream to one value with the default spec: chunks computed by {@code work},
     * results merged in chunk order by {@code merge}. Use it with {@code flux.as(...)}:
     *
     * <pre>{@code
     * Mono<Long> total = KTask.range(0, n).as(KTask.reduce(c -> sum(c.start(), c.end()), Long::sum));
     * }</pre>
     *
     * Same as {@code reduce(KTaskSpec.of(work).merge(merge).build())}.
     *
     * @param <T> the upstream element type
     * @param <R> the chunk result type
     * @param work computes one chunk's result; called once per chunk, possibly on several threads at once
     * @param merge combines two results in chunk order; associative
     * @return the transformer, for {@code flux.as(...)}
     * @throws NullPointerException if {@code work} or {@code merge} is null
     */
    public static <T, R> Function<Flux<? extends T>, Mono<R>> reduce(
            Function<? super Chunk<T>, ? extends R> work, BinaryOperator<R> merge) {
        Objects.requireNonNull(work, "work must not be null");
        Objects.requireNonNull(merge, "merge must not be null");
        return reduce(KTaskSpec.<T, R>of(work).merge(merge).build());
    }

    /**
     * Reduces the upstream to one value as the merge-mode {@code spec} describes: the
     * {@link Mono} emits the chunk results merged in chunk order, or completes empty for zero
     * units. Threads, errors and rollback are those of {@link #parallelize(KTaskSpec)}. The
     * wildcard in the returned function lets the common forms compile without type arguments:
     * {@code flux.as(KTask.reduce(KTaskSpec.of(c -> c.size()).merge(Long::sum).build()))}.
     *
     * @param <T> the upstream element type
     * @param <R> the chunk result type
     * @param spec a merge-mode spec
     * @return the transformer, for {@code flux.as(...)}
     * @throws NullPointerException if {@code spec} is null
     * @throws IllegalArgumentException if {@code spec} is not in merge mode (it names the spec);
     *     when applied to an upstream other than {@link #range} with a spec that has a
     *     {@code boundaries} cut
     */
    @SuppressWarnings("unchecked") // a Flux<? extends T> only produces Ts: reading it as Flux<T> is safe
    public static <T, R> Function<Flux<? extends T>, Mono<R>> reduce(KTaskSpec<T, R> spec) {
        Objects.requireNonNull(spec, "spec must not be null");
        if (!spec.merging()) {
            throw new IllegalArgumentException("reduce needs a merge-mode spec (KTaskSpec.of(work).merge(f)) but was " + spec);
        }
        return upstream -> Mono.fromDirect(assemble((Flux<T>) upstream, spec));
    }

    private static <T, R> Flux<R> assemble(Flux<T> upstream, KTaskSpec<T, R> spec) {
        if (spec.boundaries != null && LongRangeFlux.behind(upstream) == null) {
            // Only a range's chunks are laid out by arithmetic that a cut can move.
            throw new IllegalArgumentException("a spec with boundaries(" + spec.boundaries
                    + ") applies to KTask.range only, but the upstream was " + upstream);
        }
        return FluxKTask.assemble(upstream, spec);
    }

    /**
     * The scheduler of specs that name none: created on first use, daemon threads, never
     * disposed. Not a static holder: a bad {@code ktask.*} property must fail one subscription
     * with a clear error, not the class forever, and a corrected property must then work.
     *
     * @throws IllegalArgumentException if a {@code ktask.*} system property has a bad value
     */
    static KTaskScheduler defaultScheduler() {
        KTaskScheduler s = defaultScheduler;
        if (s == null) {
            synchronized (KTask.class) {
                s = defaultScheduler;
                if (s == null) {
                    s = KTaskScheduler.create();
                    defaultScheduler = s;
                }
            }
        }
        return s;
    }

    private static volatile KTaskScheduler defaultScheduler;
}
