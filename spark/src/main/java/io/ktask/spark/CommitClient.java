package io.ktask.spark;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An executor's side of the commit protocol ({@link Wire}). Each request is retried, with
 * backoff, until the driver answers or {@link #deadlineMs} passes; a request is idempotent on the
 * driver, so a retry after a lost reply is harmless. Thread interrupts (Spark interrupts a
 * speculative attempt that lost the race) do not cut a request short: an attempt must learn
 * whether it committed before it decides to undo.
 */
final class CommitClient implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final int READ_TIMEOUT_MS = 60_000;

    private final String host;
    private final int port;
    private final long deadlineMs;

    CommitClient(String host, int port, long deadlineMs) {
        this.host = host;
        this.port = port;
        this.deadlineMs = deadlineMs;
    }

    /** The driver's answer. */
    record Reply(byte code, String message) {
    }

    /**
     * The driver could not be reached before the deadline. {@link #delivered} tells whether a
     * request may have reached it (then a commit's outcome is unknown), or surely did not.
     */
    static final class Unreachable extends IOException {
        private static final long serialVersionUID = 1L;
        final boolean delivered;

        Unreachable(String message, boolean delivered, Throwable cause) {
            super(message, cause);
            this.delivered = delivered;
        }
    }

    /**
     * Sends {@code request} and returns the reply. {@link Wire#UNKNOWN_JOB} after an earlier try
     * may have been delivered is not an answer (that try may have committed before the job was
     * forgotten), so it is thrown as {@link Unreachable} with {@code delivered = true}.
     */
    Reply send(Wire.Request request) throws Unreachable {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMs);
        boolean interrupted = Thread.interrupted(); // restored on the way out
        boolean delivered = false;
        long backoffMs = 50;
        try {
            while (true) {
                IOException failure;
                boolean written = false;
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
                    socket.setSoTimeout(READ_TIMEOUT_MS);
                    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
                    written = true; // from here on, bytes may reach the driver
                    Wire.write(out, request);
                    DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
                    Reply reply = new Reply(in.readByte(), in.readUTF());
                    if (reply.code() == Wire.UNKNOWN_JOB && delivered) {
                        throw new Unreachable("the job ended while a commit's reply was lost: outcome unknown", true, null);
                    }
                    return reply;
                } catch (Unreachable e) {
                    throw e;
                } catch (IOException e) {
                    failure = e;
                }
                delivered |= written;
                if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs) - deadline > 0) {
                    throw new Unreachable("no answer from the driver at " + host + ":" + port + " within "
                            + deadlineMs + " ms", delivered, failure);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoffMs)); // backoff, not synchronization
                interrupted |= Thread.interrupted();
                backoffMs = Math.min(2_000, backoffMs * 2);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
