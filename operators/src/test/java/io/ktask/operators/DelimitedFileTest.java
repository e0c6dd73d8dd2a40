package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import io.ktask.scheduler.KTaskScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ready-made cut for files of delimited records and the chunk's view of its bytes. */
class DelimitedFileTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    KTaskScheduler scheduler;

    @BeforeEach
    void scheduler() {
        scheduler = KTaskScheduler.builder().name("delimited-test").maxHelpers(2).build();
    }

    @AfterEach
    void dispose() {
        scheduler.dispose();
    }

    @Test
    void cutMovesAnOffsetToTheNextRecordStart() throws IOException {
        try (DelimitedFile file = DelimitedFile.open(write("a.txt", "ab\ncd\n\nefg"))) { // no final newline
            long[] expected = {0, 3, 3, 3, 6, 6, 6, 7, 10, 10, 10};
            for (int b = 0; b <= 10; b++) {
                assertThat(file.boundaries().applyAsLong(b)).as("cut(%s)", b).isEqualTo(expected[b]);
            }
            assertThatThrownBy(() -> file.boundaries().applyAsLong(11)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("byte offset must be within [0, 10]").hasMessageEndingWith("but was 11");
            assertThatThrownBy(() -> file.boundaries().applyAsLong(-1)).isInstanceOf(IllegalArgumentException.class);
            assertThat(file.boundaries()).hasToString("record starts of " + file.path());
        }
    }

    @RepeatedTest(5)
    void chunksSeeEveryRecordExactlyOnceInWholeWindows() throws IOException {
        List<String> lines = randomLines(3_000, 300, 21);
        try (DelimitedFile file = DelimitedFile.open(write("lines.txt", String.join("\n", lines) + "\n"))) {
            assertThat(recordsPerChunk(file, 64).stream().flatMap(List::stream).toList()).isEqualTo(lines);
        }
    }

    /** A 6,000-byte line in a file of about 6,100: chunks of about 760 bytes, most of them inside that line. */
    @RepeatedTest(5)
    void aRecordLongerThanAChunkLeavesEmptyChunks() throws IOException {
        List<String> lines = new ArrayList<>(randomLines(10, 10, 23));
        lines.add(5, "y".repeat(6_000));
        try (DelimitedFile file = DelimitedFile.open(write("long.txt", String.join("\n", lines) + "\n"))) {
            List<List<String>> perChunk = recordsPerChunk(file, 64);

            assertThat(perChunk.stream().flatMap(List::stream).toList()).isEqualTo(lines);
            assertThat(perChunk).anyMatch(List::isEmpty);
        }
    }

    private List<List<String>> recordsPerChunk(DelimitedFile file, long minChunk) {
        return file.range().transform(KTask.parallelize(KTaskSpec.<Long, List<String>>of(chunk -> records(file, chunk))
                .ordered().minChunk(minChunk).boundaries(file.boundaries()).scheduler(scheduler).build()))
                .collectList().block(WAIT);
    }

    @Test
    void adaptiveChunksOfAFileWithoutAFinalDelimiter() throws IOException {
        List<String> lines = randomLines(50_000, 40, 22);
        try (DelimitedFile file = DelimitedFile.open(write("lines.txt", String.join("\n", lines)))) {
            List<String> seen = file.range().as(KTask.reduce(KTaskSpec.<Long, List<String>>of(chunk -> records(file, chunk))
                    .merge((a, b) -> {
                        List<String> all = new ArrayList<>(a);
                        all.addAll(b);
                        return all;
                    }).boundaries(file.boundaries()).scheduler(scheduler).build())).block(WAIT);

            assertThat(seen).isEqualTo(lines);
        }
    }

    @Test
    void aRecordLongerThanAWindowGetsAWindowOfItsOwn() throws IOException {
        String huge = "x".repeat(3 * DelimitedFile.WINDOW + 17);
        try (DelimitedFile file = DelimitedFile.open(write("huge.txt", "a\n" + huge + "\nb\n"))) {
            List<Integer> windows = new ArrayList<>();
            List<String> records = new ArrayList<>();
            file.forEachWindow(0, file.size(), (w, at) -> {
                windows.add(w.remaining());
                records.addAll(split(w));
            });

            assertThat(records).containsExactly("a", huge, "b");
            assertThat(windows).hasSizeGreaterThan(1).allMatch(n -> n <= huge.length() + 4);
        }
    }

    @Test
    void emptyFileHasNoChunk() throws IOException {
        try (DelimitedFile file = DelimitedFile.open(write("empty.txt", ""))) {
            assertThat(file.size()).isZero();
            assertThat(file.range().as(KTask.reduce(KTaskSpec.<Long, Long>of(Chunk::size).merge(Long::sum)
                    .boundaries(file.boundaries()).scheduler(scheduler).build())).block(WAIT)).isNull();
            file.forEachWindow(0, 0, (w, at) -> {
                throw new AssertionError("an empty range has no window");
            });
        }
    }

    @Test
    void missingFileOrDirectoryIsAClearErrorAndLeaksNoHandle() throws IOException {
        assertThatThrownBy(() -> DelimitedFile.open(dir.resolve("nope.txt")))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("nope.txt");
        assertThatThrownBy(() -> DelimitedFile.open(dir))
                .isInstanceOf(IOException.class).hasMessage("not a regular file: " + dir);
        assertThatThrownBy(() -> DelimitedFile.open(null)).isInstanceOf(NullPointerException.class);

        assertThat(handlesTo(dir)).as("the directory's handle was closed").isZero();
    }

    @Test
    void closeReleasesTheHandleAndLaterReadsFail() throws IOException {
        Path path = write("a.txt", "a\nb\n");
        DelimitedFile file = DelimitedFile.open(path);
        assertThat(handlesTo(path)).isEqualTo(1);

        file.close();
        file.close(); // idempotent

        assertThat(handlesTo(path)).isZero();
        assertThatThrownBy(() -> file.forEachWindow(0, 2, (w, at) -> { }))
                .isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(ClosedChannelException.class);
    }

    @Test
    void aFileThatShrankIsAClearError() throws IOException {
        Path path = write("a.txt", "aaaa\nbbbb\n");
        try (DelimitedFile file = DelimitedFile.open(path)) {
            try (FileChannel writer = FileChannel.open(path, StandardOpenOption.WRITE)) {
                writer.truncate(4);
            }
            assertThatThrownBy(() -> file.forEachWindow(0, 10, (w, at) -> { }))
                    .isInstanceOf(UncheckedIOException.class).hasMessageContaining("shrank while being read: no byte at 4");
        }
    }

    @Test
    void windowRangeIsChecked() throws IOException {
        try (DelimitedFile file = DelimitedFile.open(write("a.txt", "a\n"))) {
            assertThatThrownBy(() -> file.forEachWindow(1, 3, (w, at) -> { })).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("byte range [1, 3) must be within [0, 2] of ");
            assertThatThrownBy(() -> file.forEachWindow(2, 1, (w, at) -> { })).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> file.forEachWindow(0, 1, null)).isInstanceOf(NullPointerException.class);
        }
    }

    /** Offsets past 2^31: a sparse file of 2 GiB and a few bytes, with lines around the 2 GiB mark (no 2 GiB is read). */
    @Test
    void offsetsBeyondTwoGibibytes() throws IOException {
        long mark = 1L << 31;
        String tail = "before\nafter\nlast";
        Path path = dir.resolve("big.txt");
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(new byte[] {'\n'}), mark - 10);
            out.write(ByteBuffer.wrap(tail.getBytes(StandardCharsets.US_ASCII)), mark - 3);
        }
        try (DelimitedFile file = DelimitedFile.open(path)) {
            assertThat(file.size()).isEqualTo(mark - 3 + tail.length());
            assertCut(file, mark - 9, mark - 9); // just after the newline at mark - 10
            assertCut(file, mark - 8, mark + 4); // after "before\n"
            assertCut(file, mark + 5, mark + 10); // after "after\n"
            assertCut(file, mark + 11, file.size());
            List<String> records = new ArrayList<>();
            file.forEachWindow(mark - 9, file.size(), (w, at) -> records.addAll(split(w)));
            assertThat(records).containsExactly("\0\0\0\0\0\0before", "after", "last");
        }
    }

    private static void assertCut(DelimitedFile file, long b, long expected) {
        assertThat(file.boundaries().applyAsLong(b)).as("cut(%s)", b).isEqualTo(expected);
    }

    private static List<String> records(DelimitedFile file, Chunk<Long> chunk) {
        List<String> out = new ArrayList<>();
        long[] next = {chunk.start()};
        file.forEachWindow(chunk, (w, at) -> {
            assertThat(at).as("windows are contiguous, with their file offsets").isEqualTo(next[0]);
            next[0] += w.remaining();
            assertThat(w.hasArray()).isTrue();
            assertThat(w.position()).isZero();
            boolean atEnd = chunk.end() == file.size();
            if (!atEnd || w.get(w.limit() - 1) == '\n') {
                assertThat(w.get(w.limit() - 1)).as("a window ends with a delimiter").isEqualTo((byte) '\n');
            }
            out.addAll(split(w));
        });
        return out;
    }

    /** @return the records of a window, without their delimiters (the last may lack one) */
    private static List<String> split(ByteBuffer window) {
        String text = StandardCharsets.UTF_8.decode(window).toString();
        List<String> out = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        if (out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1); // after the final delimiter
        }
        return out;
    }

    private static List<String> randomLines(int count, int maxLength, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder line = new StringBuilder();
            int length = random.nextInt(maxLength + 1);
            for (int j = 0; j < length; j++) {
                line.append((char) ('a' + random.nextInt(26)));
            }
            lines.add(line.toString());
        }
        return lines;
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    /** @return how many of this process's file descriptors refer to {@code path} (Linux; the test is skipped elsewhere) */
    private static long handlesTo(Path path) throws IOException {
        Path fds = Path.of("/proc/self/fd");
        assumeTrue(Files.isDirectory(fds), "reads file descriptors through /proc/self/fd");
        Path target = path.toRealPath();
        try (Stream<Path> list = Files.list(fds)) {
            return list.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(target);
                } catch (IOException e) {
                    return false; // closed since it was listed: not ours
                }
            }).count();
        }
    }
}
