package io.ktask.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

class AllSampleTest {

    @Test
    void allAtOnePercentPrintsARowPerRunAndPasses() {
        Cli cli = Cli.run("all", "--scale", "1", "--no-progress");

        assertThat(cli.exit()).as(cli.out() + cli.err()).isEqualTo(Main.EXIT_OK);
        assertThat(cli.out()).contains("=== brc --rows 40000", "=== prealloc --mib 4 --fail-at 2",
                "=== pipeline --nodes 2", "all: 5 runs in", "every check passed");
        String table = cli.out().substring(cli.out().indexOf("command   work"));
        assertThat(table.lines().filter(l -> l.contains(" ok: "))).hasSize(5);
    }

    @Test
    void failedRowIsMarkedInTheTable() {
        String table = AllSample.table(List.of(
                new Outcome("zero", "1 MiB", 2_000_000, 1_000_000, true, "every byte zero"),
                new Outcome("brc", "10 rows", 1_000_000, 1_000_000, false, "RESULTS DIFFER")));

        assertThat(table.lines()).hasSize(3);
        assertThat(table).contains("2.00x  ok: every byte zero", "1.00x  FAILED: RESULTS DIFFER");
    }

    @Test
    void speedupAboveTheCpuCountIsStarredAndExplained() {
        int cpus = Runtime.getRuntime().availableProcessors();
        String table = AllSample.table(List.of(
                new Outcome("zero", "1 MiB", (cpus + 1) * 1_000_000L, 1_000_000, true, "every byte zero"),
                new Outcome("brc", "10 rows", 1_000_000, 1_000_000, true, "identical")));

        assertThat(table.lines()).hasSize(4);
        assertThat(table).contains(String.format(Locale.ROOT, "%.2fx*  ok: every byte zero", cpus + 1.0),
                "1.00x  ok: identical");
        assertThat(table).endsWith("* above the " + cpus + " CPUs: not from parallelism alone; the runs met different"
                + " conditions, e.g. load or caches");
    }
}
