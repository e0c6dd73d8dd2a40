package io.ktask.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreallocSampleTest {

    @TempDir
    Path dir;

    @Test
    void withoutFailureTheContentIsVerified() {
        Cli cli = Cli.run("prealloc", "--mib", "4", "--no-progress");

        assertThat(cli.exit()).isEqualTo(Main.EXIT_OK);
        assertThat(cli.out()).contains("fill a 4 MiB file", "sequential", "ktask", "check: content verified");
    }

    @RepeatedTest(5)
    void injectedFailureRollsBackToTheSameHash() {
        Cli cli = Cli.run("prealloc", "--mib", "6", "--fail-at", "2", "--runs", "2", "--no-progress");

        assertThat(cli.exit()).as(cli.out() + cli.err()).isEqualTo(Main.EXIT_OK);
        assertThat(cli.out()).contains("chunk 2 fails", "check: rolled back, file unchanged");
        Matcher ktask = Pattern.compile("ktask: +chunk 2 failed \\(No space left on device \\(injected by --fail-at 2\\)\\);"
                + " undid chunks \\[([0-9, ]*)]").matcher(cli.out());
        assertThat(ktask.find()).as(cli.out()).isTrue();
        assertThat(ktask.group(1)).startsWith("0, 1").doesNotContain(" 2,").doesNotEndWith(" 2");
        assertThat(cli.out()).contains("sequential: chunk 2 failed (No space left on device (injected by --fail-at 2));"
                + " undid chunks [0, 1]");
    }

    @Test
    void ktaskBarIsFedByTheTasksProgressReports() throws Exception {
        Watched run = Watched.run(new PreallocSample(), "--mib", "4", "--runs", "1");

        run.assertBars("prealloc ktask", 2, ProgressBar.Feed.TASKS, 4 << 20);
        run.assertBars("prealloc sequential", 2, ProgressBar.Feed.HAND, 4 << 20);
    }

    /** A failed task's last report counts the chunks that had finished: the bar stops short of the total. */
    @Test
    void afterAFailureTheKTaskBarStopsWhereTheFillStopped() throws Exception {
        Watched run = Watched.run(new PreallocSample(), "--mib", "6", "--fail-at", "2", "--runs", "1");

        assertThat(run.bars().stream().filter(b -> b.label().equals("prealloc ktask"))).hasSize(2).allSatisfy(bar -> {
            assertThat(bar.feed()).isEqualTo(ProgressBar.Feed.TASKS);
            assertThat(bar.done()).as("chunks 0 and 1 (>= 1 MiB each) finished, chunk 2 never did")
                    .isBetween(2L << 20, (6L << 20) - 1);
        });
    }

    @Test
    void failurePastTheLastChunkInjectsNothing() {
        Cli cli = Cli.run("prealloc", "--mib", "2", "--fail-at", "1000", "--no-progress");

        assertThat(cli.exit()).isEqualTo(Main.EXIT_OK);
        assertThat(cli.out()).contains("--fail-at 1000 injected no failure", "check: content verified");
    }

    @Test
    void undoingEveryFilledRangeRestoresTheFile() throws IOException {
        long oldLength = (3 << 20) + 17;
        try (PreallocFile file = new PreallocFile(dir.resolve("f.img"), oldLength)) {
            String before = file.sha256();
            long[] bounds = {0, 1 << 20, (2 << 20) + 4096, 4 << 20, 6 << 20};
            for (int i = bounds.length - 2; i >= 0; i--) {
                file.fill(bounds[i], bounds[i + 1]);
            }
            assertThat(file.sha256()).isEqualTo(PreallocFile.expectedSha256(6 << 20));

            for (int i = 0; i + 1 < bounds.length; i++) {
                file.undo(bounds[i], bounds[i + 1]);
            }
            assertThat(file.sha256()).isEqualTo(before);
        }
    }
}
