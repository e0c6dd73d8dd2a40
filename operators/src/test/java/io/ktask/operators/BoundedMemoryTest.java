package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;

import io.ktask.scheduler.KTaskScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * A generic upstream is read with backpressure: however long it is, the operator holds at most
 * a window of chunks of elements. A probe counts elements produced minus elements whose chunk
 * has finished, at every chunk, over ten million elements.
 */
class BoundedMemoryTest {

    static final KTaskScheduler SCHEDULER = KTaskScheduler.create();
    static final long ELEMENTS = 10_000_000;
    static final long CHUNK = 1000;

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    @Test
    void mergeModeHoldsABoundedWindowOfAnUnboundedUpstream() {
        assertBounded(true);
    }

    @Test
    void orderedModeHoldsABoundedWindowOfAnUnboundedUpstream() {
        assertBounded(false);
    }

    private static void assertBounded(boolean merge) {
        AtomicLong produced = new AtomicLong();
        AtomicLong finished = new AtomicLong();
        AtomicLong maxHeld = new AtomicLong();
        Flux<Long> upstream = Flux.<Long, Long>generate(() -> 0L, (i, sink) -> {
            if (i == ELEMENTS) {
                sink.complete();
            } else {
                produced.incrementAndGet();
                sink.next(i);
            }
            return i + 1;
        });
        KTaskSpec.Builder<Long, Long> b = KTaskSpec.<Long, Long>of(c -> {
            maxHeld.accumulateAndGet(produced.get() - finished.get(), Math::max);
            long s = 0;
            for (Long v : c.items()) {
                s += v;
            }
            finished.addAndGet(c.size());
            return s;
        }).minChunk(CHUNK).scheduler(SCHEDULER);
        Flux<Long> results = upstream.transform(KTask.parallelize(merge ? b.merge(Long::sum).build() : b.ordered().build()));
        long total = merge ? results.blockLast() : results.reduce(0L, Long::sum).block();

        assertThat(total).isEqualTo(ELEMENTS * (ELEMENTS - 1) / 2);
        int threads = SCHEDULER.topology().cpuCount();
        long window = (long) Sizing.LOAD_BALANCE_FACTOR * threads;
        // requested-but-not-retired elements never exceed the window, plus the batch being filled
        assertThat(maxHeld.get()).isLessThanOrEqualTo((window + 1) * CHUNK);
    }
}
