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
 * Two merge-mode tasks of four chunks (up to two threads each) subscribed at once on a scheduler
 * with a single helper permit: whoever wins the helper splits its chunks between the caller and
 * the helper, the other runs alone. In every case each chunk runs exactly once, the single merged
 * value lists the chunks in order, and exactly one onNext and one onComplete arrive, from
 * whichever thread finished last. r1, r2 = task completed correctly (1) or not (0);
 * r3, r4 = threads that ran chunks of each task.
 */
@JCStressTest
@Description("Chunk claiming and last-finisher emission, two tasks racing for one helper")
@Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE, desc = "both tasks ran on their caller alone")
@Outcome(id = {"1, 1, 2, 1", "1, 1, 1, 2", "1, 1, 2, 2"}, expect = ACCEPTABLE_INTERESTING,
        desc = "a caller and the helper shared a task's chunks")
@Outcome(expect = FORBIDDEN, desc = "a chunk ran twice or never, or the emission was wrong")
@State
public class ChunkClaimStress {

    private final TaskProbe first = new TaskProbe();
    private final TaskProbe second = new TaskProbe();

    @Actor
    public void actor1() {
        first.task(SharedScheduler.ONE_HELPER, 2, true).subscribe(first);
    }

    @Actor
    public void actor2() {
        second.task(SharedScheduler.ONE_HELPER, 2, true).subscribe(second);
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        TaskProbe.judgePair(first, second, r);
    }
}
