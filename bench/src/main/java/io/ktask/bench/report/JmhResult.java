package io.ktask.bench.report;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.ktask.bench.StealProfiler;

/**
 * One benchmark result of JMH's JSON output ({@code -rf json}): which benchmark and parameters,
 * the score with its 99.9% error and median, and the settings it ran with.
 *
 * @param benchmark the class simple name and method, e.g. {@code W1CheapCpuBenchmark.sumHash}
 * @param impl the {@code impl} parameter (the implementation compared)
 * @param params every other parameter, in JMH's order
 * @param mode JMH's mode: {@code avgt} (lower is better) or {@code thrpt} (higher is better)
 * @param score the primary score
 * @param error the 99.9% confidence half-width, NaN when there were too few iterations
 * @param median the median iteration score
 * @param unit JMH's score unit, e.g. {@code us/op}
 * @param settings warm-up, measurement and forks, as JMH ran them
 * @param jdk JDK version, VM name and VM version
 * @param steal mean share (%) of CPU time stolen by the hypervisor during the measured iterations
 *     ({@code io.ktask.bench.StealProfiler}), NaN when not profiled
 */
public record JmhResult(String benchmark, String impl, Map<String, String> params, String mode, double score,
        double error, double median, String unit, String settings, String jdk, double steal) {

    /** @return true when a bigger score is better (throughput modes) */
    public boolean higherIsBetter() {
        return mode.equals("thrpt");
    }

    /**
     * @return how many times faster this result is than {@code other} (above 1 = faster), in
     *     either mode, by the medians of their iterations: a burst of CPU time stolen by the
     *     hypervisor spoils a few iterations, which drag the mean but not the median
     */
    public double speedupOver(JmhResult other) {
        return higherIsBetter() ? median / other.median : other.median / median;
    }

    /** @return the workload tag, the class name up to its first letter after the digits ({@code W1}) */
    public String workload() {
        int end = 1;
        while (end < benchmark.length() && Character.isDigit(benchmark.charAt(end))) {
            end++;
        }
        return benchmark.substring(0, end);
    }

    /**
     * Reads JMH's JSON result file.
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it is not JMH's JSON (the message names the field)
     */
    public static List<JmhResult> read(Path json) throws IOException {
        try (Reader in = Files.newBufferedReader(json)) {
            List<JmhResult> results = new ArrayList<>();
            for (JsonElement e : JsonParser.parseReader(in).getAsJsonArray()) {
                results.add(of(e.getAsJsonObject()));
            }
            return results;
        }
    }

    private static JmhResult of(JsonObject o) {
        String fqn = field(o, "benchmark").getAsString();
        String[] parts = fqn.split("\\.");
        String benchmark = parts.length < 2 ? fqn : parts[parts.length - 2] + "." + parts[parts.length - 1];
        Map<String, String> params = new LinkedHashMap<>();
        String impl = "";
        if (o.has("params")) {
            for (Map.Entry<String, JsonElement> p : o.getAsJsonObject("params").entrySet()) {
                if (p.getKey().equals("impl")) {
                    impl = p.getValue().getAsString();
                } else {
                    params.put(p.getKey(), p.getValue().getAsString());
                }
            }
        }
        JsonObject metric = field(o, "primaryMetric").getAsJsonObject();
        double score = field(metric, "score").getAsDouble();
        JsonObject percentiles = metric.getAsJsonObject("scorePercentiles");
        double median = percentiles != null && percentiles.has("50.0") ? percentiles.get("50.0").getAsDouble() : score;
        String settings = "JMH " + field(o, "jmhVersion").getAsString() + ", fork " + field(o, "forks").getAsInt()
                + ", warmup " + field(o, "warmupIterations").getAsInt() + " x " + field(o, "warmupTime").getAsString()
                + ", measurement " + field(o, "measurementIterations").getAsInt() + " x "
                + field(o, "measurementTime").getAsString() + ", threads " + field(o, "threads").getAsInt();
        String jdk = field(o, "jdkVersion").getAsString() + " (" + field(o, "vmName").getAsString() + " "
                + field(o, "vmVersion").getAsString() + ")";
        return new JmhResult(benchmark, impl, params, field(o, "mode").getAsString(), score,
                field(metric, "scoreError").getAsDouble(), median, field(metric, "scoreUnit").getAsString(),
                settings, jdk, steal(o));
    }

    /** @return the StealProfiler's mean, found by its label (JMH prefixes a middle dot), or NaN */
    private static double steal(JsonObject o) {
        JsonElement secondary = o.get("secondaryMetrics");
        if (secondary == null || !secondary.isJsonObject()) {
            return Double.NaN;
        }
        for (Map.Entry<String, JsonElement> m : secondary.getAsJsonObject().entrySet()) {
            if (m.getKey().endsWith(StealProfiler.LABEL) && m.getValue().isJsonObject()) {
                return field(m.getValue().getAsJsonObject(), "score").getAsDouble();
            }
        }
        return Double.NaN;
    }

    private static JsonElement field(JsonObject o, String name) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException("JMH result lacks field '" + name + "': " + o);
        }
        return e;
    }
}
