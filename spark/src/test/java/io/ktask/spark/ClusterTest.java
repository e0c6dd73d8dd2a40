package io.ktask.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.ktask.brc.BrcGenerator;
import io.ktask.brc.BrcParser;
import io.ktask.brc.StationTable;
import io.ktask.operators.DelimitedFile;
import io.ktask.operators.KTaskException;
import io.ktask.operators.UndoFailedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/**
 * The engine on a real multi-process cluster on this machine: Spark's {@code local-cluster[2,1,512]}
 * master runs a standalone master and two workers in this JVM, and each worker launches an
 * executor JVM of its own (1 core, 512 MiB), all on 127.0.0.1 ({@code SPARK_LOCAL_IP}, set by the
 * build). The oracle's files are the shared state that the driver and both executors see. The
 * executor-kill test runs last: it costs a replacement executor.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {

    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final String[] TEST_PROPERTIES = {"spark.testing", "spark.test.home"};
    private static final Properties saved = new Properties();
    private static SparkKTask spark;

    @TempDir
    static Path sparkHome;

    @TempDir
    Path dir;

    @RegisterExtension
    final DroppedErrors dropped = new DroppedErrors();

    @BeforeAll
    static void startCluster() throws IOException {
        // local-cluster is Spark's own multi-process test master: its workers build executor
        // command lines in "testing" mode, which needs a Spark home that looks built.
        Files.createDirectories(sparkHome.resolve("launcher/target/scala-2.13"));
        for (String key : TEST_PROPERTIES) {
            if (System.getProperty(key) != null) {
                saved.setProperty(key, System.getProperty(key));
            }
        }
        System.setProperty("spark.testing", "1");
        System.setProperty("spark.test.home", sparkHome.toString());
        spark = SparkKTask.builder()
                .master("local-cluster[2,1,512]")
                .appName("ktask-cluster-test")
                .conf("spark.executor.memory", "512m")
                .conf("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .build();
    }

    @AfterAll
    static void stopCluster() {
        try {
            if (spark != null) {
                spark.close();
            }
        } finally {
            for (String key : TEST_PROPERTIES) {
                if (saved.containsKey(key)) {
                    System.setProperty(key, saved.getProperty(key));
                } else {
                    System.clearProperty(key);
                }
            }
        }
    }

    @Test
    @Order(1)
    void chunksRunInSeveralExecutorJvmsAndMergeInOrder() {
        Oracle oracle = Oracle.in(dir);
        Oracle.Tally result = spark.reduce(0, 64, oracle.job(8)).block(WAIT);
        oracle.assertSucceeded(result, 64, 8);
        assertThat(pids()).as("work ran outside the driver, in more than one executor JVM")
                .doesNotContain(ProcessHandle.current().pid()).hasSizeGreaterThan(1);
    }

    @Test
    @Order(2)
    void aFailingChunkRollsBackChunksCommittedInEveryExecutor() {
        Oracle oracle = Oracle.in(dir).failing(6L);
        StepVerifier.create(spark.reduce(0, 16, oracle.job(8)))
                .expectErrorSatisfies(e -> {
                    KTaskException k = (KTaskException) e;
                    assertThat(k.failedChunk()).isEqualTo(6);
                    assertThat(k.getCause()).hasMessageStartingWith("chunk 6 fails on attempt");
                    assertThat(k.getSuppressed()).as("later failures of chunk 6, then Spark's verdict")
                            .filteredOn(s -> s.getMessage().startsWith("chunk 6 fails")).hasSize(3);
                    oracle.assertRolledBack(k);
                    assertThat(k.undoneChunks()).isNotEmpty().doesNotContain(6L);
                })
                .verify(WAIT);
    }

    @Test
    @Order(3)
    void aFailingUndoIsReportedAndTheOtherUndosStillRun() {
        Oracle oracle = Oracle.in(dir).failing(7L).failingUndo(0L);
        StepVerifier.create(spark.reduce(0, 8, oracle.job(8)))
                .expectErrorSatisfies(e -> {
                    KTaskException k = (KTaskException) e;
                    assertThat(k.getSuppressed()).anySatisfy(s -> assertThat(s).isInstanceOf(UndoFailedException.class)
                            .hasMessageStartingWith("undo of chunk 0 [0, 1) failed")
                            .hasRootCauseMessage("undo of chunk 0 fails"));
                    assertThat(k.undoneChunks()).doesNotContain(0L, 7L);
                    oracle.assertRolledBack(k);
                })
                .verify(WAIT);
    }

    @Test
    @Order(4)
    void retriesSaveAFlakyChunk() {
        Oracle oracle = Oracle.in(dir).flaky(2L, 5L);
        Oracle.Tally result = spark.reduce(0, 30, oracle.job(6)).block(WAIT);
        oracle.assertSucceeded(result, 30, 6);
    }

    @Test
    @Order(5)
    void twoAttemptsOfOneChunkInTwoExecutorJvmsCommitOnceAndTheLoserUndoesItself() {
        // Speculative copies never share a host, so one machine cannot make Spark speculate:
        // run the same chunk as two tasks instead, which is what a speculative copy is.
        Oracle oracle = Oracle.in(dir);
        ChunkPlan plan = ChunkPlan.of(0, 4, 1, 4);
        Ledger ledger = spark.server().open(plan, getClass().getClassLoader());
        try {
            ChunkAttempt<Oracle.Tally> attempt = new ChunkAttempt<>(oracle.job(4), plan, ledger.token,
                    new CommitClient(spark.server().host(), spark.server().port(), 30_000));
            spark.context().parallelize(List.of(2, 2), 2).foreachPartition(attempt);
        } finally {
            ledger.close();
            spark.server().remove(ledger);
        }
        Oracle.Tally winner = (Oracle.Tally) ledger.snapshot().results()[2];
        Oracle.State s = oracle.read();
        assertThat(s.effects()).as("both attempts ran the work").hasSize(2).containsAll(winner.effects());
        assertThat(pids()).as("in two executor JVMs").hasSize(2);
        Set<String> losers = new TreeSet<>(s.effects());
        losers.removeAll(winner.effects());
        assertThat(s.selfUndos()).as("the loser undid itself, the winner's effect is kept").isEqualTo(losers);
        assertThat(s.driverUndos()).isEmpty();
    }

    @Test
    @Order(6)
    void aFileJobReadsItsChunksInSeveralExecutorJvmsAndEqualsTheLocalParse() throws IOException {
        Path letters = Files.writeString(dir.resolve("letters.txt"), Oracle.letters(0, 26 * 16)); // records end with 'z'
        Oracle oracle = Oracle.in(dir);
        Oracle.Tally result = spark.reduce(letters, (byte) 'z', oracle.recordJob(8)).block(WAIT);
        oracle.assertSucceeded(result, 26 * 16, 8);
        assertThat(pids()).as("in more than one executor JVM").hasSizeGreaterThan(1);
        Path brc = dir.resolve("brc.txt");
        BrcGenerator.write(brc, 20_000, 200, 11, written -> { });
        StationTable onSpark = spark.reduce(brc, SparkJob.ofRecords(SparkBrc.WORK).merge(SparkBrc.MERGE).chunks(6).build())
                .block(WAIT);
        try (DelimitedFile file = DelimitedFile.open(brc)) {
            assertThat(onSpark.summaries()).hasSize(200).isEqualTo(BrcParser.parse(file, 0, file.size()).summaries());
        }
    }

    @Test
    @Order(7)
    void aFailingChunkOfAFileJobRollsBackChunksCommittedInEveryExecutor() throws IOException {
        Path letters = Files.writeString(dir.resolve("letters.txt"), Oracle.letters(0, 26 * 16));
        Oracle oracle = Oracle.in(dir).failing(2L);
        StepVerifier.create(spark.reduce(letters, (byte) 'z', oracle.recordJob(8)))
                .expectErrorSatisfies(e -> {
                    KTaskException k = (KTaskException) e;
                    assertThat(k.failedChunk()).isEqualTo(2);
                    assertThat(k.getCause()).hasMessageStartingWith("chunk 2 fails on attempt");
                    oracle.assertRolledBack(k);
                    assertThat(k.undoneChunks()).isNotEmpty().doesNotContain(2L);
                })
                .verify(WAIT);
    }

    @Test
    @Order(8)
    void anExecutorKilledMidJobIsReplacedAndTheJobStillCommitsEachChunkOnce() throws Exception {
        Oracle oracle = Oracle.in(dir).blocking(3);
        var result = spark.reduce(0, 24, oracle.job(6)).toFuture();
        long victim = oracle.awaitBlockedPid();
        assertThat(victim).as("the blocked attempt runs in an executor JVM").isNotEqualTo(ProcessHandle.current().pid());
        ProcessHandle executor = ProcessHandle.of(victim).orElseThrow();
        executor.destroyForcibly();
        executor.onExit().get(30, TimeUnit.SECONDS);
        Oracle.Tally tally = result.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        oracle.assertSucceeded(tally, 24, 6);
        String killed = oracle.blockedEffect();
        assertThat(oracle.read().effects()).as("the killed attempt had no effect").doesNotContain(killed);
        assertThat(tally.effects().get(3)).as("a later attempt of chunk 3 committed").isNotEqualTo(killed);
    }

    /** PIDs that wrote effects in this test's directory. */
    private List<Long> pids() {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("work-"))
                    .map(p -> {
                        try {
                            return Long.parseLong(Files.readString(p).trim());
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .distinct().collect(Collectors.toList());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
