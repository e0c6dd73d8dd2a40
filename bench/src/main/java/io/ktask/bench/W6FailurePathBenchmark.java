package io.ktask.bench;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.ktask.operators.Chunk;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskException;
import io.ktask.operators.KTaskSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * W6, the failure path: fill 2^20 longs with hashes, chunk by chunk, where the chunk holding the
 * last unit fails before writing; the score is the time until the error is signalled with every
 * finished chunk undone (zeroed). Ours gets this from {@code KTaskSpec.undo}; the peers get it
 * from {@link FailFastChunks} (skip new chunks, wait for chunks in flight, undo in order), the
 * least a user of theirs must write. Per-element ParallelFlux is left out: per-unit undo is not
 * a failure path anyone would build.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = RangeBenchmark.PRE_TOUCH)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 10, time = 1)
public class W6FailurePathBenchmark {

    static final int N = 1 << 20;
    /** Explicit minChunk of {@link Impl#KTASK_MIN_CHUNK}: 1/16 of the range. */
    static final long MIN_CHUNK = N / 16;

    @Param({Impl.SEQUENTIAL, Impl.PARALLEL_STREAM, Impl.FORK_JOIN, Impl.EXECUTOR, Impl.PARALLEL_FLUX_CHUNKS,
            Impl.KTASK, Impl.KTASK_MIN_CHUNK})
    String impl;

    private final long[] a = new long[N];
    private final int chunks = Impl.chunks();
    private ExecutorService pool;
    private Supplier<Throwable> task;

    /** Builds the implementation and checks once that it signals the error and undoes everything. */
    @Setup(Level.Trial)
    public void setUp() {
        task = create();
        Throwable signalled = task.get();
        long left = Arrays.stream(a).filter(x -> x != 0).count();
        boolean ours = impl.startsWith(Impl.KTASK);
        if (signalled == null || left != 0 || ours && !(signalled instanceof KTaskException)) {
            tearDown();
            throw new IllegalStateException(impl + " signalled " + signalled + " and left " + left
                    + " longs not undone");
        }
    }

    /** Stops the executor's threads, if this implementation has them. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    /** @return the error the implementation signalled */
    @Benchmark
    public Throwable failLastChunk() {
        return task.get();
    }

    private Supplier<Throwable> create() {
        switch (impl) {
            case Impl.SEQUENTIAL:
                return () -> peer(l -> IntStream.range(0, chunks).forEach(l::runChunk));
            case Impl.PARALLEL_STREAM:
                return () -> peer(l -> IntStream.range(0, chunks).parallel().forEach(l::runChunk));
            case Impl.FORK_JOIN:
                return () -> peer(l -> ForkJoinPool.commonPool().invoke(new ChunkAction(l, 0, chunks)));
            case Impl.EXECUTOR:
                pool = Executors.newFixedThreadPool(Impl.cores());
                return () -> peer(this::onExecutor);
            case Impl.PARALLEL_FLUX_CHUNKS:
                return () -> peer(l -> Flux.range(0, chunks).parallel().runOn(Schedulers.parallel())
                        .doOnNext(l::runChunk).sequential().then().block());
            case Impl.KTASK:
                return ktask(KTask.parallelize(spec().build()));
            case Impl.KTASK_MIN_CHUNK:
                return ktask(KTask.parallelize(spec().minChunk(MIN_CHUNK).build()));
            default:
                throw new IllegalArgumentException("impl must be one of the names in Impl but was " + impl);
        }
    }

    private KTaskSpec.Builder<Long, Long> spec() {
        return KTaskSpec.<Long, Long>of(this::fill).merge(Long::sum)
                .undo((chunk, result) -> Arrays.fill(a, (int) chunk.start(), (int) chunk.end(), 0L));
    }

    private long fill(Chunk<Long> chunk) {
        fill(chunk.start(), chunk.end());
        return chunk.size();
    }

    private void fill(long from, long to) {
        if (to == N) {
            throw new IllegalStateException("the last chunk fails");
        }
        for (int i = (int) from; i < (int) to; i++) {
            a[i] = Units.hash(i) | 1;
        }
    }

    private Supplier<Throwable> ktask(Function<Flux<Long>, Flux<Long>> parallelize) {
        return () -> {
            try {
                KTask.range(0, N).transform(parallelize).blockLast();
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        };
    }

    /** Runs the peer; its failure (thrown, or recorded for the loop) is signalled after the undo. */
    private Throwable peer(Consumer<FailFastChunks> run) {
        FailFastChunks ledger = new FailFastChunks(new FailFastChunks.Chunks() {
            @Override
            public void work(int c) {
                fill(Units.share(N, c, chunks), Units.share(N, c + 1, chunks));
            }

            @Override
            public void undo(int c) {
                Arrays.fill(a, (int) Units.share(N, c, chunks), (int) Units.share(N, c + 1, chunks), 0L);
            }
        }, chunks);
        try {
            run.accept(ledger);
            return null;
        } catch (RuntimeException e) {
            return ledger.undoAfter(e);
        }
    }

    private void onExecutor(FailFastChunks ledger) {
        List<Callable<Void>> calls = IntStream.range(0, chunks)
                .mapToObj(c -> (Callable<Void>) () -> {
                    ledger.runChunk(c);
                    return null;
                })
                .collect(Collectors.toList());
        try {
            for (Future<Void> f : pool.invokeAll(calls)) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the chunks", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a chunk failed", e.getCause());
        }
    }

    /** Splits chunk indexes down to one chunk per action. */
    private static final class ChunkAction extends RecursiveAction {

        private static final long serialVersionUID = 1L;

        private final transient FailFastChunks ledger;
        private final int from;
        private final int to;

        ChunkAction(FailFastChunks ledger, int from, int to) {
            this.ledger = ledger;
            this.from = from;
            this.to = to;
        }

        @Override
        protected void compute() {
            if (to - from == 1) {
                ledger.runChunk(from);
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new ChunkAction(ledger, from, mid), new ChunkAction(ledger, mid, to));
        }
    }
}
