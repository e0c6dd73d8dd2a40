package io.ktask.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.KTaskScheduler;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Global limit 1, held by a lease that one task closes while another asks for a helper: the
 * newcomer gets the permit or not depending on timing, but the permit is never duplicated nor
 * lost. r1 = permit granted to the newcomer; r2 = helpers running after everything closed.
 */
@JCStressTest
@Description("A lease closing races a new lease for the same permit")
@Outcome(id = {"1, 0", "0, 0"}, expect = ACCEPTABLE, desc = "the permit was returned once and reused or not")
@Outcome(expect = FORBIDDEN, desc = "permit duplicated, lost, or not returned")
@State
public class LeaseReleaseStress {

    private final KTaskScheduler scheduler = Leases.scheduler(1);
    private final HelperLease held = SchedulerInternals.lease(scheduler, 1, 0);
    private HelperLease newcomer;

    @Actor
    public void release() {
        held.close();
    }

    @Actor
    public void acquire(II_Result r) {
        newcomer = SchedulerInternals.lease(scheduler, 1, 0);
        r.r1 = newcomer.granted();
    }

    @Arbiter
    public void arbiter(II_Result r) {
        held.close(); // idempotent: must not return the permit a second time
        newcomer.close();
        r.r2 = Leases.helpersRunningThenDispose(scheduler);
    }
}
