package io.ktask.scheduler;

import java.util.concurrent.ScheduledThreadPoolExecutor;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Tells BlockHound which waits of {@link KTaskScheduler}'s {@code NonBlocking} worker threads are
 * by design, as reactor-core's own integration does for {@code Schedulers.parallel()}. Loaded by
 * {@code BlockHound.install()} through {@link java.util.ServiceLoader}; not for direct use.
 *
 * <ul>
 *   <li>An idle worker waits for work with a timeout, so that it can retire after the keep-alive
 *       (reactor-core's workers wait without one, which its integration allows already).</li>
 *   <li>Disposing a task cancels its future, which takes the executor queue's lock briefly.</li>
 *   <li>A new thread pins and renices itself before its first task, and the OS layer may log
 *       once per refusal, also when a task's own thread lends its priority to a helper.</li>
 * </ul>
 */
public final class KTaskBlockHoundIntegration implements BlockHoundIntegration {

    /** For {@link java.util.ServiceLoader}. */
    public KTaskBlockHoundIntegration() {
    }

    /** Adds the allowances listed in the class description to {@code builder}. */
    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside(ScheduledThreadPoolExecutor.class.getName() + "$DelayedWorkQueue", "poll");
        builder.allowBlockingCallsInside(SchedulerTask.class.getName(), "dispose");
        builder.allowBlockingCallsInside(SchedulerTask.class.getName(), "setFuture");
        builder.allowBlockingCallsInside(PlacedThreadFactory.class.getName(), "placeCurrentThread");
        builder.allowBlockingCallsInside(ThreadPlacement.class.getName(), "report");
    }
}
