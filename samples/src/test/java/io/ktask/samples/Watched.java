package io.ktask.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One sample run as {@link AllSample} runs it, with a console that keeps every progress bar made
 * (progress off: the bars count, nothing is drawn), so that tests can check how each bar is fed.
 *
 * @param outcome what the sample returned
 * @param out its report
 * @param bars every bar made, in the order made
 */
record Watched(Outcome outcome, String out, List<ProgressBar> bars) {

    static Watched run(Sample sample, String... args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<ProgressBar> bars = new CopyOnWriteArrayList<>();
        Outcome outcome;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            Console console = new Console(out, out, false, bars::add);
            outcome = sample.run(CommandLine.parse(sample.name(), Main.optionsOf(sample), List.of(args)), console);
        }
        Watched run = new Watched(outcome, bytes.toString(StandardCharsets.UTF_8), List.copyOf(bars));
        assertThat(outcome.ok()).as(run.out).isTrue();
        return run;
    }

    /**
     * Checks the bars of one version: {@code runs} of them (a warm-up run and the timed ones),
     * each fed one way only and ending at {@code done}.
     */
    void assertBars(String label, int runs, ProgressBar.Feed feed, long done) {
        List<ProgressBar> mine = bars.stream().filter(b -> b.label().equals(label)).toList();
        assertThat(mine).as("bars labelled '%s'", label).hasSize(runs).allSatisfy(bar -> {
            assertThat(bar.feed()).as("how '%s' is fed", label).isEqualTo(feed);
            assertThat(bar.done()).as("units on '%s'", label).isEqualTo(done);
        });
    }
}
