package io.ktask.spark;

import java.io.IOException;
import java.io.Serializable;
import java.util.Iterator;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.VoidFunction;

/**
 * What one Spark task attempt does on an executor for its chunk: run the work, then ask the
 * driver to commit the result. An attempt whose commit is denied (another attempt of the chunk
 * committed first, or the job has ended) undoes its own work at once, with its own result, so
 * that a chunk's effect is never kept twice.
 *
 * @param <R> the chunk result type
 */
final class ChunkAttempt<R extends Serializable> implements VoidFunction<Iterator<Integer>> {

    private static final long serialVersionUID = 1L;

    private final SparkJob<R> job;
    private final ChunkPlan plan;
    private final UUID token;
    private final CommitClient driver;

    ChunkAttempt(SparkJob<R> job, ChunkPlan plan, UUID token, CommitClient driver) {
        this.job = job;
        this.plan = plan;
        this.token = token;
        this.driver = driver;
    }

    @Override
    public void call(Iterator<Integer> chunks) throws Exception {
        TaskContext task = TaskContext.get();
        while (chunks.hasNext()) {
            run(chunks.next(), task.taskAttemptId(), task.attemptNumber(), task::isInterrupted);
        }
    }

    /**
     * Runs chunk {@code index} as attempt {@code attemptId}. Starts no work once {@code killed}
     * (the job is being cancelled or another attempt already finished the chunk).
     *
     * @throws Exception the work's failure (after reporting it to the driver), or why the
     *     commit could not be made
     */
    void run(int index, long attemptId, int attemptNumber, BooleanSupplier killed) throws Exception {
        if (killed.getAsBoolean()) {
            return;
        }
        RangeChunk chunk = plan.chunk(index);
        R result;
        byte[] bytes;
        try {
            result = job.compute(plan, chunk);
            if (result == null) {
                throw new NullPointerException("work returned null for " + chunk);
            }
        } catch (Throwable e) {
            report(Wire.FAILED, chunk, attemptId, attemptNumber, e);
            throw rethrow(e);
        }
        try {
            bytes = Wire.serialize(result);
        } catch (IOException e) {
            undoOwn(chunk, attemptId, attemptNumber, result);
            IllegalStateException error = new IllegalStateException("the result of " + chunk + " cannot be serialized: " + e, e);
            report(Wire.FAILED, chunk, attemptId, attemptNumber, error);
            throw error;
        }
        CommitClient.Reply reply;
        try {
            reply = driver.send(new Wire.Request(header(Wire.COMMIT, chunk, attemptId, attemptNumber), "", bytes));
        } catch (CommitClient.Unreachable e) {
            if (!e.delivered) {
                undoOwn(chunk, attemptId, attemptNumber, result); // the driver never heard of it: surely not committed
            }
            throw new IllegalStateException("commit of " + chunk + " by attempt " + attemptNumber + ": " + e.getMessage()
                    + (e.delivered ? "; its effect is kept (it may have committed)" : "; undone"), e);
        }
        if (reply.code() == Wire.GRANTED) {
            return;
        }
        undoOwn(chunk, attemptId, attemptNumber, result); // DENIED, UNKNOWN_JOB or REJECTED: not committed
        if (reply.code() == Wire.REJECTED) {
            throw new IllegalStateException("the driver rejected the commit of " + chunk + ": " + reply.message());
        }
    }

    /** Reverts a result that did not commit; a failure is reported, since the effect stays. */
    private void undoOwn(RangeChunk chunk, long attemptId, int attemptNumber, R result) {
        if (job.undo == null) {
            return;
        }
        try {
            job.undo.accept(chunk, result);
        } catch (Throwable e) {
            report(Wire.UNDO_FAILED, chunk, attemptId, attemptNumber, new IllegalStateException("undo of losing attempt "
                    + attemptNumber + " (task " + attemptId + ") of " + chunk + " failed on an executor: its effect is kept", e));
        }
    }

    /** Tells the driver; if it cannot be told, Spark's own task failure still carries the error. */
    private void report(byte kind, RangeChunk chunk, long attemptId, int attemptNumber, Throwable error) {
        byte[] payload;
        try {
            payload = Wire.serialize(error);
        } catch (IOException | RuntimeException e) {
            payload = new byte[0]; // the driver builds a stand-in from the text
        }
        try {
            driver.send(new Wire.Request(header(kind, chunk, attemptId, attemptNumber), String.valueOf(error), payload));
        } catch (CommitClient.Unreachable e) {
            error.addSuppressed(e);
        }
    }

    private Wire.Header header(byte kind, RangeChunk chunk, long attemptId, int attemptNumber) {
        return new Wire.Header(token, kind, (int) chunk.index(), attemptId, attemptNumber);
    }

    private static Exception rethrow(Throwable e) {
        if (e instanceof Error error) {
            throw error;
        }
        return (Exception) e;
    }
}
