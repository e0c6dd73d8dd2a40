package io.ktask.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsReportTest {

    @TempDir
    Path dir;

    /** One JMH JSON entry, in the shape {@code -rf json} writes (scoreError as JMH writes it). */
    private static String entry(String method, String mode, String unit, Map<String, String> params, double score,
            String error) {
        return entry(method, mode, unit, params, score, error, score);
    }

    private static String entry(String method, String mode, String unit, Map<String, String> params, double score,
            String error, double median) {
        String p = params.entrySet().stream().map(e -> "\"" + e.getKey() + "\" : \"" + e.getValue() + "\"")
                .collect(Collectors.joining(", "));
        return String.format(Locale.ROOT, "{ \"jmhVersion\" : \"1.37\", \"benchmark\" : \"io.ktask.bench.%s\","
                + " \"mode\" : \"%s\", \"threads\" : 1, \"forks\" : 1, \"jvm\" : \"java\", \"jvmArgs\" : [],"
                + " \"jdkVersion\" : \"17.0.15\", \"vmName\" : \"OpenJDK 64-Bit Server VM\", \"vmVersion\" : \"17.0.15+6\","
                + " \"warmupIterations\" : 3, \"warmupTime\" : \"1 s\", \"warmupBatchSize\" : 1,"
                + " \"measurementIterations\" : 5, \"measurementTime\" : \"1 s\", \"measurementBatchSize\" : 1,"
                + " \"params\" : { %s }, \"primaryMetric\" : { \"score\" : %s, \"scoreError\" : %s,"
                + " \"scoreConfidence\" : [0, 0], \"scorePercentiles\" : { \"0.0\" : %s, \"50.0\" : %s, \"100.0\" : %s },"
                + " \"scoreUnit\" : \"%s\", \"rawData\" : [[%s]] }, \"secondaryMetrics\" : {} }",
                method, mode, p, score, error, score, median, score, unit, score);
    }

    private Path json(String... entries) throws IOException {
        Path json = dir.resolve("jmh-result.json");
        Files.writeString(json, "[\n" + String.join(",\n", entries) + "\n]\n");
        return json;
    }

    private Path runProperties() throws IOException {
        Path props = dir.resolve("run.properties");
        Files.writeString(props, "date=2026-11-22 04:00\ncommand=bench/run.sh\ncores=2\n"
                + "loadBefore=3.1 2.0 1.0\nloadAfter=4.2 3.0 1.5\nstealPercent=12.5\nnote=engine landed\n");
        return props;
    }

    private static String w1(String impl, String n, double microseconds) {
        return entry("W1CheapCpuBenchmark.sumHash", "avgt", "us/op", Map.of("impl", impl, "n", n), microseconds, "0.5");
    }

    private static String withSteal(String entry, double percent) {
        return entry.replace("\"secondaryMetrics\" : {}", String.format(Locale.ROOT,
                "\"secondaryMetrics\" : { \"\u00b7steal\" : { \"score\" : %s, \"scoreError\" : 0,"
                        + " \"scoreUnit\" : \"%%\", \"rawData\" : [[%s]] } }", percent, percent));
    }

    /** The StealProfiler's metric shows beside every score and beside both rows of each target. */
    @Test
    void theStealOfEachMeasurementIsShownBesideItsScoreAndItsTargets() throws IOException {
        Path json = json(withSteal(w1("sequential", "10000000", 20_000), 3.4),
                withSteal(w1("parallelStream", "10000000", 11_000), 41.0),
                w1("ktask", "10000000", 10_000));
        Path md = dir.resolve("RESULTS.md");

        ResultsReport.main(new String[] {json.toString(), runProperties().toString(), md.toString()});

        assertThat(Files.readString(md))
                .contains("| sequential | 20000 ± 0.500 | 20000 | 1.00x | 0.55x | 3% |")
                .contains("| parallelStream | 11000 ± 0.500 | 11000 | 1.82x | 1.00x | 41% |")
                .contains("| **ktask** | 10000 ± 0.500 | 10000 | 2.00x | 1.10x | n/a |")
                .contains("| W1 n=10^7: >= 1.9x the loop | ktask | sequential | 2.00x | 1.90x | yes | +5.3% | n/a / 3% |");
    }

    /** A few iterations spoiled by stolen CPU drag the mean: ratios and best peers go by the median. */
    @Test
    void ratiosComeFromTheMediansNotTheMeans() throws IOException {
        Path json = json(w1("sequential", "10000000", 20_000),
                entry("W1CheapCpuBenchmark.sumHash", "avgt", "us/op", Map.of("impl", "executor", "n", "10000000"),
                        30_000, "9000", 11_000),
                entry("W1CheapCpuBenchmark.sumHash", "avgt", "us/op", Map.of("impl", "ktask", "n", "10000000"),
                        10_500, "0.5", 10_000));
        Path md = dir.resolve("RESULTS.md");

        ResultsReport.main(new String[] {json.toString(), runProperties().toString(), md.toString()});

        // 20 000 / 10 000 by medians (not 20 000 / 10 500); best peer executor by its median 11 000
        assertThat(Files.readString(md))
                .contains("| W1 n=10^7: >= 1.9x the loop | ktask | sequential | 2.00x | 1.90x | yes |")
                .contains("| **ktask** | 10500 ± 0.500 | 10000 | 2.00x | 1.10x |");
    }

    @Test
    void ratiosTargetsChartAndRunFactsComeFromTheJson() throws IOException {
        Path json = json(w1("sequential", "10000000", 20_000), w1("parallelStream", "10000000", 11_000),
                w1("ktask", "10000000", 10_000), w1("ktaskMinChunk", "10000000", 12_000),
                w1("sequential", "1000", 2.0), w1("ktask", "1000", 3.0));
        Path md = dir.resolve("RESULTS.md");

        ResultsReport.main(new String[] {json.toString(), runProperties().toString(), md.toString()});

        String out = Files.readString(md);
        assertThat(out).contains("- Date (UTC): 2026-11-22 04:00", "before: 3.1 2.0 1.0, after: 4.2 3.0 1.5",
                "stolen by the hypervisor during the run (steal, /proc/stat): 12.5%",
                "- JDK: 17.0.15", "`bench/run.sh`", "JMH 1.37, fork 1, warmup 3 x 1 s, measurement 5 x 1 s");
        // 20 000 / 10 000 = 2.00x the loop; best peer parallelStream 11 000 / 10 000 = 1.10x
        assertThat(out).contains("| **ktask** | 10000 ± 0.500 | 10000 | 2.00x | 1.10x |");
        assertThat(out).contains("| W1 n=10^7: >= 1.9x the loop | ktask | sequential | 2.00x | 1.90x | yes | +5.3% |");
        assertThat(out).contains("| W1 n=10^7: >= 1.9x the loop | ktaskMinChunk | sequential | 1.67x | 1.90x | **no** |");
        // 3.0 us vs 2.0 us: 0.67x the loop's speed, threshold 1/1.2
        assertThat(out).contains("| W1 n=1000, no minChunk: <= 1.2x the loop's time | ktask | sequential | 0.67x | 0.83x | **no** | -20.0% |");
        assertThat(out).contains("| W5 pingPong: within 10% of Schedulers.parallel() | ktask | parallel | not measured |");
        BufferedImage chart = ImageIO.read(dir.resolve(ResultsReport.CHART).toFile());
        assertThat(chart.getWidth()).isPositive();
    }

    @Test
    void analysisIsKeptAcrossRegenerations() throws IOException {
        Path json = json(w1("sequential", "1000", 2.0), w1("ktask", "1000", 2.2));
        Path md = dir.resolve("RESULTS.md");
        String[] args = {json.toString(), runProperties().toString(), md.toString()};
        ResultsReport.main(args);
        assertThat(Files.readString(md)).contains("_No analysis written yet");

        String analysis = "- W1: we lose at n=1000 because ...";
        Files.writeString(md, Files.readString(md).replace("_No analysis written yet: one line per workload goes here._",
                analysis));
        ResultsReport.main(args);

        assertThat(ResultsReport.analysisOf(Files.readString(md))).isEqualTo(analysis);
    }

    @Test
    void bytesPerSecondAreShownAsGigabytesPerSecondAndHigherIsBetter() throws IOException {
        String w2seq = entry("W2MemoryBandwidthBenchmark.fillBytes", "thrpt", "ops/s",
                Map.of("impl", "sequential", "memory", "heap"), 5e9, "\"NaN\"");
        String w2ours = entry("W2MemoryBandwidthBenchmark.fillBytes", "thrpt", "ops/s",
                Map.of("impl", "ktask", "memory", "heap"), 9e9, "\"NaN\"");
        List<JmhResult> results = JmhResult.read(json(w2seq, w2ours));

        assertThat(results.get(0).error()).isNaN();
        assertThat(results.get(1).speedupOver(results.get(0))).isEqualTo(1.8);
        String out = ResultsReport.render(results, new java.util.Properties(), "x");
        assertThat(out).contains("score (GB/s)", "| **ktask** | 9.00 | 9.00 | 1.80x | 1.80x |",
                "| W2 heap: within 5% of the best peer's GB/s | ktask | sequential | 1.80x | 0.95x | yes |");
    }

    @Test
    void badInputIsRejectedWithAClearMessage() throws IOException {
        assertThatThrownBy(() -> ResultsReport.main(new String[] {"only-one"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("but got 1 arguments");
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "[ { \"benchmark\" : \"io.ktask.bench.X.y\" } ]");
        assertThatThrownBy(() -> JmhResult.read(broken))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lacks field 'primaryMetric'");
        assertThatThrownBy(() -> ResultsReport.render(List.of(), new java.util.Properties(), ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("results must not be empty");
    }

    private static String sweep(String impl, long n, double microseconds) {
        return entry("W1SweepBenchmark.sumHash", "avgt", "us/op", Map.of("impl", impl, "n", Long.toString(n)),
                microseconds, "0.1");
    }

    /** The size sweep gets its own chart and a table that checks issue 11's goals at every size. */
    @Test
    void theSizeSweepIsChartedAndEverySizeCheckedAgainstItsGoals() throws IOException {
        Path json = json(
                sweep("sequential", 3_000, 2.0), sweep("parallelStream", 3_000, 8.0), sweep("ktask", 3_000, 2.6),
                sweep("sequential", 100_000, 70), sweep("parallelStream", 100_000, 50), sweep("ktask", 100_000, 40),
                sweep("sequential", 1_000_000, 700), sweep("parallelStream", 1_000_000, 380),
                sweep("ktask", 1_000_000, 400));
        Path md = dir.resolve("RESULTS.md");

        ResultsReport.main(new String[] {json.toString(), runProperties().toString(), md.toString()});

        String out = Files.readString(md);
        assertThat(out).contains("## Break-even: W1 size sweep (issue 11)", "![time relative to the loop per number of units]"
                + "(results-sweep.png)",
                "| 3000 | 2.00 | 4.00x | 1.30x | 0.33x | **not met**: > 1.2x the loop |",
                "| 100000 | 70.0 | 0.71x | 0.57x | 0.80x | met |",
                "| 1000000 | 700 | 0.54x | 0.57x | 1.05x | **not met**: slower than parallel streams |");
        assertThat(out.indexOf("| 3000 |")).isLessThan(out.indexOf("| 100000 |"));
        assertThat(out).as("a sweep-only run has no bar chart").doesNotContain("## Speedup chart");
        assertThat(ImageIO.read(dir.resolve("results-sweep.png").toFile()).getWidth()).isEqualTo(1100);
    }

    @Test
    void sweepGoalsFollowTheIssuesThresholdsBySize() {
        assertThat(SweepSection.goals(1_000, java.util.Optional.of(1.4), java.util.Optional.of(0.2))).isEqualTo("met");
        assertThat(SweepSection.goals(1_000, java.util.Optional.of(1.6), java.util.Optional.empty()))
                .isEqualTo("**not met**: > 1.5x the loop");
        assertThat(SweepSection.goals(10_000, java.util.Optional.of(1.04), java.util.Optional.of(1.0))).isEqualTo("met");
        assertThat(SweepSection.goals(30_000, java.util.Optional.of(1.0), java.util.Optional.of(0.9)))
                .isEqualTo("**not met**: not faster than the loop");
        assertThat(SweepSection.goals(30_000, java.util.Optional.empty(), java.util.Optional.empty())).isEqualTo("n/a");
    }
}
