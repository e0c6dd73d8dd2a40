package io.ktask.samples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PipelineSampleTest {

    @Test
    void tinyPipelineOnTwoSimulatedNodesMatchesOneByOne() {
        Cli cli = Cli.run("pipeline", "--inputs", "5", "--size", "300000", "--concurrency", "3", "--nodes", "2",
                "--max-helpers", "2", "--no-progress");

        assertThat(cli.exit()).as(cli.out() + cli.err()).isEqualTo(Main.EXIT_OK);
        assertThat(cli.out()).contains("5 inputs x 300,000 values, 3 at a time, on 2 node(s)", "max helpers 2 (",
                " per node)", "one by one", "ktask pipeline", "check: same summaries for 5 inputs")
                .containsPattern("tasks \\d+, helpers \\d+ \\[\\d+, \\d+], chunks [\\d,]+, refused by global limit \\d+,"
                        + " placed off-node \\d+");
    }

    /** One bar, one task per input: the bar is the sum of the tasks' reports, each task counted once. */
    @Test
    void ktaskBarSumsTheProgressReportsOfItsTasks() throws Exception {
        Watched run = Watched.run(new PipelineSample(), "--inputs", "4", "--size", "300000", "--concurrency", "2",
                "--runs", "1");

        run.assertBars("pipeline ktask", 2, ProgressBar.Feed.TASKS, 4 * 300_000L);
        run.assertBars("pipeline one by one", 2, ProgressBar.Feed.HAND, 4 * 300_000L);
    }

    @Test
    void summariesMergeInAnyGrouping() {
        Dataset.Summary whole = Dataset.summarize(3, 0, 1000);
        Dataset.Summary left = Dataset.summarize(3, 0, 10).merge(Dataset.summarize(3, 10, 600));
        Dataset.Summary right = Dataset.summarize(3, 600, 999).merge(Dataset.summarize(3, 999, 1000));

        assertThat(left.merge(right)).isEqualTo(whole);
        assertThat(right.merge(left)).isEqualTo(whole);
    }
}
