package io.ktask.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.ktask.operators.KTaskProgress;
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
        runAtOnce(threads, t -> {
            for (int i = 0; i < steps; i++) {
                clock.addAndGet(ProgressBar.REDRAW_NANOS / 4);
                bar.advance(1);
            }
        });
        bar.close();

        assertThat(bar.done()).isEqualTo((long) threads * steps);
        List<Integer> seen = percentages();
        assertThat(seen).isSorted().last().isEqualTo(100);
    }

    @Test
    void taskReportsAreRunningTotalsAndTheBarNeverGoesBack() {
        ProgressBar bar = new ProgressBar(null, "job", 100, clock::get);
        Consumer<KTaskProgress> task = bar.taskListener();

        task.accept(report(10, false));
        task.accept(report(40, false));
        assertThat(bar.done()).isEqualTo(40);
        task.accept(report(30, false)); // smaller than the last: adds nothing, takes nothing back
        task.accept(report(40, false));
        assertThat(bar.done()).isEqualTo(40);
        task.accept(report(100, true));
        assertThat(bar.done()).isEqualTo(100);
    }

    @Test
    void aFinalReportIsDrawnAtOnceAndCompletesTheBar() {
        ProgressBar bar = new ProgressBar(err, "job", 100, clock::get);
        Consumer<KTaskProgress> task = bar.taskListener();
        clock.set(ProgressBar.SHOW_AFTER_NANOS);
        task.accept(report(10, false));
        task.accept(report(50, false)); // same instant: skipped
        assertThat(percentages()).containsExactly(10);

        task.accept(report(100, true)); // same instant, but the last report: drawn
        assertThat(percentages()).containsExactly(10, 100);
        assertThat(drawn()).contains("[##############################] 100%");

        bar.close();
        assertThat(percentages()).containsExactly(10, 100, 100);
        assertThat(drawn()).endsWith(System.lineSeparator());
    }

    @Test
    void quickTasksDrawNothingEvenForTheirFinalReport() {
        ProgressBar bar = new ProgressBar(err, "job", 100, clock::get);
        clock.set(ProgressBar.SHOW_AFTER_NANOS - 1);
        bar.taskListener().accept(report(100, true));
        bar.close();

        assertThat(drawn()).isEmpty();
        assertThat(bar.done()).isEqualTo(100);
    }

    @Test
    void aFailedTasksFinalReportLeavesTheBarWhereItStopped() {
        ProgressBar bar = new ProgressBar(err, "job", 100, clock::get);
        clock.set(ProgressBar.SHOW_AFTER_NANOS);

        bar.taskListener().accept(report(30, true));
        bar.close();

        assertThat(bar.done()).isEqualTo(30);
        assertThat(percentages()).containsExactly(30, 30);
    }

    /** Several tasks on one bar (a pipeline): each task's reports count once, and so does each task. */
    @RepeatedTest(20)
    void concurrentTasksAddUpAndTheBarNeverGoesBackwards() throws Exception {
        int tasks = 8;
        int steps = 2000;
        ProgressBar bar = new ProgressBar(err, "job", (long) tasks * steps, clock::get);
        clock.set(ProgressBar.SHOW_AFTER_NANOS);
        List<Consumer<KTaskProgress>> listeners = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            listeners.add(bar.taskListener());
        }
        runAtOnce(tasks, t -> {
            for (int i = 1; i <= steps; i++) {
                clock.addAndGet(ProgressBar.REDRAW_NANOS / 4);
                listeners.get(t).accept(report(i, i == steps));
            }
        });
        bar.close();

        assertThat(bar.done()).isEqualTo((long) tasks * steps);
        List<Integer> seen = percentages();
        assertThat(seen).hasSizeGreaterThan(tasks).isSorted().last().isEqualTo(100);
    }

    @Test
    void aBarIsFedOneWayOnly() {
        ProgressBar byTasks = new ProgressBar(null, "brc ktask", 10, clock::get);
        byTasks.taskListener();
        assertThatThrownBy(() -> byTasks.advance(1)).isInstanceOf(IllegalStateException.class)
                .hasMessage("progress bar 'brc ktask' is fed by TASKS, so it cannot also be fed by HAND:"
                        + " its units would be counted twice");

        ProgressBar byHand = new ProgressBar(null, "brc one thread", 10, clock::get);
        byHand.advance(1);
        assertThatThrownBy(byHand::taskListener).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("progress bar 'brc one thread' is fed by HAND");
        assertThat(byTasks.feed()).isEqualTo(ProgressBar.Feed.TASKS);
        assertThat(byHand.feed()).isEqualTo(ProgressBar.Feed.HAND);
        assertThat(byTasks.done()).isZero();
    }

    @Test
    void withoutAStreamItOnlyCounts() {
        ProgressBar bar = new ProgressBar(null, "job", 10, clock::get);
        clock.set(10 * ProgressBar.SHOW_AFTER_NANOS);
        bar.advance(4);
        bar.close();

        assertThat(bar.done()).isEqualTo(4);
    }

    private static KTaskProgress report(long unitsDone, boolean finished) {
        return new KTaskProgress(unitsDone, -1, 0, 0, finished);
    }

    /** Runs {@code body} for 0..threads-1, each on its own thread, all released at once; rethrows a failure. */
    private static void runAtOnce(int threads, IntConsumer body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    body.accept(thread);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
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
