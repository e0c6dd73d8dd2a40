package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** Every task tells the scheduler's {@code TaskListener}s its mode and outcome, once. */
class TaskEndReportTest {

    private final KTaskScheduler scheduler = KTaskScheduler.builder().name("end-report")
            .topology(NodeTopology.uniform(1, 2)).jmx(false).build();
    private final List<String> ended = new CopyOnWriteArrayList<>();

    TaskEndReportTest() {
        scheduler.addTaskListener((mode, outcome, nanos) -> ended.add(mode + " " + outcome));
    }

    @AfterEach
    void tearDown() {
        scheduler.dispose();
    }

    private <R> KTaskSpec.Builder<Long, R> spec(KTaskSpec.Builder<Long, R> b) {
        return b.minChunk(10).scheduler(scheduler);
    }

    private void awaitReports(int count) {
        Awaits.until(() -> ended.size() >= count, count + " task reports");
    }

    @Test
    void completedTasksReportTheirMode() {
        StepVerifier.create(KTask.range(0, 100).transform(KTask.parallelize(
                spec(KTaskSpec.<Long, Long>of(c -> c.size())).merge(Long::sum).build())))
                .expectNext(100L).verifyComplete();
        // A task closes after its last signal, maybe on a helper: wait, so that the next one
        // cannot close first.
        awaitReports(1);
        StepVerifier.create(KTask.range(0, 100).transform(KTask.parallelize(
                spec(KTaskSpec.<Long, Long>of(c -> c.size())).ordered().build())))
                .thenConsumeWhile(r -> true).verifyComplete();
        awaitReports(2);
        assertThat(ended).containsExactly("MERGE COMPLETED", "ORDERED COMPLETED");
    }

    @Test
    void failedAndCancelledTasksSaySo() {
        StepVerifier.create(KTask.range(0, 100).transform(KTask.parallelize(
                spec(KTaskSpec.<Long, Long>of(c -> {
                    throw new IllegalStateException("chunk fails");
                })).merge(Long::sum).build())))
                .expectError(KTaskException.class).verify();
        awaitReports(1);
        StepVerifier.create(Flux.just(1L, 2L).concatWith(Flux.error(new IllegalStateException("upstream fails")))
                .transform(KTask.parallelize(spec(KTaskSpec.<Long, Long>of(c -> c.size())).ordered().build())))
                .expectError(KTaskException.class).verify();
        awaitReports(2);
        StepVerifier.create(KTask.range(0, 1_000).transform(KTask.parallelize(
                spec(KTaskSpec.<Long, Long>of(c -> c.size())).ordered().build())), 1)
                .expectNextCount(1).thenCancel().verify();
        awaitReports(3);
        assertThat(ended).containsExactly("MERGE FAILED", "ORDERED FAILED", "ORDERED CANCELLED");
        assertThat(scheduler.stats().tasksRunning()).isZero();
    }
}
