package io.ktask.scheduler;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.Disposable;
import reactor.core.Scannable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * TEMPORARY STUB (issue 2 replaces the body): just enough for the operator to run.
 * Public signatures here are the API; keep them.
 */
public final class KTaskScheduler implements Scheduler, Scannable {

    /** Placement for "any node": the unpinned any-node group. */
    public static final int ANY_NODE = -1;

    private final NodeTopology topology = NodeTopology.detect();
    private final ExecutorService helpers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ktask-helper");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger tasks = new AtomicInteger();
    private final AtomicLong chunks = new AtomicLong();
    private volatile int maxHelpers = Math.max(1, topology.cpuCount() * 4 / 5);

    public static KTaskScheduler create() {
        return new KTaskScheduler();
    }

    public NodeTopology topology() {
        return topology;
    }

    public int currentNode() {
        return 0;
    }

    public HelperLease lease(int wanted, int preferredNode) {
        int got = 0;
        while (got < wanted) {
            int r = running.get();
            if (r >= maxHelpers) {
                break;
            }
            if (running.compareAndSet(r, r + 1)) {
                got++;
            }
        }
        int granted = got;
        AtomicIntegerArray state = new AtomicIntegerArray(granted); // 0 unused, 1 started, 2 closed
        return new HelperLease() {
            public int granted() {
                return granted;
            }

            public int node(int helper) {
                return 0;
            }

            public boolean start(int helper, Runnable body) {
                if (!state.compareAndSet(helper, 0, 1)) {
                    throw new IllegalStateException("helper " + helper + " already started or closed");
                }
                helpers.execute(() -> {
                    try {
                        body.run();
                    } finally {
                        running.decrementAndGet();
                    }
                });
                return true;
            }

            public void close() {
                for (int i = 0; i < granted; i++) {
                    if (state.compareAndSet(i, 0, 2)) {
                        running.decrementAndGet();
                    }
                }
            }
        };
    }

    public TaskHandle openTask() {
        tasks.incrementAndGet();
        AtomicInteger closed = new AtomicInteger();
        return new TaskHandle() {
            public void chunksDone(long n) {
                chunks.addAndGet(n);
            }

            public void close() {
                if (closed.compareAndSet(0, 1)) {
                    tasks.decrementAndGet();
                }
            }
        };
    }

    public KTaskStats stats() {
        return new KTaskStats(running.get(), new int[] {running.get()}, tasks.get(), chunks.get(), 0, 0, true);
    }

    public void setMaxHelpers(int maxHelpers) {
        this.maxHelpers = maxHelpers;
    }

    @Override
    public Disposable schedule(Runnable task) {
        helpers.execute(task);
        return () -> { };
    }

    @Override
    public Worker createWorker() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void dispose() {
        helpers.shutdown();
    }

    @Override
    public Mono<Void> disposeGracefully() {
        return Mono.fromRunnable(this::dispose);
    }

    @Override
    public Object scanUnsafe(Attr key) {
        return null;
    }

    static Duration unused(TimeUnit u) {
        return Duration.ZERO;
    }
}
