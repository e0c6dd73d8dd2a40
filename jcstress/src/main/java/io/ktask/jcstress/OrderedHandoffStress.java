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
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Ordered mode, two tasks of four chunks racing for one helper: chunk results are handed from the
 * thread that finished them to whichever thread drains, so the subscriber must still see each
 * chunk exactly once, in chunk order, serially, then one onComplete.
 * r1, r2 = task completed correctly (1) or not (0); r3, r4 = threads that ran chunks.
 */
@JCStressTest
@Description("Ordered emission handed between caller and helper")
@Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE, desc = "both tasks ran on their caller alone")
@Outcome(id = {"1, 1, 2, 1", "1, 1, 1, 2", "1, 1, 2, 2"}, expect = ACCEPTABLE_INTERESTING,
        desc = "a caller and the helper shared a task's chunks")
@Outcome(expect = FORBIDDEN, desc = "a chunk ran twice or never, or was emitted out of order")
@State
public class OrderedHandoffStress {

    private final TaskProbe first = new TaskProbe();
    private final TaskProbe second = new TaskProbe();

    @Actor
    public void actor1() {
        first.task(SharedScheduler.ONE_HELPER, 2, false).subscribe(first);
    }

    @Actor
    public void actor2() {
        second.task(SharedScheduler.ONE_HELPER, 2, false).subscribe(second);
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        TaskProbe.judgePair(first, second, r);
    }
}
