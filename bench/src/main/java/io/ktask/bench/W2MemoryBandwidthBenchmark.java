package io.ktask.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * W2, memory-bound: fill 512 MiB, either a heap {@code long[]} or an off-heap direct buffer, with a
 * new value each invocation (ktask's page zeroing).
 *
 * <p>Reported as bandwidth: one JMH "operation" is one byte written
 * ({@code @OperationsPerInvocation(BYTES)}, throughput mode), so the score is bytes/s, which the
 * report tool shows as GB/s (10^9 bytes/s). A fill is ~0.1 s, so a 1 s iteration holds only ~10.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx2g", "-XX:MaxDirectMemorySize=1g", RangeBenchmark.PRE_TOUCH})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 8, time = 1)
public class W2MemoryBandwidthBenchmark {

    /** Bytes filled per invocation: 512 MiB. */
    static final int BYTES = 512 << 20;
    /** Explicit minChunk of {@link Impl#KTASK_MIN_CHUNK}: 1 MiB of longs. */
    static final long MIN_CHUNK = (1 << 20) / Long.BYTES;

    @Param({"heap", "offheap"})
    String memory;

    @Param({Impl.SEQUENTIAL, Impl.PARALLEL_STREAM, Impl.FORK_JOIN, Impl.EXECUTOR, Impl.PARALLEL_FLUX_CHUNKS,
            Impl.KTASK, Impl.KTASK_MIN_CHUNK})
    String impl;

    private FillWork work;
    private RangeRunner runner;
    private final long units = BYTES / Long.BYTES;

    /**
     * Allocates and touches the memory, then checks that one fill by the implementation wrote
     * every long.
     */
    @Setup(Level.Trial)
    public void setUp() {
        work = "heap".equals(memory) ? new HeapFill(new long[(int) units]) : new DirectFill(units);
        work.value = 1;
        work.range(0, units);
        work.value = 2;
        runner = RangeRunners.create(impl, work, MIN_CHUNK);
        runner.run(units);
        long wrong = work.countNot(2);
        if (wrong != 0) {
            runner.close();
            throw new IllegalStateException(impl + " left " + wrong + " of " + units + " longs unwritten");
        }
    }

    /** Stops the implementation's own threads (the executor's). */
    @TearDown(Level.Trial)
    public void tearDown() {
        runner.close();
    }

    /** Fills the whole buffer once with a value not written before. */
    @Benchmark
    @OperationsPerInvocation(BYTES)
    public long fillBytes() {
        work.value++;
        return runner.run(units);
    }

    /** A fill of {@code [0, n)} longs; {@link #value} is set before each run (the submission publishes it). */
    abstract static class FillWork implements RangeWork {

        long value;

        /** @return how many longs differ from {@code expected} */
        abstract long countNot(long expected);
    }

    static final class HeapFill extends FillWork {

        private final long[] a;

        HeapFill(long[] a) {
            this.a = a;
        }

        @Override
        public long unit(long i) {
            a[(int) i] = value;
            return 0;
        }

        @Override
        public long range(long from, long to) {
            Arrays.fill(a, (int) from, (int) to, value);
            return 0;
        }

        @Override
        long countNot(long expected) {
            return Arrays.stream(a).filter(x -> x != expected).count();
        }
    }

    private static final class DirectFill extends FillWork {

        private final LongBuffer buf;

        DirectFill(long units) {
            buf = ByteBuffer.allocateDirect(Math.toIntExact(units * Long.BYTES)).order(ByteOrder.nativeOrder())
                    .asLongBuffer();
        }

        @Override
        public long unit(long i) {
            buf.put((int) i, value);
            return 0;
        }

        @Override
        public long range(long from, long to) {
            long v = value;
            for (int i = (int) from; i < (int) to; i++) {
                buf.put(i, v);
            }
            return 0;
        }

        @Override
        long countNot(long expected) {
            long wrong = 0;
            for (int i = 0; i < buf.capacity(); i++) {
                wrong += buf.get(i) != expected ? 1 : 0;
            }
            return wrong;
        }
    }
}
