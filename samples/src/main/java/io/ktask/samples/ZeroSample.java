package io.ktask.samples;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import com.sun.management.HotSpotDiagnosticMXBean;

import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;

/**
 * {@code zero}: clears a large off-heap buffer, the analogue of the kernel's
 * {@code clear_gigantic_page} that ktask parallelized. Single-threaded and with ktask over the
 * buffer's byte range with chunk boundaries on 4 KiB pages ({@code align}), runs interleaved;
 * every clear starts from the same dirty buffer and is checked to leave every byte zero. Bound by
 * memory bandwidth, not CPU.
 */
final class ZeroSample extends Sample {

    static final String NAME = "zero";
    static final int PAGE = 4096;
    /** A 2 MiB huge page: the smallest chunk worth a thread hand-off for a memory clear. */
    static final long MIN_CHUNK = 2 << 20;
    private static final byte[] ZEROS = new byte[64 << 10];
    private static final byte[] DIRT = new byte[64 << 10];

    static {
        Arrays.fill(DIRT, (byte) 0x5A);
    }

    ZeroSample() {
        super(NAME,
                "clear a large off-heap buffer (clear_gigantic_page), GB/s with and without ktask",
                """
                Fills an off-heap buffer of --mib MiB with non-zero bytes and clears it, single-threaded
                and with ktask (chunks aligned to 4 KiB pages, at least 2 MiB), the runs of the two
                interleaved. Reports GB/s for both and checks that every byte is zero after every run.
                Clearing is bound by memory bandwidth: one more core adds what bandwidth it can. The
                buffer is a direct ByteBuffer, so --mib is limited by -XX:MaxDirectMemorySize (default:
                the heap).""",
                SchedulerFactory.with(List.of(Option.value("mib", "N", 1024, "buffer size in MiB (at most 2047)"))));
    }

    @Override
    Outcome run(CommandLine args, Console console) {
        long bytes = args.number("mib", 1, 2047) << 20;
        int runs = Timed.runs(args);
        KTaskScheduler scheduler = SchedulerFactory.create("ktask-zero", args, null);
        try {
            return clear(allocate(bytes), runs, scheduler, console);
        } finally {
            scheduler.dispose();
        }
    }

    private static Outcome clear(ByteBuffer buffer, int runs, KTaskScheduler scheduler, Console console) {
        long bytes = buffer.capacity();
        List<Timed<List<Cleared>>> timed = Timed.interleaved(runs, List.<Timed.Job<Timed<Cleared>, RuntimeException>>of(
                () -> clearFromDirty(buffer, () -> clearSequential(buffer, console)),
                () -> clearFromDirty(buffer, () -> clearWithKTask(buffer, scheduler, console))));
        Timed<List<Cleared>> sequential = timed.get(0);
        Timed<List<Cleared>> ktask = timed.get(1);

        Cleared badSequential = firstBad(sequential.value(), bytes);
        Cleared badKTask = firstBad(ktask.value(), bytes);
        boolean ok = badSequential == null && badKTask == null;
        console.out.printf("zero: cleared %s of off-heap memory; %s%n", Format.mib(bytes), Timed.method(runs));
        console.out.println(Format.timing("single thread", sequential.nanos(), sequential.nanos())
                + "  " + Format.gbPerSecond(bytes, sequential.nanos()));
        console.out.println(Format.timing("ktask", ktask.nanos(), sequential.nanos())
                + "  " + Format.gbPerSecond(bytes, ktask.nanos()) + "  (chunks aligned to 4 KiB pages)");
        String check = ok ? "every byte zero after every run" : "NOT ZERO: single thread " + badSequential + ", ktask "
                + badKTask;
        console.out.println("  check: " + check);
        return new Outcome(NAME, Format.mib(bytes), sequential.nanos(), ktask.nanos(), ok, check);
    }

    /**
     * What one clear did: the bytes it reports cleared, and the first byte left non-zero (-1: none).
     *
     * @param bytes the bytes the clear reports
     * @param firstDirt the offset of the first non-zero byte afterwards, or -1
     */
    private record Cleared(long bytes, long firstDirt) {
    }

    /** Dirties the buffer, times {@code clear}, then checks (untimed) that every byte is zero. */
    private static Timed<Cleared> clearFromDirty(ByteBuffer buffer, Timed.Job<Long, RuntimeException> clear) {
        fill(buffer, 0, buffer.capacity(), DIRT);
        Timed<Long> run = Timed.of(clear);
        return new Timed<>(new Cleared(run.value(), firstNonZero(buffer)), run.nanos());
    }

    /** @return the first run that left dirt or reported the wrong size, or null if none did */
    private static Cleared firstBad(List<Cleared> runs, long bytes) {
        return runs.stream().filter(c -> c.firstDirt >= 0 || c.bytes != bytes).findFirst().orElse(null);
    }

    /** No ktask task here, so no progress reports: the loop advances its bar by hand. */
    private static long clearSequential(ByteBuffer buffer, Console console) {
        try (ProgressBar bar = console.progress("zero single thread", buffer.capacity())) {
            for (long at = 0; at < buffer.capacity(); at += MIN_CHUNK) {
                long to = Math.min(buffer.capacity(), at + MIN_CHUNK);
                fill(buffer, at, to, ZEROS);
                bar.advance(to - at);
            }
        }
        return (long) buffer.capacity();
    }

    /** @return the bytes cleared, summed over the chunks */
    private static long clearWithKTask(ByteBuffer buffer, KTaskScheduler scheduler, Console console) {
        try (ProgressBar bar = console.progress("zero ktask", buffer.capacity())) {
            KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(chunk -> {
                        fill(buffer, chunk.start(), chunk.end(), ZEROS);
                        return chunk.size();
                    })
                    .merge(Long::sum)
                    .align(PAGE)
                    .minChunk(MIN_CHUNK)
                    .progress(bar.taskListener()) // units are bytes, as the bar's
                    .scheduler(scheduler)
                    .build();
            Long cleared = KTask.range(0, buffer.capacity()).transform(KTask.parallelize(spec)).blockLast();
            return cleared == null ? 0 : cleared;
        }
    }

    /**
     * Writes {@code pattern} over {@code [from, to)}. Absolute bulk puts leave the buffer's
     * position alone, so threads may fill disjoint ranges of one buffer at once.
     */
    static void fill(ByteBuffer buffer, long from, long to, byte[] pattern) {
        for (long at = from; at < to; at += pattern.length) {
            buffer.put((int) at, pattern, 0, (int) Math.min(pattern.length, to - at));
        }
    }

    /** @return the offset of the first non-zero byte (to 8 bytes), or -1 if all are zero */
    static long firstNonZero(ByteBuffer buffer) {
        int limit = buffer.capacity() & ~7;
        for (int i = 0; i < limit; i += 8) {
            if (buffer.getLong(i) != 0) {
                return i;
            }
        }
        for (int i = limit; i < buffer.capacity(); i++) {
            if (buffer.get(i) != 0) {
                return i;
            }
        }
        return -1;
    }

    private static ByteBuffer allocate(long bytes) {
        long limit = directMemoryLimit();
        String hint = "; use a smaller --mib or run java with -XX:MaxDirectMemorySize=" + ((bytes >> 30) + 1) + "g";
        if (bytes > limit) {
            throw new UsageException(NAME, "--mib " + (bytes >> 20) + " is more than the JVM's off-heap limit of "
                    + Format.mib(limit) + hint);
        }
        try {
            return ByteBuffer.allocateDirect((int) bytes);
        } catch (OutOfMemoryError e) {
            throw new UsageException(NAME, "cannot allocate " + Format.mib(bytes) + " off-heap (" + e.getMessage() + ")"
                    + hint);
        }
    }

    /** @return -XX:MaxDirectMemorySize, or its default, the maximum heap size */
    static long directMemoryLimit() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            long max = Long.parseLong(vm.getVMOption("MaxDirectMemorySize").getValue());
            return max > 0 ? max : Runtime.getRuntime().maxMemory();
        } catch (RuntimeException e) {
            return Runtime.getRuntime().maxMemory(); // not HotSpot: assume the default
        }
    }
}
