package io.ktask.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;

import io.ktask.operators.DelimitedFile;

/**
 * The file of a record job, as the driver saw it: its absolute path, its record delimiter and its
 * size. The driver plans the chunks with {@link DelimitedFile}'s own cut ({@link #plan}); each
 * attempt opens the file again on its executor ({@link #open}), at the same path, and checks that
 * it has the same size, so an executor that sees another file (no shared filesystem, a copy that
 * differs, a file that changed) fails its chunk with a message that says so instead of computing
 * a wrong answer.
 */
final class RecordFile implements Serializable {

    private static final long serialVersionUID = 1L;

    final String path;
    final byte delimiter;
    final long size;

    private RecordFile(String path, byte delimiter, long size) {
        this.path = path;
        this.delimiter = delimiter;
        this.size = size;
    }

    /**
     * Opens {@code path} on the driver and cuts its bytes into about {@code wanted} chunks of at
     * least {@code minChunk} bytes, every boundary moved to a record start by
     * {@link DelimitedFile#boundaries()}.
     *
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws IOException if it is not a regular file or cannot be read
     */
    static ChunkPlan plan(Path path, byte delimiter, long minChunk, int wanted) throws IOException {
        try (DelimitedFile file = DelimitedFile.open(path, delimiter)) {
            RecordFile ref = new RecordFile(path.toAbsolutePath().toString(), delimiter, file.size());
            return ChunkPlan.cut(ref, file.boundaries(), minChunk, wanted);
        }
    }

    /**
     * Opens the file where an attempt runs; close it when done.
     *
     * @throws IOException if it cannot be opened, or its size is not the one the driver planned with
     */
    DelimitedFile open() throws IOException {
        DelimitedFile file;
        try {
            file = DelimitedFile.open(Paths.get(path), delimiter);
        } catch (NoSuchFileException e) { // its message is the bare path: say why it matters here
            NoSuchFileException missing = new NoSuchFileException(path, null, "no such file here, though the driver"
                    + " read it: the file must be readable at the same path on every executor (a shared filesystem)");
            missing.initCause(e);
            throw missing;
        }
        if (file.size() != size) {
            file.close();
            throw new IOException(path + " has " + file.size() + " bytes here but had " + size
                    + " on the driver: the file must not change during the job and must be the same file at this path"
                    + " on every executor (a shared filesystem)");
        }
        return file;
    }

    @Override
    public String toString() {
        return path;
    }
}
