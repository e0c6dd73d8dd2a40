package io.ktask.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler ({@code -prof io.ktask.bench.StealProfiler}) that reports, per iteration, the
 * share of the machine's CPU time the hypervisor gave to other guests (steal, from
 * {@code /proc/stat}) as the secondary metric {@value #LABEL}. On a shared VM a burst of steal
 * slows whichever implementation is being measured, so the report shows it beside every score:
 * a comparison is only as good as the steal of both its rows. Reports nothing where
 * {@code /proc/stat} cannot be read.
 */
public final class StealProfiler implements InternalProfiler {

    /** The secondary metric's label; JMH prefixes profiler results with a middle dot. */
    public static final String LABEL = "steal";

    private static final Path PROC_STAT = Path.of("/proc/stat");

    private long[] before;

    @Override
    public String getDescription() {
        return "share of CPU time stolen by the hypervisor during each iteration (/proc/stat)";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        before = totalAndSteal();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
            IterationParams iterationParams, IterationResult result) {
        long[] after = totalAndSteal();
        if (before == null || after == null || after[0] <= before[0]) {
            return List.of();
        }
        double percent = 100.0 * (after[1] - before[1]) / (after[0] - before[0]);
        return List.of(new ScalarResult(LABEL, percent, "%", AggregationPolicy.AVG));
    }

    /** @return {all jiffies, steal jiffies} of the aggregate cpu line, or null if unreadable */
    static long[] totalAndSteal() {
        try {
            for (String line : Files.readAllLines(PROC_STAT)) {
                if (line.startsWith("cpu ")) {
                    return parseCpuLine(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /**
     * @return {the sum of the first eight fields (user to steal: guest time is already counted in
     *     user), the steal field (the 8th)} of a {@code /proc/stat} cpu line
     */
    static long[] parseCpuLine(String line) {
        String[] fields = line.trim().split("\\s+");
        long total = 0;
        for (int i = 1; i <= 8 && i < fields.length; i++) {
            total += Long.parseLong(fields[i]);
        }
        return new long[] {total, fields.length > 8 ? Long.parseLong(fields[8]) : 0};
    }
}
