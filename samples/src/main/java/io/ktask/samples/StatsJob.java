package io.ktask.samples;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.ktask.operators.KTask;
import io.ktask.operators.KTaskException;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import reactor.core.publisher.Mono;

/**
 * The bulk job behind {@code GET /stats}: one ktask task per request, {@code KTask.range(0, n)}
 * reduced with {@link KTask#reduce(KTaskSpec)} to the {@link Stats} of the generated data set.
 *
 * <p>To show the task's all-or-nothing rule on shared state, every finished chunk adds its size
 * to the server-wide {@link #committed()} count and its undo takes it back: once a request has
 * answered, the count holds exactly the values of the requests that succeeded.
 *
 * <p>The spec keeps the default thread rules (no {@code callerRuns}): subscribed from a Netty
 * event loop, the task runs where the operator's rules put it.
 */
final class StatsJob {

    /** 65,536 values, a few hundred microseconds of work: a chunk worth handing to another thread. */
    static final long MIN_CHUNK = 1 << 16;

    private final KTaskScheduler scheduler;
    private final LongAdder committed = new LongAdder();
    private final LongAdder undone = new LongAdder();

    StatsJob(KTaskScheduler scheduler) {
        this.scheduler = scheduler;
    }

    /**
     * @param undos counts this request's undos, so that its error response can say how many ran
     * @return the statistics of the query's data set, computed when subscribed; a
     *     {@link KTaskException} after the rollback if a chunk failed (with
     *     {@link StatsQuery#failAt()}, the chunk that holds that position)
     */
    Mono<Stats> run(StatsQuery query, AtomicInteger undos) {
        KTaskSpec<Long, Stats> spec = KTaskSpec.<Long, Stats>of(chunk -> {
                    if (query.failAt() >= chunk.start() && query.failAt() < chunk.end()) {
                        throw new IllegalStateException("injected failure at position " + query.failAt()
                                + " (failAt=" + query.failAt() + ")");
                    }
                    Stats stats = Stats.over(query.seed(), chunk.start(), chunk.end());
                    committed.add(chunk.size());
                    return stats;
                })
                .merge(Stats::merge)
                .undo((chunk, stats) -> {
                    committed.add(-chunk.size());
                    undone.increment();
                    undos.incrementAndGet();
                })
                .minChunk(MIN_CHUNK)
                .scheduler(scheduler)
                .build();
        return KTask.range(0, query.n()).as(KTask.reduce(spec));
    }

    /** @return values counted by finished chunks, less those undone (a benign race while tasks run) */
    long committed() {
        return committed.sum();
    }

    /** @return chunks undone since the start, over all requests */
    long undone() {
        return undone.sum();
    }
}
