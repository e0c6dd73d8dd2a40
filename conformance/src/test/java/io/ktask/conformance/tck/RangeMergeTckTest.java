package io.ktask.conformance.tck;

import io.ktask.operators.KTask;
import org.reactivestreams.Publisher;

/**
 * Reactive Streams TCK for {@code KTask.range(..).transform(KTask.parallelize(..))} in merge mode:
 * at most one element (the merged result), so rules that need more elements are skipped by the
 * TCK itself (see docs/TESTING.md).
 */
public class RangeMergeTckTest extends KTaskPublisherVerification {

    public RangeMergeTckTest() {
        super("tck-range-merge");
    }

    @Override
    public Publisher<Long> createPublisher(long elements) {
        // zero units: only onComplete; otherwise 1000 units in chunks of at least 10, one result
        long units = elements == 0 ? 0 : 1_000;
        return KTask.range(0, units).transform(TckSupport.summing(scheduler, 10));
    }

    @Override
    public Publisher<Long> createFailedPublisher() {
        return TckSupport.failed(TckSupport.summing(scheduler, 10));
    }

    @Override
    public long maxElementsFromPublisher() {
        return 1;
    }
}
