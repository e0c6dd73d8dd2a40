package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cold start (issue 11): in a fresh JVM, building a scheduler starts binding libc on a binder
 * thread, and neither that nor the calls a task's own thread makes bind it on the caller; a
 * helper's body runs with libc bound; JNA starts no child process ({@code ldconfig -p}) and loads
 * its native library from the per-user cache rather than from a fresh copy.
 */
@EnabledOnOs(OS.LINUX)
class NativeBindingTest {

    @TempDir
    Path cache;

    @Test
    void theBinderThreadBindsLibcOffTheCallerWithNoProcessAndNoFreshCopy() throws Exception {
        Path classLog = cache.resolve("classes.log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xlog:class+load=info:file=" + classLog,
                "-cp", System.getProperty("java.class.path"), FirstBindingMain.class.getName())
                .redirectErrorStream(true);
        builder.environment().put("XDG_CACHE_HOME", cache.toString());
        Process child = builder.start();
        String output;
        try {
            output = new String(child.getInputStream().readAllBytes());
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child exited in time").isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(child.exitValue()).as(output).isZero();
        List<String> lines = output.lines().toList();
        assumeTrue(!lines.contains("boundInHelper=false"), "JNA cannot bind libc here: " + output);

        assertThat(lines).contains("boundOn=" + ThreadPlacement.BINDER, "boundInHelper=true");
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("jnidispatch=" + cache.resolve("ktask")));
        // Every process start goes through ProcessBuilder (Runtime.exec too); ProcessImpl alone
        // is no sign, JDK 25 loads it for System.getenv.
        assertThat(loadedClasses(classLog)).as("JNA ran no ldconfig").noneMatch(c -> c.equals("java.lang.ProcessBuilder"));
    }

    private static List<String> loadedClasses(Path log) throws IOException {
        // "[info][class,load] java.lang.Object source: shared objects file"
        return Files.readAllLines(log).stream().map(line -> line.substring(line.indexOf("] ") + 2))
                .map(rest -> rest.substring(0, rest.indexOf(' '))).toList();
    }
}
