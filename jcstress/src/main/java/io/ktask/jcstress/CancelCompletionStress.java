package io.ktask.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * A merge-mode task of four chunks running on its caller while another thread cancels it: either
 * the merged value was emitted and nothing undone, or nothing was emitted and every chunk that
 * had finished was undone exactly once; never both, never neither. (One thread per task, so
 * every undo has happened by the time both actors return.)
 * r1 = values emitted; r2 = chunks breaking all-or-nothing; r3 = chunks undone.
 */
@JCStressTest
@Description("Downstream cancel racing task completion")
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "completed before the cancel")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "cancelled before any chunk finished")
@Outcome(id = {"0, 0, 1", "0, 0, 2", "0, 0, 3", "0, 0, 4"}, expect = ACCEPTABLE_INTERESTING,
        desc = "cancelled mid-task: the finished chunks were undone")
@Outcome(expect = FORBIDDEN, desc = "a chunk both emitted and undone, or neither")
@State
public class CancelCompletionStress {

    private final TaskProbe probe = new TaskProbe();

    @Actor
    public void run() {
        probe.task(SharedScheduler.ONE_HELPER, 1, true).subscribe(probe);
    }

    @Actor
    public void cancel() {
        probe.dispose();
    }

    @Arbiter
    public void arbiter(III_Result r) {
        TaskProbe.judgeCancelled(probe, r);
    }
}
