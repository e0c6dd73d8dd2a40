package io.ktask.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SortedMap;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrcSampleTest {

    @TempDir
    Path dir;

    @Test
    void tinyRunGivesIdenticalResultsThreeWays() {
        Cli cli = Cli.run("brc", "--rows", "30000", "--stations", "50", "--no-progress");

        assertThat(cli.exit()).isEqualTo(Main.EXIT_OK);
        assertThat(cli.out()).contains("generated 30,000 rows (50 stations, seed 42)", "sequential reader",
                "parallel stream", "ktask", "results: identical for 50 stations");
        assertThat(cli.err()).isEmpty();
    }

    @Test
    void givenFileIsGeneratedOnceThenReused() throws IOException {
        Path file = dir.resolve("rows.txt");

        Cli first = Cli.run("brc", "--rows", "5000", "--file", file.toString(), "--no-progress");
        byte[] generated = Files.readAllBytes(file);
        Cli second = Cli.run("brc", "--rows", "99", "--file", file.toString(), "--no-progress");

        assertThat(first.exit()).isEqualTo(Main.EXIT_OK);
        assertThat(second.exit()).isEqualTo(Main.EXIT_OK);
        assertThat(second.out()).contains("using existing", "min/mean/max of 5,000 rows");
        assertThat(Files.readAllBytes(file)).isEqualTo(generated);
    }

    @Test
    void sameSeedSameFile() throws IOException {
        Path a = generate("a.txt", 2000, 20, 7);
        Path b = generate("b.txt", 2000, 20, 7);

        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        assertThat(Files.readAllLines(a)).hasSize(2000).allMatch(l -> l.matches("[^;]+;-?\\d{1,2}\\.\\d"));
    }

    /** The rule ktask's byte chunks rely on: any cut, at any byte, parses every line exactly once. */
    @Test
    void anyCutOfTheFileParsesEveryLineExactlyOnce() throws IOException {
        Path file = generate("rows.txt", 3000, 30, 1);
        SplittableRandom random = new SplittableRandom(3);
        try (FileChannel channel = FileChannel.open(file)) {
            long size = channel.size();
            SortedMap<String, StationSummary> whole = BrcParser.parse(channel, size, 0, size).summaries();
            assertThat(whole.values().stream().mapToLong(StationSummary::count).sum()).isEqualTo(3000);
            for (int round = 0; round < 200; round++) {
                long[] cuts = random.longs(1 + random.nextInt(12), 0, size).sorted().toArray();
                long[] bounds = new long[cuts.length + 2];
                System.arraycopy(cuts, 0, bounds, 1, cuts.length);
                bounds[bounds.length - 1] = size;
                StationTable merged = new StationTable();
                for (int i = 0; i + 1 < bounds.length; i++) {
                    merged.mergeInto(BrcParser.parse(channel, size, bounds[i], bounds[i + 1]));
                }
                assertThat(merged.summaries()).as("cuts %s", Arrays.toString(cuts)).isEqualTo(whole);
            }
        }
    }

    @Test
    void rangesLongerThanOneReadWindowCountEveryLineOnce() throws IOException {
        Path file = generate("big.txt", 700_000, 100, 9);
        long size = Files.size(file);
        assertThat(size).isGreaterThan(8 << 20); // more than one 8 MiB window
        try (FileChannel channel = FileChannel.open(file)) {
            StationTable whole = BrcParser.parse(channel, size, 0, size);
            StationTable halves = BrcParser.parse(channel, size, 0, size / 2)
                    .mergeInto(BrcParser.parse(channel, size, size / 2, size));

            assertThat(whole.summaries().values().stream().mapToLong(StationSummary::count).sum()).isEqualTo(700_000);
            assertThat(halves.summaries()).isEqualTo(whole.summaries());
        }
    }

    @Test
    void parsesSignsDecimalsUtf8AndLastLineWithoutNewline() throws IOException {
        SortedMap<String, StationSummary> result =
                parseAll(text("rows.txt", "Zürich;-3.5\nA;0.0\nZürich;12.1\nA;-99.9\nA;99.9")).summaries();

        assertThat(result).containsOnlyKeys("A", "Zürich");
        assertThat(result.get("Zürich")).isEqualTo(new StationSummary(-35, 121, 86, 2));
        assertThat(result.get("A")).isEqualTo(new StationSummary(-999, 999, 0, 3));
        assertThat(result.get("Zürich").toString()).isEqualTo("-3.5/4.3/12.1");
    }

    @Test
    void malformedLineIsReportedWithItsOffset() throws IOException {
        Path file = text("bad.txt", "A;1.0\nB;x.5\n");

        Cli cli = Cli.run("brc", "--file", file.toString(), "--no-progress");

        assertThat(cli.exit()).isEqualTo(Main.EXIT_FAILED);
        assertThat(cli.err()).startsWith("error: brc: malformed line at byte 6");
    }

    @Test
    void tableGrowsPastItsInitialCapacity() throws IOException {
        StationTable table = parseAll(generate("many.txt", 20_000, 3000, 5));

        assertThat(table.size()).isGreaterThan(2000).isLessThanOrEqualTo(3000);
        assertThat(table.summaries()).hasSize(table.size());
    }

    @Test
    void emptyStationNameIsMalformed() throws IOException {
        Path file = text("bad.txt", ";1.0\n");

        assertThatThrownBy(() -> parseAll(file))
                .isInstanceOf(BadDataException.class).hasMessageStartingWith("malformed line at byte 0");
    }

    private Path text(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private Path generate(String name, long rows, int stations, long seed) throws IOException {
        Path file = dir.resolve(name);
        BrcGenerator.write(file, rows, stations, seed, new ProgressBar(null, "", rows, System::nanoTime));
        return file;
    }

    private static StationTable parseAll(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file)) {
            return BrcParser.parse(channel, channel.size(), 0, channel.size());
        }
    }
}
