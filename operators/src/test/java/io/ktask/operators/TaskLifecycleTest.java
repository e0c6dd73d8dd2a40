package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.NodeTopology;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** How a task meets its scheduler's lifecycle and configuration (issue 10: D6, D9). */
class TaskLifecycleTest {

    /**
     * D6: a graceful dispose lets running tasks finish; it used to abort a task whose own thread
     * is a scheduler thread as soon as the dispose was subscribed.
     */
    @Test
    void aGracefulDisposeLetsARunningTaskOnATaskThreadFinish() {
        KTaskScheduler scheduler = KTaskScheduler.builder().name("graceful")
                .topology(NodeTopology.uniform(1, 2)).build();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch disposing = new CountDownLatch(1);
        KTaskSpec<Long, Long> spec = KTaskSpec.<Long, Long>of(c -> {
            if (c.index() == 0) {
                running.countDown();
                Awaits.await(disposing);
            }
            return c.size();
        }).merge(Long::sum).minChunk(10).maxThreads(1).callerRuns(CallerRuns.NEVER).scheduler(scheduler).build();
        Mono<Long> task = KTask.range(0, 100).transform(KTask.parallelize(spec)).single();
        StepVerifier.create(task)
                .then(() -> {
                    Awaits.await(running);
                    scheduler.disposeGracefully().subscribe();
                    disposing.countDown();
                })
                .expectNext(100L).expectComplete().verify(Duration.ofSeconds(10));
        StepVerifier.create(scheduler.disposeGracefully()).expectComplete().verify(Duration.ofSeconds(10));
    }

    /**
     * D9: a bad ktask.* property used to fail the default scheduler's static holder: an
     * ExceptionInInitializerError, then NoClassDefFoundError forever. Run in a fresh JVM, since
     * the default scheduler is created once per JVM.
     */
    @Test
    void aBadPropertyFailsTheSubscriptionAndAGoodOneThenWorks() throws Exception {
        List<String> lines = runJava(BadPropertyMain.class);
        assertThat(lines).containsExactly(
                "first: IllegalArgumentException: ktask.maxHelpers",
                "second: 4950");
    }

    /** A fresh JVM with {@code -Dktask.maxHelpers=0} that subscribes twice, fixing the property between. */
    static final class BadPropertyMain {
        public static void main(String[] args) {
            Flux<Long> task = KTask.range(0, 100).transform(KTask.parallelize(c -> {
                long s = 0;
                for (long i = c.start(); i < c.end(); i++) {
                    s += i;
                }
                return s;
            }, Long::sum));
            try {
                task.blockLast();
                System.out.println("first: no error");
            } catch (IllegalArgumentException e) {
                System.out.println("first: IllegalArgumentException: "
                        + (e.getMessage().contains("ktask.maxHelpers") ? "ktask.maxHelpers" : e.getMessage()));
            }
            System.setProperty("ktask.maxHelpers", "2");
            System.out.println("second: " + task.blockLast());
            System.exit(0); // the default scheduler's threads are daemons; exit at once all the same
        }
    }

    private static List<String> runJava(Class<?> main) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Dktask.maxHelpers=0",
                "-cp", System.getProperty("java.class.path"), main.getName())
                .redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the forked JVM did not end in 60 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return out.lines().filter(l -> l.startsWith("first:") || l.startsWith("second:")).toList();
    }
}
