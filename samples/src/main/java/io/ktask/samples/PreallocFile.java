package io.ktask.samples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * A file being preallocated range by range, like {@code hugetlbfs_fallocate}: {@link #fill}
 * first copies the bytes it is about to overwrite to a journal, then writes the new content;
 * {@link #undo} puts the journaled bytes back and cuts the file to its old length, so undoing
 * every filled range leaves the file exactly as it was.
 *
 * <p>The old content is {@code oldLength} pseudo-random bytes; the new content of byte
 * {@code p} is a function of {@code p} alone, so any range can be filled on any thread in any
 * order. Thread-safety: {@link #fill} and {@link #undo} use positional I/O only and may run
 * concurrently on disjoint ranges.
 */
final class PreallocFile implements AutoCloseable {

    private static final int PIECE = 1 << 20;

    private final Path path;
    private final Path journalPath;
    private final long oldLength;
    private final FileChannel file;
    private final FileChannel journal;

    /** Creates {@code path} with {@code oldLength} bytes of old content and an empty journal beside it. */
    PreallocFile(Path path, long oldLength) throws IOException {
        this.path = path;
        this.journalPath = path.resolveSibling(path.getFileName() + ".journal");
        this.oldLength = oldLength;
        writeOldContent(path, oldLength);
        this.file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.journal = FileChannel.open(journalPath, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Journals the old bytes of {@code [start, end)}, then writes the new content there. */
    void fill(long start, long end) {
        ByteBuffer buf = ByteBuffer.allocate(PIECE);
        try {
            copy(file, journal, start, Math.min(end, oldLength), buf);
            for (long at = start; at < end; at += PIECE) {
                buf.clear().limit((int) Math.min(PIECE, end - at));
                newContent(buf, at);
                writeFully(file, buf.flip(), at);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reverts {@link #fill}{@code (start, end)}: restores the journaled bytes and, if the range
     * reached past the old end, cuts the file back to its old length (every range past it is
     * being undone as well: a task is all or nothing).
     */
    void undo(long start, long end) {
        try {
            copy(journal, file, start, Math.min(end, oldLength), ByteBuffer.allocate(PIECE));
            if (end > oldLength) {
                file.truncate(oldLength);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the SHA-256 of the file's current content, in hex */
    String sha256() throws IOException {
        MessageDigest digest = sha256Digest();
        ByteBuffer buf = ByteBuffer.allocate(PIECE);
        for (long at = 0; at < file.size(); at += buf.limit()) {
            buf.clear().limit((int) Math.min(PIECE, file.size() - at));
            readFully(file, buf, at);
            digest.update(buf.flip());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** @return the SHA-256 the file has once {@code [0, length)} is filled */
    static String expectedSha256(long length) {
        MessageDigest digest = sha256Digest();
        ByteBuffer buf = ByteBuffer.allocate(PIECE);
        for (long at = 0; at < length; at += PIECE) {
            buf.clear().limit((int) Math.min(PIECE, length - at));
            newContent(buf, at);
            digest.update(buf.flip());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    Path path() {
        return path;
    }

    long oldLength() {
        return oldLength;
    }

    /** Closes both channels and deletes the file and its journal. */
    @Override
    public void close() throws IOException {
        try (file; journal) {
            Files.deleteIfExists(journalPath);
        } finally {
            Files.deleteIfExists(path);
        }
    }

    /** The new content: 8-byte words, each a mix of its offset (offsets are multiples of 8). */
    private static void newContent(ByteBuffer buf, long offset) {
        for (int i = 0; i + 8 <= buf.limit(); i += 8) {
            long z = (offset + i) * 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            buf.putLong(i, z ^ (z >>> 31));
        }
        buf.position(buf.limit());
    }

    private static void writeOldContent(Path path, long length) throws IOException {
        SplittableRandom random = new SplittableRandom(length);
        byte[] piece = new byte[PIECE];
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            for (long at = 0; at < length; at += PIECE) {
                random.nextBytes(piece);
                writeFully(out, ByteBuffer.wrap(piece, 0, (int) Math.min(PIECE, length - at)), at);
            }
        }
    }

    /** Copies {@code [start, end)} of {@code from} to the same offsets of {@code to}. */
    private static void copy(FileChannel from, FileChannel to, long start, long end, ByteBuffer buf)
            throws IOException {
        for (long at = start; at < end; at += PIECE) {
            buf.clear().limit((int) Math.min(PIECE, end - at));
            readFully(from, buf, at);
            writeFully(to, buf.flip(), at);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buf, long at) throws IOException {
        for (long pos = at; buf.hasRemaining(); ) {
            int n = channel.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buf, long at) throws IOException {
        for (long pos = at; buf.hasRemaining(); ) {
            pos += channel.write(buf, pos);
        }
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
