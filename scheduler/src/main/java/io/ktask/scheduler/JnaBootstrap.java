package io.ktask.scheduler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.CRC32;

import com.sun.jna.Platform;

/**
 * Prepares JNA's first load in this JVM so that it starts no child process and, after the first
 * run on a machine, unpacks no native library. Left alone, JNA 5 does both in every JVM: its
 * {@code NativeLibrary} class runs {@code /sbin/ldconfig -p} to learn the library directories,
 * and {@code Native} unpacks {@code libjnidispatch.so} from its jar into a temporary file, loads
 * it and deletes it (the measured cost is in scheduler/README.md, "Native calls").
 *
 * <p>Both steps read JNA's own system properties, which {@link #prepare()} sets only where nobody
 * set them (a user's settings win) and only before JNA is loaded:
 * <ul>
 *   <li>{@code jna.platform.library.path}: the directories JNA would have found, its defaults for
 *       this platform followed by those listed in {@code /etc/ld.so.conf} (what ldconfig reads), so
 *       other JNA users in the JVM find their libraries as before;</li>
 *   <li>{@code jna.boot.library.path}: a per-user cache directory ({@code $XDG_CACHE_HOME/ktask} or
 *       {@code ~/.cache/ktask}, as JNA places its own temporary files) holding a copy of the
 *       jar's {@code libjnidispatch.so}, checked against the jar entry's size and CRC-32 before
 *       every use and replaced atomically when it differs; a directory that other users could
 *       write to is not used.</li>
 * </ul>
 * Anything unexpected (an architecture without a known multiarch name, an {@code include} that is
 * not {@code dir/*suffix}, no writable cache, JNA not in a jar) leaves that property unset, and
 * JNA then does what it always did. Not thread-safe: called once, from {@link LinuxLibc}'s class
 * initialisation.
 */
final class JnaBootstrap {

    static final String PLATFORM_PATH = "jna.platform.library.path";
    static final String BOOT_PATH = "jna.boot.library.path";
    /** Set by JNA once it has loaded its native library: after that, nothing here has an effect. */
    private static final String LOADED_FROM = "jnidispatch.path";

    private static final int MAX_INCLUDE_DEPTH = 4;

    private JnaBootstrap() {
    }

    /** Sets the two properties described in the class comment, where JNA is not loaded yet and they are unset. */
    static void prepare() {
        if (System.getProperty(LOADED_FROM) != null) {
            return;
        }
        try {
            if (System.getProperty(PLATFORM_PATH) == null) {
                String dirs = platformLibraryPath(Path.of("/etc/ld.so.conf"));
                if (dirs != null) {
                    System.setProperty(PLATFORM_PATH, dirs);
                }
            }
            if (System.getProperty(BOOT_PATH) == null) {
                Path dir = cachedDispatchLibrary(cacheHome());
                if (dir != null) {
                    System.setProperty(BOOT_PATH, dir.toString());
                }
            }
        } catch (IOException | RuntimeException e) {
            // Only a shortcut is lost: JNA finds its way as it always did.
            Log.logger().debug("JNA set-up left to JNA ({})", e.toString());
        }
    }

    /**
     * @return JNA's default library directories of this platform then those of {@code ldSoConf},
     *     each once, existing ones only, joined with ':'; null if this architecture's multiarch
     *     directory is not known or ld.so.conf uses a form this reader does not follow
     */
    static String platformLibraryPath(Path ldSoConf) throws IOException {
        String cpu = Platform.ARCH.equals("x86-64") ? "x86_64" : Platform.ARCH.equals("aarch64") ? "aarch64" : null;
        if (cpu == null || !Platform.is64Bit()) {
            return null;
        }
        String multiArch = cpu + "-linux-gnu";
        Set<String> dirs = new LinkedHashSet<>(List.of("/usr/lib/" + multiArch, "/lib/" + multiArch,
                "/usr/lib64", "/lib64", "/usr/lib", "/lib"));
        if (Files.exists(ldSoConf) && !readLdSoConf(ldSoConf, dirs, 0)) {
            return null;
        }
        StringBuilder path = new StringBuilder();
        for (String dir : dirs) {
            if (Files.isDirectory(Path.of(dir))) {
                path.append(path.length() == 0 ? "" : ":").append(dir);
            }
        }
        return path.toString();
    }

    /**
     * Adds the directories of an ld.so.conf file to {@code dirs}: one or more per line (separated
     * by blanks, ':' or ','), {@code #} comments, {@code include} lines (a file, or files matching
     * {@code dir/prefix*suffix}, in name order), {@code hwcap} lines ignored.
     *
     * @return false if a line has a form this reader does not follow
     */
    static boolean readLdSoConf(Path file, Set<String> dirs, int depth) throws IOException {
        if (depth > MAX_INCLUDE_DEPTH) {
            return false;
        }
        for (String raw : Files.readAllLines(file)) {
            int hash = raw.indexOf('#');
            String line = (hash < 0 ? raw : raw.substring(0, hash)).strip();
            if (line.isEmpty() || line.startsWith("hwcap ")) {
                continue;
            }
            if (line.startsWith("include ") || line.startsWith("include\t")) {
                List<Path> files = included(file, line.substring("include".length()).strip());
                if (files == null) {
                    return false;
                }
                for (Path included : files) {
                    if (!readLdSoConf(included, dirs, depth + 1)) {
                        return false;
                    }
                }
                continue;
            }
            for (String dir : line.split("[\\s:,]+")) {
                int eq = dir.indexOf('='); // libc5's "dir=TYPE"
                String d = eq < 0 ? dir : dir.substring(0, eq);
                if (!d.startsWith("/")) {
                    return false;
                }
                dirs.add(d);
            }
        }
        return true;
    }

    /**
     * @return the files an include names (relative to {@code from}'s directory), in name order;
     *     null if its pattern has wildcards other than one {@code *} in the file name
     */
    private static List<Path> included(Path from, String pattern) throws IOException {
        Path target = from.resolveSibling(pattern);
        String name = target.getFileName().toString();
        int star = name.indexOf('*');
        String parent = target.getParent().toString();
        if (hasWildcard(parent) || hasWildcard(name.substring(star + 1)) || name.indexOf('?') >= 0 || name.indexOf('[') >= 0) {
            return null;
        }
        if (star < 0) {
            return Files.exists(target) ? List.of(target) : List.of();
        }
        String prefix = name.substring(0, star);
        String suffix = name.substring(star + 1);
        List<Path> matches = new ArrayList<>();
        if (Files.isDirectory(target.getParent())) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(target.getParent())) {
                for (Path entry : entries) {
                    String n = entry.getFileName().toString();
                    if (n.length() >= prefix.length() + suffix.length() && n.startsWith(prefix) && n.endsWith(suffix)) {
                        matches.add(entry);
                    }
                }
            }
        }
        matches.sort(null);
        return matches;
    }

    private static boolean hasWildcard(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0;
    }

    /** @return {@code $XDG_CACHE_HOME/ktask} or {@code ~/.cache/ktask}, as JNA places its files */
    private static Path cacheHome() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("ktask");
    }

    /**
     * Makes sure {@code cache} holds the jar's {@code libjnidispatch.so} for this platform.
     *
     * @return the directory that holds the verified copy, or null if JNA's library is not in a
     *     jar (JNA then loads it in place, without unpacking) or the cache cannot be used
     */
    static Path cachedDispatchLibrary(Path cache) throws IOException {
        String fileName = System.mapLibraryName("jnidispatch");
        URL url = Platform.class.getClassLoader() == null ? null
                : Platform.class.getClassLoader().getResource("com/sun/jna/" + Platform.RESOURCE_PREFIX + "/" + fileName);
        if (url == null || !"jar".equals(url.getProtocol())) {
            return null;
        }
        URLConnection connection = url.openConnection();
        if (!(connection instanceof JarURLConnection)) {
            return null;
        }
        JarURLConnection jar = (JarURLConnection) connection;
        jar.setUseCaches(false); // our own JarFile, closed below: no handle is kept open
        try (JarFile file = jar.getJarFile()) {
            JarEntry entry = file.getJarEntry(jar.getEntryName());
            if (entry == null || entry.getCrc() < 0 || entry.getSize() < 0) {
                return null;
            }
            Path dir = cache.resolve("jnidispatch-" + Platform.RESOURCE_PREFIX + "-" + Long.toHexString(entry.getCrc()));
            Path library = dir.resolve(fileName);
            if (!privateDirectory(cache, dir)) {
                return null;
            }
            if (!matches(library, entry)) {
                // A unique name per writer, and an atomic rename: racing JVMs each write a whole
                // copy, and the last rename wins with an identical file.
                Path partial = dir.resolve(fileName + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
                try (InputStream in = file.getInputStream(entry);
                        OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE_NEW)) {
                    in.transferTo(out);
                }
                Files.move(partial, library, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                if (!matches(library, entry)) {
                    return null;
                }
            }
            return dir;
        }
    }

    /** @return true if {@code library} has the entry's size and CRC-32 */
    private static boolean matches(Path library, JarEntry entry) throws IOException {
        if (!Files.isRegularFile(library) || Files.size(library) != entry.getSize()) {
            return false;
        }
        CRC32 crc = new CRC32();
        crc.update(Files.readAllBytes(library));
        return crc.getValue() == entry.getCrc();
    }

    /**
     * Creates {@code dir} (and {@code cache}) readable by this user only if missing.
     *
     * @return true if both exist, belong to this process's user and no other user may write to them
     */
    private static boolean privateDirectory(Path cache, Path dir) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        for (Path d : new Path[] {cache, dir}) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(d);
            if (!uid.equals(Files.getAttribute(d, "unix:uid"))
                    || permissions.contains(PosixFilePermission.GROUP_WRITE)
                    || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
                return false;
            }
        }
        return true;
    }
}
