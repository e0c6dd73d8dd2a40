package io.ktask.scheduler;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The native tests run each placement on a fresh thread: the test runner's threads stay as they are. */
class ThreadPlacementTest {

    private static final Path THREAD_STATUS = Path.of("/proc/thread-self/status");
    private static final Path THREAD_STAT = Path.of("/proc/thread-self/stat");

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    @EnabledOnOs(OS.LINUX)
    void pinnedThreadRunsOnlyOnThatCpu(int cpu) throws Exception {
        assumeTrue(processAllowedCpus().get(cpu), "the process may not use cpu " + cpu);
        String runnerBefore = cpusAllowedList();

        List<Object> seen = onFreshThread(() -> List.of(
                ThreadPlacement.pinCurrentThread(new int[] {cpu}),
                cpusAllowedList(),
                // sched_setaffinity moves the calling thread before it returns.
                ThreadPlacement.currentCpu()));

        assertThat(seen).containsExactly(true, String.valueOf(cpu), cpu);
        assertThat(cpusAllowedList()).isEqualTo(runnerBefore);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void pinningAgainReplacesTheCpus() throws Exception {
        BitSet allowed = processAllowedCpus();
        assumeTrue(allowed.get(0) && allowed.get(1), "the process may not use cpus 0 and 1");

        List<Object> seen = onFreshThread(() -> List.of(
                ThreadPlacement.pinCurrentThread(new int[] {1}),
                ThreadPlacement.pinCurrentThread(new int[] {1, 0}),
                cpusAllowedList()));

        assertThat(seen).containsExactly(true, true, "0-1");
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void pinningToForbiddenCpusFailsQuietlyAndLeavesTheAffinity() throws Exception {
        int forbidden = processAllowedCpus().nextClearBit(0);
        assumeTrue(forbidden < NodeTopology.CPU_ID_LIMIT, "every cpu id is allowed");

        List<Object> seen = onFreshThread(() -> List.of(
                cpusAllowedList(),
                ThreadPlacement.pinCurrentThread(new int[] {forbidden}),
                ThreadPlacement.pinCurrentThread(new int[] {NodeTopology.CPU_ID_LIMIT - 1}),
                cpusAllowedList()));

        assertThat(seen.get(1)).isEqualTo(false);
        assertThat(seen.get(2)).isEqualTo(false);
        assertThat(seen.get(3)).isEqualTo(seen.get(0));
        // Already logged by the failures above, so reporting it again logs nothing.
        assertThat(ThreadPlacement.report("pin threads to CPUs",
                "sched_setaffinity failed with errno 22 (" + LinuxLibc.describe(22) + ")")).isFalse();
    }

    @Test
    void pinRejectsBadCpus() {
        assertThatThrownBy(() -> ThreadPlacement.pinCurrentThread(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("cpus");
        assertThatThrownBy(() -> ThreadPlacement.pinCurrentThread(new int[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cpus must not be empty");
        assertThatThrownBy(() -> ThreadPlacement.pinCurrentThread(new int[] {0, -3}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cpu id must be in [0, 65536) but was -3");
        assertThatThrownBy(() -> ThreadPlacement.pinCurrentThread(new int[] {65_536}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cpu id must be in [0, 65536) but was 65536");
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void niceAppliesToTheCallingThreadOnly() throws Exception {
        int runnerNice = niceOfThisThread();
        assumeTrue(runnerNice < 19, "the runner already runs at nice 19");

        List<Object> seen = onFreshThread(() -> List.of(
                ThreadPlacement.setCurrentThreadNice(19), niceOfThisThread()));

        assertThat(seen).containsExactly(true, 19);
        assertThat(niceOfThisThread()).isEqualTo(runnerNice);
        // A thread the runner starts afterwards inherits the runner's nice, not 19.
        assertThat(onFreshThread(ThreadPlacementTest::niceOfThisThread)).isEqualTo(runnerNice);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void anotherThreadsNiceIsReadAndSetByItsId() throws Exception {
        Nice.assumeMayRaise();
        int runnerNice = niceOfThisThread();
        assertThat(ThreadPlacement.currentThreadNice()).isEqualTo(runnerNice);
        CompletableFuture<Integer> lowered = new CompletableFuture<>();
        CyclicBarrier raised = new CyclicBarrier(2);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<List<Integer>> other = executor.submit(() -> {
                ThreadPlacement.setCurrentThreadNice(19);
                lowered.complete(ThreadPlacement.currentThreadId());
                raised.await(10, SECONDS);
                return List.of(ThreadPlacement.currentThreadNice(), niceOfThisThread());
            });
            int tid = lowered.get(10, SECONDS);
            assertThat(Nice.of(tid)).isEqualTo(19);
            assertThat(ThreadPlacement.setThreadNice(tid, runnerNice)).isTrue();
            raised.await(10, SECONDS);
            assertThat(other.get(10, SECONDS)).containsExactly(runnerNice, runnerNice);
            assertThatThrownBy(() -> ThreadPlacement.setThreadNice(tid, -21))
                    .hasMessage("nice must be in [-20, 19] but was -21");
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void niceRejectsValuesOutOfRange() {
        assertThatThrownBy(() -> ThreadPlacement.setCurrentThreadNice(20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nice must be in [-20, 19] but was 20");
        assertThatThrownBy(() -> ThreadPlacement.setCurrentThreadNice(-21))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nice must be in [-20, 19] but was -21");
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void currentCpuIsAnAllowedCpu() throws IOException {
        BitSet allowed = processAllowedCpus();
        ThreadPlacement.currentThreadId(); // binds libc, which currentCpu() never does itself

        for (int i = 0; i < 100; i++) {
            int cpu = ThreadPlacement.currentCpu();
            assertThat(cpu).isNotNegative();
            assertThat(allowed.get(cpu)).as("cpu %d allowed", cpu).isTrue();
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void gettidAgreesWithProcThreadSelf() throws Exception {
        assumeTrue(LinuxLibc.gettid() >= 0, "no gettid syscall number for this architecture");

        List<Integer> fresh = onFreshThread(() -> List.of(LinuxLibc.gettid(), ThreadPlacement.threadIdFromProc()));

        assertThat(fresh.get(0)).isPositive().isEqualTo(fresh.get(1));
        assertThat(LinuxLibc.gettid()).isEqualTo(ThreadPlacement.threadIdFromProc()).isNotEqualTo(fresh.get(0));
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void withoutJnaEveryCallFallsBack() throws Exception {
        URL[] withoutJna = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("jna"))
                .map(entry -> {
                    try {
                        return Path.of(entry).toUri().toURL();
                    } catch (MalformedURLException e) {
                        throw new UncheckedIOException(e);
                    }
                })
                .toArray(URL[]::new);
        try (URLClassLoader loader = new URLClassLoader(withoutJna, ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> loader.loadClass("com.sun.jna.Native")).isInstanceOf(ClassNotFoundException.class);
            Class<?> placement = loader.loadClass(ThreadPlacement.class.getName());

            List<Object> seen = onFreshThread(() -> List.of(
                    invoke(placement, "pinCurrentThread", new Class<?>[] {int[].class}, new int[] {0}),
                    invoke(placement, "setCurrentThreadNice", new Class<?>[] {int.class}, 19),
                    invoke(placement, "currentCpu", new Class<?>[0]),
                    invoke(placement, "currentThreadId", new Class<?>[0]),
                    invoke(placement, "currentThreadNice", new Class<?>[0]),
                    invoke(placement, "setThreadNice", new Class<?>[] {int.class, int.class}, 1, 19),
                    niceOfThisThread()));

            assertThat(seen).containsExactly(false, false, -1, -1, Integer.MIN_VALUE, false, niceOfThisThread());
        }
    }

    private static Object invoke(Class<?> type, String name, Class<?>[] parameters, Object... args)
            throws ReflectiveOperationException {
        Method method = type.getDeclaredMethod(name, parameters);
        method.setAccessible(true);
        return method.invoke(null, args);
    }

    @Test
    void aJdkThatDeniesNativeAccessIsToldApartFromOtherBindingFailures() {
        // JNA's class initialisation fails with the JDK's IllegalCallerException inside.
        assertThat(ThreadPlacement.deniedNativeAccess(
                new ExceptionInInitializerError(new IllegalCallerException("native access denied")))).isTrue();
        assertThat(ThreadPlacement.deniedNativeAccess(new UnsatisfiedLinkError("no jnidispatch"))).isFalse();
        assertThat(ThreadPlacement.deniedNativeAccess(new NoClassDefFoundError("com/sun/jna/Native"))).isFalse();
    }

    @Test
    void cpuMaskIsACpuSetOfUnsignedLongs() {
        byte[] le64 = ThreadPlacement.cpuMask(new int[] {0, 9, 63, 64}, 8, false);
        assertThat(le64).hasSize(128);
        assertThat(le64[0]).isEqualTo((byte) 0x01);
        assertThat(le64[1]).isEqualTo((byte) 0x02);
        assertThat(le64[7]).isEqualTo((byte) 0x80);
        assertThat(le64[8]).isEqualTo((byte) 0x01);
        assertThat(bitCount(le64)).isEqualTo(4);

        byte[] be64 = ThreadPlacement.cpuMask(new int[] {0, 9, 63, 64}, 8, true);
        assertThat(be64[7]).isEqualTo((byte) 0x01);
        assertThat(be64[6]).isEqualTo((byte) 0x02);
        assertThat(be64[0]).isEqualTo((byte) 0x80);
        assertThat(be64[15]).isEqualTo((byte) 0x01);
        assertThat(bitCount(be64)).isEqualTo(4);

        byte[] be32 = ThreadPlacement.cpuMask(new int[] {0, 33}, 4, true);
        assertThat(be32[3]).isEqualTo((byte) 0x01);
        assertThat(be32[7]).isEqualTo((byte) 0x02);
        assertThat(bitCount(be32)).isEqualTo(2);
    }

    @Test
    void cpuMaskGrowsPastTheDefaultCpuSet() {
        byte[] mask = ThreadPlacement.cpuMask(new int[] {2000}, 8, false);

        assertThat(mask).hasSize(256);
        assertThat(mask[250]).isEqualTo((byte) 0x01);
        assertThat(bitCount(mask)).isEqualTo(1);
    }

    @Test
    void reportLogsEachReasonOnce() {
        String reason = "test reason " + UUID.randomUUID();

        assertThat(ThreadPlacement.report("test", reason)).isTrue();
        assertThat(ThreadPlacement.report("test", reason)).isFalse();
        assertThat(ThreadPlacement.report("other test", reason)).isTrue();
    }

    @RepeatedTest(20)
    void racingReportsLogOnce() throws Exception {
        String reason = "racing reason " + UUID.randomUUID();
        int threads = 4;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Boolean>> logged = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                logged.add(pool.submit(() -> {
                    start.await(10, SECONDS);
                    return ThreadPlacement.report("race", reason);
                }));
            }
            int count = 0;
            for (Future<Boolean> f : logged) {
                count += f.get(10, SECONDS) ? 1 : 0;
            }
            assertThat(count).isEqualTo(1);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, SECONDS)).isTrue();
        }
    }

    private static <T> T onFreshThread(Callable<T> body) throws Exception {
        FutureTask<T> task = new FutureTask<>(body);
        Thread thread = new Thread(task, "thread-placement-test");
        thread.start();
        try {
            return task.get(10, SECONDS);
        } finally {
            thread.join(SECONDS.toMillis(10));
        }
    }

    private static BitSet processAllowedCpus() {
        return NodeTopology.readCpusAllowed(Path.of("/proc/self/status"));
    }

    /** @return the calling thread's Cpus_allowed_list, as the kernel prints it */
    private static String cpusAllowedList() throws IOException {
        return Files.readAllLines(THREAD_STATUS).stream()
                .filter(line -> line.startsWith("Cpus_allowed_list:"))
                .map(line -> line.substring("Cpus_allowed_list:".length()).strip())
                .findFirst()
                .orElseThrow();
    }

    /** @return field 19 (nice) of the calling thread's stat, read after the command name */
    private static int niceOfThisThread() throws IOException {
        String stat = Files.readString(THREAD_STAT);
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[19 - 3]);
    }

    private static int bitCount(byte[] mask) {
        int bits = 0;
        for (byte b : mask) {
            bits += Integer.bitCount(b & 0xff);
        }
        return bits;
    }
}
