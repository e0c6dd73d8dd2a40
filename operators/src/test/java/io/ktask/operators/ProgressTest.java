package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.test.StepVerifier;

/** The spec's progress listener: throttled reports while chunks finish, one last report at the end. */
class ProgressTest {

    static final KTaskScheduler SCHEDULER = KTaskScheduler.builder().name("progress")
            .topology(NodeTopology.uniform(1, 2)).build();

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    @AfterEach
    void resetHooks() {
        Hooks.resetOnErrorDropped();
    }

    record Report(long nanos, KTaskProgress progress) {
    }

    @Test
    void reportsAreThrottledMonotoneAndEndWithTheTotal() {
        List<Report> reports = new CopyOnWriteArrayList<>();
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
            Busy.spin(40_000_000);
            return c.size();
        }).merge(Long::sum).minChunk(100).maxThreads(2).scheduler(SCHEDULER)
                .progress(p -> reports.add(new Report(System.nanoTime(), p))).build();
        // ktask sizing: 8 chunks of 750 units, 40 ms each on at most 2 threads: at least 160 ms,
        // so at least one report on the way
        StepVerifier.create(KTask.range(0, 6_000).transform(KTask.parallelize(spec)))
                .expectNext(6_000L).expectComplete().verify(Duration.ofSeconds(30));

        assertThat(reports).hasSizeGreaterThanOrEqualTo(2);
        Report last = reports.get(reports.size() - 1);
        assertThat(last.progress()).isEqualTo(new KTaskProgress(6_000, 6_000, 8, 0, true));
        List<Report> running = reports.subList(0, reports.size() - 1);
        assertThat(running).allSatisfy(r -> {
            assertThat(r.progress().finished()).isFalse();
            assertThat(r.progress().unitsTotal()).isEqualTo(6_000);
        });
        List<Long> done = new ArrayList<>();
        running.forEach(r -> done.add(r.progress().unitsDone()));
        assertThat(done).isSorted();
        for (int i = 1; i < running.size(); i++) {
            assertThat(running.get(i).nanos() - running.get(i - 1).nanos())
                    .as("reports at most every 100 ms").isGreaterThanOrEqualTo(TaskProgress.REPORT_NANOS);
        }
    }

    @Test
    void aFailedTaskMakesItsLastReportAndAnUnknownTotalStaysUnknown() {
        List<KTaskProgress> reports = new CopyOnWriteArrayList<>();
        KTaskSpec<Integer, Integer> spec = KTaskSpec.<Integer, Integer>of(c -> {
            if (c.index() == 3) {
                throw new IllegalStateException("boom");
            }
            return c.items().size();
        }).merge(Integer::sum).minChunk(10).maxThreads(1).scheduler(SCHEDULER).progress(reports::add).build();
        StepVerifier.create(Flux.range(0, 100).hide().transform(KTask.parallelize(spec)))
                .expectError(KTaskException.class).verify(Duration.ofSeconds(10));
        assertThat(reports).last().satisfies(p -> {
            assertThat(p.finished()).isTrue();
            assertThat(p.unitsTotal()).isEqualTo(-1);
            assertThat(p.unitsDone()).isEqualTo(30);
            assertThat(p.fraction()).isNaN();
        });
    }

    @Test
    void aThrowingListenerNeverFailsTheTask() {
        List<Throwable> dropped = new CopyOnWriteArrayList<>();
        Hooks.onErrorDropped(dropped::add);
        RuntimeException listenerError = new RuntimeException("listener");
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> c.size()).merge(Long::sum).scheduler(SCHEDULER)
                .progress(p -> {
                    throw listenerError;
                }).build();
        StepVerifier.create(KTask.range(0, 100).transform(KTask.parallelize(spec)))
                .expectNext(100L).expectComplete().verify(Duration.ofSeconds(10));
        assertThat(dropped).containsOnly(listenerError);
    }
}
