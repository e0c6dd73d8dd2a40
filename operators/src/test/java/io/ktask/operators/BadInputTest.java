package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import java.util.function.BinaryOperator;
import java.util.function.Function;

import io.ktask.scheduler.KTaskScheduler;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** Every bad argument fails at assembly time, naming the argument and its value. */
class BadInputTest {

    static final Function<Chunk<Long>, Long> WORK = Chunk::size;

    @Test
    void nullFunctions() {
        assertThatThrownBy(() -> KTask.parallelize(null, Long::sum))
                .isInstanceOf(NullPointerException.class).hasMessage("work must not be null");
        assertThatThrownBy(() -> KTask.parallelize(WORK, (BinaryOperator<Long>) null))
                .isInstanceOf(NullPointerException.class).hasMessage("merge must not be null");
        assertThatThrownBy(() -> KTask.parallelize((KTaskSpec<Long, Long>) null))
                .isInstanceOf(NullPointerException.class).hasMessage("spec must not be null");
        assertThatThrownBy(() -> KTaskSpec.of(null))
                .isInstanceOf(NullPointerException.class).hasMessage("work must not be null");
        assertThatThrownBy(() -> KTaskSpec.of(WORK).undo(null))
                .isInstanceOf(NullPointerException.class).hasMessage("undo must not be null");
        assertThatThrownBy(() -> KTaskSpec.of(WORK).scheduler(null))
                .isInstanceOf(NullPointerException.class).hasMessage("scheduler must not be null");
    }

    @Test
    void outOfRangeNumbers() {
        assertThatThrownBy(() -> KTask.range(0, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("count must be >= 0 but was -1");
        assertThatThrownBy(() -> KTask.range(Long.MAX_VALUE, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overflows")
                .hasMessageContaining("start=" + Long.MAX_VALUE).hasMessageContaining("count=2");
        assertThatThrownBy(() -> KTaskSpec.of(WORK).minChunk(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("minChunk must be >= 1 but was 0");
        assertThatThrownBy(() -> KTaskSpec.of(WORK).align(-4))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("align must be >= 1 but was -4");
        assertThatThrownBy(() -> KTaskSpec.of(WORK).maxThreads(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxThreads must be >= 1 but was 0");
        assertThatThrownBy(() -> KTaskSpec.of(WORK).node(-2))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("node must be >= 0 but was -2");
    }

    @Test
    void settersRejectASecondCall() {
        assertThatThrownBy(() -> KTaskSpec.of(WORK).minChunk(5).minChunk(6))
                .isInstanceOf(IllegalStateException.class).hasMessage("minChunk was already set to 5");
        assertThatThrownBy(() -> KTaskSpec.of(WORK).maxThreads(3).maxThreads(3))
                .isInstanceOf(IllegalStateException.class).hasMessage("maxThreads was already set to 3");
        assertThatThrownBy(() -> KTaskSpec.of(WORK).callerRuns(false).callerRuns(true))
                .isInstanceOf(IllegalStateException.class).hasMessage("callerRuns was already set to NEVER");
        // The unset marker, not the default, decides: a second call that repeats or leaves the
        // default is still a second call.
        assertThatThrownBy(() -> KTaskSpec.of(WORK).align(1).align(4096))
                .isInstanceOf(IllegalStateException.class).hasMessage("align was already set to 1");
        assertThatThrownBy(() -> KTaskSpec.of(WORK).maxThreads(Integer.MAX_VALUE).maxThreads(2))
                .isInstanceOf(IllegalStateException.class).hasMessage("maxThreads was already set to 2147483647");
        assertThatThrownBy(() -> KTaskSpec.of(WORK).callerRuns(CallerRuns.AUTOMATIC).callerRuns(CallerRuns.ALWAYS))
                .isInstanceOf(IllegalStateException.class).hasMessage("callerRuns was already set to AUTOMATIC");
        assertThatThrownBy(() -> KTaskSpec.of(WORK).ordered().ordered())
                .isInstanceOf(IllegalStateException.class).hasMessage("ordered was already set to true");
    }

    @Test
    void exclusiveCombinationsAtBuild() {
        assertThatThrownBy(() -> KTaskSpec.<Long, Long>of(WORK).merge(Long::sum).ordered().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("merge and ordered() are exclusive: choose one result mode");
        assertThatThrownBy(() -> KTaskSpec.of(WORK).node(1).allNodes().build())
                .isInstanceOf(IllegalStateException.class).hasMessage("node(1) and allNodes() are exclusive");
        KTaskScheduler scheduler = KTaskScheduler.create();
        try {
            int nodes = scheduler.topology().nodeCount();
            assertThatThrownBy(() -> KTaskSpec.of(WORK).node(nodes).scheduler(scheduler).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("node must be < " + nodes + " (the scheduler's node count) but was " + nodes);
        } finally {
            scheduler.dispose();
        }
    }

    @Test
    void nodeUnknownToTheDefaultSchedulerFailsTheSubscription() {
        KTaskSpec<Long, Long> spec = KTaskSpec.of(WORK).node(4096).build();
        StepVerifier.create(KTask.range(0, 10).transform(KTask.parallelize(spec)))
                .expectErrorMessage("node must be < " + KTask.defaultScheduler().topology().nodeCount()
                        + " (the scheduler's node count) but was 4096")
                .verify();
    }

    @Test
    void invalidRequestIsSignalledNotThrown() {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Flux.range(0, 10).transform(KTask.parallelize(c -> c.size(), Long::sum))
                .subscribe(new BaseSubscriber<Long>() {
                    @Override
                    protected void hookOnSubscribe(Subscription s) {
                        s.request(-1);
                    }

                    @Override
                    protected void hookOnError(Throwable e) {
                        errors.add(e);
                    }
                });
        assertThat(errors).singleElement().isInstanceOf(IllegalArgumentException.class)
                .extracting(Throwable::getMessage).asString().contains("§3.9").contains("-1");
    }
}
