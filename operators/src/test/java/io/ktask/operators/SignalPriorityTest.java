package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * Downstream code never runs at helper priority (issue 14): a task thread at nice 19 that signals
 * does so at the process's normal nice, and a task subscribed from that signal runs its own
 * chunks at that nice too.
 */
class SignalPriorityTest {

    private static final int HELPER_NICE = 19;
    private KTaskScheduler scheduler;

    @BeforeEach
    void setUp() {
        assumeTrue(Files.isReadable(Path.of("/proc/thread-self/stat")), "Linux /proc only");
        assumeTrue(niceOf("self") < HELPER_NICE, "the process already runs at nice 19");
        scheduler = KTaskScheduler.builder().name("signal-priority").topology(NodeTopology.uniform(1, 2))
                .pinning(false).helperNice(HELPER_NICE).build();
    }

    @AfterEach
    void tearDown() {
        if (scheduler != null) {
            scheduler.dispose();
        }
    }

    @RepeatedTest(3)
    void aTaskThreadSignalsAtTheProcesssNiceAndGoesBackAfterwards() {
        int processNice = niceOf("self");
        List<Integer> chunkNice = new CopyOnWriteArrayList<>();
        List<String> signalThreads = new CopyOnWriteArrayList<>();
        List<Integer> signalNice = new CopyOnWriteArrayList<>();
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
            chunkNice.add(niceOf("thread-self"));
            return c.size();
        }).merge(Long::sum).minChunk(10).maxThreads(1).callerRuns(CallerRuns.NEVER).scheduler(scheduler).build();

        StepVerifier.create(KTask.range(0, 100).transform(KTask.parallelize(spec))
                        .doOnNext(v -> {
                            signalThreads.add(Thread.currentThread().getName());
                            signalNice.add(niceOf("thread-self"));
                        }))
                .expectNext(100L).expectComplete().verify(Duration.ofSeconds(10));

        assertThat(chunkNice).as("chunks run at the helpers' nice").containsOnly(HELPER_NICE);
        assertThat(signalThreads).singleElement().asString().contains("signal-priority");
        assertThat(signalNice).as("the subscriber runs at the process's nice").containsExactly(processNice);
    }

    @RepeatedTest(3)
    void aTaskSubscribedFromThatSignalRunsItsChunksAtThatNice() {
        int processNice = niceOf("self");
        List<Integer> secondTaskNice = new CopyOnWriteArrayList<>();
        KTaskSpec<Long, Long> first = KTaskSpec.<Long, Long>of(c -> c.size()).merge(Long::sum)
                .minChunk(10).maxThreads(1).callerRuns(CallerRuns.NEVER).scheduler(scheduler).build();
        KTaskSpec<Long, Long> second = KTaskSpec.<Long, Long>of(c -> {
            secondTaskNice.add(niceOf("thread-self"));
            return c.size();
        }).merge(Long::sum).minChunk(10).maxThreads(1).scheduler(scheduler).build();

        StepVerifier.create(KTask.range(0, 100).transform(KTask.parallelize(first))
                        .concatMap(n -> KTask.range(0, n).transform(KTask.parallelize(second))))
                .expectNext(100L).expectComplete().verify(Duration.ofSeconds(10));

        assertThat(secondTaskNice).isNotEmpty().containsOnly(processNice);
    }

    private static int niceOf(String thread) {
        try {
            String stat = Files.readString(Path.of("/proc/" + thread + "/stat"));
            return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
