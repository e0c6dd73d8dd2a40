package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import io.ktask.scheduler.KTaskScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.RepeatedTest;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * A chunk that fails while another thread finishes the last good chunk and drains: the failing
 * chunk leaves {@code inFlight} after recording its failure, so a drain that read the stop flags
 * before that failure and {@code inFlight} after it must not complete the task. Two chunks on two
 * threads meeting at a barrier make the two ends as close as the machine allows.
 */
class FailureRacingCompletionTest {

    static final KTaskScheduler SCHEDULER = KTaskScheduler.builder().name("race").maxHelpers(1).build();

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    @RepeatedTest(20)
    void aFailingChunkNeverLetsTheTaskComplete() {
        List<String> broken = new ArrayList<>();
        // A bounded budget: on a loaded box a refused helper makes a round wait out the barrier.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        for (int round = 0; round < 250 && broken.isEmpty() && System.nanoTime() - deadline < 0; round++) {
            for (boolean merge : new boolean[] {true, false}) {
                CyclicBarrier bothRunning = new CyclicBarrier(2);
                KTaskSpec.Builder<Long, Long> spec = KTaskSpec.<Long, Long>of(chunk -> {
                            awaitQuietly(bothRunning);
                            if (chunk.index() == 1) {
                                throw new IllegalStateException("chunk 1 fails");
                            }
                            return chunk.index();
                        })
                        .minChunk(1).maxThreads(2).scheduler(SCHEDULER);
                Flux<Long> task = KTask.range(0, 2)
                        .transform(KTask.parallelize(merge ? spec.merge(Long::sum).build() : spec.ordered().build()));
                try {
                    StepVerifier.create(task)
                            .thenConsumeWhile(x -> true)
                            .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(KTaskException.class)
                                    .hasCauseInstanceOf(IllegalStateException.class))
                            .verify(java.time.Duration.ofSeconds(10));
                } catch (AssertionError e) {
                    broken.add("round " + round + (merge ? " merge: " : " ordered: ") + e.getMessage());
                }
            }
        }
        assertThat(broken).isEmpty();
    }

    private static void awaitQuietly(CyclicBarrier barrier) {
        try {
            barrier.await(100, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // Two threads may not both run a chunk (no helper granted): carry on alone.
        }
    }
}
