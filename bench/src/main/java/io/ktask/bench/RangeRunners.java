package io.ktask.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.RecursiveTask;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.LongStream;

import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** Builds the {@link RangeRunner} of each {@link Impl} name, the way a user of that peer would write it. */
final class RangeRunners {

    private RangeRunners() {
    }

    /**
     * @param minChunk the {@code minChunk} given to {@link Impl#KTASK_MIN_CHUNK}
     * @throws IllegalArgumentException if {@code impl} is not one of {@link Impl}'s names
     */
    static RangeRunner create(String impl, RangeWork work, long minChunk) {
        switch (impl) {
            case Impl.SEQUENTIAL:
                return n -> work.range(0, n);
            case Impl.PARALLEL_STREAM:
                return n -> LongStream.range(0, n).parallel().map(work::unit).sum();
            case Impl.FORK_JOIN:
                return n -> ForkJoinPool.commonPool().invoke(
                        new SumTask(work, 0, n, Math.max(1, n / Impl.chunks())));
            case Impl.EXECUTOR:
                return new ExecutorRunner(work);
            case Impl.PARALLEL_FLUX_ELEMENTS:
                return n -> Flux.range(0, Math.toIntExact(n)).parallel().runOn(Schedulers.parallel())
                        .map(work::unit).reduce(Long::sum).block();
            case Impl.PARALLEL_FLUX_CHUNKS:
                return n -> Flux.range(0, Impl.chunks()).parallel().runOn(Schedulers.parallel())
                        .map(c -> work.range(Units.share(n, c, Impl.chunks()), Units.share(n, c + 1, Impl.chunks())))
                        .reduce(Long::sum).block();
            case Impl.KTASK:
                return ktask(KTask.parallelize(chunk -> work.range(chunk.start(), chunk.end()), Long::sum));
            case Impl.KTASK_MIN_CHUNK:
                return ktask(KTask.parallelize(KTaskSpec.<Long, Long>of(chunk -> work.range(chunk.start(), chunk.end()))
                        .merge(Long::sum).minChunk(minChunk).build()));
            default:
                throw new IllegalArgumentException("impl must be one of the names in Impl but was " + impl);
        }
    }

    /**
     * Creates the runner and {@linkplain #check checks} it over {@code [0, n)} before anything is
     * timed.
     */
    static RangeRunner createChecked(String impl, RangeWork work, long minChunk, long n) {
        return check(impl, create(impl, work, minChunk), work, n);
    }

    /**
     * Runs {@code runner} once over {@code [0, n)} and compares its result with the loop's.
     *
     * @return {@code runner}
     * @throws IllegalStateException if the results differ (the runner is closed first)
     */
    static RangeRunner check(String impl, RangeRunner runner, RangeWork work, long n) {
        long expected = work.range(0, n);
        long actual = runner.run(n);
        if (actual != expected) {
            runner.close();
            throw new IllegalStateException(impl + " computed " + actual + " but the loop computed " + expected
                    + " for n = " + n);
        }
        return runner;
    }

    /** The transformer is built once per trial; each run is one subscription, i.e. one task. */
    private static RangeRunner ktask(Function<Flux<Long>, Flux<Long>> parallelize) {
        return n -> {
            Long total = KTask.range(0, n).transform(parallelize).blockLast();
            return total == null ? 0L : total;
        };
    }

    /** Halves its range until it is at most {@code threshold} units, then runs the kernel. */
    static final class SumTask extends RecursiveTask<Long> {

        private static final long serialVersionUID = 1L;

        private final transient RangeWork work;
        private final long from;
        private final long to;
        private final long threshold;

        SumTask(RangeWork work, long from, long to, long threshold) {
            this.work = work;
            this.from = from;
            this.to = to;
            this.threshold = threshold;
        }

        @Override
        protected Long compute() {
            if (to - from <= threshold) {
                return work.range(from, to);
            }
            long mid = (from + to) >>> 1;
            SumTask left = new SumTask(work, from, mid, threshold);
            left.fork();
            long right = new SumTask(work, mid, to, threshold).compute();
            return left.join() + right;
        }
    }

    /** A fixed pool of {@code cores} threads, given {@code 4 * cores} equal chunks per run. */
    private static final class ExecutorRunner implements RangeRunner {

        private final RangeWork work;
        private final ExecutorService pool = Executors.newFixedThreadPool(Impl.cores());

        ExecutorRunner(RangeWork work) {
            this.work = work;
        }

        @Override
        public long run(long n) {
            int chunks = Impl.chunks();
            List<Callable<Long>> calls = new ArrayList<>(chunks);
            for (int c = 0; c < chunks; c++) {
                long from = Units.share(n, c, chunks);
                long to = Units.share(n, c + 1, chunks);
                calls.add(() -> work.range(from, to));
            }
            try {
                long total = 0;
                for (Future<Long> f : pool.invokeAll(calls)) {
                    total += f.get();
                }
                return total;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the chunks", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("a chunk failed", e.getCause());
            }
        }

        @Override
        public void close() {
            pool.shutdownNow();
            try {
                if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("executor threads did not end within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
