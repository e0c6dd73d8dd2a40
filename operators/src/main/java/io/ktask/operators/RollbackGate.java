package io.ktask.operators;

import java.util.ArrayList;
import java.util.List;

/**
 * One per assembled operator: a rollback ends before the next attempt starts. While a task of
 * the operator is aborting with an undo to run, a new subscription of the same operator (a
 * {@code retry}, a {@code repeat}, a re-subscribe after {@code timeout}) starts its first chunk
 * only once every such undo has returned, so an old attempt's undo can never overwrite what a new
 * attempt has committed.
 */
final class RollbackGate {

    /** Tasks between their stop and the end of their undo. Written under the lock; read racily first. */
    private volatile int rollingBack;
    private List<Runnable> waiting; // guarded by this

    /** A task of this operator stopped and will run its undo. */
    synchronized void enter() {
        rollingBack++;
    }

    /** That task's undo has returned: when none is left, the waiting starts run, on this thread. */
    void exit() {
        List<Runnable> ready;
        synchronized (this) {
            if (--rollingBack != 0 || waiting == null) {
                return;
            }
            ready = waiting;
            waiting = null;
        }
        ready.forEach(Runnable::run);
    }

    /**
     * @param start what to run once no rollback is under way
     * @return true if none is under way now (the caller starts at once); false if {@code start}
     *     will run when the last one ends
     */
    boolean passOrWait(Runnable start) {
        if (rollingBack == 0) {
            return true; // benign race: a task that stops just now is another attempt's, running beside this one
        }
        synchronized (this) {
            if (rollingBack == 0) {
                return true;
            }
            if (waiting == null) {
                waiting = new ArrayList<>(1);
            }
            waiting.add(start);
            return false;
        }
    }
}
