package io.ktask.conformance;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/** Live threads by name prefix, as the JVM's thread MXBean reports them. */
public final class ThreadsOf {

    private static final long DEFAULT_WAIT_MILLIS = 10_000;
    private static final long POLL_NANOS = 5_000_000;

    private ThreadsOf() {
    }

    /** @return the names of live threads whose name starts with {@code prefix} */
    public static List<String> alive(String prefix) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        return Arrays.stream(mx.getThreadInfo(mx.getAllThreadIds()))
                .filter(Objects::nonNull) // a thread that ended between the two calls
                .map(ThreadInfo::getThreadName)
                .filter(name -> name.startsWith(prefix))
                .toList();
    }

    /**
     * Polls until no live thread starts with {@code prefix}, for up to 10 seconds.
     *
     * @return the names still alive at the deadline, empty on success
     */
    public static List<String> awaitNone(String prefix) {
        long deadline = System.nanoTime() + DEFAULT_WAIT_MILLIS * 1_000_000;
        List<String> alive = alive(prefix);
        while (!alive.isEmpty() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(POLL_NANOS); // polling with a deadline: threads end on their own time
            alive = alive(prefix);
        }
        return alive;
    }
}
