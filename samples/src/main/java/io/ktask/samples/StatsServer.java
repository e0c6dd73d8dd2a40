package io.ktask.samples;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import io.ktask.operators.KTaskException;
import io.ktask.scheduler.KTaskScheduler;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

/**
 * {@code serve}'s HTTP server, on reactor-netty, bound to {@value #HOST} only:
 *
 * <ul>
 *   <li>{@code GET /stats?n=N[&seed=S][&failAt=I]}: the {@link Stats} of a generated data set of
 *       N values, computed by one ktask task per request ({@link StatsJob}); 500 with the
 *       {@link KTaskException}'s message once the rollback of a failed task has ended; 503 when
 *       {@code maxJobs} bulk requests are already in flight;</li>
 *   <li>{@code GET /health}: the server's counters, answered at once by the event loop.</li>
 * </ul>
 *
 * Every other request is a 4xx whose JSON body says what was wrong: 404 unknown path, 405 other
 * methods, 400 bad parameters, 413 a request body, 414 a request line longer than
 * {@value #MAX_REQUEST_LINE} bytes, 431 headers over {@value #MAX_HEADERS} bytes (the last two
 * are reactor-netty's own replies, given a message by {@link DecodeFailureBodies}). Handlers run
 * on the server's own event loops (threads {@code <name>-…}); a bulk reply may be sent from a
 * ktask thread. The server's log (5xx only) goes to the given consumer, from any thread.
 */
final class StatsServer implements AutoCloseable {

    static final String HOST = "127.0.0.1";
    static final int MAX_REQUEST_LINE = 4096;
    static final int MAX_HEADERS = 8192;
    /** How long {@link #close} lets requests in flight finish before it closes their connections. */
    static final Duration GRACE = Duration.ofSeconds(5);
    private static final String PATHS = "GET /health, " + StatsQuery.USAGE;

    private final StatsJob job;
    private final int maxJobs;
    private final Consumer<String> log;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder requests = new LongAdder();
    private final LongAdder rolledBack = new LongAdder();
    private final LoopResources loops;
    private final DisposableServer server;

    private StatsServer(String name, int port, KTaskScheduler scheduler, int maxJobs, Consumer<String> log) {
        this.job = new StatsJob(scheduler);
        this.maxJobs = maxJobs;
        this.log = log;
        this.loops = LoopResources.create(name, LoopResources.DEFAULT_IO_WORKER_COUNT, true);
        try {
            this.server = HttpServer.create()
                    .host(HOST)
                    .port(port)
                    .runOn(loops)
                    // the group lets close() wait for requests in flight, not only stop listening
                    .channelGroup(new DefaultChannelGroup(loops.onServer(true).next()))
                    .httpRequestDecoder(spec -> spec.maxInitialLineLength(MAX_REQUEST_LINE).maxHeaderSize(MAX_HEADERS))
                    .idleTimeout(Duration.ofSeconds(60))
                    .doOnChannelInit((observer, channel, remote) -> channel.pipeline()
                            .addAfter(NettyPipeline.HttpCodec, "ktask.decodeFailureBodies", new DecodeFailureBodies()))
                    .handle(this::handle)
                    .bindNow(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            loops.dispose();
            throw e;
        }
    }

    /**
     * Starts the server; returns once it listens.
     *
     * @param name prefix of the event loop threads' names
     * @param port the TCP port on {@value #HOST}, or 0 for any free one (see {@link #port()})
     * @param scheduler runs the bulk jobs; the caller keeps ownership
     * @param maxJobs bulk requests served at once; more are answered 503
     * @param log receives one line per 5xx response
     * @throws reactor.netty.ChannelBindException if the port is taken
     */
    static StatsServer start(String name, int port, KTaskScheduler scheduler, int maxJobs, Consumer<String> log) {
        return new StatsServer(name, port, scheduler, maxJobs, log);
    }

    /** @return the port the server listens on */
    int port() {
        return server.port();
    }

    /** @return the address the server's socket is bound to, as the OS reports it */
    InetSocketAddress address() {
        return (InetSocketAddress) server.address();
    }

    /** @return requests answered or being answered since the start */
    long requests() {
        return requests.sum();
    }

    /** @return bulk requests whose task failed and was rolled back */
    long rolledBack() {
        return rolledBack.sum();
    }

    /**
     * Stops listening, lets requests in flight finish for up to {@link #GRACE} (then closes their
     * connections, which cancels and rolls back their tasks), and stops the event loops.
     */
    @Override
    public void close() {
        try {
            server.disposeNow(GRACE);
        } catch (IllegalStateException e) {
            log.accept("requests still in flight after " + GRACE.toSeconds() + " s: their connections are closed");
        }
        loops.disposeLater(Duration.ZERO, GRACE).block(GRACE.multipliedBy(2));
    }

    private Mono<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        requests.increment();
        Mono<Reply> reply;
        try {
            reply = route(request);
        } catch (HttpError e) {
            reply = Mono.just(Reply.error(e.status, e.getMessage(), ""));
        }
        return reply.flatMap(r -> send(response, r));
    }

    private Mono<Reply> route(HttpServerRequest request) {
        String length = request.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        if (request.requestHeaders().contains(HttpHeaderNames.TRANSFER_ENCODING) || length != null && !length.equals("0")) {
            throw new HttpError(413, "request bodies are not accepted (Content-Length: " + (length == null ? "chunked"
                    : HttpError.shown(length)) + "): every input is in the query string (" + PATHS + ")");
        }
        String path = request.fullPath();
        boolean stats = path.equals("/stats");
        if (!stats && !path.equals("/health")) {
            throw new HttpError(404, "no such path '" + HttpError.shown(path) + "' (paths: " + PATHS + ")");
        }
        if (!request.method().equals(HttpMethod.GET)) {
            throw new HttpError(405, "method " + HttpError.shown(request.method().name()) + " is not allowed on " + path
                    + " (allowed: GET)");
        }
        Map<String, List<String>> params;
        try {
            params = new QueryStringDecoder(request.uri()).parameters();
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "malformed query string: " + e.getMessage());
        }
        if (stats) {
            return stats(StatsQuery.parse(params));
        }
        if (!params.isEmpty()) {
            throw new HttpError(400, "GET /health takes no parameters but was given '"
                    + HttpError.shown(params.keySet().iterator().next()) + "'");
        }
        return Mono.just(Reply.ok(health()));
    }

    private Mono<Reply> stats(StatsQuery query) {
        return Mono.defer(() -> {
            if (inFlight.incrementAndGet() > maxJobs) {
                inFlight.decrementAndGet();
                return Mono.just(Reply.error(503, "busy: " + maxJobs + " bulk requests are in flight, retry later", ""));
            }
            AtomicBoolean released = new AtomicBoolean();
            Runnable release = () -> {
                if (released.compareAndSet(false, true)) {
                    inFlight.decrementAndGet();
                }
            };
            AtomicInteger undos = new AtomicInteger();
            long start = System.nanoTime();
            return job.run(query, undos)
                    .doOnTerminate(release) // before the reply goes out: /health never counts an answered request
                    .doOnCancel(release)
                    .map(s -> Reply.ok(s.toJson(query.n(), query.seed(), System.nanoTime() - start)))
                    .onErrorResume(KTaskException.class, e -> Mono.just(rolledBack(e, undos.get())))
                    .onErrorResume(e -> Mono.just(failed(e)));
        });
    }

    /** Runs after the task's rollback: the error signal comes only once every undo has returned. */
    private Reply rolledBack(KTaskException e, int undos) {
        rolledBack.increment();
        log.accept("500 rolled back, " + undos + " undos ran before this response: " + e.getMessage());
        return Reply.error(500, e.getMessage(), "\"failedChunk\":" + e.failedChunk() + ",\"undoneChunks\":"
                + e.undoneChunks().size() + ",\"undos\":" + undos);
    }

    private Reply failed(Throwable e) {
        log.accept("500 internal error: " + e);
        return Reply.error(500, "internal error: " + e, "");
    }

    private String health() {
        return String.format(Locale.ROOT, "{\"status\":\"up\",\"bulkInFlight\":%d,\"maxBulk\":%d,\"requests\":%d,"
                        + "\"rolledBack\":%d,\"valuesCommitted\":%d,\"chunksUndone\":%d}",
                inFlight.get(), maxJobs, requests(), rolledBack(), job.committed(), job.undone());
    }

    private static Mono<Void> send(HttpServerResponse response, Reply reply) {
        response.status(reply.status()).header(HttpHeaderNames.CONTENT_TYPE, "application/json");
        if (reply.status() == 405) {
            response.header(HttpHeaderNames.ALLOW, "GET");
        }
        if (reply.status() == 413) {
            response.keepAlive(false); // the body was not read: the connection cannot carry another request
        }
        return response.sendString(Mono.just(reply.json() + "\n")).then();
    }
}
