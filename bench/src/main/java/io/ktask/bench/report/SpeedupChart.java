package io.ktask.bench.report;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Draws the speedup of every implementation over its group's baseline, one bar chart per
 * workload (x: the size or case, one bar per implementation, log-scale y), stacked into one PNG.
 * A missing bar means that implementation did not run (see the tables).
 */
final class SpeedupChart {

    private static final int WIDTH = 1100;
    private static final int PANEL_HEIGHT = 380;
    /** Ours in reds, so they stand out; the peers in the other colours, one per peer for the whole chart. */
    private static final Color OURS = new Color(0xD62728);
    private static final Color OURS_MIN_CHUNK = new Color(0xFF9DA7);
    private static final Color[] PEERS = {
        new Color(0x4E79A7), new Color(0xF28E2B), new Color(0x76B7B2), new Color(0x59A14F), new Color(0xEDC948),
        new Color(0xB07AA1), new Color(0x9C755F), new Color(0xBAB0AC), new Color(0x1F3A5F), new Color(0x8CD17D),
    };

    private SpeedupChart() {
    }

    /**
     * Writes the chart of {@code groups} to {@code png}.
     *
     * @throws IOException if the file cannot be written
     * @throws IllegalArgumentException if {@code groups} is empty
     */
    static void write(List<ResultGroup> groups, Path png) throws IOException {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("groups must not be empty: no JMH results to chart");
        }
        Map<String, List<ResultGroup>> byWorkload = new LinkedHashMap<>();
        for (ResultGroup g : groups) {
            byWorkload.computeIfAbsent(g.benchmark().substring(0, g.benchmark().indexOf('.')),
                    k -> new ArrayList<>()).add(g);
        }
        List<String> peers = groups.stream().flatMap(g -> g.results().stream()).map(JmhResult::impl)
                .filter(impl -> !ResultGroup.isOurs(impl)).distinct().toList();
        List<BufferedImage> panels = new ArrayList<>();
        for (Map.Entry<String, List<ResultGroup>> w : byWorkload.entrySet()) {
            panels.add(BitmapEncoder.getBufferedImage(panel(w.getKey(), w.getValue(), peers)));
        }
        BufferedImage all = new BufferedImage(WIDTH, PANEL_HEIGHT * panels.size(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, all.getWidth(), all.getHeight());
            for (int i = 0; i < panels.size(); i++) {
                g.drawImage(panels.get(i), 0, i * PANEL_HEIGHT, null);
            }
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(all, "png", png.toFile())) {
            throw new IOException("no PNG writer in this JDK for " + png);
        }
    }

    private static Color colour(String impl, List<String> peers) {
        if (ResultGroup.isOurs(impl)) {
            return impl.equals("ktask") ? OURS : OURS_MIN_CHUNK;
        }
        return PEERS[peers.indexOf(impl) % PEERS.length];
    }

    /** @param peers every peer of the run, so that one gets the same colour in every panel */
    private static CategoryChart panel(String title, List<ResultGroup> groups, List<String> peers) {
        String baseline = groups.get(0).baseline().map(JmhResult::impl).orElse("first");
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(PANEL_HEIGHT).title(title)
                .yAxisTitle("speedup vs " + baseline + " (log)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setAvailableSpaceFill(0.9);
        chart.getStyler().setOverlapped(false);
        chart.getStyler().setYAxisDecimalPattern("0.###");
        double[] bounds = {1, 1};
        List<String> cases = groups.stream().map(ResultGroup::caseLabel).toList();
        List<String> impls = groups.stream().flatMap(g -> g.results().stream()).map(JmhResult::impl).distinct()
                .toList();
        for (String impl : impls) {
            // XChart places bars by position, so every series lists every case; null = did not run.
            List<Double> speedups = new ArrayList<>();
            for (ResultGroup g : groups) {
                Double x = g.get(impl).flatMap(r -> g.baseline().map(r::speedupOver)).orElse(null);
                speedups.add(x);
                if (x != null) {
                    bounds[0] = Math.min(bounds[0], x);
                    bounds[1] = Math.max(bounds[1], x);
                }
            }
            chart.addSeries(impl, cases, speedups).setFillColor(colour(impl, peers));
        }
        // Bars start at the axis minimum, which XChart takes as 0 unless told: a log axis needs it set.
        chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(bounds[0] * 0.9)))); // a bar at the minimum stays visible
        chart.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(bounds[1]))));
        return chart;
    }
}
