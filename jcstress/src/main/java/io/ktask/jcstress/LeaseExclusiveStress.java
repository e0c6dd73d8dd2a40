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
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Global limit 1, two tasks ask for a helper at once and hold what they got: exactly one permit
 * is granted (never two, never none), and once both leases are closed no permit is left taken.
 * r1, r2 = permits granted to each; r3 = helpers running after both closed.
 */
@JCStressTest
@Description("Two leases racing for the last permit under a global limit of 1")
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "actor 1 won the permit")
@Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "actor 2 won the permit")
@Outcome(expect = FORBIDDEN, desc = "limit exceeded, permit lost, or permit not returned")
@State
public class LeaseExclusiveStress {

    private final KTaskScheduler scheduler = Leases.scheduler(1);
    private HelperLease first;
    private HelperLease second;

    @Actor
    public void actor1(III_Result r) {
        first = SchedulerInternals.lease(scheduler, 1, 0);
        r.r1 = first.granted();
    }

    @Actor
    public void actor2(III_Result r) {
        second = SchedulerInternals.lease(scheduler, 1, 0);
        r.r2 = second.granted();
    }

    @Arbiter
    public void arbiter(III_Result r) {
        first.close();
        second.close();
        r.r3 = Leases.helpersRunningThenDispose(scheduler);
    }
}
