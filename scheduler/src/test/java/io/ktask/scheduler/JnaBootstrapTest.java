package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.CRC32;

import com.sun.jna.Platform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** JNA's library directories without ldconfig, and the cached copy of its native library. */
@EnabledOnOs(OS.LINUX)
class JnaBootstrapTest {

    @TempDir
    Path tmp;

    @Test
    void ldSoConfDirectoriesFollowIncludesCommentsAndSeparators() throws IOException {
        Path a = Files.createDirectory(tmp.resolve("a"));
        Path b = Files.createDirectory(tmp.resolve("b"));
        Path c = Files.createDirectory(tmp.resolve("c"));
        Path d = Files.createDirectory(tmp.resolve("d"));
        Path confD = Files.createDirectory(tmp.resolve("conf.d"));
        Files.writeString(confD.resolve("20-second.conf"), c + "\n");
        Files.writeString(confD.resolve("10-first.conf"), "# a comment\n" + b + "  # trailing comment\n");
        Files.writeString(confD.resolve("ignored.txt"), "/not/listed\n");
        Path conf = tmp.resolve("ld.so.conf");
        Files.writeString(conf, a + "\ninclude conf.d/*.conf\n\nhwcap 0 nosegneg\n" + d + "=libc5:" + a + "\n");

        Set<String> dirs = new LinkedHashSet<>();
        assertThat(JnaBootstrap.readLdSoConf(conf, dirs, 0)).isTrue();

        assertThat(dirs).containsExactly(a.toString(), b.toString(), c.toString(), d.toString());
    }

    @Test
    void anIncludeWithOtherWildcardsOrARelativeDirectoryIsNotFollowed() throws IOException {
        Path conf = tmp.resolve("ld.so.conf");
        Files.writeString(conf, "include /etc/ld.so.conf.d/[a-z]*.conf\n");
        assertThat(JnaBootstrap.readLdSoConf(conf, new LinkedHashSet<>(), 0)).isFalse();

        Files.writeString(conf, "lib/relative\n");
        assertThat(JnaBootstrap.readLdSoConf(conf, new LinkedHashSet<>(), 0)).isFalse();
    }

    @Test
    void anIncludeLoopEndsAtTheDepthLimit() throws IOException {
        Path conf = tmp.resolve("ld.so.conf");
        Files.writeString(conf, "include ld.so.conf\n");

        assertThat(JnaBootstrap.readLdSoConf(conf, new LinkedHashSet<>(), 0)).isFalse();
    }

    @Test
    void thePlatformPathIsJnasDefaultsThenTheConfiguredDirectoriesThatExist() throws IOException {
        assumeTrue(Platform.ARCH.equals("x86-64") || Platform.ARCH.equals("aarch64"), "multiarch name known");
        Path configured = Files.createDirectory(tmp.resolve("configured"));
        Path conf = tmp.resolve("ld.so.conf");
        Files.writeString(conf, "/lib\n" + tmp.resolve("missing") + "\n" + configured + "\n");

        List<String> path = Arrays.asList(JnaBootstrap.platformLibraryPath(conf).split(":"));

        assertThat(path).endsWith(configured.toString()).doesNotContain(tmp.resolve("missing").toString())
                .doesNotHaveDuplicates();
        assertThat(path).allSatisfy(dir -> assertThat(Path.of(dir)).isDirectory());
        if (Files.isDirectory(Path.of("/usr/lib"))) {
            assertThat(path.indexOf("/usr/lib")).isLessThan(path.indexOf(configured.toString()));
        }
    }

    @Test
    void theDispatchLibraryIsCopiedOnceThenVerifiedAndRepairedWhenDamaged() throws Exception {
        JarEntry entry = dispatchLibraryEntry();
        Path cache = tmp.resolve("cache");

        Path dir = JnaBootstrap.cachedDispatchLibrary(cache);

        Path library = dir.resolve(System.mapLibraryName("jnidispatch"));
        assertThat(dir.getParent()).isEqualTo(cache);
        assertThat(crc(library)).isEqualTo(entry.getCrc());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        FileTime written = FileTime.fromMillis(1_000_000_000L);
        Files.setLastModifiedTime(library, written);

        assertThat(JnaBootstrap.cachedDispatchLibrary(cache)).isEqualTo(dir);
        assertThat(Files.getLastModifiedTime(library)).as("a good copy is not written again").isEqualTo(written);

        Files.write(library, new byte[(int) entry.getSize()]);
        assertThat(JnaBootstrap.cachedDispatchLibrary(cache)).isEqualTo(dir);
        assertThat(crc(library)).as("a damaged copy is replaced").isEqualTo(entry.getCrc());
        try (var files = Files.list(dir)) {
            assertThat(files).as("no partial file is left behind").containsExactly(library);
        }
    }

    @Test
    void aCacheOthersMayWriteToIsNotUsed() throws Exception {
        dispatchLibraryEntry();
        Path cache = Files.createDirectory(tmp.resolve("cache"));
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThat(JnaBootstrap.cachedDispatchLibrary(cache)).isNull();
    }

    /** @return the jar entry of JNA's native library for this platform; skips the test if JNA is not in a jar */
    private static JarEntry dispatchLibraryEntry() throws IOException {
        URL url = Platform.class.getClassLoader()
                .getResource("com/sun/jna/" + Platform.RESOURCE_PREFIX + "/" + System.mapLibraryName("jnidispatch"));
        assumeTrue(url != null && url.getProtocol().equals("jar"), "JNA's native library is in a jar");
        JarURLConnection connection = (JarURLConnection) url.openConnection();
        connection.setUseCaches(false);
        try (JarFile jar = connection.getJarFile()) {
            return jar.getJarEntry(connection.getEntryName());
        }
    }

    private static long crc(Path file) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(Files.readAllBytes(file));
        return crc.getValue();
    }
}
