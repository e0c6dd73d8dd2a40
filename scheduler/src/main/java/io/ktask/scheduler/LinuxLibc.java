package io.ktask.scheduler;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;

/**
 * The few Linux libc calls that {@link ThreadPlacement} needs, bound with JNA direct mapping.
 *
 * <p>Every JNA type is confined to this class (and {@link JnaBootstrap}, which it calls first), so
 * that a JVM without JNA (or without its native library) fails only when this class is
 * initialised, which {@link ThreadPlacement} catches. Use only on Linux. Each method is
 * thread-safe and acts on the calling thread unless it takes a thread id.
 */
final class LinuxLibc {

    /** glibc's soname: already loaded in the process, so dlopen finds it without a search. */
    private static final String GLIBC = "libc.so.6";

    static {
        JnaBootstrap.prepare();
        NativeLibrary libc;
        try {
            libc = NativeLibrary.getInstance(GLIBC);
        } catch (UnsatisfiedLinkError e) {
            libc = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME); // another C library (musl): JNA's search
        }
        Native.register(LinuxLibc.class, libc);
    }

    /** sizeof(unsigned long): the word of a cpu_set_t. */
    static final int LONG_SIZE = Native.LONG_SIZE;

    private static final int PRIO_PROCESS = 0;

    /**
     * SYS_gettid and SYS_getpriority for the architectures where they are known; -1 elsewhere.
     * Both are LP64, which the {@code syscall} prototypes rely on.
     */
    private static final long SYS_GETTID = syscallNumber(System.getProperty("os.arch", ""), 186, 178);
    private static final long SYS_GETPRIORITY = syscallNumber(System.getProperty("os.arch", ""), 140, 141);

    private LinuxLibc() {
    }

    private static native int sched_setaffinity(int pid, NativeLong cpusetsize, byte[] mask)
            throws LastErrorException;

    private static native int setpriority(int which, int who, int prio) throws LastErrorException;

    private static native int sched_getcpu();

    private static native String strerror(int errnum);

    /*
     * syscall() is variadic, which direct mapping cannot express; calling it through fixed
     * prototypes of one and three arguments is sound on x86_64 and aarch64, where a variadic integer argument
     * travels in the same register as a fixed one and glibc's syscall does not read %al.
     */
    private static native long syscall(long number);

    private static native long syscall(long number, long arg1, long arg2);

    /** Forces the binding, so that the caller learns here whether JNA and libc are usable. */
    static void bind() {
        // Class initialisation, run by the call to this method, did the work.
    }

    /**
     * @param mask a cpu_set_t, see {@link ThreadPlacement#cpuMask}
     * @return 0, or the errno of sched_setaffinity for the calling thread
     */
    static int setCallingThreadAffinity(byte[] mask) {
        try {
            sched_setaffinity(0, new NativeLong(mask.length), mask);
            return 0;
        } catch (LastErrorException e) {
            return e.getErrorCode();
        }
    }

    /**
     * @param tid a thread of this process; it need not be the calling thread
     * @return 0, or the errno of setpriority(PRIO_PROCESS, tid, nice)
     */
    static int setThreadNice(int tid, int nice) {
        try {
            setpriority(PRIO_PROCESS, tid, nice);
            return 0;
        } catch (LastErrorException e) {
            return e.getErrorCode();
        }
    }

    /** @return the CPU the calling thread runs on, or -1 */
    static int currentCpu() {
        return sched_getcpu();
    }

    /** @return the kernel thread id of the calling thread, or -1 if gettid is not known here */
    static int gettid() {
        return SYS_GETTID < 0 ? -1 : (int) syscall(SYS_GETTID);
    }

    /**
     * Reads a thread's nice value with the raw getpriority system call, which returns
     * {@code 20 - nice} (1..40) and so, unlike the libc wrapper, cannot mistake nice -1 for an
     * error.
     *
     * @return the nice value of thread {@code tid}, or {@link Integer#MIN_VALUE} if it cannot be
     *     read (unknown syscall number, or no such thread)
     */
    static int threadNice(int tid) {
        if (SYS_GETPRIORITY < 0) {
            return Integer.MIN_VALUE;
        }
        long raw = syscall(SYS_GETPRIORITY, PRIO_PROCESS, tid);
        return raw >= 1 && raw <= 40 ? (int) (20 - raw) : Integer.MIN_VALUE;
    }

    /** @return the C library's description of {@code errno}, for log messages */
    static String describe(int errno) {
        return strerror(errno);
    }

    private static long syscallNumber(String osArch, long x86_64, long aarch64) {
        switch (osArch) {
            case "amd64":
            case "x86_64":
                return x86_64;
            case "aarch64":
                return aarch64;
            default:
                return -1;
        }
    }
}
