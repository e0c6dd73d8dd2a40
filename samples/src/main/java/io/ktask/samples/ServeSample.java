package io.ktask.samples;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.ktask.scheduler.KTaskScheduler;
import reactor.netty.ChannelBindException;

/**
 * {@code serve}: an HTTP server on reactor-netty whose {@code GET /stats} runs one ktask task per
 * request (see {@link StatsServer}). It listens on 127.0.0.1 only, until Ctrl-C (SIGINT) or
 * SIGTERM, or for {@code --seconds} when given; either way it stops cleanly: no new connections,
 * requests in flight finish (up to {@link StatsServer#GRACE}), then the event loops and the ktask
 * scheduler stop. Not part of {@code all}, which must end by itself.
 */
final class ServeSample extends Sample {

    static final String NAME = "serve";
    static final Option PORT = Option.value("port", "N", 8080, "TCP port on 127.0.0.1; 0 = any free port");
    static final Option SECONDS = Option.value("seconds", "N", 0, "stop after N seconds; 0 = run until Ctrl-C");
    static final Option MAX_JOBS = Option.value("max-jobs", "N", 16, "bulk requests served at once; more get 503");

    ServeSample() {
        super(NAME,
                "an HTTP server (reactor-netty) whose GET /stats runs one ktask task per request",
                """
                Listens on http://127.0.0.1:<port>. GET /stats?n=N&seed=S computes count, sum, min, max,
                mean and a histogram of N generated values (N at most 100,000,000) with KTask.reduce;
                &failAt=I makes the chunk holding position I fail, so the answer is a 500 with the
                KTaskException's message, sent after the rollback. GET /health answers at once with
                the server's counters. Bad requests get a 4xx with a JSON message. Runs until Ctrl-C
                (or SIGTERM), or for --seconds; then stops cleanly.""",
                withSchedulerOptions(PORT, SECONDS, MAX_JOBS));
    }

    @Override
    Outcome run(CommandLine args, Console console) throws InterruptedException {
        int port = args.intNumber(PORT.name(), 0, 65_535);
        long seconds = args.number(SECONDS.name(), 0, 365L * 24 * 3600);
        int maxJobs = args.intNumber(MAX_JOBS.name(), 1, 1024);
        KTaskScheduler scheduler = SchedulerFactory.create("ktask-serve", args, null);
        StatsServer server;
        try {
            server = StatsServer.start("ktask-serve", port, scheduler, maxJobs, line -> console.err.println("serve: " + line));
        } catch (ChannelBindException e) {
            scheduler.dispose();
            throw new UsageException(NAME, "cannot listen on " + StatsServer.HOST + ":" + port + " (" + e.getMessage()
                    + "); choose another --port, or --port 0 for any free one");
        }
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            awaitQuietly(stopped); // let the main thread finish its clean stop before the JVM halts
        }, "ktask-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        long start = System.nanoTime();
        try {
            String url = "http://" + server.address().getAddress().getHostAddress() + ":" + server.port();
            console.out.printf("serve: listening on %s (try %s/stats?n=10000000 and %s/health); %s%n", url, url, url,
                    seconds > 0 ? "stops after " + seconds + " s" : "Ctrl-C stops it");
            console.out.flush();
            if (seconds > 0) {
                stop.await(seconds, TimeUnit.SECONDS);
            } else {
                stop.await();
            }
        } finally {
            try {
                server.close();
                scheduler.dispose();
                console.out.printf("serve: stopped after serving for %s, %d requests (%d rolled back)%n",
                        Format.seconds(System.nanoTime() - start), server.requests(), server.rolledBack());
                console.out.flush();
            } finally {
                stopped.countDown(); // after the last line: on Ctrl-C the JVM halts once the hook returns
                removeHook(hook);
            }
        }
        return new Outcome(NAME, server.requests() + " requests", 0, System.nanoTime() - start, true, "stopped cleanly");
    }

    private static List<Option> withSchedulerOptions(Option... own) {
        List<Option> options = new ArrayList<>(List.of(own));
        options.addAll(SchedulerFactory.OPTIONS);
        return options;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(StatsServer.GRACE.toSeconds() * 3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down (Ctrl-C): the hook is running and is released by `stopped`
        }
    }
}
