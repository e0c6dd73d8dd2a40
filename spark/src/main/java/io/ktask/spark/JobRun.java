package io.ktask.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;

import io.ktask.operators.KTaskException;
import io.ktask.operators.UndoFailedException;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import reactor.core.Exceptions;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * One subscription's Spark job, driven from one driver thread: plan the chunks (for a file, this
 * reads the bytes around each boundary), submit the chunks as partitions,
 * wait for Spark's verdict, close the ledger (no commit after that), wait until no attempt of the
 * job runs any more, then either merge the committed results in chunk order and emit, or undo
 * every committed chunk once, in ascending order, and signal {@link KTaskException}.
 *
 * @param <R> the chunk result type
 */
final class JobRun<R extends Serializable> implements Runnable {

    private static final System.Logger LOG = System.getLogger(JobRun.class.getName());

    private final SparkKTask engine;
    private final SparkJob<R> job;
    private final Callable<ChunkPlan> planner;
    private final MonoSink<R> sink;
    /** Set by {@link #execute()} before anything reads it, all on the driver thread. */
    private ChunkPlan plan;
    private volatile boolean cancelled;
    private volatile Throwable aborted;
    private volatile JavaFutureAction<Void> spark;

    JobRun(SparkKTask engine, SparkJob<R> job, Callable<ChunkPlan> planner, MonoSink<R> sink) {
        this.engine = engine;
        this.job = job;
        this.planner = planner;
        this.sink = sink;
    }

    /** The subscriber cancelled: roll back and signal nothing. */
    void cancel() {
        cancelled = true;
        stopSpark();
    }

    /** The engine is closing: roll back and signal {@code reason} as the cause. */
    void abort(Throwable reason) {
        aborted = reason;
        stopSpark();
    }

    private void stopSpark() {
        // Dekker with run(): it publishes `spark` then reads the flags; we set a flag then read
        // `spark`, so at least one of the two sides cancels the Spark job.
        JavaFutureAction<Void> job = spark;
        if (job != null) {
            job.cancel(true);
        }
    }

    private boolean stopping() {
        return cancelled || aborted != null;
    }

    @Override
    public void run() {
        try {
            execute();
        } finally {
            engine.finished(this);
        }
    }

    private void execute() {
        try {
            plan = planner.call();
        } catch (Throwable e) { // the file cannot be opened or read: no chunk ran, nothing to undo
            Exceptions.throwIfJvmFatal(e);
            if (!cancelled) {
                sink.error(e);
            }
            return;
        }
        if (plan.chunks == 0) { // an empty file: no chunk, as KTask.reduce over its empty range
            if (!cancelled) {
                sink.success();
            }
            return;
        }
        Ledger ledger = engine.server().open(plan, loader());
        String token = ledger.token.toString();
        engine.tracker().expect(token);
        Throwable sparkFailure = null;
        boolean submitted = false;
        try {
            if (!stopping()) {
                spark = submit(ledger);
                submitted = true;
                if (stopping()) {
                    spark.cancel(true);
                }
                spark.get();
            }
        } catch (ExecutionException e) {
            sparkFailure = e.getCause();
        } catch (InterruptedException | RuntimeException e) {
            sparkFailure = e; // cancelled (CancellationException), or the job could not even be submitted
        }
        ledger.close();
        if (submitted) {
            drain(token);
        }
        engine.tracker().forget(token);
        engine.server().remove(ledger);
        finish(ledger.snapshot(), sparkFailure);
    }

    private JavaFutureAction<Void> submit(Ledger ledger) {
        JavaSparkContext sc = engine.context();
        List<Integer> chunks = IntStream.range(0, plan.chunks).boxed().toList();
        ChunkAttempt<R> attempt = new ChunkAttempt<>(job, plan, ledger.token,
                new CommitClient(engine.server().host(), engine.server().port(), engine.commitTimeoutMs()));
        // Local properties are per thread: this thread submits only this job.
        sc.setLocalProperty(AttemptTracker.JOB_PROPERTY, ledger.token.toString());
        sc.setJobDescription("ktask " + job + ": " + plan);
        try {
            return sc.parallelize(chunks, plan.chunks).foreachPartitionAsync(attempt);
        } finally {
            sc.setLocalProperty(AttemptTracker.JOB_PROPERTY, null);
            sc.setJobDescription(null);
        }
    }

    private void drain(String token) {
        try {
            if (!engine.tracker().awaitDrained(token, engine.drainTimeoutMs())) {
                LOG.log(System.Logger.Level.WARNING, "ktask job " + token + " still had running attempts after "
                        + engine.drainTimeoutMs() + " ms; they can no longer commit and undo their own work");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // signal now; late attempts can no longer commit
        }
    }

    private void finish(Ledger.Snapshot snapshot, Throwable sparkFailure) {
        if (cancelled) {
            Rollback rollback = rollback(snapshot);
            rollback.failures.forEach(e -> Operators.onErrorDropped(e, Context.of(sink.contextView())));
            return;
        }
        Throwable cause = null;
        RangeChunk failedChunk = null;
        List<Throwable> later = new ArrayList<>();
        for (Ledger.Failure f : snapshot.unsaved()) {
            if (cause == null) {
                cause = f.error();
                failedChunk = plan.chunk(f.chunk());
            } else {
                later.add(f.error());
            }
        }
        for (Throwable t : new Throwable[] {aborted, sparkFailure}) {
            if (t != null && cause == null) {
                cause = t;
            } else if (t != null) {
                later.add(t); // why Spark gave up, after the failures that made it give up
            }
        }
        if (cause == null) {
            try {
                sink.success(merge(snapshot));
                return;
            } catch (Throwable e) {
                Exceptions.throwIfJvmFatal(e);
                cause = e;
            }
        }
        Rollback rollback = rollback(snapshot);
        KTaskException error = KTaskException.of(cause, failedChunk, rollback.undone);
        later.forEach(error::addSuppressed);
        rollback.failures.forEach(error::addSuppressed);
        sink.error(error);
    }

    @SuppressWarnings("unchecked") // the ledger holds the Rs that this job's attempts committed
    private R merge(Ledger.Snapshot snapshot) {
        R merged = null;
        for (int i = 0; i < plan.chunks; i++) {
            if (!snapshot.committed(i)) {
                throw new IllegalStateException("Spark finished the job but " + plan.chunk(i) + " has no committed result");
            }
            R result = (R) snapshot.results()[i];
            merged = merged == null ? result : job.merge.apply(merged, result);
            if (merged == null) {
                throw new NullPointerException("merge returned null at " + plan.chunk(i));
            }
        }
        return merged;
    }

    /** Undoes every committed chunk once, ascending, on this thread; an undo that throws does not stop the rest. */
    @SuppressWarnings("unchecked")
    private Rollback rollback(Ledger.Snapshot snapshot) {
        Rollback rollback = new Rollback();
        for (int i = 0; i < plan.chunks; i++) {
            if (!snapshot.committed(i)) {
                continue;
            }
            R result = (R) snapshot.results()[i];
            if (job.undo != null) {
                RangeChunk chunk = plan.chunk(i);
                try {
                    job.undo.accept(chunk, result);
                    rollback.undone.add((long) i);
                } catch (Throwable e) {
                    Exceptions.throwIfJvmFatal(e);
                    rollback.failures.add(UndoFailedException.of(chunk, e));
                }
            }
            Operators.onDiscard(result, Context.of(sink.contextView()));
        }
        return rollback;
    }

    private ClassLoader loader() {
        ClassLoader loader = job.workClass().getClassLoader();
        return loader != null ? loader : ClassLoader.getSystemClassLoader();
    }

    /** The outcome of a rollback. */
    private static final class Rollback {
        final List<Long> undone = new ArrayList<>();
        final List<Throwable> failures = new ArrayList<>();
    }
}
