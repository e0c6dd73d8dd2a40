package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * The task's own thread, out of chunks while a helper still runs the last one, lends that helper
 * its priority (DESIGN.md 5), as Linux reports the helper's nice value. Two chunks: the caller
 * runs one and waits in it until the helper holds the other, which waits on a latch.
 */
class PriorityHandOffTest {

    private static final int HELPER_NICE = 19;

    private KTaskScheduler scheduler = scheduler(HELPER_NICE);
    private final Thread caller = Thread.currentThread();
    private final CountDownLatch helperHolds = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final CompletableFuture<Integer> helperTid = new CompletableFuture<>();
    /** The nice a helper merged the task's results at: the merge of the last chunk's result, in the final drain. */
    private final CompletableFuture<Integer> helperMergeNice = new CompletableFuture<>();

    @BeforeAll
    static void linuxWithCapSysNice() throws IOException {
        assumeTrue(System.getProperty("os.name", "").startsWith("Linux"), "thread priorities are proven on Linux only");
        String capEff = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("CapEff:")).map(l -> l.substring(7).trim()).findFirst().orElse("0");
        assumeTrue((Long.parseUnsignedLong(capEff, 16) & (1L << 23)) != 0, "raising a priority needs CAP_SYS_NICE");
        assumeTrue(niceOf("thread-self") < HELPER_NICE, "the runner already runs at nice 19");
    }

    @AfterEach
    void dispose() {
        scheduler.dispose();
    }

    private static KTaskScheduler scheduler(int helperNice) {
        return KTaskScheduler.builder().name("handoff").topology(NodeTopology.uniform(1, 2)).maxHelpers(1)
                .helperNice(helperNice).keepAlive(Duration.ofMinutes(1)).build();
    }

    /** Two chunks of one unit; the helper's chunk holds until released, then returns or throws. */
    private Mono<Long> task(RuntimeException helperFailure) {
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(chunk -> {
            if (Thread.currentThread() == caller) {
                Awaits.await(helperHolds); // so the helper, not the caller, holds the last chunk
                return chunk.size();
            }
            helperTid.complete(threadId());
            helperHolds.countDown();
            Awaits.await(release);
            if (helperFailure != null) {
                throw helperFailure;
            }
            return chunk.size();
        }).merge((a, b) -> {
            if (Thread.currentThread() != caller) {
                helperMergeNice.complete(niceOf("thread-self"));
            }
            return a + b;
        }).minChunk(1).maxThreads(2).scheduler(scheduler).build();
        return KTask.range(0, 2).transform(KTask.parallelize(spec)).single();
    }

    @RepeatedTest(10)
    void theHelperHoldingTheLastChunkRunsAtTheCallersNiceUntilItLeaves() {
        int callerNice = niceOf("thread-self");
        CompletableFuture<Long> result = task(null).toFuture(); // subscribes here: the caller runs
        int helper = helperTid.join();

        assertThat(niceOf("self/task/" + helper)).isEqualTo(callerNice);
        assertThat(scheduler.stats().priorityHandOffs()).isEqualTo(1);
        release.countDown();
        assertThat(result.orTimeout(10, TimeUnit.SECONDS).join()).isEqualTo(2);
        awaitHelperBack(helper);
    }

    /**
     * The helper that ends the task returns its permit early (for the caller's next task), then
     * merges and signals the result. It keeps the lent nice for that: dropped back to the
     * helpers' nice in between, a busy machine preempts it there and the caller, which waits for
     * that signal, waits milliseconds (W7).
     */
    @RepeatedTest(10)
    void theHelperThatEndsTheTaskMergesAtTheLentNice() {
        int callerNice = niceOf("thread-self");
        CompletableFuture<Long> result = task(null).toFuture();
        int helper = helperTid.join();
        release.countDown();

        assertThat(result.orTimeout(10, TimeUnit.SECONDS).join()).isEqualTo(2);
        assertThat(helperMergeNice).as("the helper merged the last chunk's result").isCompletedWithValue(callerNice);
        awaitHelperBack(helper);
    }

    @RepeatedTest(5)
    void aHelperWhoseChunkFailsGoesBackToHelperNice() {
        CompletableFuture<Long> result = task(new IllegalStateException("boom")).toFuture();
        int helper = helperTid.join();
        assertThat(niceOf("self/task/" + helper)).isLessThan(HELPER_NICE);
        release.countDown();
        assertThat(result).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .havingRootCause().withMessage("boom");
        awaitHelperBack(helper);
    }

    @RepeatedTest(5)
    void aHelperOfACancelledTaskGoesBackToHelperNice() {
        Disposable subscription = task(null).subscribe();
        int helper = helperTid.join();
        assertThat(niceOf("self/task/" + helper)).isLessThan(HELPER_NICE);
        subscription.dispose();
        release.countDown();
        awaitHelperBack(helper);
    }

    @Test
    void nothingIsHandedOffWhenHelpersRunAtTheCallersNice() {
        scheduler.dispose();
        scheduler = scheduler(0);
        int callerNice = niceOf("thread-self");
        CompletableFuture<Long> result = task(null).toFuture();
        int helper = helperTid.join();
        assertThat(niceOf("self/task/" + helper)).isEqualTo(Math.max(0, callerNice));
        release.countDown();
        assertThat(result.orTimeout(10, TimeUnit.SECONDS).join()).isEqualTo(2);
        assertThat(scheduler.stats().priorityHandOffs()).isZero();
    }

    /** Waits until the helper's body has ended (its permit is back), then checks its nice value. */
    private void awaitHelperBack(int helper) {
        Awaits.until(() -> scheduler.stats().helpersRunning() == 0, "the helper's body to end");
        // Polled: a helper that signals the task's end runs at the process's nice for the
        // signal (downstream never runs at helper priority), after its permit went back.
        Awaits.until(() -> niceOf("self/task/" + helper) == HELPER_NICE, "the helper back at nice " + HELPER_NICE);
    }

    /** @return the nice value in {@code /proc/<thread>/stat} (field 19) */
    private static int niceOf(String thread) {
        try {
            String stat = Files.readString(Path.of("/proc/" + thread + "/stat"));
            return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int threadId() {
        try {
            return Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
