package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class ReduceTest {

    @Test
    void reducesARangeToOneValue() {
        Mono<Long> total = KTask.range(1, 1000).as(KTask.reduce(c -> sum(c.start(), c.end()), Long::sum));
        StepVerifier.create(total).expectNext(500_500L).verifyComplete();
    }

    @Test
    void commonSpecFormCompilesWithoutTypeArguments() {
        Mono<Long> count = Flux.range(0, 10_000).map(i -> i * 2)
                .as(KTask.reduce(KTaskSpec.of(c -> c.size()).merge(Long::sum).minChunk(100).build()));
        StepVerifier.create(count).expectNext(10_000L).verifyComplete();
    }

    @Test
    void zeroUnitsCompleteEmpty() {
        StepVerifier.create(KTask.range(5, 0).as(KTask.reduce(c -> c.size(), Long::sum))).verifyComplete();
        StepVerifier.create(Flux.<String>empty().as(KTask.reduce(c -> c.items().size(), Integer::sum)))
                .verifyComplete();
    }

    @Test
    void orderedSpecIsRejectedAtAssemblyNamingTheSpec() {
        KTaskSpec<Long, Long> ordered = KTaskSpec.<Long, Long>of(c -> c.size()).ordered().build();
        assertThatThrownBy(() -> KTask.reduce(ordered))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("merge-mode")
                .hasMessageContaining("mode=ordered");
    }

    private static long sum(long from, long to) {
        long s = 0;
        for (long i = from; i < to; i++) {
            s += i;
        }
        return s;
    }
}
