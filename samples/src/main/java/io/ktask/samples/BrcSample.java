package io.ktask.samples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;

import io.ktask.brc.BadDataException;
import io.ktask.brc.BrcGenerator;
import io.ktask.brc.BrcParser;
import io.ktask.brc.StationSummary;
import io.ktask.brc.StationTable;
import io.ktask.operators.DelimitedFile;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskException;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;

/**
 * {@code brc}: the One Billion Row Challenge. min/mean/max temperature per station of a file of
 * {@code station;temperature} lines, printed exactly as the challenge prints it. The file's byte
 * range is cut into chunks at line ends by {@link DelimitedFile}'s ready-made cut; each chunk
 * fills its own {@link StationTable} and the tables are merged in chunk order. The same chunks
 * are computed three ways: a plain loop on one thread, a parallel stream, and ktask.
 */
final class BrcSample extends Sample {

    static final String NAME = "brc";
    /** ktask's minimum chunk, in bytes: per-chunk table and merge are then noise. */
    static final long MIN_CHUNK = 1 << 20;

    BrcSample() {
        super(NAME,
                "One Billion Row Challenge: min/mean/max per station of a file of 'station;temperature' lines",
                """
                Computes min/mean/max per station of a file in the One Billion Row Challenge format and
                prints it as the challenge does ({Abha=-23.0/18.0/59.2, ...}, as the last line). The
                file's bytes are cut into chunks at line ends (DelimitedFile's boundaries cut); the same
                chunks are computed by a plain loop on one thread, a parallel stream and ktask, and the
                three results must be identical. --file reads an existing file; with --generate it is
                written first (--rows, --stations, --seed); without --file a generated temporary file
                is used and deleted.""",
                SchedulerFactory.with(List.of(
                        Option.value("file", "PATH", null, "the input file (default: a generated temporary file)"),
                        Option.flag("generate", "write --file first: --rows lines over --stations stations (fixed --seed)"),
                        Option.value("rows", "N", "10000000", "rows to generate"),
                        Option.value("stations", "N", 400, "distinct station names to generate, 1..10000"),
                        Option.value("seed", "N", 42, "random seed of the generated data"))));
    }

    @Override
    Outcome run(CommandLine args, Console console) throws IOException {
        long rows = args.number("rows", 1, 10_000_000_000L);
        int stations = args.intNumber("stations", 1, 10_000);
        long seed = args.number("seed", Long.MIN_VALUE, Long.MAX_VALUE);
        int runs = Timed.runs(args);
        boolean given = args.has("file");
        boolean generate = args.flag("generate");
        if (generate && !given) {
            throw new UsageException(NAME, "--generate needs --file PATH: where to write the data");
        }
        Path path = given ? Path.of(args.string("file")) : null;
        if (given && !generate && !Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such file (add --generate to write one there)");
        }
        KTaskScheduler scheduler = SchedulerFactory.create("ktask-brc", args, null);
        try {
            if (!given) {
                path = Files.createTempFile("ktask-brc-", ".txt");
            }
            if (generate || !given) {
                generate(path, rows, stations, seed, console);
            }
            try (DelimitedFile file = DelimitedFile.open(path)) {
                return measure(file, runs, scheduler, console);
            }
        } finally {
            scheduler.dispose();
            if (!given && path != null) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static void generate(Path file, long rows, int stations, long seed, Console console) throws IOException {
        Timed<Long> size;
        try (ProgressBar bar = console.progress("brc generate", rows)) {
            size = Timed.of(() -> BrcGenerator.write(file, rows, stations, seed, bar::advance));
        }
        console.out.printf("brc: generated %s rows (%s stations, seed %d), %s in %s: %s%n", Format.count(rows),
                Format.count(stations), seed, Format.mib(size.value()), Format.seconds(size.nanos()), file);
    }

    private static Outcome measure(DelimitedFile file, int runs, KTaskScheduler scheduler, Console console) {
        List<long[]> chunks;
        List<Timed<List<StationTable>>> timed;
        try {
            chunks = ktaskChunks(file, scheduler);
            timed = Timed.interleaved(runs, List.<Timed.Job<Timed<StationTable>, RuntimeException>>of(
                    () -> Timed.of(() -> oneThread(file, chunks, console)),
                    () -> Timed.of(() -> parallelStream(file, chunks, console)),
                    () -> Timed.of(() -> ktask(file, scheduler, console))));
        } catch (KTaskException e) {
            throw unwrapped(e);
        }
        Timed<List<StationTable>> loop = timed.get(0);
        SortedMap<String, StationSummary> result = loop.value().get(0).summaries();
        boolean same = timed.stream().flatMap(t -> t.value().stream()).allMatch(t -> result.equals(t.summaries()));
        long rows = result.values().stream().mapToLong(StationSummary::count).sum();
        console.out.printf("brc: min/mean/max per station of %s rows (%s) in %d chunks cut at line ends (minChunk 1 MiB);"
                + " %s%n", Format.count(rows), Format.mib(file.size()), chunks.size(), Timed.method(runs));
        console.out.println(Format.timing("one thread", loop.nanos(), loop.nanos()));
        console.out.println(Format.timing("parallel stream", timed.get(1).nanos(), loop.nanos()));
        console.out.println(Format.timing("ktask", timed.get(2).nanos(), loop.nanos()));
        String check = same ? "identical for " + Format.count(result.size()) + " stations" : "RESULTS DIFFER";
        console.out.println("  results: " + check);
        console.out.println(result); // the challenge's output: a TreeMap prints as {name=min/mean/max, ...}
        return new Outcome(NAME, Format.count(rows) + " rows", loop.nanos(), timed.get(2).nanos(), same, check);
    }

    /**
     * @return the chunks ktask cuts the file into, as {start, end} byte offsets in chunk order.
     *     With a fixed {@code minChunk} the layout depends only on the file's size and the CPUs,
     *     so a task that only notes its chunks finds those of every timed run.
     */
    private static List<long[]> ktaskChunks(DelimitedFile file, KTaskScheduler scheduler) {
        return file.range().transform(KTask.parallelize(KTaskSpec.<Long, long[]>of(c -> new long[] {c.start(), c.end()})
                .ordered().minChunk(MIN_CHUNK).boundaries(file.boundaries()).scheduler(scheduler).build()))
                .collectList().block();
    }

    // The one-thread and parallel-stream versions have no progress reports: they advance their
    // bars by hand, chunk by chunk. The ktask version's bar is fed by its task's reports.

    private static StationTable oneThread(DelimitedFile file, List<long[]> chunks, Console console) {
        StationTable table = new StationTable();
        try (ProgressBar bar = console.progress("brc one thread", file.size())) {
            for (long[] chunk : chunks) {
                table.mergeInto(parseCounted(file, chunk, bar));
            }
        }
        return table;
    }

    private static StationTable parallelStream(DelimitedFile file, List<long[]> chunks, Console console) {
        try (ProgressBar bar = console.progress("brc parallel stream", file.size())) {
            return chunks.parallelStream()
                    .map(chunk -> parseCounted(file, chunk, bar))
                    .reduce(StationTable::mergeInto) // each table is one chunk's own: merging into it is safe
                    .orElseGet(StationTable::new);
        }
    }

    private static StationTable ktask(DelimitedFile file, KTaskScheduler scheduler, Console console) {
        try (ProgressBar bar = console.progress("brc ktask", file.size())) {
            KTaskSpec<Long, StationTable> spec = KTaskSpec.<Long, StationTable>of(
                            chunk -> BrcParser.parse(file, chunk.start(), chunk.end()))
                    .merge(StationTable::mergeInto)
                    .boundaries(file.boundaries())
                    .minChunk(MIN_CHUNK)
                    .progress(bar.taskListener()) // units are bytes, as the bar's
                    .scheduler(scheduler)
                    .build();
            return file.range().as(KTask.reduce(spec)).blockOptional().orElseGet(StationTable::new); // empty file: no chunk
        }
    }

    private static StationTable parseCounted(DelimitedFile file, long[] chunk, ProgressBar bar) {
        StationTable table = BrcParser.parse(file, chunk[0], chunk[1]);
        bar.advance(chunk[1] - chunk[0]);
        return table;
    }

    /** @return the failure of a chunk as itself when Main reports it clearly (bad data, I/O), else the task's error */
    private static RuntimeException unwrapped(KTaskException e) {
        if (e.getCause() instanceof BadDataException || e.getCause() instanceof UncheckedIOException) {
            return (RuntimeException) e.getCause();
        }
        return e;
    }
}
