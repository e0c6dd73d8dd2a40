package io.ktask.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code serve} command: started from the command line, answering, and stopping cleanly. */
class ServeSampleTest {

    private static final Pattern LISTENING = Pattern.compile("serve: listening on http://127\\.0\\.0\\.1:(\\d+) ");

    @Test
    void servesUntilItsSecondsAreUpThenStopsCleanly() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(); // synchronized: read while the command writes
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> Main.run(
                new String[] {"serve", "--port", "0", "--seconds", "3", "--max-helpers", "1"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        int port = awaitPort(() -> out.toString(StandardCharsets.UTF_8));

        try (HttpTestClient client = new HttpTestClient("ktask-serve-cmd-client", port)) {
            assertThat(client.get("/health").status()).isEqualTo(200);
            assertThat(client.get("/stats?n=100000").number("count")).isEqualTo(100_000);
        }

        assertThat(exit.get(30, TimeUnit.SECONDS)).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(Main.EXIT_OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("stops after 3 s")
                .containsPattern("serve: stopped after serving for [0-9.]+ s, 2 requests \\(0 rolled back\\)");
    }

    @Test
    void sigtermStopsTheServerCleanly(@TempDir Path dir) throws Exception {
        Path output = dir.resolve("serve.out");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "serve", "--port", "0", "--max-helpers", "1").redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            int port = awaitPort(() -> read(output));
            try (HttpTestClient client = new HttpTestClient("ktask-serve-sig-client", port)) {
                assertThat(client.get("/health").status()).isEqualTo(200);
            }

            process.toHandle().destroy(); // SIGTERM: the shutdown hook stops the server as Ctrl-C would

            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
            assertThat(read(output)).contains("Ctrl-C stops it")
                    .containsPattern("serve: stopped after serving for [0-9.]+ s, 1 requests \\(0 rolled back\\)");
            assertThat(process.exitValue()).isEqualTo(143); // 128 + SIGTERM: the JVM's status for a signalled stop
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void aPortInUseIsAUsageErrorThatSaysWhatToDo() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Cli cli = Cli.run("serve", "--port", String.valueOf(taken.getLocalPort()), "--seconds", "1");

            assertThat(cli.exit()).isEqualTo(Main.EXIT_USAGE);
            assertThat(cli.err()).contains("error: cannot listen on 127.0.0.1:" + taken.getLocalPort())
                    .contains("choose another --port, or --port 0 for any free one");
        }
    }

    @Test
    void allDoesNotStartTheServer() {
        assertThat(AllSample.demos(100)).noneMatch(demo -> demo.get(0).equals(ServeSample.NAME));
    }

    /** Reads the port from the "listening on" line, polling {@code output} for at most 30 s. */
    private static int awaitPort(Supplier<String> output) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(output.get());
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no 'listening on' line within 30 s: " + output.get());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
