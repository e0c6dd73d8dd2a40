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
 * Two tasks (merge and ordered mode) whose last chunk fails, racing for one helper: the failing
 * thread records its failure, then leaves in-flight, while another thread may be finishing the
 * last good chunk and draining. Whatever the interleaving, each task must end with exactly one
 * error, never a completion, with every finished chunk undone (or, in ordered mode, emitted).
 * r1, r2 = task failed correctly (1) or not (0); r3, r4 = threads that ran chunks.
 */
@JCStressTest
@Description("Chunk failure racing task completion")
@Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE, desc = "both tasks ran on their caller alone")
@Outcome(id = {"1, 1, 2, 1", "1, 1, 1, 2", "1, 1, 2, 2"}, expect = ACCEPTABLE_INTERESTING,
        desc = "a caller and the helper shared a task's chunks")
@Outcome(expect = FORBIDDEN, desc = "a failed task completed, or a finished chunk was neither undone nor emitted")
@State
public class FailureCompletionStress {

    private final TaskProbe merged = new TaskProbe(TaskProbe.CHUNKS - 1);
    private final TaskProbe ordered = new TaskProbe(TaskProbe.CHUNKS - 1);

    @Actor
    public void actor1() {
        merged.task(SharedScheduler.ONE_HELPER, 2, true).subscribe(merged);
    }

    @Actor
    public void actor2() {
        ordered.task(SharedScheduler.ONE_HELPER, 2, false).subscribe(ordered);
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        TaskProbe.judgeFailedPair(merged, ordered, r);
    }
}
