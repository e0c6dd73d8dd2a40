package io.ktask.scheduler;

/**
 * STUB (issue 2, topology/native helper replaces it): OS thread placement and priority.
 * Signatures are the contract the scheduler core calls.
 */
final class ThreadPlacement {

    private ThreadPlacement() {
    }

    /** Pins the calling thread to {@code cpus}; false (and one log line per reason) if the OS does not allow it. */
    static boolean pinCurrentThread(int[] cpus) {
        return false;
    }

    /** Sets the calling thread's nice value (Linux, 0..19); false if not allowed or not Linux. */
    static boolean setCurrentThreadNice(int nice) {
        return false;
    }

    /** @return the CPU the calling thread runs on now, or -1 if the OS does not tell */
    static int currentCpu() {
        return -1;
    }
}
