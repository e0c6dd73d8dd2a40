package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;

/** {@link LentPriority} when the OS refuses a raise: the task carries on and stops asking. */
class LentPriorityTest {

    /** No thread has this id: setpriority fails (ESRCH), standing in for a missing CAP_SYS_NICE. */
    private static final int NO_SUCH_THREAD = 999_999_999;

    @Test
    void aRefusedRaiseIsReportedOnceAndTheTaskStopsLending() throws Exception {
        Nice.assumeMayRaise();
        LongAdder handOffs = new LongAdder();
        LentPriority lending = new LentPriority(19, handOffs);
        CompletableFuture<LentPriority.Helper> registered = new CompletableFuture<>();
        KTaskThread helper = new KTaskThread(this, 0, false, () -> {
            ((KTaskThread) Thread.currentThread()).tid = NO_SUCH_THREAD;
            registered.complete(lending.enter());
        }, "fake-helper");
        helper.start();
        helper.join();
        assertThat(registered.join()).isNotNull();

        assertThat(lending.lend()).as("refused").isFalse();
        assertThat(ThreadPlacement.report(ThreadPlacement.LEND_NICE, "setpriority("
                + ThreadPlacement.currentThreadNice() + ") failed with errno 3 (" + LinuxLibc.describe(3) + ")"))
                .as("already reported once").isFalse();

        // A real helper registering now could be raised, but the task no longer asks.
        CompletableFuture<Integer> realTid = new CompletableFuture<>();
        CountDownLatch release = new CountDownLatch(1);
        KTaskThread real = new KTaskThread(this, 0, false, () -> {
            ThreadPlacement.setCurrentThreadNice(19);
            KTaskThread.recordThreadId();
            LentPriority.Helper me = lending.enter();
            realTid.complete(ThreadPlacement.currentThreadId());
            LeaseTest.await(release);
            lending.leave(me);
        }, "real-helper");
        real.start();
        int tid = realTid.join();
        assertThat(lending.lend()).as("the task stopped asking").isFalse();
        assertThat(Nice.of(tid)).isEqualTo(19);
        release.countDown();
        real.join();
        assertThat(handOffs.sum()).isZero();
        lending.leave(registered.join()); // never raised: nothing to put back
    }

    /**
     * Review S2-5: one helper thread runs a body of task A, then one of task B. A's lend races A's
     * leave; B then lends and must hold: while B's body runs, the thread stays at B's lent nice
     * (A's late put-back must not undo it), and it is back at 19 after each body. Thousands of
     * forced races, the invariant checked after each.
     */
    @Test
    void aLateLendToALeavingHelperNeitherUndoesTheNextTasksRaiseNorLeaksIntoItsBody() throws Exception {
        Nice.assumeMayRaise();
        int lenderNice = ThreadPlacement.currentThreadNice();
        int rounds = 5_000;
        CyclicBarrier race = new CyclicBarrier(2);
        CyclicBarrier bLends = new CyclicBarrier(2);
        CyclicBarrier checked = new CyclicBarrier(2);
        LentPriority[] a = new LentPriority[1];
        LentPriority[] b = new LentPriority[1];
        AtomicInteger tid = new AtomicInteger();
        AtomicInteger leakedIntoB = new AtomicInteger();
        AtomicInteger leftRaised = new AtomicInteger();
        KTaskThread helper = new KTaskThread(this, 0, false, () -> {
            ThreadPlacement.setCurrentThreadNice(19);
            KTaskThread.recordThreadId();
            tid.set(ThreadPlacement.currentThreadId());
            try {
                for (int r = 0; r < rounds; r++) {
                    LentPriority taskA = a[0];
                    LentPriority taskB = b[0];
                    LentPriority.Helper inA = taskA.enter();
                    race.await();             // A's lender and this leave start together
                    taskA.leave(inA);
                    LentPriority.Helper inB = taskB.enter();
                    if (Nice.ofThisThread() != 19) {
                        leakedIntoB.incrementAndGet(); // A's raise reached B's body
                    }
                    bLends.await();           // B lends now
                    checked.await();          // the test thread has checked B's raise
                    taskB.leave(inB);
                    if (Nice.ofThisThread() != 19) {
                        leftRaised.incrementAndGet();
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "racing-helper");
        int undone = 0;
        a[0] = new LentPriority(19, new LongAdder());
        b[0] = new LentPriority(19, new LongAdder());
        helper.start();
        for (int r = 0; r < rounds; r++) {
            race.await(10, TimeUnit.SECONDS);
            a[0].lend();                      // may land before, during or after A's leave
            bLends.await(10, TimeUnit.SECONDS);
            assertThat(b[0].lend()).isTrue();
            // A's lend returned: any put-back of it is over, so B's raise must stand.
            undone += Nice.of(tid.get()) == lenderNice ? 0 : 1;
            a[0] = new LentPriority(19, new LongAdder()); // published to the helper by the barrier
            b[0] = new LentPriority(19, new LongAdder());
            checked.await(10, TimeUnit.SECONDS);
        }
        helper.join(10_000);
        assertThat(undone).as("B's raise undone by A's late put-back").isZero();
        assertThat(leakedIntoB).as("A's lent nice leaked into B's body").hasValue(0);
        assertThat(leftRaised).as("the thread stayed raised after a body").hasValue(0);
    }

    @Test
    void aThreadWithoutAKnownIdIsNeverRegistered() throws Exception {
        LentPriority lending = new LentPriority(19, new LongAdder());
        assertThat(lending.enter()).as("not a KTaskThread").isNull();
        CompletableFuture<LentPriority.Helper> registered = new CompletableFuture<>();
        Thread unknown = new KTaskThread(this, 0, false, () -> registered.complete(lending.enter()), "no-tid");
        unknown.start();
        unknown.join();
        assertThat(registered.join()).as("tid never recorded").isNull();
    }
}
