package io.ktask.conformance.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import io.ktask.conformance.TestSchedulers;
import io.ktask.conformance.fault.Injected.Origin;
import io.ktask.conformance.fault.Injected.Site;
import io.ktask.operators.KTask;
import io.ktask.operators.KTaskException;
import io.ktask.operators.KTaskSpec;
import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Deterministic regression tests of a defect {@code FaultInjectionTest#fatalErrors} found (seeds
 * 20181108, 20181386, 20181436, 20181452, 20181612): a fatal error is reported and rethrown once
 * on the thread that met it; when one thread meets two (a chunk's or a merge's, then an undo's
 * while the task aborts), only one used to reach the thread, the other being reported to the
 * subscriber and never rethrown. One thread can throw one error: the other belongs in its
 * suppressed list. The caller runs the whole task here (one thread, {@code maxThreads(1)}).
 */
class TwoFatalErrorsOnOneThreadTest {

    private static final KTaskScheduler SCHEDULER =
            TestSchedulers.create("ktask-two-fatal", NodeTopology.uniform(1, 2), 1);

    @AfterAll
    static void dispose() {
        SCHEDULER.dispose();
    }

    /** Chunk 1's work fails fatally; undoing chunk 0 then fails fatally too, in the drain on the way out. */
    @Test
    void workFatalThenUndoFatalBothReachTheCaller() {
        InjectedFatal work = new InjectedFatal(new Origin(0, Site.WORK, "work of chunk 1"));
        InjectedFatal undo = new InjectedFatal(new Origin(0, Site.UNDO, "undo of chunk 0"));
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(chunk -> {
            if (chunk.index() == 1) {
                throw work;
            }
            return chunk.index();
        }).merge(Long::sum).undo((chunk, result) -> {
            throw undo;
        }).minChunk(1).maxThreads(1).scheduler(SCHEDULER).build();

        assertReportedAndRethrown(spec, 2, work, undo);
    }

    /** The merge fails fatally; undoing chunk 0 then fails fatally too, in the same drain. */
    @Test
    void mergeFatalThenUndoFatalBothReachTheCaller() {
        InjectedFatal merge = new InjectedFatal(new Origin(0, Site.MERGE, "merge"));
        InjectedFatal undo = new InjectedFatal(new Origin(0, Site.UNDO, "undo of chunk 0"));
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(chunk -> chunk.index()).merge((a, b) -> {
            throw merge;
        }).undo((chunk, result) -> {
            if (chunk.index() == 0) {
                throw undo;
            }
        }).minChunk(1).maxThreads(1).scheduler(SCHEDULER).build();

        assertReportedAndRethrown(spec, 3, merge, undo);
    }

    private static void assertReportedAndRethrown(KTaskSpec<Long, Long> spec, int units, Throwable first,
            Throwable second) {
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());

        Throwable thrown = catchThrowable(() -> KTask.range(0, units).transform(KTask.parallelize(spec))
                .subscribe(value -> { }, errors::add));

        assertThat(errors).singleElement().isInstanceOf(KTaskException.class);
        assertThat(walk(errors.get(0))).as("reported to the subscriber").contains(first, second);
        assertThat(thrown).as("rethrown to the caller, the thread that met both").isNotNull();
        assertThat(walk(thrown)).as("what reached the caller, with its suppressed").contains(first, second);
    }

    private static Set<Throwable> walk(Throwable e) {
        return Verdict.walk(List.of(e));
    }
}
