package io.ktask.scheduler;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Places the calling thread on CPUs and sets its priority, where the OS allows it (Linux, through
 * JNA); elsewhere, or when JNA cannot bind libc, the methods do nothing and say so.
 *
 * <p>Every method acts on the calling thread only (except {@link #setThreadNice}, which names its
 * thread), is thread-safe, and never throws because of
 * the OS: a refusal returns {@code false} (or -1) and is logged at INFO once per distinct reason
 * for the whole JVM, on logger {@code io.ktask.scheduler}. Call them from platform threads: on a
 * virtual thread they would act on its carrier.
 *
 * <p>Linux threads inherit their creator's affinity and nice value: a thread started by a pinned,
 * low-priority thread starts pinned and low-priority too.
 *
 * <p>The first call that needs libc binds it ({@link LinuxLibc}), once per JVM. The scheduler makes
 * that call only on its own threads as they set themselves up ({@link PlacedThreadFactory}), and a
 * scheduler built ahead of its tasks starts it early on a binder thread
 * ({@link #bindInBackground()}), so a task's caller never waits for it; {@link #currentCpu()} and
 * {@link #isBound()} never bind.
 */
final class ThreadPlacement {

    /** The "what: reason" pairs already logged; bounded, as reasons are errnos or fixed texts. */
    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

    /** glibc's cpu_set_t: a smaller mask could be refused by old kernels and glibc. */
    private static final int MIN_MASK_BYTES = 128;

    private ThreadPlacement() {
    }

    /**
     * Whether libc is bound and usable: set once by the thread that binds it, so that a caller
     * that must not bind (a task's own thread, see {@link #isBound()}) can ask without binding.
     */
    private static volatile boolean bound;
    /** The name of the thread that bound libc (for the DEBUG log and tests), or null. */
    private static volatile String boundOn;
    /** Set by the one {@link #bindInBackground()} call that starts the binder thread. */
    private static final AtomicBoolean BINDER_STARTED = new AtomicBoolean();
    /** Name of that thread: not a scheduler's, so no scheduler's thread-name prefix matches it. */
    static final String BINDER = "libc-binder (ktask)";

    /**
     * Binds libc on first use (class initialisation is the lazy, once-only, thread-safe step), so
     * that loading {@link ThreadPlacement} never needs JNA. Binding costs tens to hundreds of
     * milliseconds of CPU (JNA loads its native library and registers the calls): only a
     * scheduler thread setting itself up pays it, never a task's caller.
     */
    private static final class Libc {
        /** Null when libc is usable, else why not. */
        static final String UNAVAILABLE = bind();

        private static String bind() {
            String os = System.getProperty("os.name", "");
            if (!os.startsWith("Linux")) {
                return "not supported on " + os;
            }
            long start = System.nanoTime();
            try {
                LinuxLibc.bind();
                boundOn = Thread.currentThread().getName();
                bound = true;
                Log.logger().debug("ktask bound libc in {} ms on thread {}",
                        (System.nanoTime() - start) / 1_000_000, boundOn);
                return null;
            } catch (LinkageError | RuntimeException e) {
                // NoClassDefFoundError (no JNA jar), UnsatisfiedLinkError (no native library),
                // ExceptionInInitializerError (registration failed, or a JDK that denies native
                // access: IllegalCallerException): all mean "no native calls".
                return "JNA cannot bind libc (" + e + ")" + (deniedNativeAccess(e)
                        ? "; start the JVM with --enable-native-access=ALL-UNNAMED" : "");
            }
        }
    }

    /** @return true if {@code e} comes from a JDK that denies this code native access */
    static boolean deniedNativeAccess(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IllegalCallerException) {
                return true;
            }
        }
        return false;
    }

    /**
     * @return true if an earlier call bound libc; never binds it itself, so a thread that must
     *     not pay for binding (a task's own thread) can check first and do without
     */
    static boolean isBound() {
        return bound;
    }

    /** @return the name of the thread that bound libc, or null if it is not bound */
    static String boundOn() {
        return boundOn;
    }

    /**
     * Starts binding libc on a short-lived daemon thread ({@value #BINDER}), once per JVM, so that
     * a scheduler's first threads find it bound (or wait less) when they set themselves up.
     * Never blocks and never binds on the calling thread. Does nothing when libc is bound, off
     * Linux, or with one CPU, where that thread would take the CPU from the caller's first task
     * (a scheduler thread then binds it as it starts).
     */
    static void bindInBackground() {
        if (bound || Runtime.getRuntime().availableProcessors() < 2
                || !System.getProperty("os.name", "").startsWith("Linux") || !BINDER_STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread binder = new Thread(new Binder(), BINDER);
        binder.setDaemon(true);
        binder.start();
    }

    /** A class, not a lambda: this runs while a fresh JVM's first task starts, where a lambda costs milliseconds. */
    private static final class Binder implements Runnable {
        @Override
        public void run() {
            bindHere(); // a failure is logged by the first call that needs libc
        }
    }

    /** Binds libc on the calling thread if nobody did yet (class initialisation of {@link Libc}). */
    private static boolean bindHere() {
        return Libc.UNAVAILABLE == null;
    }

    /**
     * Pins the calling thread to {@code cpus} (Linux {@code sched_setaffinity}): from now on it
     * runs only on those of them that the process may use.
     *
     * @param cpus CPU ids, at least one, each in {@code [0, 65536)}; not modified
     * @return true if the thread is now pinned; false if the OS does not allow it (not Linux, no
     *     JNA, or the call failed, e.g. none of {@code cpus} is allowed for this process)
     * @throws NullPointerException if {@code cpus} is null
     * @throws IllegalArgumentException if {@code cpus} is empty or has an id out of range
     */
    static boolean pinCurrentThread(int[] cpus) {
        Objects.requireNonNull(cpus, "cpus");
        checkCpus(cpus);
        if (Libc.UNAVAILABLE != null) {
            return refuse("pin threads to CPUs", Libc.UNAVAILABLE);
        }
        boolean bigEndian = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;
        int errno = LinuxLibc.setCallingThreadAffinity(cpuMask(cpus, LinuxLibc.LONG_SIZE, bigEndian));
        return errno == 0 || refuse("pin threads to CPUs", "sched_setaffinity failed with errno "
                + errno + " (" + LinuxLibc.describe(errno) + ")");
    }

    /** What a {@link #setCurrentThreadNice} refusal is logged as. */
    private static final String SET_NICE = "set thread priorities";
    /** What a {@link #setThreadNice} refusal is logged as. */
    static final String LEND_NICE = "lend a task's priority to its helpers";

    /** Returned by {@link #currentThreadNice()} when the OS does not tell. */
    static final int UNKNOWN_NICE = Integer.MIN_VALUE;

    /**
     * Sets the nice value of the calling thread only (Linux {@code setpriority(PRIO_PROCESS, tid,
     * nice)}, which applies per thread when given a thread id). Raising it (lower priority) is
     * always allowed; lowering it needs {@code CAP_SYS_NICE} or {@code RLIMIT_NICE}.
     *
     * @param nice the nice value, in {@code [-20, 19]}; 19 is the lowest priority
     * @return true if the thread now has that nice value; false if the OS does not allow it
     * @throws IllegalArgumentException if {@code nice} is not in {@code [-20, 19]}
     */
    static boolean setCurrentThreadNice(int nice) {
        checkNice(nice);
        if (Libc.UNAVAILABLE != null) {
            return refuse(SET_NICE, Libc.UNAVAILABLE);
        }
        int tid = currentThreadId();
        if (tid < 0) {
            return refuse(SET_NICE, "cannot find the thread id: no gettid for "
                    + System.getProperty("os.arch") + " and /proc/thread-self is unreadable");
        }
        return renice(SET_NICE, tid, nice);
    }

    /**
     * Sets the nice value of thread {@code tid} of this process, which need not be the calling
     * thread (a task's own thread lends its priority to a helper this way). A refusal is logged
     * once as {@value #LEND_NICE}.
     *
     * @param tid a kernel thread id from {@link #currentThreadId()}
     * @param nice the nice value, in {@code [-20, 19]}
     * @return true if the thread now has that nice value; false if the OS does not allow it
     *     (lowering a nice value needs {@code CAP_SYS_NICE} or {@code RLIMIT_NICE}) or the thread
     *     has ended
     * @throws IllegalArgumentException if {@code nice} is not in {@code [-20, 19]}
     */
    static boolean setThreadNice(int tid, int nice) {
        checkNice(nice);
        if (Libc.UNAVAILABLE != null) {
            return refuse(LEND_NICE, Libc.UNAVAILABLE);
        }
        return renice(LEND_NICE, tid, nice);
    }

    private static boolean renice(String what, int tid, int nice) {
        int errno = LinuxLibc.setThreadNice(tid, nice);
        return errno == 0 || refuse(what, "setpriority(" + nice + ") failed with errno " + errno
                + " (" + LinuxLibc.describe(errno) + ")");
    }

    private static void checkNice(int nice) {
        if (nice < -20 || nice > 19) {
            throw new IllegalArgumentException("nice must be in [-20, 19] but was " + nice);
        }
    }

    /**
     * @return the kernel id of the calling thread (Linux {@code gettid}, else the
     *     {@code /proc/thread-self} link), or -1 if the OS does not tell
     */
    static int currentThreadId() {
        if (Libc.UNAVAILABLE != null) {
            return -1;
        }
        int tid = LinuxLibc.gettid();
        return tid >= 0 ? tid : threadIdFromProc();
    }

    /**
     * @return the nice value of the calling thread, or {@link #UNKNOWN_NICE} if the OS does not
     *     tell (not Linux, no JNA, or no getpriority syscall number for this architecture)
     */
    static int currentThreadNice() {
        int tid = currentThreadId();
        return tid < 0 ? UNKNOWN_NICE : LinuxLibc.threadNice(tid);
    }

    /**
     * Never binds libc ({@link #isBound()}): a task's caller asks this at every task start on a
     * machine of several nodes, and may be a non-blocking thread.
     *
     * @return the CPU the calling thread runs on at this instant (it may have moved by the time
     *     the caller looks), or -1 if the OS does not tell or libc is not bound yet
     */
    static int currentCpu() {
        return bound ? LinuxLibc.currentCpu() : -1;
    }

    /**
     * The bytes of a cpu_set_t with the bits of {@code cpus} set: bit {@code c} is bit
     * {@code c % (8 * wordBytes)} of the unsigned long {@code c / (8 * wordBytes)}, each long in
     * native byte order; at least {@value #MIN_MASK_BYTES} bytes.
     *
     * @param cpus CPU ids, checked by {@link #checkCpus}
     */
    static byte[] cpuMask(int[] cpus, int wordBytes, boolean bigEndian) {
        int wordBits = 8 * wordBytes;
        int maxCpu = Arrays.stream(cpus).max().orElseThrow();
        int words = Math.max(MIN_MASK_BYTES / wordBytes, maxCpu / wordBits + 1);
        byte[] mask = new byte[words * wordBytes];
        for (int cpu : cpus) {
            int bit = cpu % wordBits;
            int byteInWord = bigEndian ? wordBytes - 1 - bit / 8 : bit / 8;
            mask[cpu / wordBits * wordBytes + byteInWord] |= (byte) (1 << (bit % 8));
        }
        return mask;
    }

    private static void checkCpus(int[] cpus) {
        if (cpus.length == 0) {
            throw new IllegalArgumentException("cpus must not be empty");
        }
        for (int cpu : cpus) {
            if (cpu < 0 || cpu >= NodeTopology.CPU_ID_LIMIT) {
                throw new IllegalArgumentException("cpu id must be in [0, " + NodeTopology.CPU_ID_LIMIT
                        + ") but was " + cpu);
            }
        }
    }

    /** @return the calling thread's kernel id from the {@code /proc/thread-self} link, or -1 */
    static int threadIdFromProc() {
        try {
            // The link reads "<pid>/task/<tid>".
            Path link = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            return Integer.parseInt(link.getFileName().toString());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** @return false, after {@link #report}ing the refusal */
    private static boolean refuse(String what, String reason) {
        report(what, reason);
        return false;
    }

    /**
     * Logs that the JVM cannot {@code what} because of {@code reason}, the first time this pair
     * is seen in the JVM; racing first callers log once, as the set admits one of them.
     *
     * @return true if this call logged
     */
    static boolean report(String what, String reason) {
        boolean first = REPORTED.add(what + ": " + reason);
        if (first) {
            Log.logger().info("ktask cannot {}: {}; threads run without it (logged once)", what, reason);
        }
        return first;
    }
}
