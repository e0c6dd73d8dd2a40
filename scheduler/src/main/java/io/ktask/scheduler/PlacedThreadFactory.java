package io.ktask.scheduler;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the threads of one executor: named {@code <prefix>-<k>}, placed on their node's CPUs
 * (when pinning is on and the OS allows) and reniced (for helpers) by the thread itself as its
 * first action, since Linux applies affinity and nice to the calling thread.
 */
final class PlacedThreadFactory implements ThreadFactory {

    /** Tells the pools when a thread starts and ends, so a graceful dispose knows when all ended. */
    interface Lifecycle {
        void threadStarted();

        void threadEnded();
    }

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
     * @param cpus the CPUs to pin to, or {@code null} to leave the thread unpinned
     * @param nice the nice value to set, or 0 to keep the creator's
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
        Runnable body = () -> {
            // Counted from inside the thread: a thread made but never started by its executor
            // (it lost a race with shutdown) must not hold a graceful dispose open forever.
            lifecycle.threadStarted();
            try {
                if (cpus != null) {
                    ThreadPlacement.pinCurrentThread(cpus);
                }
                if (nice > 0) {
                    ThreadPlacement.setCurrentThreadNice(nice);
                }
                worker.run();
            } finally {
                lifecycle.threadEnded();
            }
        };
        String name = prefix + "-" + counter.incrementAndGet();
        Thread t = nonBlocking
                ? new KTaskThread.NonBlockingThread(owner, node, body, name)
                : new KTaskThread(owner, node, body, name);
        t.setDaemon(daemon);
        return t;
    }
}
