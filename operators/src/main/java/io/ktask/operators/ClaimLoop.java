package io.ktask.operators;

import java.util.function.BooleanSupplier;

import io.ktask.operators.FinishedChunks.Finished;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.internal.TaskSpares;
import reactor.core.Exceptions;
import reactor.core.scheduler.Schedulers;
import reactor.util.annotation.Nullable;

/**
 * What every thread that works for a task runs (its own thread, helpers, spares): claim a chunk
 * from the source, run the work, push the result on the finished stack, drain. The thread is
 * counted in the task's in-flight count while it claims ({@link TaskRun}'s protocol).
 *
 * @param <T> the upstream element type
 * @param <R> the chunk result type
 */
final class ClaimLoop<T, R> {

    /**
     * How long the calling thread waits in flight for helpers' last chunks
     * ({@link #awaitHelpersInFlight()}): one adaptive chunk's time. Not final: a test raises it to
     * prove who signals without racing a helper against the clock.
     */
    static long helperWaitNanos = UnitCost.TARGET_CHUNK_NANOS;

    private final TaskRun<T, R> run;   // the in-flight count and the finished stack
    private final RunningTask<T> task; // the rest, as any worker sees it
    private final KTaskSpec<T, R> spec;
    private final FinishedChunks<T, R> finished;
    private final TaskSpares spares; // blocking compensation: KTask.blocking in a chunk may start a spare

    ClaimLoop(TaskRun<T, R> run, RunningTask<T> task, TaskSpares spares) {
        this.run = run;
        this.task = task;
        this.spec = run.spec;
        this.finished = run.finished;
        this.spares = spares;
    }

    /**
     * Claims and runs chunks until none can be claimed now. The thread stays counted in
     * {@code inFlight} from its first claim to its last, so every claim still reads the stop
     * flags after the count; a chunk's result is drained once the next claim is made, and the
     * last one by the single drain pass on the way out.
     *
     * @param helper whether this is a leased helper: once the source is done it returns its
     *     permit before it leaves {@code inFlight}, hence before the task's last signal, so a task
     *     started by that signal finds the permit free
     */
    void loop(int node, boolean helper, @Nullable BooleanSupplier released) {
        TaskSpares outer = spares.bind();
        run.enterFlight();
        boolean undrained = false; // a result of ours may wait on the finished stack
        Throwable escaping = null; // a JVM-fatal error on its way out of this thread
        ChunkSource<T> source = task.source();
        try {
            for (;;) {
                TaskChunk<T> chunk = task.stopped() || released != null && released.getAsBoolean() ? null : source.claim(node);
                if (chunk == null) {
                    if (source.done()) {
                        if (run.othersInFlight() && task.workers().onCallingThread() && !Schedulers.isInNonBlockingThread()) {
                            if (undrained) {
                                task.drain(); // ours absorbed now: what is left on the stack is the helpers'
                                undrained = false;
                            }
                            awaitHelpersInFlight();
                        }
                        return; // a result of ours is drained on the way out (finally)
                    }
                    if (!undrained) {
                        return;
                    }
                    // The claim may have met a full window that delivering our results opens.
                    task.drain();
                    undrained = false;
                    continue;
                }
                if (undrained) {
                    task.drain();
                }
                undrained = true;
                task.workers().retryRefusedHelpers();
                runChunk(chunk, source);
            }
        } catch (Throwable e) {
            escaping = e;
            throw e;
        } finally {
            SchedulerInternals.restoreSpares(outer);
            if (helper && source.done()) {
                SchedulerInternals.returnPermitNow(); // done() is final: this helper claims nothing more
            }
            if (run.leaveFlight() || undrained) {
                try {
                    task.drain();
                } catch (Throwable d) {
                    // One thread throws one error: a second fatal one (an undo's, in the abort this
                    // drain ran) rides along as suppressed instead of replacing the first.
                    if (TaskFailures.alongside(escaping, d) != escaping) {
                        throw d; // nothing else was on its way out
                    }
                }
            }
        }
    }

    /**
     * The calling thread, as the task's own, found nothing left to claim while helpers may still
     * run the last chunks: it waits for them in flight, for at most one adaptive chunk's time, so
     * that it leaves last and makes the task's last signal itself. A helper's signal costs a
     * helped 100 us task a third of its gain on 2 CPUs (bench/RESULTS.md, issue 11): raising the
     * helper from its nice for the signal and back (two system calls, ~16 us), the caller's
     * priority lend meanwhile, and waking a caller parked in {@code block()} (10-20 us on a VM).
     * A stop ends the wait at once: the abort is decided when the task is idle. Past the bound
     * the thread leaves as before (a long chunk of an explicit {@code minChunk} layout; a helper
     * starved by a busy machine, to which the thread then lends its priority, up to the bound
     * later than before). The task's own task thread, its helpers and spares never wait, nor
     * does a non-blocking caller (an event loop that runs chunks by {@link CallerRuns#ALWAYS}):
     * none may spin for another thread, and nothing is parked behind them. A caller that is
     * itself another task's helper (a nested task) does wait. In ordered mode a helper that
     * ends the last chunk in order still emits that chunk's result; the caller completes.
     */
    private void awaitHelpersInFlight() {
        long deadline = System.nanoTime() + helperWaitNanos;
        while (run.othersAtWork() && !task.stopped() && System.nanoTime() - deadline < 0) {
            Thread.onSpinWait();
        }
    }

    private void runChunk(TaskChunk<T> chunk, ChunkSource<T> source) {
        boolean timed = source.timesChunks();
        long began = timed ? System.nanoTime() : 0;
        try {
            R result = spec.work.apply(chunk);
            if (result == null) {
                task.fail(new NullPointerException("work returned null for " + chunk), chunk);
                return;
            }
            finished.push(new Finished<>(chunk, result, spec.undo != null));
            if (timed) {
                // May wake helpers, which runs hooks (onSchedule): their error fails the task too.
                source.ran(chunk.end() - chunk.start(), System.nanoTime() - began);
            }
        } catch (Throwable e) {
            task.fail(e, chunk);
            Exceptions.throwIfJvmFatal(e); // the task is already aborting; the thread learns too
        }
    }
}
