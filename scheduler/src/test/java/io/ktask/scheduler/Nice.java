package io.ktask.scheduler;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/** Thread nice values as Linux reports them, for the priority tests. */
final class Nice {

    private Nice() {
    }

    /** @return the nice value of thread {@code tid} of this JVM ({@code stat} field 19); throws if unreadable */
    static int of(int tid) {
        return parse(Path.of("/proc/self/task/" + tid + "/stat"));
    }

    /** @return the calling thread's nice value, read from {@code /proc/thread-self/stat} */
    static int ofThisThread() {
        return parse(Path.of("/proc/thread-self/stat"));
    }

    private static int parse(Path stat) {
        try {
            String text = Files.readString(stat);
            // Fields after the parenthesised command name start at field 3, so nice is index 16.
            return Integer.parseInt(text.substring(text.lastIndexOf(')') + 2).split(" ")[16]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Skips the test unless this is Linux with JNA and the process may raise a thread's priority
     * ({@code CAP_SYS_NICE} or {@code RLIMIT_NICE}): a fresh thread lowers its own priority to 19
     * and tries to raise it back to the runner's value.
     */
    static void assumeMayRaise() {
        assumeTrue(System.getProperty("os.name", "").startsWith("Linux"), "thread priorities are proven on Linux only");
        int runner = ThreadPlacement.currentThreadNice();
        assumeTrue(runner != ThreadPlacement.UNKNOWN_NICE, "the OS does not tell thread nice values");
        assumeTrue(runner < 19, "the runner already runs at nice 19: nothing to lend");
        CompletableFuture<Boolean> raised = new CompletableFuture<>();
        new Thread(() -> raised.complete(ThreadPlacement.setCurrentThreadNice(19)
                && ThreadPlacement.setCurrentThreadNice(runner))).start();
        assumeTrue(raised.join(), "raising a priority needs CAP_SYS_NICE or RLIMIT_NICE");
    }
}
