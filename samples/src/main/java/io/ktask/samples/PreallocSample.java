package io.ktask.samples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.Predicate;

import io.ktask.operators.Chunk;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskException;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;

/**
 * {@code prealloc}: fills a file chunk by chunk like {@code hugetlbfs_fallocate}, with ktask's
 * undo: each chunk journals the bytes it overwrites, and when a chunk fails ({@code --fail-at})
 * every chunk that had finished is undone, so the file ends exactly as it was (same SHA-256).
 * The sequential run fills the same chunks in a plain loop and, on the same failure, undoes what
 * it did the same way; the runs of the two alternate. Each chunk writes its own range with
 * positional writes, but all chunks write ONE file (and one journal): on most file systems
 * writes to one file are serialized by its lock and by the disk, so this sample is bound by one
 * file's I/O and shows the rollback, not a speedup.
 */
final class PreallocSample extends Sample {

    static final String NAME = "prealloc";
    /** Chunk boundaries fall on 64 KiB, a common allocation granule of file systems. */
    static final long ALIGN = 64 << 10;
    static final long MIN_CHUNK = 1 << 20;
    static final long NO_FAILURE = -1;

    PreallocSample() {
        super(NAME,
                "fill a file chunk by chunk (hugetlbfs_fallocate); --fail-at shows the rollback",
                """
                Creates a file holding --mib/2 MiB of old data and fills it to --mib MiB chunk by chunk,
                each chunk journaling the bytes it overwrites. With --fail-at K, chunk K fails (as if the disk
                were full): every chunk that had finished is undone (old bytes restored, file cut back to
                its old length), the undone chunks are listed, and the file's SHA-256 must equal the one
                from before. Without it, the content is checked. The sequential run fills the same chunks
                in a loop; the runs of the two alternate. All chunks write one file: the job is bound by
                that file's I/O (its write lock, the disk), so expect no speedup; it shows the rollback.""",
                SchedulerFactory.with(List.of(
                        Option.value("mib", "N", 256, "final file size in MiB"),
                        Option.value("fail-at", "K", null, "inject a failure into chunk K (0-based); default: none"))));
    }

    @Override
    Outcome run(CommandLine args, Console console) throws IOException {
        long bytes = args.number("mib", 1, 1 << 16) << 20;
        long failAt = args.has("fail-at") ? args.number("fail-at", 0, Long.MAX_VALUE) : NO_FAILURE;
        int runs = Timed.runs(args);
        long oldLength = bytes / 2 + 1000; // not on a chunk boundary, so undo must cut mid-chunk
        KTaskScheduler scheduler = SchedulerFactory.create("ktask-prealloc", args, null);
        Path dir = null;
        try {
            dir = Files.createTempDirectory("ktask-prealloc-");
            console.out.printf("prealloc: fill a %s file chunk by chunk over %s bytes of old data%s; %s%n",
                    Format.mib(bytes), Format.count(oldLength),
                    failAt == NO_FAILURE ? "" : ", chunk " + failAt + " fails", Timed.method(runs));
            Map<Long, long[]> layout = layout(bytes, scheduler);
            long failing = failAt < layout.size() ? failAt : NO_FAILURE;
            if (failAt != NO_FAILURE && failing == NO_FAILURE) {
                console.out.printf("  note: there are only %d chunks, so --fail-at %d injected no failure%n",
                        layout.size(), failAt);
            }
            Path sequentialFile = dir.resolve("sequential.img");
            Path ktaskFile = dir.resolve("ktask.img");
            List<Timed<List<Run>>> timed = Timed.interleaved(runs, List.<Timed.Job<Timed<Run>, IOException>>of(
                    () -> timed(sequentialRun(sequentialFile, oldLength, layout, failing, console)),
                    () -> timed(ktaskRun(ktaskFile, oldLength, bytes, failing, scheduler, console))));
            String expected = failing == NO_FAILURE ? PreallocFile.expectedSha256(bytes) : null;
            Predicate<Run> good = r -> expected != null ? r.failure == null && expected.equals(r.after) : r.rolledBack();
            return report(bytes, failing, expected, timed.get(1), timed.get(0), good, console);
        } finally {
            scheduler.dispose();
            if (dir != null) {
                Files.deleteIfExists(dir);
            }
        }
    }

    /**
     * What one run did and what the file looked like before and after.
     *
     * @param chunks index to {start, end} of every chunk that was started
     * @param finished indexes of the chunks whose fill completed, ascending
     * @param undone indexes in the order they were undone
     * @param reportedUndone what the error reported as undone (the sequential run: same as undone)
     * @param failure what failed, or null
     */
    private record Run(long nanos, Map<Long, long[]> chunks, List<Long> finished, List<Long> undone,
            List<Long> reportedUndone, String failure, String before, String after) {

        boolean rolledBack() {
            return failure != null && before.equals(after) && undone.equals(finished) && undone.equals(reportedUndone);
        }
    }

    /**
     * @return the chunks of the ktask runs, index to {start, end}: with a fixed minChunk and align
     *     the layout depends only on the size and the CPUs, so a task that only notes its chunks
     *     finds those of every run
     */
    private static Map<Long, long[]> layout(long bytes, KTaskScheduler scheduler) {
        Map<Long, long[]> layout = new TreeMap<>();
        KTask.range(0, bytes).transform(KTask.parallelize(KTaskSpec.<Long, Chunk<Long>>of(chunk -> chunk)
                        .ordered().align(ALIGN).minChunk(MIN_CHUNK).scheduler(scheduler).build()))
                .doOnNext(chunk -> layout.put(chunk.index(), new long[] {chunk.start(), chunk.end()}))
                .blockLast();
        return layout;
    }

    private static Timed<Run> timed(Run run) {
        return new Timed<>(run, run.nanos);
    }

    private static Run ktaskRun(Path path, long oldLength, long bytes, long failAt, KTaskScheduler scheduler,
            Console console) throws IOException {
        Map<Long, long[]> chunks = new ConcurrentSkipListMap<>();
        Set<Long> finished = new ConcurrentSkipListSet<>();
        List<Long> undone = new ArrayList<>(); // undos run on one thread, one at a time
        try (PreallocFile file = new PreallocFile(path, oldLength);
                ProgressBar bar = console.progress("prealloc ktask", bytes)) {
            String before = file.sha256();
            KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(chunk -> {
                        chunks.put(chunk.index(), new long[] {chunk.start(), chunk.end()});
                        failIfChosen(chunk.index(), failAt);
                        file.fill(chunk.start(), chunk.end());
                        finished.add(chunk.index());
                        return chunk.size();
                    })
                    .merge(Long::sum)
                    .undo((Chunk<Long> chunk, Long filled) -> {
                        file.undo(chunk.start(), chunk.end());
                        undone.add(chunk.index());
                    })
                    .align(ALIGN)
                    .minChunk(MIN_CHUNK)
                    .progress(bar.taskListener()) // bytes filled; after a failure it stops where the fill stopped
                    .scheduler(scheduler)
                    .build();
            long start = System.nanoTime();
            String failure = null;
            List<Long> reported = List.of();
            try {
                KTask.range(0, bytes).transform(KTask.parallelize(spec)).blockLast();
            } catch (KTaskException e) {
                failure = "chunk " + e.failedChunk() + " failed (" + e.getCause().getMessage() + ")";
                reported = e.undoneChunks();
            }
            long nanos = System.nanoTime() - start;
            return new Run(nanos, new TreeMap<>(chunks), List.copyOf(finished), undone, reported, failure, before,
                    file.sha256());
        }
    }

    /** No ktask task here, so no progress reports: the loop advances its bar by hand. */
    private static Run sequentialRun(Path path, long oldLength, Map<Long, long[]> chunks, long failAt,
            Console console) throws IOException {
        List<Long> done = new ArrayList<>();
        List<Long> undone = new ArrayList<>();
        long total = chunks.values().stream().mapToLong(c -> c[1] - c[0]).sum();
        try (PreallocFile file = new PreallocFile(path, oldLength);
                ProgressBar bar = console.progress("prealloc sequential", total)) {
            String before = file.sha256();
            long start = System.nanoTime();
            String failure = null;
            try {
                for (Map.Entry<Long, long[]> chunk : chunks.entrySet()) {
                    failIfChosen(chunk.getKey(), failAt);
                    file.fill(chunk.getValue()[0], chunk.getValue()[1]);
                    done.add(chunk.getKey());
                    bar.advance(chunk.getValue()[1] - chunk.getValue()[0]);
                }
            } catch (UncheckedIOException e) {
                failure = "chunk " + failAt + " failed (" + e.getMessage() + ")";
                for (long index : done) {
                    file.undo(chunks.get(index)[0], chunks.get(index)[1]);
                    undone.add(index);
                }
            }
            long nanos = System.nanoTime() - start;
            return new Run(nanos, chunks, done, undone, undone, failure, before, file.sha256());
        }
    }

    private static void failIfChosen(long index, long failAt) {
        if (index == failAt) {
            String message = "No space left on device (injected by --fail-at " + failAt + ")";
            throw new UncheckedIOException(message, new IOException(message));
        }
    }

    /** @return the first run that failed its check if there is one (to report it), else the last */
    private static Run shown(List<Run> runs, Predicate<Run> good) {
        return runs.stream().filter(good.negate()).findFirst()
                .orElseGet(() -> runs.get(runs.size() - 1));
    }

    private static Outcome report(long bytes, long failAt, String expected, Timed<List<Run>> ktaskRuns,
            Timed<List<Run>> sequentialRuns, Predicate<Run> good, Console console) {
        Run ktask = shown(ktaskRuns.value(), good);
        Run sequential = shown(sequentialRuns.value(), good);
        boolean ok;
        String check;
        if (failAt == NO_FAILURE) {
            ok = ktask.failure == null && sequential.failure == null
                    && expected.equals(ktask.after) && expected.equals(sequential.after);
            check = ok ? "content verified (sha256 " + expected.substring(0, 12) + "...)"
                    : "CONTENT WRONG: expected sha256 " + expected + ", ktask " + ktask.after + ", sequential "
                            + sequential.after + (ktask.failure == null ? "" : "; ktask: " + ktask.failure);
        } else {
            console.out.println("  ktask:      " + ktask.failure + "; undid chunks " + ktask.undone
                    + " (finished: " + ktask.finished + ")");
            console.out.println("  sequential: " + sequential.failure + "; undid chunks " + sequential.undone);
            ok = ktask.rolledBack() && sequential.rolledBack() && ktask.before.equals(sequential.before);
            check = ok ? "rolled back, file unchanged (sha256 " + ktask.before.substring(0, 12) + "... before and after)"
                    : "ROLLBACK INCOMPLETE: sha256 before " + ktask.before + ", after ktask " + ktask.after
                            + ", after sequential " + sequential.after + "; ktask finished " + ktask.finished
                            + ", undid " + ktask.undone + ", reported " + ktask.reportedUndone;
        }
        long sequentialNanos = sequentialRuns.nanos();
        console.out.println(Format.timing("sequential", sequentialNanos, sequentialNanos));
        console.out.println(Format.timing("ktask", ktaskRuns.nanos(), sequentialNanos) + "  (" + ktask.chunks.size()
                + " chunks " + (failAt == NO_FAILURE ? "" : "started ") + "of >= 1 MiB, aligned to 64 KiB;"
                + " one file's I/O bounds both)");
        console.out.println("  check: " + check);
        String work = Format.mib(bytes) + (failAt == NO_FAILURE ? "" : ", fail at " + failAt);
        return new Outcome(NAME, work, sequentialNanos, ktaskRuns.nanos(), ok, check);
    }
}
