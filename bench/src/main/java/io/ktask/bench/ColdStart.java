package io.ktask.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Cold start (issue 11, goal 3): the time from starting a fresh JVM to the first result of a
 * small W1 task, for each implementation, with one new JVM per run ({@link ColdStartChild}). The
 * implementations take turns in every round (the first of a round rotates), so that a change in
 * the host's speed hits them alike; the report gives medians over the rounds and, against
 * {@code parallelStream}, the median of the per-round differences.
 *
 * <p>Per run it records: start to result (this JVM's clock, from just before
 * {@link ProcessBuilder#start()} to reading the child's result line: JVM start-up, class loading
 * and the task), main to result (the child's own clock), and the child's CPU time (all its
 * threads and waited-for children, 10 ms resolution). Anything a child prints on stderr, such as
 * the JDK's "restricted method" warnings, is shown once per distinct line.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.ktask.bench.ColdStart [runs=10]
 * [n=1000] [impls=sequential,parallelStream,ktask] [java=<path of the child's java>]
 * [jvmArgs=<child JVM options, space-separated>] [timeoutSeconds=60]}. Every run is bounded: a
 * child that has not exited after the timeout is killed and the harness fails.
 */
public final class ColdStart {

    private ColdStart() {
    }

    /** One child run's figures. */
    private record Run(double startToResultMs, double mainToResultMs, double cpuMs) {
    }

    /** Runs the comparison described in the class comment. */
    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> options = Options.parse(args, Map.of("runs", "10", "n", "1000",
                "impls", Impl.SEQUENTIAL + "," + Impl.PARALLEL_STREAM + "," + Impl.KTASK,
                "java", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "jvmArgs", "", "timeoutSeconds", "60"));
        int runs = Options.positiveInt(options, "runs");
        long n = Options.positiveInt(options, "n");
        long timeoutSeconds = Options.positiveInt(options, "timeoutSeconds");
        List<String> impls = List.of(options.get("impls").split(","));
        String java = options.get("java");
        List<String> jvmArgs = options.get("jvmArgs").isBlank() ? List.of()
                : List.of(options.get("jvmArgs").trim().split("\\s+"));
        long expected = Units.sumHash(0, n);

        HostFacts host = new HostFacts();
        Map<String, List<Run>> byImpl = new LinkedHashMap<>();
        impls.forEach(i -> byImpl.put(i, new ArrayList<>()));
        Set<String> stderrLines = new LinkedHashSet<>();
        for (int round = 0; round < runs; round++) {
            for (int k = 0; k < impls.size(); k++) {
                String impl = impls.get((round + k) % impls.size());
                byImpl.get(impl).add(runOnce(java, jvmArgs, impl, n, expected, timeoutSeconds, stderrLines));
            }
        }

        System.out.printf(Locale.ROOT, "Cold start: W1 over %d units, %d fresh JVMs per implementation, interleaved; "
                + "median (p25 .. p75) in ms%n", n, runs);
        System.out.printf(Locale.ROOT, "child: %s %s%n", java, String.join(" ", jvmArgs));
        System.out.println("| impl | start to result | main to result | JVM start to main | CPU | start to result"
                + " minus parallelStream's, per round |");
        System.out.println("|---|---|---|---|---|---|");
        List<Run> reference = byImpl.get(Impl.PARALLEL_STREAM);
        for (Map.Entry<String, List<Run>> e : byImpl.entrySet()) {
            Samples total = new Samples();
            Samples main = new Samples();
            Samples jvm = new Samples();
            Samples cpu = new Samples();
            Samples diff = new Samples();
            for (int r = 0; r < e.getValue().size(); r++) {
                Run run = e.getValue().get(r);
                total.add(run.startToResultMs());
                main.add(run.mainToResultMs());
                jvm.add(run.startToResultMs() - run.mainToResultMs());
                cpu.add(run.cpuMs());
                if (reference != null) {
                    diff.add(run.startToResultMs() - reference.get(r).startToResultMs());
                }
            }
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", e.getKey(), total.summary(1),
                    main.summary(1), jvm.summary(1), cpu.summary(0), reference == null ? "n/a" : diff.summary(1));
        }
        System.out.println(stderrLines.isEmpty() ? "stderr of the children: empty"
                : "stderr of the children (each distinct line once):");
        stderrLines.forEach(line -> System.out.println("  " + line));
        host.print(System.out, java);
    }

    private static Run runOnce(String java, List<String> jvmArgs, String impl, long n, long expected,
            long timeoutSeconds, Set<String> stderrLines) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmArgs);
        command.addAll(Arrays.asList("-cp", System.getProperty("java.class.path"),
                ColdStartChild.class.getName(), impl, Long.toString(n)));
        Path stderr = Files.createTempFile("ktask-coldstart", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
            long started = System.nanoTime();
            Process child = builder.start();
            Thread watchdog = killAfter(child, timeoutSeconds);
            try {
                String line;
                long resultAt = 0;
                String result = null;
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    while ((line = out.readLine()) != null) {
                        if (result == null && line.startsWith("result ")) {
                            resultAt = System.nanoTime();
                            result = line;
                        }
                    }
                }
                if (!child.waitFor(timeoutSeconds, TimeUnit.SECONDS) || result == null || child.exitValue() != 0) {
                    throw new IllegalStateException(impl + " child failed (exit "
                            + (child.isAlive() ? "none: killed" : child.exitValue()) + "): " + Files.readString(stderr));
                }
                String[] f = result.split(" ");
                if (Long.parseLong(f[1]) != expected) {
                    throw new IllegalStateException(impl + " computed " + f[1] + ", expected " + expected);
                }
                stderrLines.addAll(Files.readAllLines(stderr));
                return new Run((resultAt - started) / 1e6, Long.parseLong(f[2]) / 1e6, Long.parseLong(f[3]));
            } finally {
                watchdog.interrupt();
                child.destroyForcibly();
            }
        } finally {
            Files.deleteIfExists(stderr);
        }
    }

    /** @return a daemon thread that kills {@code child} unless interrupted within the timeout */
    static Thread killAfter(Process child, long timeoutSeconds) {
        Thread t = new Thread(() -> {
            try {
                if (!child.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            } catch (InterruptedException e) {
                // the run ended in time
            }
        }, "coldstart-watchdog");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
