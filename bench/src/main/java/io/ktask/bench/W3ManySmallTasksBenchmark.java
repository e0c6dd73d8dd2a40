package io.ktask.bench;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.ktask.operators.KTask;
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
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * W3, many small tasks: 10 000 tasks of 1 000 hash units each (about a microsecond each). The
 * peers parallelize across the tasks (a task is their "unit"); the Reactor-native ways start each
 * task from one Flux: {@code flatMap} of {@code subscribeOn(Schedulers.parallel())}, and ours in
 * two shapes. {@code ktask} and {@code ktaskMinChunk} are {@code flatMap} of one ktask per task:
 * each tiny task runs inline (threadlets), so they measure the fixed cost of a task.
 * {@code ktaskFluxOfTasks} is the way a ktask user writes this job: the Flux of tasks is itself
 * the big job, {@code Flux.range(0, TASKS).transform(KTask.parallelize(chunk -> its tasks' sum,
 * Long::sum))}, with chunks of tasks pulled through synchronous fusion and run on the caller and
 * helpers. The total equals W1's sum at n = 10^7.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = RangeBenchmark.PRE_TOUCH)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 10, time = 1)
public class W3ManySmallTasksBenchmark {

    static final int TASKS = 10_000;
    static final long UNITS = 1_000;
    /** Explicit minChunk of {@link Impl#KTASK_MIN_CHUNK}: a quarter task, so a task may use 2 threads. */
    static final long MIN_CHUNK = UNITS / 4;
    /** {@code flatMap} of {@code subscribeOn(Schedulers.parallel())}, one scheduled task per task. */
    static final String FLAT_MAP_SUBSCRIBE_ON = "flatMapSubscribeOn";
    /** One ktask over the Flux of tasks: chunks of tasks, no {@code minChunk}. */
    static final String KTASK_FLUX_OF_TASKS = "ktaskFluxOfTasks";

    @Param({Impl.SEQUENTIAL, Impl.PARALLEL_STREAM, Impl.FORK_JOIN, Impl.EXECUTOR, Impl.PARALLEL_FLUX_ELEMENTS,
            Impl.PARALLEL_FLUX_CHUNKS, FLAT_MAP_SUBSCRIBE_ON, Impl.KTASK, Impl.KTASK_MIN_CHUNK, KTASK_FLUX_OF_TASKS})
    String impl;

    private RangeRunner runner;

    /** Builds the implementation and checks its total against the loop's before any timing. */
    @Setup(Level.Trial)
    public void setUp() {
        RangeWork tasks = new TaskWork();
        switch (impl) {
            case FLAT_MAP_SUBSCRIBE_ON:
                runner = n -> Flux.range(0, Math.toIntExact(n))
                        .flatMap(t -> Mono.fromCallable(() -> tasks.unit(t)).subscribeOn(Schedulers.parallel()))
                        .reduce(0L, Long::sum).block();
                break;
            case Impl.KTASK:
                runner = flatMapKTask(KTask.parallelize(c -> Units.sumHash(c.start(), c.end()), Long::sum));
                break;
            case Impl.KTASK_MIN_CHUNK:
                runner = flatMapKTask(KTask.parallelize(KTaskSpec.<Long, Long>of(c -> Units.sumHash(c.start(), c.end()))
                        .merge(Long::sum).minChunk(MIN_CHUNK).build()));
                break;
            case KTASK_FLUX_OF_TASKS:
                runner = fluxOfTasks(tasks);
                break;
            default:
                runner = RangeRunners.create(impl, tasks, 0);
        }
        RangeRunners.check(impl, runner, tasks, TASKS);
    }

    private static RangeRunner flatMapKTask(Function<Flux<Long>, Flux<Long>> parallelize) {
        return n -> Flux.range(0, Math.toIntExact(n))
                .flatMap(t -> KTask.range(t * UNITS, UNITS).transform(parallelize))
                .reduce(0L, Long::sum).block();
    }

    /** The transformer is built once per trial; each run is one task whose units are the tasks. */
    private static RangeRunner fluxOfTasks(RangeWork tasks) {
        Function<Flux<Integer>, Flux<Long>> parallelize = KTask.parallelize(chunk -> {
            long sum = 0;
            for (int t : chunk.items()) {
                sum += tasks.unit(t);
            }
            return sum;
        }, Long::sum);
        return n -> {
            Long total = Flux.range(0, Math.toIntExact(n)).transform(parallelize).blockLast();
            return total == null ? 0L : total;
        };
    }

    /** Stops the implementation's own threads (the executor's). */
    @TearDown(Level.Trial)
    public void tearDown() {
        runner.close();
    }

    /** @return the total of all tasks */
    @Benchmark
    public long tasks() {
        return runner.run(TASKS);
    }

    /** Unit {@code t} is task {@code t}: the hash sum of its 1 000 units. */
    static final class TaskWork implements RangeWork {

        @Override
        public long unit(long t) {
            return Units.sumHash(t * UNITS, (t + 1) * UNITS);
        }

        @Override
        public long range(long from, long to) {
            return Units.sumHash(from * UNITS, to * UNITS);
        }
    }
}
