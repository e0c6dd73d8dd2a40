package io.ktask.samples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Parses the {@code station;temperature} lines of a byte range of a file into a
 * {@link StationTable}. A range owns exactly the lines that START in it (a line starts at offset
 * 0 or right after a {@code '\n'}); its last line may run past the range's end. So any cut of
 * the file into ranges, at any byte, parses every line exactly once: that is what lets ktask cut
 * by bytes and the parser move each boundary to a line end.
 *
 * <p>Temperatures are {@code -?D?D.D} (one decimal); names are UTF-8 without {@code ';'}, at
 * most {@value #MAX_NAME} bytes. Thread-safe: a call reads its range with positional reads into
 * its own buffer, window by window, so memory stays bounded whatever the range's size.
 */
final class BrcParser {

    static final int MAX_NAME = 100;
    /** Longest line: name, ';', "-99.9", '\n'. */
    static final int MAX_LINE = MAX_NAME + 7;
    /** A range is read in windows of at most this many owned bytes. */
    private static final int WINDOW = 8 << 20;

    private BrcParser() {
    }

    /**
     * Parses the lines that start in {@code [start, end)} of {@code file}.
     *
     * @param fileSize the file's size (read once by the caller)
     * @throws BadDataException on a malformed line (the message gives its byte offset)
     * @throws UncheckedIOException if reading fails
     */
    static StationTable parse(FileChannel file, long fileSize, long start, long end) {
        StationTable table = new StationTable();
        byte[] window = new byte[(int) Math.min(WINDOW, end - start) + MAX_LINE + 1];
        for (long from = start; from < end; from += WINDOW) {
            parseWindow(file, fileSize, from, Math.min(end, from + WINDOW), window, table);
        }
        return table;
    }

    private static void parseWindow(FileChannel file, long fileSize, long start, long end, byte[] window,
            StationTable table) {
        long base = Math.max(0, start - 1);
        int limit = read(file, base, (int) (Math.min(fileSize, end + MAX_LINE) - base), window);
        int pos = (int) (start - base);
        int owned = (int) (end - base);
        if (start > 0 && window[pos - 1] != '\n') {
            // the line under the cut started in the previous range: skip to the next line start
            while (pos < limit && window[pos] != '\n') {
                pos++;
            }
            pos++;
        }
        while (pos < owned) {
            pos = parseLine(window, pos, limit, base, table);
        }
    }

    /** @return the offset of the next line */
    private static int parseLine(byte[] buf, int lineStart, int limit, long base, StationTable table) {
        int hash = 0;
        int pos = lineStart;
        byte b;
        while (pos < limit && (b = buf[pos]) != ';') {
            hash = StationTable.hash(hash, b);
            pos++;
        }
        int nameLength = pos - lineStart;
        if (pos >= limit || nameLength == 0 || nameLength > MAX_NAME) {
            throw malformed(base + lineStart);
        }
        pos++;
        boolean negative = pos < limit && buf[pos] == '-';
        if (negative) {
            pos++;
        }
        int tenths = 0;
        int digits = 0;
        while (pos < limit && (b = buf[pos]) != '.') {
            if (b < '0' || b > '9' || ++digits > 2) {
                throw malformed(base + lineStart);
            }
            tenths = tenths * 10 + (b - '0');
            pos++;
        }
        if (digits == 0 || pos + 1 >= limit || (b = buf[pos + 1]) < '0' || b > '9') {
            throw malformed(base + lineStart);
        }
        tenths = tenths * 10 + (b - '0');
        pos += 2;
        if (pos < limit && buf[pos] != '\n') {
            throw malformed(base + lineStart);
        }
        table.add(buf, lineStart, nameLength, hash, negative ? -tenths : tenths);
        return pos + 1;
    }

    /** Reads {@code length} bytes at {@code offset} into {@code into}; @return {@code length}. */
    private static int read(FileChannel file, long offset, int length, byte[] into) {
        ByteBuffer buf = ByteBuffer.wrap(into, 0, length);
        try {
            while (buf.hasRemaining()) {
                if (file.read(buf, offset + buf.position()) < 0) {
                    throw new IOException("file shrank while being read, at byte " + (offset + buf.position()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return length;
    }

    private static BadDataException malformed(long offset) {
        return new BadDataException("malformed line at byte " + offset
                + " (expected 'name;-12.3' with a name of 1.." + MAX_NAME + " bytes)");
    }
}
