package io.ktask.bench;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The shape of W1 and W4: every {@link Impl} computes one {@link RangeWork} over {@code [0, n)};
 * the runner is built and checked against the loop once per trial. Subclasses add the
 * implementation and size parameters, the time unit and the {@code @Benchmark} method.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@Fork(value = 1, jvmArgsAppend = RangeBenchmark.PRE_TOUCH)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 10, time = 1)
public abstract class RangeBenchmark {

    /**
     * The fork option every benchmark of the suite runs with, whatever the implementation: the
     * heap is touched when the JVM starts. Without it a fork's first pass through its young
     * generation (~230 MB with the default heap of this 24 GiB machine) page-faults on every new
     * 4 KB page, 5-10 us each on this VM, for whichever side allocates: a ktask task of 10^4 units
     * (776 B a task) took 8.7 us on average for its first 3 s and 6.8 us after, the loop (no
     * allocation) 7.4 us throughout; at 3x10^4 units the faults lasted from 3 to 7 s into the
     * fork, past any warm-up of the sweep. A long-running JVM has touched its heap after its
     * first collections; the cold start of a fresh one is {@link ColdStart}'s.
     */
    static final String PRE_TOUCH = "-XX:+AlwaysPreTouch";

    /** The implementation under test, built in {@link #setUp()}. */
    RangeRunner runner;

    /** @return the {@link Impl} name under test, the subclass's {@code impl} parameter */
    abstract String impl();

    /** @return the work of this workload, for a range of {@link #size()} units */
    abstract RangeWork work();

    /** @return the number of units, the subclass's size parameter */
    abstract long size();

    /** @return the {@code minChunk} of {@link Impl#KTASK_MIN_CHUNK} for this workload */
    abstract long minChunk();

    /** Builds the implementation and checks its sum against the loop's before any timing. */
    @Setup(Level.Trial)
    public void setUp() {
        runner = RangeRunners.createChecked(impl(), work(), minChunk(), size());
    }

    /** Stops the implementation's own threads (the executor's). */
    @TearDown(Level.Trial)
    public void tearDown() {
        runner.close();
    }
}
