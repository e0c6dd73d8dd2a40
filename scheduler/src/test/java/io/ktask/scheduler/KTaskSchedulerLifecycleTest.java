package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import reactor.core.Exceptions;
import reactor.core.scheduler.Scheduler;

/** What our scheduler promises beyond {@code Schedulers.parallel()}'s behaviour. */
class KTaskSchedulerLifecycleTest {

    @Test
    void afterDisposeEveryCallThrowsTheSharedRejectionInstance() {
        KTaskScheduler s = KTaskScheduler.builder().topology(NodeTopology.uniform(2, 1)).build();
        Scheduler.Worker worker = s.createWorker(1);
        s.dispose();
        RejectedExecutionException shared = Exceptions.failWithRejected();
        assertThatThrownBy(() -> s.schedule(() -> { })).isSameAs(shared);
        assertThatThrownBy(() -> s.schedule(() -> { }, 1, TimeUnit.SECONDS)).isSameAs(shared);
        assertThatThrownBy(() -> s.schedulePeriodically(() -> { }, 1, 1, TimeUnit.SECONDS)).isSameAs(shared);
        assertThatThrownBy(s::createWorker).isSameAs(shared);
        assertThatThrownBy(() -> s.createWorker(0)).isSameAs(shared);
        assertThatThrownBy(() -> worker.schedule(() -> { })).isSameAs(shared);
        assertThatThrownBy(() -> s.lease(1, KTaskScheduler.ANY_NODE)).isSameAs(shared);
        assertThatThrownBy(s::init).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("was disposed");
    }

    @Test
    void createWorkerRejectsUnknownNode() {
        KTaskScheduler s = KTaskScheduler.builder().topology(NodeTopology.uniform(2, 1)).build();
        try {
            assertThatThrownBy(() -> s.createWorker(2)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("node must be a node in [0, 1] but was 2");
            assertThatThrownBy(() -> s.createWorker(-1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("node must be a node in [0, 1] but was -1");
            assertThatThrownBy(() -> s.schedule(null)).isInstanceOf(NullPointerException.class).hasMessage("task");
            assertThatThrownBy(() -> s.schedule(() -> { }, 1, null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("unit");
        } finally {
            s.dispose();
        }
    }
}
