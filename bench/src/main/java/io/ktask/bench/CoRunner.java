package io.ktask.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/**
 * The other process of {@link W7PoliteUnderLoad}: busy threads at the nice value it was started
 * with (0), {@code perCpu} of them pinned to each CPU, each hashing without pause and counting
 * what it did. It answers every line read on stdin with one line {@code "<hashes so far>
 * <System.nanoTime()>"}, and exits when stdin closes or after {@code maxSeconds}, whichever
 * comes first, so it can never outlive its harness for long.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.ktask.bench.CoRunner <perCpu> <maxSeconds>}.
 * Pinning uses JNA ({@code sched_setaffinity}); where that fails the threads run unpinned and
 * the first line on stderr says why.
 */
public final class CoRunner {

    /** Hashes between two updates of a thread's counter. */
    private static final long BATCH = 1 << 14;
    /** Counter slots 16 longs (128 bytes) apart: no two threads' counters share a cache line. */
    private static final int STRIDE = 16;

    private CoRunner() {
    }

    /** The libc call that pins a thread, bound by JNA's interface mapping. */
    interface Affinity extends Library {
        int sched_setaffinity(int pid, NativeLong cpusetsize, byte[] mask);
    }

    /** Starts the threads and serves samples; see the class comment. */
    public static void main(String[] args) throws IOException {
        int perCpu = Integer.parseInt(args[0]);
        long maxNanos = Long.parseLong(args[1]) * 1_000_000_000L;
        int cpus = Runtime.getRuntime().availableProcessors();
        int threads = perCpu * cpus;
        AtomicLongArray counts = new AtomicLongArray(threads * STRIDE);
        Affinity affinity = affinity();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int slot = t * STRIDE;
            int cpu = t % cpus;
            Thread thread = new Thread(() -> {
                pin(affinity, cpu);
                long i = slot * (1L << 40);
                long sink = 0;
                for (;;) {
                    sink += Units.sumHash(i, i + BATCH);
                    i += BATCH;
                    counts.lazySet(slot, counts.get(slot) + BATCH);
                    if (sink == 42) {
                        System.err.print(""); // keeps the hashing alive
                    }
                }
            }, "corunner-" + t);
            thread.setDaemon(true);
            thread.start();
            all.add(thread);
        }
        long deadline = System.nanoTime() + maxNanos;
        Thread limit = new Thread(() -> {
            while (System.nanoTime() - deadline < 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(Math.max(1, deadline - System.nanoTime()));
            }
            System.exit(2);
        }, "corunner-limit");
        limit.setDaemon(true);
        limit.start();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (in.readLine() != null) {
            long total = 0;
            for (int t = 0; t < threads; t++) {
                total += counts.get(t * STRIDE);
            }
            System.out.println(total + " " + System.nanoTime());
            System.out.flush();
        }
        System.exit(0);
    }

    private static Affinity affinity() {
        try {
            return Native.load("c", Affinity.class);
        } catch (LinkageError e) {
            System.err.println("co-runner threads run unpinned: " + e);
            return null;
        }
    }

    private static void pin(Affinity affinity, int cpu) {
        if (affinity == null) {
            return;
        }
        byte[] mask = new byte[128];
        mask[cpu / 8] |= (byte) (1 << (cpu % 8)); // cpu_set_t on a little-endian machine
        if (affinity.sched_setaffinity(0, new NativeLong(mask.length), mask) != 0) {
            System.err.println("co-runner thread not pinned to cpu " + cpu);
        }
    }
}
