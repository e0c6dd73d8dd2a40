package io.ktask.operators;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.function.LongUnaryOperator;
import java.util.function.ObjLongConsumer;

import reactor.core.publisher.Flux;

/**
 * A file of records that each end with a delimiter byte (lines end with {@code '\n'}), opened to
 * be parallelized by byte range with no boundary code of the caller's: {@link #range()} is the
 * file's bytes as a {@link KTask#range}, {@link #boundaries()} is the cut that moves every chunk
 * boundary to the start of a record, and {@link #forEachWindow(Chunk, ObjLongConsumer)} hands the work
 * function its chunk's bytes, whole records only.
 *
 * <pre>{@code
 * try (DelimitedFile file = DelimitedFile.open(path)) {
 *     Long lines = file.range().as(KTask.reduce(KTaskSpec.<Long, Long>of(chunk -> {
 *                 long[] n = {0};
 *                 file.forEachWindow(chunk, (window, offset) -> n[0] += count(window, (byte) '\n'));
 *                 return n[0];
 *             })
 *             .merge(Long::sum)
 *             .boundaries(file.boundaries())
 *             .build()))
 *         .block();
 * }
 * }</pre>
 *
 * <p>A record is the bytes after a delimiter (or the file's start) up to and including the next
 * delimiter; the last record may lack its delimiter (a file without a final newline). The file's
 * size is read once, at {@link #open}; the file must not change while it is being read (a file
 * that shrinks makes reads fail with an {@link UncheckedIOException}). Any size works, over 2 GiB
 * included: bytes are read with positional reads into buffers of at most a few MiB, never mapped
 * as a whole.
 *
 * <p>Threads: every method may be called from any thread, concurrently (positional reads share no
 * position). An interrupt of a thread that is reading closes the file for every thread (the
 * contract of {@link FileChannel}): the task then fails with a
 * {@link java.nio.channels.ClosedByInterruptException}, never with a wrong answer.
 * {@link #close()} releases the file handle; reading after it fails.
 */
public final class DelimitedFile implements Closeable {

    /** Bytes of a window, unless a record is longer; a window then grows to hold it. */
    static final int WINDOW = 1 << 20;
    /** The largest window, hence the longest record, a Java array can hold. */
    static final int MAX_WINDOW = Integer.MAX_VALUE - 8;
    /** Bytes read at a time while the cut looks for the next delimiter. */
    private static final int CUT_BLOCK = 4096;

    private final Path path;
    private final byte delimiter;
    private final FileChannel channel;
    private final long size;
    private final LongUnaryOperator boundaries = new RecordStarts();

    private DelimitedFile(Path path, byte delimiter, FileChannel channel, long size) {
        this.path = path;
        this.delimiter = delimiter;
        this.channel = channel;
        this.size = size;
    }

    /**
     * Opens a file of lines: records that end with {@code '\n'}. Same as
     * {@code open(path, (byte) '\n')}.
     *
     * @param path the file to read; not null
     * @return the opened file, to close when done
     * @throws NullPointerException if {@code path} is null
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws IOException if it is not a regular file or cannot be opened for reading
     */
    public static DelimitedFile open(Path path) throws IOException {
        return open(path, (byte) '\n');
    }

    /**
     * Opens a file whose records end with {@code delimiter}; close it when done.
     *
     * @param path the file to read; not null
     * @param delimiter the byte that ends a record (any value)
     * @return the opened file, to close when done
     * @throws NullPointerException if {@code path} is null
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws IOException if it is not a regular file or cannot be opened for reading
     */
    public static DelimitedFile open(Path path, byte delimiter) throws IOException {
        Objects.requireNonNull(path, "path must not be null");
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            if (!Files.isRegularFile(path)) {
                throw new IOException("not a regular file: " + path);
            }
            return new DelimitedFile(path, delimiter, channel, channel.size());
        } catch (IOException | RuntimeException e) {
            channel.close(); // the caller never sees a handle to close
            throw e;
        }
    }

    /** @return the file's path, as given to {@link #open} */
    public Path path() {
        return path;
    }

    /** @return the file's size in bytes when it was opened */
    public long size() {
        return size;
    }

    /** @return the byte that ends a record */
    public byte delimiter() {
        return delimiter;
    }

    /** @return the file's bytes as units: {@code KTask.range(0, size())} */
    public Flux<Long> range() {
        return KTask.range(0, size);
    }

    /**
     * The cut for {@link KTaskSpec.Builder#boundaries}: moves byte offset {@code b} to the start
     * of the first record that starts at or after it, that is {@code b} itself when the byte
     * before it is a delimiter, else just after the next delimiter, else {@link #size()}. Monotone,
     * and {@code b <= cut(b) <= size()}, as the option requires. It reads the bytes from
     * {@code b - 1} to the next delimiter (a record's length at most). Any thread may call it.
     * Given an offset outside {@code [0, size()]} it throws {@link IllegalArgumentException};
     * when reading fails, {@link UncheckedIOException}.
     *
     * @return the cut (the same instance on every call)
     */
    public LongUnaryOperator boundaries() {
        return boundaries;
    }

    /**
     * Hands the bytes of {@code chunk} ({@code [chunk.start(), chunk.end())}) to {@code reader}.
     * Same as {@code forEachWindow(chunk.start(), chunk.end(), reader)}.
     *
     * @param chunk the chunk whose units are byte offsets of this file; not null
     * @param reader gets each window and the file offset of its first byte; not null
     * @throws NullPointerException if {@code chunk} or {@code reader} is null
     * @throws IllegalArgumentException if the chunk is not within {@code [0, size()]}
     * @throws UncheckedIOException if reading fails, as for
     *     {@link #forEachWindow(long, long, ObjLongConsumer)}
     */
    public void forEachWindow(Chunk<?> chunk, ObjLongConsumer<? super ByteBuffer> reader) {
        forEachWindow(chunk.start(), chunk.end(), reader);
    }

    /**
     * Hands the bytes {@code [start, end)} of the file to {@code reader}, in order, in one or more
     * windows on the calling thread, each with the file offset of its first byte (for error
     * messages that say where). Each window is a heap buffer from position 0 to its limit,
     * backed by an accessible array ({@code hasArray()}), holding the bytes up to and including a
     * delimiter, or up to {@code end}: when {@code start} and {@code end} are record starts (the
     * ends of a chunk cut by {@link #boundaries()}), every window holds whole records only. A
     * window is about 1 MiB, more when one record is longer (up to 2 GiB). The buffer is valid
     * only during the call (its array is reused for the next window); changing it changes nothing
     * in the file. An empty range calls nothing.
     *
     * @param start the first byte offset to read, {@code 0 <= start <= end}
     * @param end the byte offset after the last one to read, {@code end <= size()}
     * @param reader gets each window and the file offset of its first byte; not null
     * @throws NullPointerException if {@code reader} is null
     * @throws IllegalArgumentException if {@code [start, end)} is not within {@code [0, size()]}
     * @throws UncheckedIOException if reading fails (the file shrank or was closed, the thread
     *     was interrupted, or one record is longer than 2 GiB)
     */
    public void forEachWindow(long start, long end, ObjLongConsumer<? super ByteBuffer> reader) {
        Objects.requireNonNull(reader, "reader must not be null");
        if (start < 0 || start > end || end > size) {
            throw new IllegalArgumentException("byte range [" + start + ", " + end + ") must be within [0, " + size
                    + "] of " + path);
        }
        byte[] buf = new byte[(int) Math.min(WINDOW, end - start)];
        long pos = start; // the file offset of buf[0]
        int filled = 0;   // bytes of buf read already (a partial record left over by the last window)
        while (pos < end) {
            int wanted = (int) Math.min(buf.length, end - pos);
            read(buf, filled, wanted - filled, pos + filled);
            filled = wanted;
            int length = pos + wanted == end ? wanted : lastDelimiter(buf, wanted) + 1;
            if (length == 0) {
                buf = grow(buf, pos); // one record fills the window: no delimiter to stop at
                continue;
            }
            reader.accept(ByteBuffer.wrap(buf, 0, length).slice(), pos);
            filled = wanted - length;
            System.arraycopy(buf, length, buf, 0, filled);
            pos += length;
        }
    }

    /** Closes the file handle. Idempotent. */
    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "DelimitedFile(" + path + ", " + size + " bytes, delimiter " + (delimiter & 0xFF) + ")";
    }

    /** @return the index of the last delimiter in {@code buf[0, length)}, or -1 */
    private int lastDelimiter(byte[] buf, int length) {
        for (int i = length - 1; i >= 0; i--) {
            if (buf[i] == delimiter) {
                return i;
            }
        }
        return -1;
    }

    /** @return a copy of {@code buf} with room for more of the record that starts at file offset {@code pos} */
    private static byte[] grow(byte[] buf, long pos) {
        if (buf.length == MAX_WINDOW) {
            throw new UncheckedIOException(new IOException("the record at byte " + pos + " is longer than "
                    + MAX_WINDOW + " bytes, the longest a window can hold"));
        }
        byte[] bigger = new byte[(int) Math.min(MAX_WINDOW, 2L * buf.length)];
        System.arraycopy(buf, 0, bigger, 0, buf.length);
        return bigger;
    }

    /** Reads exactly {@code length} bytes at file offset {@code at} into {@code buf[offset, offset + length)}. */
    private void read(byte[] buf, int offset, int length, long at) {
        ByteBuffer into = ByteBuffer.wrap(buf, offset, length);
        try {
            while (into.hasRemaining()) {
                if (channel.read(into, at + (into.position() - offset)) < 0) {
                    throw new IOException(path + " shrank while being read: no byte at " + (at + into.position() - offset)
                            + " of the " + size + " it had when opened");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The cut of {@link #boundaries()}: a class of its own so that a spec's {@code toString} names the file. */
    private final class RecordStarts implements LongUnaryOperator {

        @Override
        public long applyAsLong(long b) {
            if (b < 0 || b > size) {
                throw new IllegalArgumentException("byte offset must be within [0, " + size + "] of " + path
                        + " but was " + b);
            }
            if (b == 0) {
                return 0;
            }
            byte[] block = new byte[CUT_BLOCK];
            for (long at = b - 1; at < size; at += block.length) {
                int n = (int) Math.min(block.length, size - at);
                read(block, 0, n, at);
                for (int i = 0; i < n; i++) {
                    if (block[i] == delimiter) {
                        return at + i + 1;
                    }
                }
            }
            return size; // the last record has no delimiter
        }

        @Override
        public String toString() {
            return "record starts of " + path;
        }
    }
}
