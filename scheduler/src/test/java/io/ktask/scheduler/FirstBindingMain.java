package io.ktask.scheduler;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.TaskHandle;

/**
 * Run by {@link NativeBindingTest} in a JVM of its own, where nothing has touched JNA yet: builds a
 * scheduler of two simulated nodes, asks for the caller's node and lends priority from the
 * caller (the calls a task's own thread makes), waits for libc to be bound, then starts one
 * helper, and prints one {@code key=value} line per observation.
 */
final class FirstBindingMain {

    private FirstBindingMain() {
    }

    public static void main(String[] args) throws Exception {
        KTaskScheduler scheduler = KTaskScheduler.builder().topology(NodeTopology.uniform(2, 1)).build();
        TaskHandle task = scheduler.openTask();
        scheduler.currentNode();
        task.lendPriority();
        // Building the scheduler started the binder thread: wait for it, with a deadline.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!ThreadPlacement.isBound() && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(1_000_000);
        }
        System.out.println("boundOn=" + ThreadPlacement.boundOn());
        CompletableFuture<Boolean> boundInHelper = new CompletableFuture<>();
        try (HelperLease lease = task.lease(1, 0)) {
            lease.start(0, () -> boundInHelper.complete(ThreadPlacement.isBound()));
        }
        System.out.println("boundInHelper=" + boundInHelper.get(60, TimeUnit.SECONDS));
        System.out.println("jnidispatch=" + System.getProperty("jnidispatch.path"));
        task.close();
        scheduler.dispose();
    }
}
