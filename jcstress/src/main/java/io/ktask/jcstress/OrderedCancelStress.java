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
 * An ordered-mode task of four chunks streaming on its caller while another thread cancels it:
 * the chunks already emitted stay emitted, every other chunk that finished is undone exactly
 * once, and none is both or neither. (One thread per task, so every undo has happened by the
 * time both actors return.) r1 = chunks emitted; r2 = chunks breaking all-or-nothing; r3 =
 * chunks undone.
 */
@JCStressTest
@Description("Downstream cancel racing an ordered task's emissions")
@Outcome(id = {"4, 0, 0", "0, 0, 0"}, expect = ACCEPTABLE, desc = "completed before the cancel, or cancelled before any chunk")
@Outcome(id = {"0, 0, 1", "0, 0, 2", "0, 0, 3", "0, 0, 4", "1, 0, 0", "1, 0, 1", "1, 0, 2", "1, 0, 3",
        "2, 0, 0", "2, 0, 1", "2, 0, 2", "3, 0, 0", "3, 0, 1"}, expect = ACCEPTABLE_INTERESTING,
        desc = "cancelled mid-stream: emitted chunks kept, the other finished ones undone")
@Outcome(expect = FORBIDDEN, desc = "a chunk both emitted and undone, or neither")
@State
public class OrderedCancelStress {

    private final TaskProbe probe = new TaskProbe();

    @Actor
    public void run() {
        probe.task(SharedScheduler.ONE_HELPER, 1, false).subscribe(probe);
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
