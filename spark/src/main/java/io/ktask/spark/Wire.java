package io.ktask.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The commit protocol between a chunk attempt on an executor and the job's ledger on the driver:
 * one request and one reply per connection.
 *
 * <pre>
 * request: int magic, byte version, long token high, long token low, byte kind, int chunk,
 *          long task attempt id, int attempt number, int text length, text (UTF-8),
 *          int payload length, payload (a Java-serialized result or throwable)
 * reply:   byte code, UTF message
 * </pre>
 *
 * The driver reads the fixed header first and reads (and deserializes) a payload only for a job
 * token it issued: the 128-bit random token travels to executors inside Spark's own task
 * closure, so a request that knows it comes from the job's tasks.
 */
final class Wire {

    static final int MAGIC = 0x4B54534B; // "KTSK"
    static final byte VERSION = 1;

    /** Request kinds. */
    static final byte COMMIT = 1;
    static final byte FAILED = 2;
    static final byte UNDO_FAILED = 3;

    /** Reply codes. */
    static final byte GRANTED = 1;
    static final byte DENIED = 2;
    static final byte RECORDED = 3;
    static final byte UNKNOWN_JOB = 4;
    static final byte REJECTED = 5;

    /** Longest text (a failure's description) a request may carry. */
    static final int MAX_TEXT = 64 << 10;

    private Wire() {
    }

    /** The fixed part of a request, read before anything of variable size. */
    record Header(UUID token, byte kind, int chunk, long attemptId, int attemptNumber) {
    }

    /** A whole request, as an executor sends it. */
    record Request(Header header, String text, byte[] payload) {
    }

    static void write(DataOutputStream out, Request request) throws IOException {
        Header h = request.header();
        out.writeInt(MAGIC);
        out.writeByte(VERSION);
        out.writeLong(h.token().getMostSignificantBits());
        out.writeLong(h.token().getLeastSignificantBits());
        out.writeByte(h.kind());
        out.writeInt(h.chunk());
        out.writeLong(h.attemptId());
        out.writeInt(h.attemptNumber());
        byte[] text = truncate(request.text()).getBytes(StandardCharsets.UTF_8);
        out.writeInt(text.length);
        out.write(text);
        out.writeInt(request.payload().length);
        out.write(request.payload());
        out.flush();
    }

    /** @throws BadRequest if the stream does not start with a request of this protocol */
    static Header readHeader(DataInputStream in) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new BadRequest("not a ktask-spark commit request: magic was 0x" + Integer.toHexString(magic));
        }
        byte version = in.readByte();
        if (version != VERSION) {
            throw new BadRequest("protocol version must be " + VERSION + " but was " + version);
        }
        UUID token = new UUID(in.readLong(), in.readLong());
        byte kind = in.readByte();
        if (kind < COMMIT || kind > UNDO_FAILED) {
            throw new BadRequest("request kind must be 1 (commit), 2 (failed) or 3 (undo failed) but was " + kind);
        }
        int chunk = in.readInt();
        long attemptId = in.readLong();
        int attemptNumber = in.readInt();
        if (attemptId < 0 || attemptNumber < 0) {
            throw new BadRequest("attempt id and number must be >= 0 but were " + attemptId + " and " + attemptNumber);
        }
        return new Header(token, kind, chunk, attemptId, attemptNumber);
    }

    /** Reads the text and the payload after a header; {@code maxPayload} bounds the payload. */
    static Request readBody(DataInputStream in, Header header, long maxPayload) throws IOException {
        byte[] text = readBytes(in, "text length", MAX_TEXT);
        byte[] payload = readBytes(in, "payload length", maxPayload);
        return new Request(header, new String(text, StandardCharsets.UTF_8), payload);
    }

    private static byte[] readBytes(DataInputStream in, String what, long max) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > max) {
            throw new BadRequest(what + " must be in [0, " + max + "] but was " + length);
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }

    static void writeReply(DataOutputStream out, byte code, String message) throws IOException {
        out.writeByte(code);
        out.writeUTF(truncate(message));
        out.flush();
    }

    static byte[] serialize(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    /** Reads a value serialized by {@link #serialize}, resolving classes with {@code loader}. */
    static Object deserialize(byte[] bytes, ClassLoader loader) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(bytes), loader)) {
            return in.readObject();
        }
    }

    /** Keeps texts within what {@code writeUTF} and {@link #MAX_TEXT} accept. */
    private static String truncate(String text) {
        return text.length() <= MAX_TEXT / 4 ? text : text.substring(0, MAX_TEXT / 4) + "...";
    }

    /** A request that does not follow the protocol: the driver rejects it with this message. */
    static final class BadRequest extends IOException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

    /** Resolves the job's own classes (the driver's user class loader), then the platform's. */
    private static final class LoaderObjectInputStream extends ObjectInputStream {
        private final ClassLoader loader;

        LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
            super(in);
            this.loader = loader;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }
    }
}
