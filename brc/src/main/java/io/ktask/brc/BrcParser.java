package io.ktask.brc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.ktask.operators.DelimitedFile;

/**
 * Parses the lines of the One Billion Row Challenge into a {@link StationTable}. A line, as the
 * challenge's rules define it: a station name of 1 to {@value #MAX_NAME} bytes of UTF-8 without
 * {@code ';'} or {@code '\n'}, a {@code ';'}, a temperature from -99.9 to 99.9 with exactly one
 * fractional digit ({@code -?D?D.D}), and a {@code '\n'}, which the file's last line may lack.
 *
 * <p>It reads whole lines only: the byte ranges it is given start and end on line starts (chunks
 * cut by {@link DelimitedFile#boundaries()}), and {@link DelimitedFile#forEachWindow} hands it
 * windows of whole lines. Stateless and thread-safe; each call fills the table it is given.
 */
public final class BrcParser {

    /** The longest station name, in bytes of UTF-8. */
    public static final int MAX_NAME = 100;
    /** Longest line: name, ';', "-99.9", '\n'. */
    public static final int MAX_LINE = MAX_NAME + 7;
    /** A malformed line is quoted in the error up to this many bytes. */
    private static final int QUOTED = 60;

    private BrcParser() {
    }

    /**
     * Parses the lines in bytes {@code [start, end)} of {@code file}; both must be line starts
     * (the ends of a chunk cut by {@link DelimitedFile#boundaries()}).
     *
     * @param file the open file of lines; not null
     * @param start the byte offset of the first line, {@code 0 <= start <= end}
     * @param end the byte offset after the last line, {@code end <= file.size()}
     * @return a new table of those lines
     * @throws BadDataException on a malformed line (the message gives its byte offset and text)
     * @throws java.io.UncheckedIOException if reading fails
     */
    public static StationTable parse(DelimitedFile file, long start, long end) {
        StationTable table = new StationTable();
        file.forEachWindow(start, end, (window, offset) -> parse(window, offset, table));
        return table;
    }

    /**
     * Adds every line of {@code window} (whole lines, from its position to its limit, backed by
     * an array, as {@link DelimitedFile#forEachWindow} hands them) to {@code table}.
     *
     * @param window whole lines, from its position to its limit; not null
     * @param offset the file offset of the window's first byte, for error messages
     * @param table the table to add the lines to; not null
     * @throws BadDataException on a malformed line
     */
    public static void parse(ByteBuffer window, long offset, StationTable table) {
        byte[] buf = window.array();
        int from = window.arrayOffset() + window.position();
        int limit = from + window.remaining();
        for (int pos = from; pos < limit; ) {
            pos = parseLine(buf, pos, limit, offset - from, table);
        }
    }

    /**
     * @param base the file offset of {@code buf[0]}
     * @return the index of the next line
     */
    private static int parseLine(byte[] buf, int lineStart, int limit, long base, StationTable table) {
        int hash = 0;
        int pos = lineStart;
        byte b;
        while (pos < limit && (b = buf[pos]) != ';' && b != '\n') {
            hash = StationTable.hash(hash, b);
            pos++;
        }
        int nameLength = pos - lineStart;
        if (pos >= limit || buf[pos] != ';' || nameLength == 0 || nameLength > MAX_NAME) {
            throw malformed(buf, lineStart, limit, base);
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
                throw malformed(buf, lineStart, limit, base);
            }
            tenths = tenths * 10 + (b - '0');
            pos++;
        }
        if (digits == 0 || pos + 1 >= limit || (b = buf[pos + 1]) < '0' || b > '9') {
            throw malformed(buf, lineStart, limit, base);
        }
        tenths = tenths * 10 + (b - '0');
        pos += 2;
        if (pos < limit && buf[pos] != '\n') {
            throw malformed(buf, lineStart, limit, base);
        }
        table.add(buf, lineStart, nameLength, hash, negative ? -tenths : tenths);
        return pos + 1;
    }

    private static BadDataException malformed(byte[] buf, int lineStart, int limit, long base) {
        int end = lineStart;
        while (end < limit && end - lineStart < QUOTED && buf[end] != '\n') {
            end++;
        }
        String text = new String(buf, lineStart, end - lineStart, StandardCharsets.UTF_8);
        boolean cut = end < limit && buf[end] != '\n';
        return new BadDataException("malformed line at byte " + (base + lineStart) + ": '" + text + (cut ? "...'" : "'")
                + " (expected 'station;temperature': a name of 1.." + MAX_NAME
                + " bytes without ';', a temperature -99.9..99.9 with one decimal)");
    }
}
