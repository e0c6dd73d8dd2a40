package io.ktask.bench.report;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The break-even section of RESULTS.md (issue 11, goal 2): W1's size sweep
 * ({@code W1SweepBenchmark}) as a chart of each implementation's time relative to the loop's over
 * the number of units (both axes logarithmic), and a table that checks the issue's goals at every
 * size. Its groups are left out of the speedup bar chart, which this chart replaces for them.
 */
final class SweepSection {

    /** The sweep's benchmark, class simple name and method. */
    static final String BENCHMARK = "W1SweepBenchmark.sumHash";
    /** File name of the chart, beside RESULTS.md. */
    static final String CHART = "results-sweep.png";

    static final String LOOP = ResultGroup.SEQUENTIAL;
    static final String STREAMS = "parallelStream";
    static final String OURS = "ktask";

    private SweepSection() {
    }

    /** @return true for a group of the sweep */
    static boolean isSweep(ResultGroup group) {
        return group.benchmark().equals(BENCHMARK);
    }

    /** @return the sweep's groups, by ascending number of units; empty if the sweep did not run */
    static List<ResultGroup> of(List<ResultGroup> groups) {
        List<ResultGroup> sweep = new ArrayList<>();
        for (ResultGroup g : groups) {
            if (isSweep(g) && g.params().containsKey("n")) {
                sweep.add(g);
            }
        }
        sweep.sort(Comparator.comparingLong(SweepSection::units));
        return sweep;
    }

    static long units(ResultGroup g) {
        return Long.parseLong(g.params().get("n"));
    }

    /** Appends the section: the chart, and per size the time ratios and the goals met. */
    static void render(StringBuilder md, List<ResultGroup> sweep) {
        md.append("## Break-even: W1 size sweep (issue 11)\n\n")
          .append("![time relative to the loop per number of units](").append(CHART).append(")\n\n")
          .append("Time per task relative to the loop's, by the medians of the iterations (below 1 = faster ")
          .append("than the loop), each point a fresh JVM. Goals: 10^3 units <= 1.5x the loop's time (goal 1); ")
          .append("3x10^3 <= 1.2x; from 10^4 on <= 1.05x and not slower than parallel streams; from 3x10^4 on ")
          .append("faster than the loop.\n\n")
          .append("| units | loop (us/op) | parallelStream / loop | ktask / loop | ktask / parallelStream | goals |\n")
          .append("|---|---|---|---|---|---|\n");
        for (ResultGroup g : sweep) {
            Optional<JmhResult> loop = g.get(LOOP);
            Optional<Double> streams = timeRatio(g, STREAMS, LOOP);
            Optional<Double> ours = timeRatio(g, OURS, LOOP);
            Optional<Double> oursToStreams = timeRatio(g, OURS, STREAMS);
            md.append("| ").append(units(g)).append(" | ")
              .append(loop.map(r -> ResultsReport.num(r.median())).orElse("n/a")).append(" | ")
              .append(streams.map(SweepSection::times).orElse("n/a")).append(" | ")
              .append(ours.map(SweepSection::times).orElse("n/a")).append(" | ")
              .append(oursToStreams.map(SweepSection::times).orElse("n/a")).append(" | ")
              .append(goals(units(g), ours, oursToStreams)).append(" |\n");
        }
        md.append('\n');
    }

    /** @return the goals of issue 11 at {@code units}, met or not, or "n/a" when not measured */
    static String goals(long units, Optional<Double> oursToLoop, Optional<Double> oursToStreams) {
        if (oursToLoop.isEmpty()) {
            return "n/a";
        }
        double loop = oursToLoop.get();
        List<String> missed = new ArrayList<>();
        if (units <= 1_000 && loop > 1.5) {
            missed.add("> 1.5x the loop");
        } else if (units > 1_000 && units < 10_000 && loop > 1.2) {
            missed.add("> 1.2x the loop");
        } else if (units >= 10_000 && loop > 1.05) {
            missed.add("> 1.05x the loop");
        }
        if (units >= 30_000 && loop >= 1.0) {
            missed.add("not faster than the loop");
        }
        if (units >= 10_000 && oursToStreams.isPresent() && oursToStreams.get() > 1.0) {
            missed.add("slower than parallel streams");
        }
        return missed.isEmpty() ? "met" : "**not met**: " + String.join(", ", missed);
    }

    /** @return the time of {@code impl} over the time of {@code reference}, by medians, if both ran */
    static Optional<Double> timeRatio(ResultGroup g, String impl, String reference) {
        Optional<JmhResult> a = g.get(impl);
        Optional<JmhResult> b = g.get(reference);
        return a.isPresent() && b.isPresent() ? Optional.of(1 / a.get().speedupOver(b.get())) : Optional.empty();
    }

    static String times(double ratio) {
        return String.format(Locale.ROOT, "%.2fx", ratio);
    }

    /**
     * Writes the chart of {@code sweep} to {@code png}: one line per implementation, the loop a
     * flat line at 1.
     *
     * @throws IOException if the file cannot be written
     */
    static void chart(List<ResultGroup> sweep, Path png) throws IOException {
        XYChart chart = new XYChartBuilder().width(1100).height(480)
                .title("W1 size sweep: time per task relative to the loop (log-log; below 1 = faster)")
                .xAxisTitle("units (W1 hash, about 1 ns each)").yAxisTitle("time / loop's time").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setYAxisDecimalPattern("0.##");
        Color[] colours = {new Color(0x4E79A7), new Color(0xF28E2B), new Color(0xD62728)};
        String[] impls = {LOOP, STREAMS, OURS};
        for (int i = 0; i < impls.length; i++) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (ResultGroup g : sweep) {
                Optional<Double> ratio = timeRatio(g, impls[i], LOOP);
                if (ratio.isPresent()) {
                    x.add((double) units(g));
                    y.add(ratio.get());
                }
            }
            if (!x.isEmpty()) {
                XYSeries series = chart.addSeries(impls[i], x, y);
                series.setLineColor(colours[i]);
                series.setMarkerColor(colours[i]);
                series.setMarker(SeriesMarkers.CIRCLE);
            }
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
