package io.ktask.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The driver's record of one job: which attempt of each chunk committed, with its result, and
 * every failure reported by an attempt. This is the single place where "committed" is decided:
 * a chunk's first attempt to ask while the ledger is open commits; every later ask for that
 * chunk, and every ask after {@link #close()}, is denied. All methods are thread-safe (the
 * commit server's handler threads and the job's driver thread call them).
 */
final class Ledger {

    private static final long NONE = -1L;

    final UUID token;
    final ChunkPlan plan;
    final ClassLoader loader;

    private final long[] winners;
    private final Object[] results;
    private final Map<String, Failure> failures = new LinkedHashMap<>();
    private boolean open = true;

    Ledger(UUID token, ChunkPlan plan, ClassLoader loader) {
        this.token = token;
        this.plan = plan;
        this.loader = loader;
        this.winners = new long[plan.chunks];
        this.results = new Object[plan.chunks];
        Arrays.fill(winners, NONE);
    }

    /**
     * Commits {@code result} as chunk {@code chunk}'s, unless another attempt committed first or
     * the ledger is closed. Asking again for the attempt that holds the commit (a retry after a
     * lost reply) is granted again; its new result is ignored.
     *
     * @return {@link Wire#GRANTED} or {@link Wire#DENIED}
     */
    synchronized byte commit(int chunk, long attemptId, Object result) {
        if (winners[chunk] == attemptId) {
            return Wire.GRANTED;
        }
        if (!open || winners[chunk] != NONE) {
            return Wire.DENIED;
        }
        winners[chunk] = attemptId;
        results[chunk] = result;
        return Wire.GRANTED;
    }

    /** Records a failure reported by an attempt; a repeated report of the same one counts once. */
    synchronized void record(Failure failure) {
        failures.putIfAbsent(failure.kind + "/" + failure.attemptId, failure);
    }

    /** From now on every commit is denied; what was committed before stays committed. */
    synchronized void close() {
        open = false;
    }

    /** @return the committed results and the failures so far; call after {@link #close()} */
    synchronized Snapshot snapshot() {
        return new Snapshot(winners.clone(), results.clone(), new ArrayList<>(failures.values()));
    }

    /** One attempt's failure: its work threw ({@link Wire#FAILED}) or its undo did. */
    record Failure(byte kind, int chunk, long attemptId, int attemptNumber, Throwable error) {
    }

    /** What the ledger held when the job ended. */
    record Snapshot(long[] winners, Object[] results, List<Failure> failures) {

        boolean committed(int chunk) {
            return winners[chunk] != NONE;
        }

        /**
         * @return in the order they were reported: the failures of chunks that never committed
         *     (those Spark's retries did not save) and the failed undos of losing attempts
         */
        List<Failure> unsaved() {
            List<Failure> out = new ArrayList<>();
            for (Failure f : failures) {
                if (f.kind == Wire.UNDO_FAILED || !committed(f.chunk)) {
                    out.add(f);
                }
            }
            return out;
        }
    }
}
