package io.ktask.scheduler;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads the kernel's small text files (sysfs, procfs) with {@code java.io}, which every JVM has
 * loaded at boot. {@code java.nio.file.Files} would load some 45 classes (directory streams,
 * channels, decoders) on the thread that builds a fresh JVM's first scheduler, about 13 ms there.
 */
final class KernelFiles {

    private KernelFiles() {
    }

    /**
     * {@return the whole text of {@code file}, each byte one char (ISO-8859-1): the kernel's
     *     figures are ASCII, and a name field in another encoding (a process's or thread's
     *     {@code comm} in {@code /proc/.../status} or {@code stat}) cannot make the file unreadable}
     *
     * @throws IOException if the file cannot be read
     */
    static String read(Path file) throws IOException {
        byte[] bytes;
        try (FileInputStream in = new FileInputStream(file.toFile())) {
            bytes = in.readAllBytes();
        }
        // By hand, not new String(bytes, StandardCharsets.ISO_8859_1): initialising
        // StandardCharsets loads six charset classes.
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = (char) (bytes[i] & 0xff);
        }
        return new String(chars);
    }

    /**
     * {@return the names of the entries of directory {@code dir}, in no particular order}
     *
     * @throws IOException if {@code dir} is not a directory or cannot be listed
     */
    static String[] list(Path dir) throws IOException {
        String[] names = dir.toFile().list();
        if (names == null) {
            throw new IOException(dir + " is not a directory that can be listed");
        }
        return names;
    }
}
