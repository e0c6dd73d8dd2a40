package io.ktask.conformance.tck;

import io.ktask.conformance.TestSchedulers;
import io.ktask.operators.KTask;
import io.ktask.scheduler.KTaskScheduler;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.testng.annotations.AfterClass;

/**
 * Reactive Streams TCK for {@code KTask.range(..).transform(KTask.parallelize(..))} in ordered
 * mode: {@code KTask.range(0, n)} with {@code minChunk(1)} and two threads cuts n <= 7 units into
 * n one-unit chunks (chunk = max(minChunk, n / (threads * 4)) = 1), so the publisher emits exactly
 * n chunk results in order.
 */
public class RangeOrderedTckTest extends PublisherVerification<Long> {

    /** Largest n for which the sizing rule still gives one-unit chunks whatever the thread count. */
    private static final long ONE_UNIT_CHUNKS_UP_TO = 7;

    private final KTaskScheduler scheduler = TestSchedulers.small("tck-range-ordered");

    public RangeOrderedTckTest() {
        super(TckSupport.environment());
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

    @AfterClass
    public void disposeScheduler() {
        scheduler.dispose();
    }
}
