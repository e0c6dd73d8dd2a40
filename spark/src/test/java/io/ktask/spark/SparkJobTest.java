package io.ktask.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.IntStream;

import io.ktask.operators.DelimitedFile;
import io.ktask.operators.KTaskException;
import io.ktask.operators.UndoFailedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Assembly-time checks of jobs, of the engine's builder and of the chunk plan; no Spark runs. */
class SparkJobTest {

    private static final SparkJob.Work<Long> SIZE = c -> c.size();

    @TempDir
    Path dir;

    @Test
    void setterCalledTwiceNamesTheSettingAndItsValue() {
        SparkJob.Builder<Long> b = SparkJob.of(SIZE).merge(Long::sum).minChunk(5).chunks(3).undo((c, r) -> { });
        assertThatThrownBy(() -> b.minChunk(6)).isInstanceOf(IllegalStateException.class)
                .hasMessage("minChunk was already set to 5");
        assertThatThrownBy(() -> b.chunks(4)).isInstanceOf(IllegalStateException.class)
                .hasMessage("chunks was already set to 3");
        assertThatThrownBy(() -> b.merge(Long::max)).isInstanceOf(IllegalStateException.class)
                .hasMessage("merge was already set to a function");
        assertThatThrownBy(() -> b.undo((c, r) -> { })).isInstanceOf(IllegalStateException.class)
                .hasMessage("undo was already set to a function");
        assertThat(b.build()).hasToString("SparkJob{minChunk=5, chunks=3, undo=true}");
    }

    @Test
    void badArgumentsAreRejectedWithTheirValue() {
        assertThatThrownBy(() -> SparkJob.of(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("work must not be null");
        assertThatThrownBy(() -> SparkJob.of(SIZE).minChunk(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("minChunk must be >= 1 but was 0");
        assertThatThrownBy(() -> SparkJob.of(SIZE).chunks(-2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chunks must be >= 1 but was -2");
        assertThatThrownBy(() -> SparkJob.of(SIZE).merge(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("merge must not be null");
        assertThatThrownBy(() -> SparkJob.of(SIZE).build()).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("merge was not set");
    }

    @Test
    void aFunctionThatCapturesSomethingUnserializableFailsAtAssembly() {
        Object notSerializable = new Object();
        assertThatThrownBy(() -> SparkJob.<Long>of(c -> (long) notSerializable.hashCode()).merge(Long::sum).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("work must be serializable but was")
                .hasMessageContaining("java.lang.Object");
    }

    @Test
    void thePlanCutsTheRangeIntoChunksOfAtLeastMinChunk() {
        ChunkPlan plan = ChunkPlan.of(10, 25, 1, 4);
        assertThat(plan.chunks).isEqualTo(4);
        assertThat(List.of(plan.chunk(0), plan.chunk(3))).extracting(Object::toString)
                .containsExactly("chunk 0 [10, 17)", "chunk 3 [31, 35)");
        assertThat(ChunkPlan.of(0, 25, 10, 4).chunks).isEqualTo(3);
        assertThat(ChunkPlan.of(0, 3, 1, 8).chunks).as("never more chunks than units").isEqualTo(3);
        RangeChunk c = ChunkPlan.of(5, 3, 1, 1).chunk(0);
        assertThat(c.items()).containsExactly(5L, 6L, 7L);
        assertThat(c.size()).isEqualTo(3);
        assertThat(c.node()).isZero();
        assertThat(c.contextView().isEmpty()).isTrue();
    }

    @Test
    void aFilePlanMovesEveryBoundaryWithTheLocalCut() throws IOException {
        Path file = Files.writeString(dir.resolve("lines.txt"), "aa\nbbbbbbbbbb\nc\ndd\n"); // 19 bytes
        ChunkPlan plan = RecordFile.plan(file, (byte) '\n', 1, 5); // tentative chunks of 4: boundaries 4, 8, 12, 16
        assertThat(IntStream.range(0, plan.chunks).mapToObj(plan::chunk)).extracting(Object::toString)
                .containsExactly("chunk 0 [0, 14)", "chunk 1 [14, 14)", "chunk 2 [14, 14)", "chunk 3 [14, 16)",
                        "chunk 4 [16, 19)");
        try (DelimitedFile local = DelimitedFile.open(file)) {
            for (int i = 1; i < plan.chunks; i++) {
                assertThat(plan.chunk(i).start()).as("boundary %d", i).isEqualTo(local.boundaries().applyAsLong(4L * i));
            }
        }
        assertThat(plan.toString()).isEqualTo("5 chunks of 4 from 0 (19 units of " + file.toAbsolutePath()
                + ", cut at record starts)");
        assertThat(RecordFile.plan(Files.createFile(dir.resolve("empty.txt")), (byte) '\n', 1, 5).chunks).isZero();
    }

    @Test
    void anAttemptThatFindsAnotherFileFailsItsChunkAndSaysWhy() throws IOException {
        Path file = Files.writeString(dir.resolve("lines.txt"), "a\nb\n");
        ChunkPlan plan = RecordFile.plan(file, (byte) '\n', 1, 2);
        Files.writeString(file, "c\n", StandardOpenOption.APPEND);
        SparkJob<Long> job = SparkJob.<Long>ofRecords((f, c) -> f.size()).merge(Long::sum).build();
        assertThatThrownBy(() -> job.compute(plan, plan.chunk(1))).isInstanceOf(UncheckedIOException.class)
                .hasMessage("cannot read chunk 1 [2, 4): " + file.toAbsolutePath()
                        + " has 6 bytes here but had 4 on the driver: the file must not change during the job and must"
                        + " be the same file at this path on every executor (a shared filesystem)");
        Files.delete(file);
        assertThatThrownBy(() -> job.compute(plan, plan.chunk(0))).isInstanceOf(UncheckedIOException.class)
                .hasMessage("cannot read chunk 0 [0, 2): " + file.toAbsolutePath() + ": no such file here, though the"
                        + " driver read it: the file must be readable at the same path on every executor (a shared filesystem)");
    }

    @Test
    void engineBuilderSettersAreSetOnceAndCheckTheirArguments() {
        SparkKTask.Builder b = SparkKTask.builder().master("local[2]").appName("a").conf("spark.x", "1")
                .drainTimeoutMillis(5);
        assertThatThrownBy(() -> b.master("local[3]")).isInstanceOf(IllegalStateException.class)
                .hasMessage("master was already set to local[2]");
        assertThatThrownBy(() -> b.appName("b")).isInstanceOf(IllegalStateException.class)
                .hasMessage("appName was already set to a");
        assertThatThrownBy(() -> b.conf("spark.x", "2")).isInstanceOf(IllegalStateException.class)
                .hasMessage("conf spark.x was already set to 1");
        assertThatThrownBy(() -> b.drainTimeoutMillis(6)).isInstanceOf(IllegalStateException.class)
                .hasMessage("drainTimeoutMillis was already set to 5");
        assertThatThrownBy(() -> SparkKTask.builder().master(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("master must not be blank but was ' '");
        assertThatThrownBy(() -> SparkKTask.builder().conf("", "v")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("conf key must not be blank but was ''");
        assertThatThrownBy(() -> SparkKTask.builder().conf("k", null)).isInstanceOf(NullPointerException.class)
                .hasMessage("conf value of k must not be null");
        assertThatThrownBy(() -> SparkKTask.builder().drainTimeoutMillis(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("drainTimeoutMillis must be >= 1 but was 0");
    }

    @Test
    void aLocalMasterListensOnLoopbackOnlyUnlessConfiguredOtherwise() {
        var local = SparkKTask.builder().sparkConf().getAll();
        assertThat(List.of(local)).extracting(t -> t._1() + "=" + t._2())
                .contains("spark.master=local[*]", "spark.driver.host=127.0.0.1", "spark.driver.bindAddress=127.0.0.1",
                        "spark.ui.enabled=false");
        var cluster = SparkKTask.builder().master("spark://example:7077").sparkConf();
        assertThat(cluster.contains("spark.driver.host")).isFalse();
        var overridden = SparkKTask.builder().master("local[1]").conf("spark.ui.enabled", "true").sparkConf();
        assertThat(overridden.get("spark.ui.enabled")).isEqualTo("true");
    }

    @Test
    void ktaskExceptionAndUndoFailedExceptionFactories() {
        RangeChunk chunk = ChunkPlan.of(0, 40, 1, 4).chunk(3);
        KTaskException e = KTaskException.of(new IllegalStateException("boom"), chunk, List.of(0L, 1L));
        assertThat(e).hasMessage("chunk 3 [30, 40) failed (java.lang.IllegalStateException: boom); undone chunks: 0-1 (2 chunks)");
        assertThat(e.failedChunk()).isEqualTo(3);
        assertThat(e.undoneChunks()).containsExactly(0L, 1L);
        assertThat(KTaskException.of(new RuntimeException("x"), null, List.of()).failedChunk()).isEqualTo(KTaskException.NO_CHUNK);
        assertThatThrownBy(() -> KTaskException.of(null, chunk, List.of())).isInstanceOf(NullPointerException.class)
                .hasMessage("cause must not be null");
        UndoFailedException u = UndoFailedException.of(chunk, new IllegalStateException("no"));
        assertThat(u).hasMessage("undo of chunk 3 [30, 40) failed: java.lang.IllegalStateException: no");
        assertThat(List.of(u.chunkIndex(), u.start(), u.end())).containsExactly(3L, 30L, 40L);
        assertThatThrownBy(() -> UndoFailedException.of(chunk, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("cause must not be null");
    }
}
