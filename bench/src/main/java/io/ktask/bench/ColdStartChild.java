package io.ktask.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.LongStream;

import io.ktask.operators.KTask;
import reactor.core.publisher.Flux;

/**
 * The program {@link ColdStart} runs in each fresh JVM: it computes the W1 hash sum over
 * {@code [0, n)} once, the way the named implementation does, and prints one line
 * {@code "result <value> <nanos from main to result> <process CPU ms>"} as soon as the result is
 * known, then exits. It loads nothing else before the result (no JMH, no report code), so the
 * time to the line is what a user's first task costs in a fresh JVM.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.ktask.bench.ColdStartChild <impl> <n>}, impl one of
 * {@code sequential}, {@code parallelStream}, {@code ktask}, or {@value #FLUX}: the loop inside the
 * least Reactor a Flux-returning API costs ({@code Flux.just(n).map(loop).blockLast()}), the floor
 * under which no Reactor operator's first use can go.
 */
public final class ColdStartChild {

    /** The Reactor floor, see the class comment. */
    static final String FLUX = "flux";

    /** USER_HZ: the unit of /proc's CPU times, 100 on every Linux architecture the JDK runs on. */
    private static final int TICKS_PER_SECOND = 100;

    private ColdStartChild() {
    }

    /** Runs one implementation once; see the class comment. */
    public static void main(String[] args) {
        long start = System.nanoTime();
        String impl = args[0];
        long n = Long.parseLong(args[1]);
        long result;
        switch (impl) {
            case Impl.SEQUENTIAL:
                result = Units.sumHash(0, n);
                break;
            case Impl.PARALLEL_STREAM:
                result = LongStream.range(0, n).parallel().map(Units::hash).sum();
                break;
            case Impl.KTASK:
                Long total = KTask.range(0, n)
                        .transform(KTask.parallelize(c -> Units.sumHash(c.start(), c.end()), Long::sum))
                        .blockLast();
                result = total == null ? 0 : total;
                break;
            case FLUX:
                Long sum = Flux.just(n).map(units -> Units.sumHash(0, units)).blockLast();
                result = sum == null ? 0 : sum;
                break;
            default:
                throw new IllegalArgumentException("impl must be sequential, parallelStream, ktask or flux but was " + impl);
        }
        long elapsed = System.nanoTime() - start;
        System.out.println("result " + result + " " + elapsed + " " + processCpuMillis());
        System.out.flush();
        // The scheduler's threads are daemons and parallel streams' pool too: exit ends them all.
        System.exit(0);
    }

    /**
     * @return user + system CPU time of this process so far, its waited-for children included
     *     (a library that forks a helper program pays for it here), in ms; -1 if unknown
     */
    static long processCpuMillis() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // Fields after the parenthesised command name start at field 3 (state): utime is
            // field 14, stime 15, cutime 16, cstime 17.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
            return ticks * 1000 / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
