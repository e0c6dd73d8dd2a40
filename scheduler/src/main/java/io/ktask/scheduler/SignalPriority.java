package io.ktask.scheduler;

/**
 * Downstream code never runs at helper priority: a helper (or task) thread that is about to
 * signal a subscriber raises itself to the process's normal nice value for the signal, and goes
 * back afterwards. "Normal" is the nice of the process's main thread ({@code /proc/self/stat}),
 * read once by {@link PlacedThreadFactory}: a task's caller runs at it unless the user changed
 * it, and reading each caller's own nice would cost a system call per task.
 */
final class SignalPriority {

    /** {@link #enter()}'s answer when nothing was changed. */
    static final int NO_CHANGE = Integer.MIN_VALUE;

    private SignalPriority() {
    }

    /**
     * @return the nice to restore with {@link #leave(int)}, or {@link #NO_CHANGE} if the calling
     *     thread is not a reniced thread of a scheduler, already runs at the normal nice or
     *     better, or may not be raised (no {@code CAP_SYS_NICE}: logged once)
     */
    static int enter() {
        if (!(Thread.currentThread() instanceof KTaskThread t) || !t.reniced || t instanceof KTaskThread.NonBlockingThread) {
            return NO_CHANGE;
        }
        int normal = PlacedThreadFactory.processNice();
        synchronized (t.niceLock) { // a lender's raise and ours never interleave
            int now = ThreadPlacement.currentThreadNice();
            if (now == ThreadPlacement.UNKNOWN_NICE || now <= normal) {
                return NO_CHANGE;
            }
            return ThreadPlacement.setCurrentThreadNice(normal) ? now : NO_CHANGE;
        }
    }

    /** Puts back the nice {@link #enter()} replaced; a no-op for {@link #NO_CHANGE}. */
    static void leave(int previous) {
        if (previous == NO_CHANGE) {
            return;
        }
        synchronized (((KTaskThread) Thread.currentThread()).niceLock) {
            ThreadPlacement.setCurrentThreadNice(previous);
        }
    }
}
