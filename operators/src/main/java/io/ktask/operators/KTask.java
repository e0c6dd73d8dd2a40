package io.ktask.operators;

import java.util.Objects;
import java.util.concurrent.ForkJoinPool;
import java.util.function.BinaryOperator;
import java.util.function.Function;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.internal.TaskSpares;
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
     * and emits, so downstream signals may arrive on a helper thread. A requesting thread that
     * may block, runs chunks and finds none left while a helper runs the last one waits on its
     * CPU for at most 50 us, so that it merges and emits (ordered mode: completes) itself when
     * the helper ends that soon; no thread of the task ever parks waiting for another.
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
     * Runs a call that may block (I/O, a lock held elsewhere, a remote service) inside chunk code,
     * and lets the task's scheduler run one spare helper for the task while it blocks, so the
     * task keeps as many threads on the CPUs as it had (blocking compensation, cmwq):
     *
     * <pre>{@code
     * chunk -> {
     *     long sum = 0;
     *     for (long id = chunk.start(); id < chunk.end(); id++) {
     *         Row row = KTask.blocking(() -> store.fetch(id));   // I/O: a spare runs chunks meanwhile
     *         sum += score(row);                                  // CPU
     *     }
     *     return sum;
     * }
     * }</pre>
     *
     * <p>A spare starts only when the calling thread runs chunks of a task and is not already
     * inside a blocking call, the scheduler's spare limit allows it
     * ({@link KTaskScheduler#maxSpares()}, counted apart from its helper limits, so one task's
     * blocked chunks never take the helpers another task needs) and helpers are enabled. It runs
     * the task's chunks at the helpers' priority and stops after the chunk in hand once the call
     * has returned. Elsewhere (outside chunk code, or past the limit) {@code call} simply runs.
     * Worth it for calls that block for longer than a thread hand-off (tens of microseconds).
     *
     * @param <V> the value {@code call} returns
     * @param <E> the checked exception {@code call} may throw ({@link RuntimeException} when none)
     * @param call the blocking call, run once on the calling thread; not null
     * @return what {@code call} returns
     * @throws E what {@code call} throws, unchanged (the chunk then fails as usual)
     * @throws NullPointerException if {@code call} is null
     */
    public static <V, E extends Exception> V blocking(BlockingCall<V, E> call) throws E {
        Objects.requireNonNull(call, "call must not be null");
        try (TaskSpares.Blocked blocked = SchedulerInternals.blocked()) {
            return call.call();
        }
    }

    /**
     * Runs a blocking call without a value inside chunk code, like {@link #blocking(BlockingCall)}.
     *
     * @param <E> the checked exception {@code action} may throw ({@link RuntimeException} when
     *     none)
     * @param action the blocking call, run once on the calling thread; not null
     * @throws E what {@code action} throws, unchanged
     * @throws NullPointerException if {@code action} is null
     */
    public static <E extends Exception> void blocking(BlockingAction<E> action) throws E {
        Objects.requireNonNull(action, "action must not be null");
        try (TaskSpares.Blocked blocked = SchedulerInternals.blocked()) {
            action.run();
        }
    }

    /**
     * Blocks as {@link ForkJoinPool#managedBlock} does, and inside chunk code lets the task's
     * scheduler run a spare helper meanwhile, as {@link #blocking(BlockingCall)} does: a blocker
     * written for ForkJoin pools (such as a {@code CompletableFuture}'s wait) keeps a ktask task's
     * threads busy too. Returns at once, with no spare, if {@code blocker.isReleasable()}. On a
     * ForkJoin worker thread, that pool compensates as well.
     *
     * @param blocker the blocker to wait on, as for {@link ForkJoinPool#managedBlock}; not null
     * @throws InterruptedException if {@code blocker.block()} was interrupted
     * @throws NullPointerException if {@code blocker} is null
     */
    public static void blocking(ForkJoinPool.ManagedBlocker blocker) throws InterruptedException {
        Objects.requireNonNull(blocker, "blocker must not be null");
        if (blocker.isReleasable()) {
            return;
        }
        try (TaskSpares.Blocked blocked = SchedulerInternals.blocked()) {
            ForkJoinPool.managedBlock(blocker);
        }
    }

    /**
     * The scheduler of specs that name none: created on first use, daemon threads, never
     * disposed; its MXBean is registered on a background thread once the first task has ended
     * (or after a second), so that a fresh JVM's first task neither waits for the platform MBean
     * server to start nor shares the CPUs with it. Not a static holder: a bad
     * {@code ktask.*} property must fail one subscription with a clear error, not the class
     * forever, and a corrected property must then work.
     *
     * @throws IllegalArgumentException if a {@code ktask.*} system property has a bad value
     */
    static KTaskScheduler defaultScheduler() {
        KTaskScheduler s = defaultScheduler;
        if (s == null) {
            synchronized (KTask.class) {
                s = defaultScheduler;
                if (s == null) {
                    s = SchedulerInternals.createDefault();
                    defaultScheduler = s;
                }
            }
        }
        return s;
    }

    private static volatile KTaskScheduler defaultScheduler;
}
