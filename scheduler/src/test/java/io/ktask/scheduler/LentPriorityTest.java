package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
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
