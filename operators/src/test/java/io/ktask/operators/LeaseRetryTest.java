package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.RepeatedTest;

/**
 * A task refused its helper at the start (the only permit is out, as when the previous task's
 * helper has not yet returned it) asks again at a later chunk and gets it once the permit is back,
 * instead of running alone to the end.
 */
class LeaseRetryTest {

    static final int CHUNKS = 64;

    @RepeatedTest(5)
    void aTaskRefusedAtTheStartGetsItsHelperOnceThePermitIsBack() throws InterruptedException {
        KTaskScheduler scheduler = KTaskScheduler.builder().name("lease-retry").topology(NodeTopology.uniform(1, 2))
                .maxHelpers(1).pinning(false).helperNice(0).build();
        try {
            HelperLease held = SchedulerInternals.lease(scheduler, 1, 0);
            assertThat(held.granted()).isEqualTo(1);
            Thread caller = Thread.currentThread();
            CountDownLatch helperRan = new CountDownLatch(1);
            KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(chunk -> {
                        if (Thread.currentThread() != caller) {
                            helperRan.countDown();
                        } else if (chunk.index() == 0) {
                            held.close(); // the permit comes back after the task was refused
                        } else {
                            awaitQuietly(helperRan); // leave chunks for a helper, if one comes
                        }
                        return chunk.size();
                    })
                    .merge(Long::sum).minChunk(1).scheduler(scheduler).build();
            assertThat(KTask.range(0, CHUNKS).transform(KTask.parallelize(spec)).blockLast()).isEqualTo(CHUNKS);
            assertThat(helperRan.getCount()).as("a helper ran a chunk of the task").isZero();
            assertThat(scheduler.stats().refusedByGlobalLimit()).as("the first lease was refused").isPositive();
        } finally {
            scheduler.dispose();
        }
    }

    /**
     * A helper returns its permit before it leaves the task, once no chunk is left to claim: by the
     * time the task's last signal is made, the permit is free for a task that signal starts.
     */
    @RepeatedTest(10)
    void theHelpersPermitIsFreeWhenTheTaskSignals() {
        KTaskScheduler scheduler = KTaskScheduler.builder().name("lease-early").topology(NodeTopology.uniform(1, 2))
                .maxHelpers(1).pinning(false).helperNice(0).build();
        try {
            Thread caller = Thread.currentThread();
            CountDownLatch helperRan = new CountDownLatch(1);
            KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(chunk -> {
                        if (Thread.currentThread() != caller) {
                            helperRan.countDown();
                        } else {
                            // The permit is free, so the helper comes: wait for it however long a
                            // loaded machine makes it (a bounded 1 ms a chunk failed under load).
                            Awaits.await(helperRan);
                        }
                        return chunk.size();
                    })
                    .merge(Long::sum).minChunk(1).scheduler(scheduler).build();
            int[] helpersAtSignal = new int[1];
            Long total = KTask.range(0, CHUNKS).transform(KTask.parallelize(spec))
                    .doOnNext(x -> helpersAtSignal[0] = scheduler.stats().helpersRunning())
                    .blockLast();
            assertThat(total).isEqualTo(CHUNKS);
            assertThat(helperRan.getCount()).as("a helper ran a chunk of the task").isZero();
            assertThat(helpersAtSignal[0]).as("helpers still holding a permit at the task's signal").isZero();
        } finally {
            scheduler.dispose();
        }
    }

    /** A bounded wait per chunk: the whole task lasts at most CHUNKS ms without a helper. */
    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(1, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
