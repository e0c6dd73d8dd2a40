package io.ktask.scheduler;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Tells BlockHound which waits of {@link KTaskScheduler}'s {@code NonBlocking} worker threads are
 * by design, as reactor-core's own integration does for {@code Schedulers.parallel()}. Loaded by
 * {@code BlockHound.install()} through {@link java.util.ServiceLoader}; not for direct use.
 *
 * <ul>
 *   <li>An idle worker parks until work arrives, its next delayed task is due or the keep-alive
 *       ends (reactor-core's integration allows the same wait of its own executors).</li>
 *   <li>A new thread pins and renices itself before its first task, and the OS layer may log
 *       once per refusal, also when a task's own thread lends its priority to a helper.</li>
 *   <li>Handing work to a thread group ({@code Pools.handOff}) may wait for the executor's pool
 *       lock while another thread adds or retires a thread: a few instructions (reactor-core's
 *       integration allows the retiring side).</li>
 * </ul>
 */
public final class KTaskBlockHoundIntegration implements BlockHoundIntegration {

    /** For {@link java.util.ServiceLoader}. */
    public KTaskBlockHoundIntegration() {
    }

    /** Adds the allowances listed in the class description to {@code builder}. */
    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside(WorkerLoop.class.getName(), "awaitWork");
        builder.allowBlockingCallsInside(PlacedThreadFactory.class.getName(), "placeCurrentThread");
        builder.allowBlockingCallsInside(ThreadPlacement.class.getName(), "report");
        builder.allowBlockingCallsInside(Pools.class.getName(), "handOff");
    }
}
