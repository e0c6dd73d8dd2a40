package io.ktask.conformance.tck;

import java.util.List;
import java.util.stream.LongStream;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * Reactive Streams TCK for a generic upstream ({@code Flux.fromIterable}) in merge mode: the
 * merged sum of 100 elements in chunks of 8 (so the last chunk is partial), or nothing for an
 * empty upstream.
 */
public class GenericMergeTckTest extends KTaskPublisherVerification {

    private static final List<Long> HUNDRED = LongStream.range(0, 100).boxed().toList();

    public GenericMergeTckTest() {
        super("tck-generic-merge");
    }

    @Override
    public Publisher<Long> createPublisher(long elements) {
        return Flux.fromIterable(elements == 0 ? List.<Long>of() : HUNDRED)
                .transform(TckSupport.summing(scheduler, 8));
    }

    @Override
    public Publisher<Long> createFailedPublisher() {
        return TckSupport.failed(TckSupport.summing(scheduler, 8));
    }

    @Override
    public long maxElementsFromPublisher() {
        return 1;
    }
}
