package io.ktask.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong clock = new AtomicLong();

    private String drawn() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void quickJobsDrawNothing() {
        ProgressBar bar = new ProgressBar(err, "job", 100, clock::get);
        clock.set(ProgressBar.SHOW_AFTER_NANOS - 1);
        bar.advance(100);
        bar.close();

        assertThat(drawn()).isEmpty();
        assertThat(bar.done()).isEqualTo(100);
    }

    @Test
    void afterOneSecondItDrawsAtMostEveryRedrawPeriodAndEndsAtHundredPercent() {
        ProgressBar bar = new ProgressBar(err, "job", 100, clock::get);
        clock.set(ProgressBar.SHOW_AFTER_NANOS);
        bar.advance(10);
        bar.advance(10); // same instant: skipped
        clock.addAndGet(ProgressBar.REDRAW_NANOS);
        bar.advance(30);
        bar.advance(50); // same instant: skipped, but close() shows it
        bar.close();
        bar.close();

        assertThat(percentages()).containsExactly(10, 50, 100);
        assertThat(drawn()).startsWith("\rjob").endsWith(System.lineSeparator()).contains("[###############---------------]");
    }

    @RepeatedTest(20)
    void concurrentAdvancesNeverGoBackwards() throws Exception {
        int threads = 8;
        int steps = 2000;
        ProgressBar bar = new ProgressBar(err, "job", (long) threads * steps, clock::get);
        clock.set(ProgressBar.SHOW_AFTER_NANOS);
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < steps; i++) {
                        clock.addAndGet(ProgressBar.REDRAW_NANOS / 4);
                        bar.advance(1);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        bar.close();

        assertThat(bar.done()).isEqualTo((long) threads * steps);
        List<Integer> seen = percentages();
        assertThat(seen).isSorted().last().isEqualTo(100);
    }

    @Test
    void withoutAStreamItOnlyCounts() {
        ProgressBar bar = new ProgressBar(null, "job", 10, clock::get);
        clock.set(10 * ProgressBar.SHOW_AFTER_NANOS);
        bar.advance(4);
        bar.close();

        assertThat(bar.done()).isEqualTo(4);
    }

    private List<Integer> percentages() {
        List<Integer> out = new ArrayList<>();
        Matcher m = Pattern.compile("] +(\\d+)%").matcher(drawn());
        while (m.find()) {
            out.add(Integer.parseInt(m.group(1)));
        }
        return out;
    }
}
