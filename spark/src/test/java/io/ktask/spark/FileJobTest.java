package io.ktask.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

import io.ktask.brc.BadDataException;
import io.ktask.brc.BrcGenerator;
import io.ktask.brc.BrcParser;
import io.ktask.brc.StationTable;
import io.ktask.operators.DelimitedFile;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskException;
import io.ktask.operators.KTaskSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/**
 * Jobs over a file of records ({@link SparkKTask#reduce(Path, SparkJob)}) on Spark's local mode
 * ({@code local[2,2]}): the chunks tile the file at record starts, the result equals the local
 * run's, a failing chunk rolls back every committed one, and bad input gets a clear error.
 */
class FileJobTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @RegisterExtension
    static final LocalSpark LOCAL = new LocalSpark("ktask-file-test");

    @RegisterExtension
    final DroppedErrors dropped = new DroppedErrors();

    private static SparkKTask spark() {
        return LOCAL.spark();
    }

    @Test
    void chunksTileTheFileAtRecordStartsAndMergeInOrder() throws IOException {
        Path file = letters("letters.txt", 26 * 20); // records "abc...z": 'z' ends each
        Oracle oracle = Oracle.in(Files.createDirectory(dir.resolve("oracle")));
        Oracle.Tally result = spark().reduce(file, (byte) 'z', oracle.recordJob(8)).block(WAIT);
        oracle.assertSucceeded(result, 26 * 20, 8);
    }

    @Test
    void brcOnSparkEqualsTheLocalRunAndTheWholeFile() throws IOException {
        Path file = dir.resolve("brc.txt");
        BrcGenerator.write(file, 20_000, 300, 7, written -> { });
        StationTable onSpark = spark().reduce(file, SparkJob.ofRecords(SparkBrc.WORK).merge(SparkBrc.MERGE).chunks(7).build())
                .block(WAIT);
        try (DelimitedFile records = DelimitedFile.open(file)) {
            StationTable local = records.range().as(KTask.reduce(KTaskSpec.<Long, StationTable>of(
                            c -> SparkBrc.WORK.apply(records, c))
                    .merge(SparkBrc.MERGE).boundaries(records.boundaries()).minChunk(4096).build())).block(WAIT);
            StationTable whole = BrcParser.parse(records, 0, records.size());
            assertThat(onSpark.summaries()).hasSize(300).isEqualTo(local.summaries()).isEqualTo(whole.summaries());
            assertThat(onSpark.summaries().toString()).isEqualTo(whole.summaries().toString());
        }
    }

    @Test
    void aFailingChunkRollsBackEveryCommittedChunkOnce() throws IOException {
        Path file = letters("letters.txt", 26 * 16);
        Oracle oracle = Oracle.in(Files.createDirectory(dir.resolve("oracle"))).failing(5L);
        StepVerifier.create(spark().reduce(file, (byte) 'z', oracle.recordJob(8)))
                .expectErrorSatisfies(e -> {
                    KTaskException k = (KTaskException) e;
                    assertThat(k.failedChunk()).isEqualTo(5);
                    assertThat(k.getCause()).hasMessage("chunk 5 fails on attempt 0");
                    assertThat(k.undoneChunks()).isNotEmpty().doesNotContain(5L);
                    oracle.assertRolledBack(k);
                })
                .verify(WAIT);
    }

    @Test
    void aRecordLongerThanAChunkLeavesEmptyChunksAndTheSameResult() throws IOException {
        String text = "a\n" + "b".repeat(500) + "\nc\nd";
        Path file = Files.writeString(dir.resolve("long.txt"), text);
        SparkJob.RecordWork<String> bytes = (records, c) -> {
            StringBuilder sb = new StringBuilder();
            records.forEachWindow(c, (window, offset) -> sb.append(StandardCharsets.US_ASCII.decode(window)));
            return sb.toString();
        };
        SparkJob.RecordWork<Long> empties = (records, c) -> c.size() == 0 ? 1L : 0L;
        assertThat(spark().reduce(file, SparkJob.ofRecords(bytes).merge(String::concat).chunks(10).build()).block(WAIT))
                .isEqualTo(text);
        assertThat(spark().reduce(file, SparkJob.ofRecords(empties).merge(Long::sum).chunks(10).build()).block(WAIT))
                .as("the tentative boundaries inside the long record all move to its end").isGreaterThan(0);
    }

    @Test
    void aMalformedRecordFailsTheJobWithItsOffset() throws IOException {
        Path file = Files.writeString(dir.resolve("bad.txt"), "Abha;1.0\n".repeat(100) + "Abha;x\n" + "Abha;2.0\n".repeat(100));
        StepVerifier.create(spark().reduce(file, SparkJob.ofRecords(SparkBrc.WORK).merge(SparkBrc.MERGE).chunks(4).build()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(KTaskException.class)
                        .cause().isInstanceOf(BadDataException.class)
                        .hasMessageStartingWith("malformed line at byte 900: 'Abha;x'"))
                .verify(WAIT);
    }

    @Test
    void aMissingFileFailsBeforeAnyChunkRuns() {
        Path missing = dir.resolve("missing.txt");
        StepVerifier.create(spark().reduce(missing, SparkJob.ofRecords(SparkBrc.WORK).merge(SparkBrc.MERGE).build()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NoSuchFileException.class)
                        .hasMessageContaining(missing.toString()))
                .verify(WAIT);
    }

    @Test
    void anEmptyFileCompletesEmptyAsLocally() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.txt"));
        StepVerifier.create(spark().reduce(empty, SparkJob.ofRecords(SparkBrc.WORK).merge(SparkBrc.MERGE).build()))
                .verifyComplete();
        try (DelimitedFile records = DelimitedFile.open(empty)) {
            StepVerifier.create(records.range().as(KTask.reduce(KTaskSpec.<Long, StationTable>of(
                            c -> SparkBrc.WORK.apply(records, c))
                    .merge(SparkBrc.MERGE).boundaries(records.boundaries()).build())))
                    .verifyComplete();
        }
    }

    @Test
    void aJobMeetsOnlyItsKindOfInput() {
        SparkJob<StationTable> records = SparkJob.ofRecords(SparkBrc.WORK).merge(SparkBrc.MERGE).build();
        SparkJob<Long> range = SparkJob.<Long>of(c -> c.size()).merge(Long::sum).build();
        assertThatThrownBy(() -> spark().reduce(0, 10, records)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("job SparkJob{over records, minChunk=1, chunks=auto, undo=false} works on the records of a"
                        + " file (SparkJob.ofRecords): run it with reduce(file, job)");
        assertThatThrownBy(() -> spark().reduce(dir, range)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("job SparkJob{minChunk=1, chunks=auto, undo=false} works on a range of units");
        assertThatThrownBy(() -> spark().reduce((Path) null, records)).isInstanceOf(NullPointerException.class)
                .hasMessage("file must not be null");
        assertThatThrownBy(() -> SparkJob.ofRecords(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("work must not be null");
    }

    /** @return a file of {@code size} bytes spelling {@link Oracle#letters}: records end with 'z' */
    private Path letters(String name, int size) throws IOException {
        return Files.writeString(dir.resolve(name), Oracle.letters(0, size));
    }
}
