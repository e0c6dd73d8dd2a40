package io.ktask.brc;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Per-station min/max/sum/count keyed by the station's UTF-8 name, filled straight from a
 * buffer without allocating per line (open addressing, linear probing, grown at half full).
 *
 * <p>Not thread-safe: each chunk fills its own table; tables are then combined with
 * {@link #mergeInto}. Serializable, so that a chunk's table can travel from a Spark executor to
 * the driver.
 */
public final class StationTable implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Slot to station name (UTF-8), null for a free slot; the length is a power of two. */
    private byte[][] names;
    /** Slot to the hash of its name. */
    private int[] hashes;
    /** Slot to the lowest reading, in tenths. */
    private int[] min;
    /** Slot to the highest reading, in tenths. */
    private int[] max;
    /** Slot to the sum of the readings, in tenths. */
    private long[] sum;
    /** Slot to the number of readings. */
    private long[] count;
    /** The number of stations (used slots). */
    private int size;

    /** An empty table. */
    public StationTable() {
        this(1024);
    }

    private StationTable(int capacity) {
        names = new byte[capacity][];
        hashes = new int[capacity];
        min = new int[capacity];
        max = new int[capacity];
        sum = new long[capacity];
        count = new long[capacity];
    }

    /** Records one reading for the name at {@code buf[offset, offset + length)}. */
    void add(byte[] buf, int offset, int length, int hash, int tenths) {
        int slot = hash & (names.length - 1);
        while (names[slot] != null && !(hashes[slot] == hash
                && Arrays.equals(names[slot], 0, names[slot].length, buf, offset, offset + length))) {
            slot = (slot + 1) & (names.length - 1);
        }
        if (names[slot] == null) {
            slot = insert(Arrays.copyOfRange(buf, offset, offset + length), hash);
        }
        record(slot, tenths, tenths, tenths, 1);
    }

    /** @return the number of stations seen */
    public int size() {
        return size;
    }

    /**
     * Adds every station of {@code other} into this table.
     *
     * @param other the table to add; not changed
     * @return this table (a merge function for the operator: associative and commutative)
     */
    public StationTable mergeInto(StationTable other) {
        for (int i = 0; i < other.names.length; i++) {
            if (other.names[i] != null) {
                int slot = find(other.names[i], other.hashes[i]);
                record(slot, other.min[i], other.max[i], other.sum[i], other.count[i]);
            }
        }
        return this;
    }

    /** @return station name to its summary, sorted by name */
    public SortedMap<String, StationSummary> summaries() {
        SortedMap<String, StationSummary> out = new TreeMap<>();
        for (int i = 0; i < names.length; i++) {
            if (names[i] != null) {
                out.put(new String(names[i], StandardCharsets.UTF_8),
                        new StationSummary(min[i], max[i], sum[i], count[i]));
            }
        }
        return out;
    }

    /** @return the hash {@link #add} expects, continued by one byte (call from the first byte on with 0) */
    static int hash(int hash, byte b) {
        return 31 * hash + b;
    }

    private void record(int slot, int lo, int hi, long total, long n) {
        if (count[slot] == 0 || lo < min[slot]) {
            min[slot] = lo;
        }
        if (count[slot] == 0 || hi > max[slot]) {
            max[slot] = hi;
        }
        sum[slot] += total;
        count[slot] += n;
    }

    private int find(byte[] name, int hash) {
        int slot = hash & (names.length - 1);
        while (names[slot] != null) {
            if (hashes[slot] == hash && Arrays.equals(names[slot], name)) {
                return slot;
            }
            slot = (slot + 1) & (names.length - 1);
        }
        return insert(name, hash);
    }

    private int insert(byte[] name, int hash) {
        if (2 * (size + 1) > names.length) {
            grow();
        }
        int slot = hash & (names.length - 1);
        while (names[slot] != null) {
            slot = (slot + 1) & (names.length - 1);
        }
        names[slot] = name;
        hashes[slot] = hash;
        size++;
        return slot;
    }

    private void grow() {
        StationTable bigger = new StationTable(names.length * 2);
        bigger.mergeInto(this);
        names = bigger.names;
        hashes = bigger.hashes;
        min = bigger.min;
        max = bigger.max;
        sum = bigger.sum;
        count = bigger.count;
    }
}
