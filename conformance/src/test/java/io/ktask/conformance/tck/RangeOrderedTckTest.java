package io.ktask.conformance.tck;

import io.ktask.operators.KTask;
import org.reactivestreams.Publisher;

/**
 * Reactive Streams TCK for {@code KTask.range(..).transform(KTask.parallelize(..))} in ordered
 * mode: {@code KTask.range(0, n)} with {@code minChunk(1)} on 64 simulated CPUs cuts n < 256 units
 * into n one-unit chunks (chunk = max(minChunk, n / (threads * 4)) = 1), so the publisher emits
 * exactly n chunk results in order. Only the TCK's Integer.MAX_VALUE case is out of reach.
 */
public class RangeOrderedTckTest extends KTaskPublisherVerification {

    /** Largest n the sizing rule still cuts into one-unit chunks with 64 threads (n / 256 < 1). */
    private static final long ONE_UNIT_CHUNKS_UP_TO = 255;

    public RangeOrderedTckTest() {
        super("tck-range-ordered");
    }

    @Override
    public Publisher<Long> createPublisher(long elements) {
        return KTask.range(0, elements).transform(TckSupport.onePerChunk(scheduler));
    }

    @Override
    public Publisher<Long> createFailedPublisher() {
        return TckSupport.failed(TckSupport.onePerChunk(scheduler));
    }

    @Override
    public long maxElementsFromPublisher() {
        return ONE_UNIT_CHUNKS_UP_TO;
    }
}
