package io.ktask.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * What a harness outside JMH prints about the host beside its figures, as bench/RESULTS.md
 * requires: date, JDK, CPUs, load averages before and after, and the share of CPU time the
 * hypervisor stole during the run ({@code /proc/stat}). Create it when the run starts and
 * {@link #print} it when the run ends.
 */
final class HostFacts {

    private final Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private final String loadBefore = loadAverage();
    private final long[] stealBefore = StealProfiler.totalAndSteal();

    /** @param jdk the JDK the measured code ran on (a child JVM may differ from this one) */
    void print(PrintStream out, String jdk) {
        long[] stealAfter = StealProfiler.totalAndSteal();
        String steal = stealBefore == null || stealAfter == null || stealAfter[0] <= stealBefore[0] ? "n/a"
                : String.format(Locale.ROOT, "%.1f%%",
                        100.0 * (stealAfter[1] - stealBefore[1]) / (stealAfter[0] - stealBefore[0]));
        out.printf(Locale.ROOT, "host: %s to %s, JDK %s, %d CPUs, load before %s, after %s, steal %s%n",
                started, Instant.now().truncatedTo(ChronoUnit.SECONDS), jdk,
                Runtime.getRuntime().availableProcessors(), loadBefore, loadAverage(), steal);
    }

    /** @return this JVM's version and VM name */
    static String thisJdk() {
        return System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")";
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }
}
