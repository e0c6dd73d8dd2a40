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
 * Cold start (issue 11): in a fresh JVM, building a scheduler ahead of its tasks starts binding
 * libc on a binder thread, while one built by its first task (the operators' default) leaves it
 * to its first helper, so a task without helpers loads no JNA; neither the build nor the calls a
 * task's own thread makes bind it on the caller; a
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
        List<String> lines = runChild(FirstBindingMain.class, classLog);
        assumeTrue(!lines.contains("boundInHelper=false"), "JNA cannot bind libc here: " + lines);

        assertThat(lines).contains("boundOn=" + ThreadPlacement.BINDER, "boundInHelper=true");
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("jnidispatch=" + cache.resolve("ktask")));
        // Every process start goes through ProcessBuilder (Runtime.exec too); ProcessImpl alone
        // is no sign, JDK 25 loads it for System.getenv.
        assertThat(loadedClasses(classLog)).as("JNA ran no ldconfig").noneMatch(c -> c.equals("java.lang.ProcessBuilder"));
    }

    @Test
    void aSchedulerBuiltByItsFirstTaskLeavesLibcToItsFirstHelper() throws Exception {
        Path classLog = cache.resolve("classes.log");
        List<String> lines = runChild(FirstTaskBindingMain.class, classLog);
        String[] saw = lines.stream().filter(line -> line.startsWith("helperSaw=")).findFirst().orElseThrow()
                .substring("helperSaw=".length()).split("\\|"); // bound|bound on thread|helper's name
        assumeTrue(saw[0].equals("true"), "JNA cannot bind libc here: " + lines);

        assertThat(saw[1]).as("libc bound by the helper as it placed itself, not by a binder thread")
                .isEqualTo(saw[2]).isNotEqualTo(ThreadPlacement.BINDER);
        List<String> classes = loadedClasses(classLog);
        int mark = classes.indexOf(FirstTaskBindingMain.Marker.class.getName());
        assertThat(mark).as("the child reached its mark").isPositive();
        assertThat(classes.subList(0, mark)).as("no JNA class before the first helper")
                .noneMatch(c -> c.startsWith("com.sun.jna."));
    }

    /** Runs {@code main} in a fresh JVM (JNA's cache in {@link #cache}) and returns its output lines. */
    private List<String> runChild(Class<?> main, Path classLog) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xlog:class+load=info:file=" + classLog,
                "-cp", System.getProperty("java.class.path"), main.getName())
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
        return output.lines().toList();
    }

    private static List<String> loadedClasses(Path log) throws IOException {
        // "[info][class,load] java.lang.Object source: shared objects file"
        return Files.readAllLines(log).stream().map(line -> line.substring(line.indexOf("] ") + 2))
                .map(rest -> rest.substring(0, rest.indexOf(' '))).toList();
    }
}
