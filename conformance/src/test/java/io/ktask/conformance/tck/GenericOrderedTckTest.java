package io.ktask.conformance.tck;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * Reactive Streams TCK for a generic upstream ({@code Flux.generate}, size unknown in advance) in
 * ordered mode: chunks are {@code minChunk} = 1 element, so n elements in give n results out,
 * up to the TCK's unbounded-publisher cases (Long.MAX_VALUE elements, never fully requested).
 */
public class GenericOrderedTckTest extends KTaskPublisherVerification {

    public GenericOrderedTckTest() {
        super("tck-generic-ordered");
    }

    @Override
    public Publisher<Long> createPublisher(long elements) {
        Flux<Long> upstream = Flux.generate(() -> 0L, (next, sink) -> {
            if (next < elements) {
                sink.next(next);
            } else {
                sink.complete();
            }
            return next + 1;
        });
        return upstream.transform(TckSupport.onePerChunk(scheduler));
    }

    @Override
    public Publisher<Long> createFailedPublisher() {
        return TckSupport.failed(TckSupport.onePerChunk(scheduler));
    }
}
