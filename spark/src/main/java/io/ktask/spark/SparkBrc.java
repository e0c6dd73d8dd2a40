package io.ktask.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SortedMap;

import io.ktask.brc.BrcGenerator;
import io.ktask.brc.BrcParser;
import io.ktask.brc.StationSummary;
import io.ktask.brc.StationTable;
import io.ktask.operators.DelimitedFile;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskSpec;
import reactor.core.publisher.Mono;

/**
 * The sample's {@code --job brc}: the One Billion Row Challenge (min/mean/max per station of a
 * file of {@code station;temperature} lines) with ktask in this JVM and on Spark, one work
 * function for both: {@link BrcParser} (module {@code ktask-brc}, the {@code brc} sample's own
 * parser) fills a {@link StationTable} from one chunk's records, and the tables merge in chunk
 * order. Locally the chunks are cut by {@link DelimitedFile#boundaries()}; on Spark, by the same
 * cut ({@link SparkKTask#reduce(Path, SparkJob)}). Each engine prints its time and size; the
 * last line is the challenge's output, e.g. {@code {Abha=-23.0/18.0/59.2, ...}}.
 */
final class SparkBrc {

    /** The {@code brc} sample's minimum chunk, in bytes. */
    static final long MIN_CHUNK = 1 << 20;
    /** The brc sample's generated file: stations and seed (its defaults). */
    static final int STATIONS = 400;
    static final long SEED = 42;

    static final SparkJob.RecordWork<StationTable> WORK = (file, chunk) -> BrcParser.parse(file, chunk.start(), chunk.end());
    static final SparkJob.Merge<StationTable> MERGE = StationTable::mergeInto;

    private SparkBrc() {
    }

    /**
     * Runs brc over {@code file}, or over a generated temporary file of {@code rows} lines (deleted
     * afterwards) when it is null.
     */
    static void run(String engine, String master, Path file, long rows, int runs, PrintStream console) throws Exception {
        Path path = file != null ? file : Files.createTempFile("ktask-brc-", ".txt");
        try {
            if (file == null) {
                long bytes = BrcGenerator.write(path, rows, STATIONS, SEED, written -> { });
                console.printf(Locale.ROOT, "brc: generated %,d rows (%d stations, seed %d), %,d bytes: %s%n",
                        rows, STATIONS, SEED, bytes, path);
            }
            run(engine, master, path, runs, console);
        } finally {
            if (file == null) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static void run(String engine, String master, Path path, int runs, PrintStream console) throws Exception {
        console.printf(Locale.ROOT, "brc: min/mean/max per station of %s (%,d bytes), chunks cut at line ends%n",
                path, Files.size(path));
        String ktask = null;
        String spark = null;
        if (!engine.equals("spark")) {
            try (DelimitedFile records = DelimitedFile.open(path)) {
                Mono<StationTable> local = records.range().as(KTask.reduce(KTaskSpec.<Long, StationTable>of(
                                chunk -> WORK.apply(records, chunk))
                        .merge(MERGE).boundaries(records.boundaries()).minChunk(MIN_CHUNK).build()));
                ktask = report(SparkSample.localLabel(), runs, local, console);
            }
        }
        if (!engine.equals("ktask")) {
            try (SparkKTask engineOnSpark = SparkSample.start(master, "ktask-brc", console)) {
                Mono<StationTable> remote = engineOnSpark.reduce(path,
                        SparkJob.ofRecords(WORK).merge(MERGE).minChunk(MIN_CHUNK).build());
                spark = report(SparkSample.sparkLabel(master), runs, remote, console);
            }
        }
        SparkSample.check(ktask, spark, console);
        String last = spark != null ? spark : ktask;
        if (!last.startsWith(SparkSample.FAILED)) {
            console.println(last); // the challenge's output, as the brc sample prints it
        }
    }

    /** Runs the job; prints the best time, the rows and stations (or the failure); returns the result. */
    private static String report(String label, int runs, Mono<StationTable> job, PrintStream console) throws Exception {
        long[] size = new long[2]; // rows, stations
        SparkSample.Timing timing = SparkSample.time(runs, () -> {
            SortedMap<String, StationSummary> result = job.blockOptional().orElseGet(StationTable::new).summaries();
            size[0] = result.values().stream().mapToLong(StationSummary::count).sum();
            size[1] = result.size();
            return result.toString(); // a TreeMap prints as the challenge does: {name=min/mean/max, ...}
        });
        console.printf(Locale.ROOT, "%-32s %8.3f s  %s%n", label, timing.nanos() / 1e9, timing.failed() ? timing.result()
                : String.format(Locale.ROOT, "%,d rows, %,d stations", size[0], size[1]));
        return timing.result();
    }
}
