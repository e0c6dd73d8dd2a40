package io.ktask.scheduler;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.TaskHandle;

/**
 * Run by {@link NativeBindingTest} in a JVM of its own: builds a scheduler the way the operators'
 * default one is built (by the thread of its first task), makes the calls a task's own thread
 * makes, marks that point in the class-load log by loading {@link Marker}, then starts one helper
 * and prints what its body saw as {@code helperSaw=<libc bound>|<bound on thread>|<own name>}.
 */
final class FirstTaskBindingMain {

    private FirstTaskBindingMain() {
    }

    /** Loaded where the class-load log must not yet hold any JNA class. */
    static final class Marker {
        static void reached() {
            // loading the class is the mark
        }
    }

    public static void main(String[] args) throws Exception {
        KTaskScheduler scheduler = KTaskScheduler.builder().topology(NodeTopology.uniform(2, 1)).jmx(false)
                .forFirstTask().build();
        TaskHandle task = scheduler.openTask();
        scheduler.currentNode();
        task.lendPriority();
        Marker.reached();
        CompletableFuture<String> saw = new CompletableFuture<>();
        try (HelperLease lease = task.lease(1, 0)) {
            lease.start(0, () -> saw.complete(ThreadPlacement.isBound() + "|" + ThreadPlacement.boundOn() + "|"
                    + Thread.currentThread().getName()));
        }
        System.out.println("helperSaw=" + saw.get(60, TimeUnit.SECONDS));
        task.close();
        scheduler.dispose();
    }
}
