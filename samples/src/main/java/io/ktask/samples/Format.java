package io.ktask.samples;

import java.util.Locale;

/** Number formats shared by the reports (fixed locale, so output is the same everywhere). */
final class Format {

    private Format() {
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3f s", nanos / 1e9);
    }

    static String speedup(double factor) {
        return String.format(Locale.ROOT, "%.2fx", factor);
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%,d MiB", bytes >> 20);
    }

    static String gbPerSecond(long bytes, long nanos) {
        return String.format(Locale.ROOT, "%.2f GB/s", (double) bytes / Math.max(1, nanos));
    }

    /**
     * A row of the side-by-side timing: label, time, and the speedup over {@code baseline}. A
     * speedup above the CPU count cannot come from running on more CPUs: the row says so.
     */
    static String timing(String label, long nanos, long baselineNanos) {
        double speedup = (double) baselineNanos / Math.max(1, nanos);
        String why = aboveCpus(speedup);
        return String.format(Locale.ROOT, "  %-18s %10s  %s", label, seconds(nanos),
                nanos == baselineNanos ? "(baseline)" : speedup(speedup))
                + (why.isEmpty() ? "" : "  (" + why + ")");
    }

    /**
     * @return why a speedup above this machine's CPU count is not the split's doing alone, or
     *     {@code ""} for a speedup the CPUs can explain
     */
    static String aboveCpus(double speedup) {
        int cpus = Runtime.getRuntime().availableProcessors();
        return speedup > cpus ? "above the " + cpus + " CPUs: not from parallelism alone; the runs met"
                + " different conditions, e.g. load or caches" : "";
    }
}
