package io.ktask.samples;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;

/**
 * {@code brc}: the One Billion Row Challenge on a generated file. min/mean/max temperature per
 * station, three ways with the same parser: a sequential reader, a parallel stream over fixed
 * segments, and ktask over the file's byte range ({@code KTask.range(0, fileSize)}, chunks of at
 * least 1 MiB, each chunk owning the lines that start in it).
 */
final class BrcSample extends Sample {

    static final String NAME = "brc";
    /** ktask's minimum chunk: big enough that the per-chunk map and merge cost nothing. */
    static final long MIN_CHUNK = 1 << 20;
    /** The sequential reader and the parallel stream walk the file in segments of this size. */
    private static final long SEGMENT = 8 << 20;

    BrcSample() {
        super(NAME,
                "One Billion Row Challenge: min/mean/max per station of a generated file",
                """
                Generates --rows lines of 'station;temperature' (fixed seed) and computes min/mean/max
                per station three ways with the same parser: a sequential reader, a parallel stream, and
                ktask splitting the file's byte range into chunks moved to line ends. Checks that all
                three results are identical.""",
                SchedulerFactory.with(List.of(
                        Option.value("rows", "N", "10000000", "rows to generate"),
                        Option.value("stations", "N", 400, "distinct station names"),
                        Option.value("seed", "N", 42, "random seed of the data"),
                        Option.value("file", "PATH", null,
                                "data file: reused if it exists, else generated and kept (default: a temp file, deleted)"))));
    }

    @Override
    Outcome run(CommandLine args, Console console) throws IOException {
        long rows = args.number("rows", 1, 10_000_000_000L);
        int stations = args.intNumber("stations", 1, 10_000);
        long seed = args.number("seed", Long.MIN_VALUE, Long.MAX_VALUE);
        int runs = Timed.runs(args);
        boolean temp = !args.has("file");
        KTaskScheduler scheduler = SchedulerFactory.create("ktask-brc", args, null);
        Path file = null;
        try {
            file = temp ? Files.createTempFile("ktask-brc-", ".txt") : Path.of(args.string("file"));
            if (!temp && Files.exists(file)) {
                console.out.printf("brc: using existing %s (%s bytes); --rows, --stations and --seed are ignored%n",
                        file, Format.count(Files.size(file)));
            } else {
                generate(file, rows, stations, seed, console);
            }
            return measure(file, runs, scheduler, console);
        } finally {
            scheduler.dispose();
            if (temp && file != null) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static void generate(Path file, long rows, int stations, long seed, Console console) throws IOException {
        Timed<Long> size;
        try (ProgressBar bar = console.progress("brc generate", rows)) {
            size = Timed.of(() -> BrcGenerator.write(file, rows, stations, seed, bar));
        }
        console.out.printf("brc: generated %s rows (%s stations, seed %d), %s in %s: %s%n", Format.count(rows),
                Format.count(stations), seed, Format.mib(size.value()), Format.seconds(size.nanos()), file);
    }

    private static Outcome measure(Path file, int runs, KTaskScheduler scheduler, Console console)
            throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            BrcParser.parse(channel, size, 0, Math.min(size, SEGMENT)); // warm the parser up for all three
            Timed<StationTable> sequential = Timed.best(runs, () -> { }, () -> sequential(channel, size, console));
            Timed<StationTable> streams = Timed.best(runs, () -> { }, () -> parallelStream(channel, size, console));
            AtomicLong chunks = new AtomicLong();
            Timed<StationTable> ktask = Timed.best(runs, () -> chunks.set(0),
                    () -> ktask(channel, size, scheduler, chunks, console));

            SortedMap<String, StationSummary> expected = sequential.value().summaries();
            boolean same = expected.equals(streams.value().summaries()) && expected.equals(ktask.value().summaries());
            long rows = expected.values().stream().mapToLong(StationSummary::count).sum();
            console.out.printf("brc: min/mean/max of %s rows (%s) per station%n", Format.count(rows), Format.mib(size));
            console.out.println(Format.timing("sequential reader", sequential.nanos(), sequential.nanos()));
            console.out.println(Format.timing("parallel stream", streams.nanos(), sequential.nanos()));
            console.out.println(Format.timing("ktask", ktask.nanos(), sequential.nanos())
                    + "  (" + chunks.get() + " chunks of >= 1 MiB, cut at line ends)");
            String check = same ? "identical for " + expected.size() + " stations" : "RESULTS DIFFER";
            console.out.println("  results: " + check);
            console.out.println("  " + expected.entrySet().stream().limit(3).map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(", ", "{", expected.size() > 3 ? ", ...}" : "}")));
            return new Outcome(NAME, Format.count(rows) + " rows", sequential.nanos(), ktask.nanos(), same, check);
        }
    }

    private static StationTable sequential(FileChannel channel, long size, Console console) {
        StationTable table = new StationTable();
        try (ProgressBar bar = console.progress("brc sequential", size)) {
            for (long from = 0; from < size; from += SEGMENT) {
                long to = Math.min(size, from + SEGMENT);
                table.mergeInto(BrcParser.parse(channel, size, from, to));
                bar.advance(to - from);
            }
        }
        return table;
    }

    private static StationTable parallelStream(FileChannel channel, long size, Console console) {
        try (ProgressBar bar = console.progress("brc parallel stream", size)) {
            return LongStream.range(0, (size + SEGMENT - 1) / SEGMENT).parallel()
                    .mapToObj(i -> {
                        long to = Math.min(size, (i + 1) * SEGMENT);
                        StationTable table = BrcParser.parse(channel, size, i * SEGMENT, to);
                        bar.advance(to - i * SEGMENT);
                        return table;
                    })
                    .reduce(StationTable::mergeInto)
                    .orElseGet(StationTable::new);
        }
    }

    private static StationTable ktask(FileChannel channel, long size, KTaskScheduler scheduler, AtomicLong chunks,
            Console console) {
        try (ProgressBar bar = console.progress("brc ktask", size)) {
            KTaskSpec<Long, StationTable> spec = KTaskSpec.<Long, StationTable>of(chunk -> {
                        StationTable table = BrcParser.parse(channel, size, chunk.start(), chunk.end());
                        chunks.incrementAndGet();
                        bar.advance(chunk.size());
                        return table;
                    })
                    .merge(StationTable::mergeInto)
                    .minChunk(MIN_CHUNK)
                    .scheduler(scheduler)
                    .build();
            StationTable table = KTask.range(0, size).transform(KTask.parallelize(spec)).blockLast();
            return table == null ? new StationTable() : table; // an empty file has no chunk
        }
    }
}
