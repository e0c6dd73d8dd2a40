package io.ktask.scheduler;

import java.util.BitSet;

/**
 * The kernel's "cpulist" text format ({@code 0-3,8-11}, {@code 5}, or empty), as found in
 * {@code /sys/devices/system/node/node*}{@code /cpulist} and {@code Cpus_allowed_list}.
 */
final class CpuList {

    private CpuList() {
    }

    /**
     * @param text a cpulist, with optional whitespace around the list and its items; an empty or
     *     blank text (an offline node) is the empty set
     * @return the CPU ids, each in {@code [0, NodeTopology.CPU_ID_LIMIT)}
     * @throws IllegalArgumentException if the text is not a cpulist; the stride form
     *     ({@code 0-7:2/4}) is rejected too, as the kernel never prints it
     */
    static BitSet parse(String text) {
        BitSet cpus = new BitSet();
        String list = text.strip();
        if (list.isEmpty()) {
            return cpus;
        }
        for (String item : list.split(",", -1)) {
            int dash = item.indexOf('-');
            int first = parseId(dash < 0 ? item : item.substring(0, dash), text);
            int last = dash < 0 ? first : parseId(item.substring(dash + 1), text);
            if (last < first) {
                throw new IllegalArgumentException("cpulist range must be ascending but was '"
                        + item.strip() + "' in '" + text.strip() + "'");
            }
            cpus.set(first, last + 1);
        }
        return cpus;
    }

    private static int parseId(String id, String text) {
        String digits = id.strip();
        // At most 5 digits: CPU_ID_LIMIT has 5, and the bound keeps parseInt from overflowing.
        if (digits.isEmpty() || digits.length() > 5 || !allDigits(digits)) {
            throw new IllegalArgumentException("cpulist must be comma-separated CPU ids and ranges"
                    + " but was '" + text.strip() + "'");
        }
        int cpu = Integer.parseInt(digits);
        if (cpu >= NodeTopology.CPU_ID_LIMIT) {
            throw new IllegalArgumentException("cpu id must be < " + NodeTopology.CPU_ID_LIMIT
                    + " but was " + cpu + " in '" + text.strip() + "'");
        }
        return cpu;
    }

    /** A loop, not a stream: this runs in every fresh JVM's first task, where a lambda costs milliseconds. */
    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** @return the set bits of {@code cpus}, ascending */
    static int[] toArray(BitSet cpus) {
        int[] ids = new int[cpus.cardinality()];
        for (int i = 0, cpu = cpus.nextSetBit(0); cpu >= 0; cpu = cpus.nextSetBit(cpu + 1)) {
            ids[i++] = cpu;
        }
        return ids;
    }

    /** Appends the ascending {@code cpus} as a cpulist to {@code out}: runs of two or more as ranges. */
    static void format(int[] cpus, StringBuilder out) {
        for (int i = 0; i < cpus.length; ) {
            int j = i;
            while (j + 1 < cpus.length && cpus[j + 1] == cpus[j] + 1) {
                j++;
            }
            out.append(i == 0 ? "" : ",").append(cpus[i]);
            if (j > i) {
                out.append('-').append(cpus[j]);
            }
            i = j + 1;
        }
    }
}
