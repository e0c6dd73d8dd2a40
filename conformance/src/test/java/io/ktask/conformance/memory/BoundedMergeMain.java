package io.ktask.conformance.memory;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import io.ktask.conformance.TestSchedulers;
import io.ktask.operators.Chunk;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import reactor.core.publisher.Flux;

/**
 * The child JVM of {@link BoundedMergeMemoryTest}: merge mode without undo over
 * {@code Flux.range(0, n)} (read by synchronous fusion) with {@code minChunk(1)}, run once as is
 * and once with chunk 0 held back, printing one {@code <run> sum=<sum>} line per run. Meant to
 * run with a small heap: a task that kept every out-of-order result would not fit.
 */
public final class BoundedMergeMain {

    /** How long chunk 0's work waits in the delayed run: every other thread runs ahead meanwhile. */
    static final long CHUNK_ZERO_DELAY_NANOS = 200_000_000;
    static final Duration RUN_LIMIT = Duration.ofSeconds(120);

    private BoundedMergeMain() {
    }

    /** @param args the element count */
    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        // four simulated CPUs (three helpers racing the caller) even on a 2-core box: more results out of order
        KTaskScheduler scheduler = TestSchedulers.create("ktask-memory", NodeTopology.uniform(1, 4), 3);
        try {
            run("plain", n, scheduler, false);
            run("delayed", n, scheduler, true);
        } finally {
            scheduler.dispose();
        }
        System.out.println("peak heap bytes=" + peakHeap());
    }

    private static void run(String name, int n, KTaskScheduler scheduler, boolean delayChunkZero) {
        KTaskSpec<Integer, Long> spec = KTaskSpec.<Integer, Long>of(chunk -> sum(chunk, delayChunkZero))
                .merge(Long::sum)
                .minChunk(1)
                .scheduler(scheduler)
                .build();
        long began = System.nanoTime();
        Long sum = Flux.range(0, n).transform(KTask.parallelize(spec)).blockLast(RUN_LIMIT);
        System.out.println(name + " sum=" + sum + " millis=" + (System.nanoTime() - began) / 1_000_000);
    }

    private static long sum(Chunk<Integer> chunk, boolean delayChunkZero) {
        if (delayChunkZero && chunk.index() == 0) {
            LockSupport.parkNanos(CHUNK_ZERO_DELAY_NANOS); // a slow first chunk, not a synchronization
        }
        long s = 0;
        for (Integer i : chunk.items()) {
            s += i;
        }
        return s;
    }

    private static long peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }
}
