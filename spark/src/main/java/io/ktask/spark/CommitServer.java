package io.ktask.spark;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The driver's side of the commit protocol ({@link Wire}): a TCP server that answers chunk
 * attempts on executors out of the open jobs' {@link Ledger}s. It listens where Spark's own
 * driver listens ({@code spark.driver.bindAddress}, advertised as {@code spark.driver.host}), on
 * an ephemeral port.
 *
 * <p>Every request is validated before it touches a ledger: the magic number and version, the
 * job token (unknown: {@link Wire#UNKNOWN_JOB}, and no payload is read), the chunk index, the
 * sizes; anything else is answered {@link Wire#REJECTED} with a message naming the field and its
 * value. A handler waits at most {@link #READ_TIMEOUT_MS} for a slow client; at most
 * {@link #HANDLERS} requests are served at once and {@link #BACKLOG} more wait, further
 * connections are closed at once (attempts retry).
 */
final class CommitServer implements AutoCloseable {

    static final int READ_TIMEOUT_MS = 30_000;
    static final int HANDLERS = 32;
    static final int BACKLOG = 1024;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicInteger SERVERS = new AtomicInteger();

    private final ServerSocket socket;
    private final String advertisedHost;
    private final long maxPayload;
    private final Map<UUID, Ledger> ledgers = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor handlers;
    private final Thread acceptor;
    private volatile boolean closed;

    /**
     * @param bindHost the address to listen on
     * @param advertisedHost the address executors connect to
     * @param maxPayload the largest serialized result or failure accepted, in bytes
     */
    CommitServer(String bindHost, String advertisedHost, long maxPayload) throws IOException {
        this.advertisedHost = advertisedHost;
        this.maxPayload = maxPayload;
        this.socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(bindHost), 0), 128);
        int id = SERVERS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        this.handlers = new ThreadPoolExecutor(HANDLERS, HANDLERS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(BACKLOG), r -> daemon(r, "ktask-spark-commit-" + id + "-" + threads.incrementAndGet()));
        handlers.allowCoreThreadTimeOut(true);
        this.acceptor = daemon(this::acceptLoop, "ktask-spark-commit-" + id + "-accept");
        acceptor.start();
    }

    /** @return the host executors connect to */
    String host() {
        return advertisedHost;
    }

    /** @return the port the server listens on */
    int port() {
        return socket.getLocalPort();
    }

    /** Opens a ledger for a new job under a fresh random token. */
    Ledger open(ChunkPlan plan, ClassLoader loader) {
        UUID token = new UUID(RANDOM.nextLong(), RANDOM.nextLong());
        Ledger ledger = new Ledger(token, plan, loader);
        ledgers.put(token, ledger);
        return ledger;
    }

    /** Forgets a job: its attempts are answered {@link Wire#UNKNOWN_JOB} from now on. */
    void remove(Ledger ledger) {
        ledgers.remove(ledger.token);
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // closing a listening socket has nothing left to lose; the acceptor ends either way
        }
        handlers.shutdownNow();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue; // a connection that failed while being accepted: the client retries
            }
            try {
                handlers.execute(() -> serve(client));
            } catch (RejectedExecutionException e) {
                closeQuietly(client); // overloaded or closing: the attempt retries
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            client.setSoTimeout(READ_TIMEOUT_MS);
            DataInputStream in = new DataInputStream(new BufferedInputStream(client.getInputStream()));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(client.getOutputStream()));
            byte code;
            String message = "";
            try {
                Wire.Header header = Wire.readHeader(in);
                Ledger ledger = ledgers.get(header.token());
                if (ledger == null) {
                    Wire.writeReply(out, Wire.UNKNOWN_JOB, "no open job has this token");
                    return;
                }
                if (header.chunk() < 0 || header.chunk() >= ledger.plan.chunks) {
                    throw new Wire.BadRequest("chunk must be in [0, " + ledger.plan.chunks + ") but was " + header.chunk());
                }
                code = apply(ledger, Wire.readBody(in, header, maxPayload));
            } catch (Wire.BadRequest e) {
                code = Wire.REJECTED;
                message = e.getMessage();
            }
            Wire.writeReply(out, code, message);
        } catch (IOException e) {
            // the client went away (mid-request or before the reply): it retries, and a retried
            // request is idempotent
        }
    }

    private static byte apply(Ledger ledger, Wire.Request request) throws Wire.BadRequest {
        Wire.Header h = request.header();
        if (h.kind() == Wire.COMMIT) {
            Object result;
            try {
                result = Wire.deserialize(request.payload(), ledger.loader);
            } catch (IOException | ClassNotFoundException | RuntimeException e) {
                throw new Wire.BadRequest("the driver cannot read the result of chunk " + h.chunk() + ": " + e);
            }
            return ledger.commit(h.chunk(), h.attemptId(), result);
        }
        ledger.record(new Ledger.Failure(h.kind(), h.chunk(), h.attemptId(), h.attemptNumber(),
                readFailure(ledger, request)));
        return Wire.RECORDED;
    }

    /** The attempt's throwable, or a stand-in with its description when it cannot be read here. */
    private static Throwable readFailure(Ledger ledger, Wire.Request request) {
        try {
            Object error = Wire.deserialize(request.payload(), ledger.loader);
            if (error instanceof Throwable t) {
                return t;
            }
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            // described below: a failure the driver cannot deserialize still counts
        }
        return new RuntimeException(request.text());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing was said on this connection
        }
    }
}
