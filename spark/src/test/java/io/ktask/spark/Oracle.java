package io.ktask.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.ktask.operators.Chunk;
import io.ktask.operators.DelimitedFile;
import io.ktask.operators.KTaskException;
import io.ktask.operators.UndoFailedException;
import org.apache.spark.TaskContext;

/**
 * A test job whose effects are files in a directory that the driver and every executor JVM see:
 * each attempt's work creates {@code work-c<chunk>-t<task attempt id>}, each undo creates
 * {@code undo-<that effect>-<driver|self>} with CREATE_NEW (so a second undo of one effect
 * throws). The chunk result names its effect and spells the chunk's units as letters, so the
 * merged text shows the chunk order (string concatenation is associative, not commutative). The
 * same over a file of records ({@link #recordJob}): a chunk's text is then its bytes, so a file
 * that holds {@link #letters} merges to the same text as the range.
 * Knobs make chunks fail always, fail on their first attempt, block on their first attempt until
 * released, or make the driver's undo of a chunk fail.
 */
final class Oracle implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final long BLOCK_LIMIT_MS = 90_000;

    /** A chunk's (or merged) result: the units as letters and the effects it stands for, in order. */
    record Tally(String text, List<String> effects) implements Serializable {
        static Tally merge(Tally a, Tally b) {
            return new Tally(a.text + b.text, Stream.concat(a.effects.stream(), b.effects.stream()).toList());
        }
    }

    private final String dir;
    private final Set<Long> failing;
    private final Set<Long> flaky;
    private final Set<Long> failingUndo;
    private final long blocked;

    private Oracle(String dir, Set<Long> failing, Set<Long> flaky, Set<Long> failingUndo, long blocked) {
        this.dir = dir;
        this.failing = failing;
        this.flaky = flaky;
        this.failingUndo = failingUndo;
        this.blocked = blocked;
    }

    static Oracle in(Path dir) {
        return new Oracle(dir.toString(), Set.of(), Set.of(), Set.of(), -1);
    }

    /** Every attempt of these chunks throws. */
    Oracle failing(Long... chunks) {
        return new Oracle(dir, Set.of(chunks), flaky, failingUndo, blocked);
    }

    /** The first attempt of these chunks throws; a retry succeeds. */
    Oracle flaky(Long... chunks) {
        return new Oracle(dir, failing, Set.of(chunks), failingUndo, blocked);
    }

    /** The driver's undo of these chunks throws. */
    Oracle failingUndo(Long... chunks) {
        return new Oracle(dir, failing, flaky, Set.of(chunks), blocked);
    }

    /** The first attempt of {@code chunk} writes {@code running-...} with its PID and waits for {@link #release()}. */
    Oracle blocking(long chunk) {
        return new Oracle(dir, failing, flaky, failingUndo, chunk);
    }

    SparkJob<Tally> job(int chunks) {
        return SparkJob.of(this::work).merge(Tally::merge).undo(this::undo).chunks(chunks).build();
    }

    /** The same job over the records of a file: a chunk's text is its bytes. */
    SparkJob<Tally> recordJob(int chunks) {
        return SparkJob.ofRecords(this::records).merge(Tally::merge).undo(this::undo).chunks(chunks).build();
    }

    /** The text a successful job over units [0, count) merges to. */
    static String letters(long from, long to) {
        StringBuilder text = new StringBuilder();
        for (long u = from; u < to; u++) {
            text.append((char) ('a' + u % 26));
        }
        return text.toString();
    }

    Tally work(Chunk<Long> c) {
        return attempt(c, letters(c.start(), c.end()));
    }

    Tally records(DelimitedFile file, Chunk<Long> c) {
        StringBuilder text = new StringBuilder();
        file.forEachWindow(c, (window, offset) -> text.append(StandardCharsets.US_ASCII.decode(window)));
        return attempt(c, text.toString());
    }

    /** One attempt's effect (or failure, or wait) for chunk {@code c}, whose units spell {@code text}. */
    private Tally attempt(Chunk<Long> c, String text) {
        TaskContext task = TaskContext.get();
        String effect = "c" + c.index() + "-t" + task.taskAttemptId();
        if (c.index() == blocked && task.attemptNumber() == 0) {
            create("running-" + effect, String.valueOf(ProcessHandle.current().pid()));
            awaitFile("release");
        }
        if (failing.contains(c.index()) || (flaky.contains(c.index()) && task.attemptNumber() == 0)) {
            throw new IllegalStateException("chunk " + c.index() + " fails on attempt " + task.attemptNumber());
        }
        create("work-" + effect, String.valueOf(ProcessHandle.current().pid()));
        return new Tally(text, List.of(effect));
    }

    void undo(Chunk<Long> c, Tally result) {
        boolean driver = TaskContext.get() == null;
        if (driver && failingUndo.contains(c.index())) {
            throw new IllegalStateException("undo of chunk " + c.index() + " fails");
        }
        create("undo-" + result.effects().get(0) + (driver ? "-driver" : "-self"), "");
    }

    void release() {
        create("release", "");
    }

    /** @return the PID written by the blocked first attempt, waiting for it up to the limit */
    long awaitBlockedPid() {
        Path file = awaitMatch("running-c" + blocked + "-");
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the effect the blocked first attempt would have had (after {@link #awaitBlockedPid()}) */
    String blockedEffect() {
        return awaitMatch("running-c" + blocked + "-").getFileName().toString().substring("running-".length());
    }

    // ------------------------------------------------------------------ checks

    /** The invariants of a successful job: one committed effect per chunk, in the result, kept. */
    void assertSucceeded(Tally result, long count, int chunks) {
        State s = read();
        assertThat(result.text()).isEqualTo(letters(0, count));
        assertThat(result.effects()).hasSize(chunks);
        for (int i = 0; i < chunks; i++) {
            assertThat(chunkOf(result.effects().get(i))).as("effect of chunk %d in chunk order", i).isEqualTo(i);
        }
        assertThat(s.effects).containsAll(result.effects());
        assertThat(s.driverUndos).as("no chunk of a successful job is undone").isEmpty();
        for (String effect : s.effects) {
            boolean committed = result.effects().contains(effect);
            assertThat(s.selfUndos.contains(effect)).as("effect %s: kept iff committed", effect).isEqualTo(!committed);
        }
    }

    /**
     * The invariants of a failed job: every committed chunk undone by the driver exactly once
     * (or its undo failed and is reported), every other effect undone by its own attempt, and
     * undoneChunks listing exactly the chunks whose driver undo returned.
     */
    void assertRolledBack(KTaskException e) {
        State s = read();
        Map<Long, List<String>> byChunk = new TreeMap<>();
        s.driverUndos.forEach(effect -> byChunk.computeIfAbsent(chunkOf(effect), k -> new ArrayList<>()).add(effect));
        byChunk.forEach((chunk, effects) -> assertThat(effects).as("committed attempts of chunk %d", chunk).hasSize(1));
        assertThat(e.undoneChunks()).isEqualTo(new ArrayList<>(byChunk.keySet()));
        Set<String> kept = new TreeSet<>(s.effects);
        kept.removeAll(s.driverUndos);
        kept.removeAll(s.selfUndos);
        Set<Long> keptChunks = kept.stream().map(Oracle::chunkOf).collect(Collectors.toCollection(TreeSet::new));
        assertThat(kept).as("effects left are those of failed driver undos, one per chunk").hasSameSizeAs(keptChunks);
        assertThat(failingUndo).containsAll(keptChunks);
        List<Long> undoFailures = Stream.of(e.getSuppressed()).filter(UndoFailedException.class::isInstance)
                .map(t -> ((UndoFailedException) t).chunkIndex()).toList();
        assertThat(undoFailures).as("one UndoFailedException per effect left").containsExactlyElementsOf(keptChunks);
        for (String effect : s.driverUndos) {
            assertThat(s.selfUndos).as("effect %s undone twice", effect).doesNotContain(effect);
        }
    }

    State read() {
        Set<String> effects = new TreeSet<>();
        Set<String> driverUndos = new TreeSet<>();
        Set<String> selfUndos = new TreeSet<>();
        try (Stream<Path> files = Files.list(Paths.get(dir))) {
            for (String name : files.map(p -> p.getFileName().toString()).toList()) {
                if (name.startsWith("work-")) {
                    effects.add(name.substring("work-".length()));
                } else if (name.endsWith("-driver")) {
                    driverUndos.add(name.substring("undo-".length(), name.length() - "-driver".length()));
                } else if (name.endsWith("-self")) {
                    selfUndos.add(name.substring("undo-".length(), name.length() - "-self".length()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(effects).containsAll(driverUndos).containsAll(selfUndos);
        return new State(effects, driverUndos, selfUndos);
    }

    /** Effects and undos found in the directory; an undo file names the effect it reverted. */
    record State(Set<String> effects, Set<String> driverUndos, Set<String> selfUndos) {
    }

    static long chunkOf(String effect) {
        return Long.parseLong(effect.substring(1, effect.indexOf('-')));
    }

    private void create(String name, String content) {
        try {
            Files.writeString(Paths.get(dir, name), content, StandardOpenOption.CREATE_NEW);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + name, e);
        }
    }

    private void awaitFile(String name) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BLOCK_LIMIT_MS);
        while (!Files.exists(Paths.get(dir, name)) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // polling another JVM's file, bounded
        }
    }

    private Path awaitMatch(String prefix) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BLOCK_LIMIT_MS);
        while (System.nanoTime() < deadline) {
            try (Stream<Path> files = Files.list(Paths.get(dir))) {
                var match = files.filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst();
                if (match.isPresent() && Files.size(match.get()) > 0) {
                    return match.get();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // polling another JVM's file, bounded
        }
        throw new AssertionError("no file " + prefix + "* in " + dir + " within " + BLOCK_LIMIT_MS + " ms");
    }
}
