package io.ktask.conformance.tck;

import io.ktask.conformance.TestSchedulers;
import io.ktask.scheduler.KTaskScheduler;
import org.reactivestreams.tck.PublisherVerification;
import org.testng.annotations.AfterClass;

/**
 * What the four TCK classes share: the test environment and a scheduler of their own (one helper
 * permit, 64 simulated CPUs; see {@link TestSchedulers#small}), disposed after the class.
 */
abstract class KTaskPublisherVerification extends PublisherVerification<Long> {

    final KTaskScheduler scheduler;

    KTaskPublisherVerification(String schedulerName) {
        super(TckSupport.environment());
        this.scheduler = TestSchedulers.small(schedulerName);
    }

    @AfterClass
    public void disposeScheduler() {
        scheduler.dispose();
    }
}
