package io.ktask.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
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
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * A task asks for two helpers while the global limit is lowered from 2 to 1 and the lowering
 * thread then reads the stats: the task always gets at least one permit (the limit never drops
 * below 1), lowering never revokes permits already granted, the count never exceeds what was
 * granted, and every permit comes back. r1 = permits granted; r2 = helpers running seen after
 * the lowering; r3 = helpers running after the lease closed.
 */
@JCStressTest
@Description("A lease racing setMaxHelpers lowering the global limit")
@Outcome(id = {"2, 2, 0", "1, 1, 0", "1, 0, 0", "2, 0, 0"}, expect = ACCEPTABLE,
        desc = "the lease saw the old or the new limit; lowering revoked nothing")
@Outcome(id = {"2, 1, 0", "1, 2, 0"}, expect = ACCEPTABLE_INTERESTING,
        desc = "the stats caught the lease half-way through taking its permits")
@Outcome(expect = FORBIDDEN, desc = "no permit under a limit >= 1, more than asked, or a permit not returned")
@State
public class LeaseLimitLoweredStress {

    private final KTaskScheduler scheduler = Leases.scheduler(2);
    private HelperLease lease;

    @Actor
    public void lease(III_Result r) {
        lease = SchedulerInternals.lease(scheduler, 2, 0);
        r.r1 = lease.granted();
    }

    @Actor
    public void lower(III_Result r) {
        scheduler.setMaxHelpers(1);
        r.r2 = scheduler.stats().helpersRunning();
    }

    @Arbiter
    public void arbiter(III_Result r) {
        lease.close();
        r.r3 = Leases.helpersRunningThenDispose(scheduler);
    }
}
