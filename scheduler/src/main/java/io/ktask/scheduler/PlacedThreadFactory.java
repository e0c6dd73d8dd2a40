package io.ktask.scheduler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the threads of one executor: named {@code <prefix>-<k>}, placed on their CPUs (when
 * pinning is on and the OS allows) and reniced (helpers) by the thread itself as its first action,
 * since Linux applies affinity and nice to the calling thread.
 *
 * <p>Linux threads inherit affinity and nice from the thread that starts them, and executors start
 * threads on whichever thread submits work: a helper (pinned, nice 19) that schedules a plain task
 * may start a worker thread. So every thread sets its affinity explicitly (the any-node group to
 * all CPUs of the topology), and a worker started by a reniced helper resets its nice to the
 * process's (which Linux allows only with {@code CAP_SYS_NICE} or {@code RLIMIT_NICE}; otherwise
 * the refusal is logged once and the worker keeps the helper's priority).
 */
final class PlacedThreadFactory implements ThreadFactory {

    /** Tells the pools when a thread starts and ends, so a graceful dispose knows when all ended. */
    interface Lifecycle {
        void threadStarted();

        void threadEnded();
    }

    /** Marks "keep the nice value the thread inherits". */
    static final int INHERIT_NICE = Integer.MIN_VALUE;
    /** The process's nice value, which a worker started by a reniced helper goes back to. */
    private static final int PROCESS_NICE = readProcessNice(Path.of("/proc/self/stat"));

    private final Object owner;
    private final String prefix;
    private final int node;
    private final int[] cpus;
    private final int nice;
    private final boolean daemon;
    private final boolean nonBlocking;
    private final Lifecycle lifecycle;
    private final AtomicInteger counter = new AtomicInteger();

    /**
     * @param cpus the CPUs to pin to, or {@code null} to leave affinity alone (pinning off)
     * @param nice the nice value to set, or {@link #INHERIT_NICE}
     */
    PlacedThreadFactory(Object owner, String prefix, int node, int[] cpus, int nice, boolean daemon,
            boolean nonBlocking, Lifecycle lifecycle) {
        this.owner = owner;
        this.prefix = prefix;
        this.node = node;
        this.cpus = cpus;
        this.nice = nice;
        this.daemon = daemon;
        this.nonBlocking = nonBlocking;
        this.lifecycle = lifecycle;
    }

    @Override
    public Thread newThread(Runnable worker) {
        int niceToSet = nice == INHERIT_NICE && Thread.currentThread() instanceof KTaskThread creator
                && creator.reniced ? PROCESS_NICE : nice;
        Runnable body = () -> {
            // Counted from inside the thread: a thread made but never started by its executor
            // (it lost a race with shutdown) must not hold a graceful dispose open forever.
            lifecycle.threadStarted();
            try {
                placeCurrentThread(cpus, niceToSet, !nonBlocking);
                worker.run();
            } finally {
                lifecycle.threadEnded();
            }
        };
        String name = prefix + "-" + counter.incrementAndGet();
        boolean reniced = niceToSet != INHERIT_NICE && niceToSet != PROCESS_NICE;
        Thread t = nonBlocking
                ? new KTaskThread.NonBlockingThread(owner, node, reniced, body, name)
                : new KTaskThread(owner, node, reniced, body, name);
        t.setDaemon(daemon);
        return t;
    }

    /**
     * Pins and renices the calling thread, before it runs any task, and records a helper's
     * kernel id (its task's own thread may lend it priority). The first such call of the JVM binds
     * libc on this thread, as it should: a new thread's set-up never delays the task that asked
     * for it, whose own thread runs on meanwhile. Binding reads files and may log (once per
     * reason): {@link KTaskBlockHoundIntegration} allows that on a NonBlocking thread, here only.
     */
    static void placeCurrentThread(int[] cpus, int nice, boolean helper) {
        if (cpus != null) {
            ThreadPlacement.pinCurrentThread(cpus);
        }
        if (nice != INHERIT_NICE) {
            ThreadPlacement.setCurrentThreadNice(nice);
        }
        if (helper) {
            KTaskThread.recordThreadId();
        }
    }

    /** @return the process's normal nice value, read once from {@code /proc/self/stat} */
    static int processNice() {
        return PROCESS_NICE;
    }

    /**
     * @return the nice value in {@code stat} ({@code /proc/self/stat}: the main thread's, field
     *     19, counted after the parenthesised command name), or 0 if it cannot be read
     */
    static int readProcessNice(Path stat) {
        try {
            String text = KernelFiles.read(stat);
            String[] fields = text.substring(text.lastIndexOf(')') + 2).trim().split(" ");
            int nice = Integer.parseInt(fields[16]);
            return nice >= -20 && nice <= 19 ? nice : 0;
        } catch (IOException | RuntimeException e) {
            // Not Linux, or an unexpected format: 0 is every process's default.
            return 0;
        }
    }
}
