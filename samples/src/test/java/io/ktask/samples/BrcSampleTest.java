package io.ktask.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.SplittableRandom;

import io.ktask.brc.BadDataException;
import io.ktask.brc.BrcGenerator;
import io.ktask.brc.BrcParser;
import io.ktask.brc.StationSummary;
import io.ktask.brc.StationTable;
import io.ktask.operators.DelimitedFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BrcSampleTest {

    @TempDir
    Path dir;

    @Test
    void tinyRunGivesIdenticalResultsThreeWays() {
        Cli cli = Cli.run("brc", "--rows", "30000", "--stations", "50", "--no-progress");

        assertThat(cli.exit()).as(cli.out() + cli.err()).isEqualTo(Main.EXIT_OK);
        assertThat(cli.out()).contains("generated 30,000 rows (50 stations, seed 42)", "min/mean/max per station of 30,000 rows",
                "median of 3 interleaved runs", "one thread", "parallel stream", "ktask", "results: identical for 50 stations");
        assertThat(lastLine(cli)).matches("\\{[^=]+=-?\\d+\\.\\d/-?\\d+\\.\\d/-?\\d+\\.\\d(, [^=]+=[^,]+){49}}");
        assertThat(cli.err()).isEmpty();
    }

    /** Reverting the ktask version to advancing its bar from its chunks, or feeding it both ways, fails here. */
    @Test
    void ktaskBarIsFedByTheTasksProgressReports() throws Exception {
        Path file = generate("rows.txt", 300_000, 50, 42); // a few MiB: several chunks, several reports
        long size = Files.size(file);

        Watched run = Watched.run(new BrcSample(), "--file", file.toString(), "--runs", "2");

        run.assertBars("brc ktask", 3, ProgressBar.Feed.TASKS, size);
        run.assertBars("brc one thread", 3, ProgressBar.Feed.HAND, size);
        run.assertBars("brc parallel stream", 3, ProgressBar.Feed.HAND, size);
    }

    @Test
    void printsTheChallengesOutputExactly() throws IOException {
        Path file = text("rows.txt", "Zürich;-3.5\nAbha;0.0\nZürich;12.1\nAbha;-99.9\nAbha;99.9\nAbéché;5.0\nÅre;-0.1"); // no final newline

        Cli cli = Cli.run("brc", "--file", file.toString(), "--runs", "1", "--no-progress");

        assertThat(cli.exit()).as(cli.out() + cli.err()).isEqualTo(Main.EXIT_OK);
        // Sorted as Java Strings (the reference prints a TreeMap<String, ...>): "Abé" < "Abh", "Zü" < "Å".
        assertThat(lastLine(cli)).isEqualTo("{Abha=-99.9/0.0/99.9, Abéché=5.0/5.0/5.0, Zürich=-3.5/4.3/12.1, Åre=-0.1/-0.1/-0.1}");
    }

    /** Means at an exact tie: half up, towards positive infinity, as Math.round does. */
    @Test
    void meanIsRoundedHalfUp() throws IOException {
        SortedMap<String, StationSummary> result = parseAll(text("ties.txt",
                "Up;0.1\nUp;0.2\nNeg;-0.1\nNeg;-0.2\nBig;25.4\nBig;25.5\nNine;-99.9\nNine;-99.8\n")).summaries();

        assertThat(result.get("Up")).hasToString("0.1/0.2/0.2");
        assertThat(result.get("Neg")).hasToString("-0.2/-0.1/-0.1");
        assertThat(result.get("Big")).hasToString("25.4/25.5/25.5");
        assertThat(result.get("Nine")).hasToString("-99.9/-99.8/-99.8");
    }

    @Test
    void generatedFileIsKeptAndReadAgain() throws IOException {
        Path file = dir.resolve("rows.txt");

        Cli first = Cli.run("brc", "--file", file.toString(), "--generate", "--rows", "5000", "--runs", "1", "--no-progress");
        byte[] generated = Files.readAllBytes(file);
        Cli second = Cli.run("brc", "--file", file.toString(), "--runs", "1", "--no-progress");

        assertThat(first.exit()).isEqualTo(Main.EXIT_OK);
        assertThat(second.exit()).isEqualTo(Main.EXIT_OK);
        assertThat(second.out()).doesNotContain("generated").contains("min/mean/max per station of 5,000 rows");
        assertThat(lastLine(second)).isEqualTo(lastLine(first));
        assertThat(Files.readAllBytes(file)).isEqualTo(generated);
    }

    @Test
    void sameSeedSameFileInTheChallengesFormat() throws IOException {
        Path a = generate("a.txt", 2000, 20, 7);
        Path b = generate("b.txt", 2000, 20, 7);

        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        assertThat(Files.readAllLines(a)).hasSize(2000).allMatch(l -> l.matches("[^;\n]{1,100};-?\\d{1,2}\\.\\d"));
    }

    /** The rule the chunks rely on: cut at line starts anywhere, the merged tables equal the whole file's. */
    @Test
    void anySplitAtLineStartsParsesEveryLineOnce() throws IOException {
        Path path = generate("rows.txt", 3000, 30, 1);
        SplittableRandom random = new SplittableRandom(3);
        try (DelimitedFile file = DelimitedFile.open(path)) {
            SortedMap<String, StationSummary> whole = BrcParser.parse(file, 0, file.size()).summaries();
            assertThat(whole.values().stream().mapToLong(StationSummary::count).sum()).isEqualTo(3000);
            for (int round = 0; round < 200; round++) {
                long[] bounds = random.longs(1 + random.nextInt(12), 0, file.size()).map(file.boundaries()).sorted().toArray();
                StationTable merged = new StationTable();
                long from = 0;
                for (long to : bounds) {
                    merged.mergeInto(BrcParser.parse(file, from, to));
                    from = to;
                }
                merged.mergeInto(BrcParser.parse(file, from, file.size()));
                assertThat(merged.summaries()).as("cuts %s", Arrays.toString(bounds)).isEqualTo(whole);
            }
        }
    }

    @Test
    void malformedTemperatureIsReportedWithItsOffsetAndText() throws IOException {
        Path file = text("bad.txt", "A;1.0\nB;x.5\n");

        Cli cli = Cli.run("brc", "--file", file.toString(), "--no-progress");

        assertThat(cli.exit()).isEqualTo(Main.EXIT_FAILED);
        assertThat(cli.err()).startsWith("error: brc: malformed line at byte 6: 'B;x.5' (expected 'station;temperature'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"A;1.23", "A;123.4", "A;1.", "A;.5", "A;", "A;-", "A;+1.0", "A1.0", ";1.0", "A;1.0\r", "\n"})
    void malformedLinesAreRejected(String line) throws IOException {
        Path file = text("bad.txt", "Good;1.0\n" + line + "\nGood;2.0\n");

        assertThatThrownBy(() -> parseAll(file)).isInstanceOf(BadDataException.class)
                .hasMessageStartingWith("malformed line at byte 9: ");
    }

    @Test
    void aLineLongerThanAChunkIsAClearError() throws IOException {
        String huge = "x".repeat((int) (3 * BrcSample.MIN_CHUNK)) + ";1.0";
        Path file = text("long.txt", "A;1.0\n".repeat(1000) + huge + "\n" + "B;2.0\n".repeat(1000));

        Cli cli = Cli.run("brc", "--file", file.toString(), "--runs", "1", "--no-progress");

        assertThat(cli.exit()).isEqualTo(Main.EXIT_FAILED);
        assertThat(cli.err()).startsWith("error: brc: malformed line at byte 6000: 'xxxx").contains("...' (expected");
    }

    @Test
    void emptyFileHasNoStations() throws IOException {
        Cli cli = Cli.run("brc", "--file", text("empty.txt", "").toString(), "--runs", "1", "--no-progress");

        assertThat(cli.exit()).as(cli.out() + cli.err()).isEqualTo(Main.EXIT_OK);
        assertThat(cli.out()).contains("results: identical for 0 stations");
        assertThat(lastLine(cli)).isEqualTo("{}");
    }

    @Test
    void missingFileIsAClearError() {
        Path missing = dir.resolve("nope.txt");

        Cli cli = Cli.run("brc", "--file", missing.toString(), "--no-progress");

        assertThat(cli.exit()).isEqualTo(Main.EXIT_FAILED);
        assertThat(cli.err()).isEqualTo("error: brc: I/O failure: " + missing
                + ": no such file (add --generate to write one there)" + System.lineSeparator());
    }

    @Test
    void generateNeedsAFile() {
        Cli cli = Cli.run("brc", "--generate");

        assertThat(cli.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(cli.err()).startsWith("error: --generate needs --file PATH");
    }

    @Test
    void tenThousandStationsFitTheTable() throws IOException {
        StationTable table = parseAll(generate("many.txt", 60_000, 10_000, 5));

        assertThat(table.size()).isGreaterThan(9_000).isLessThanOrEqualTo(10_000);
        assertThat(table.summaries()).hasSize(table.size());
    }

    private Path text(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private Path generate(String name, long rows, int stations, long seed) throws IOException {
        Path file = dir.resolve(name);
        BrcGenerator.write(file, rows, stations, seed, written -> { });
        return file;
    }

    private static StationTable parseAll(Path path) throws IOException {
        try (DelimitedFile file = DelimitedFile.open(path)) {
            return BrcParser.parse(file, 0, file.size());
        }
    }

    private static String lastLine(Cli cli) {
        List<String> lines = cli.out().lines().toList();
        return lines.get(lines.size() - 1);
    }
}
