package io.ktask.scheduler;

import java.lang.management.ManagementFactory;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import reactor.util.annotation.Nullable;

/**
 * The {@link KTaskSchedulerMXBean} of one scheduler, and its registration in the platform MBean
 * server (see the interface for the naming rule).
 *
 * <p>The bean reaches its scheduler through a weak reference: the MBean server holds its beans
 * for ever, and a strong one would keep every scheduler that was never disposed alive with it.
 * Beans of collected schedulers are unregistered by the next {@link #register}, so no thread is
 * needed to watch for them.
 *
 * <p>A registration made {@linkplain Registration#inBackground in the background} (the operators'
 * default scheduler, built by a fresh JVM's first task) runs on a daemon thread of its own, and
 * only once that task has ended (or {@link Registration#FIRST_TASK_WAIT_MILLIS} ms have passed):
 * the first use of the platform MBean server starts it, which costs 150 to 230 ms of class
 * loading and set-up that the task's caller must neither wait for nor share the CPUs with. The caller's
 * thread makes the {@link Registration} only: this class (its pattern, the bean) is initialised
 * on the registrar thread.
 */
final class SchedulerJmx implements KTaskSchedulerMXBean {

    /** A name value JMX accepts unquoted. */
    private static final Pattern PLAIN_VALUE = Pattern.compile("[^,=:\"*?\\n\\r]+");
    /** Logs the first failure to register only. */
    private static final AtomicBoolean FAILURE_LOGGED = new AtomicBoolean();
    /** Name of the thread of a background registration: not a scheduler's, so no thread-name prefix matches it. */
    static final String REGISTRAR = "jmx-registrar (ktask)";

    private final String name;
    private final Registration registration;

    /**
     * What unregisters the bean: the scheduler's (weak) reference, its name, and where the bean
     * is in its life. {@link #state} moves by CAS from {@code NEW} to {@code REGISTERING} (the
     * registering thread) to {@code REGISTERED}, and from any of them to {@code GONE} (dispose,
     * graceful termination, the purge after collection, or a failed registration). A dispose that
     * meets {@code REGISTERING} leaves the unregistration to the registering thread, whose CAS to
     * {@code REGISTERED} then fails: dispose never waits for the MBean server.
     *
     * <p>Loaded on the thread that builds the scheduler, unlike {@link SchedulerJmx}: it holds no
     * static state but the queue of collected schedulers, and reaches the MBean server only
     * through {@link SchedulerJmx}'s static methods (to register, on the registering thread; to
     * unregister a registered bean), so that its own loading loads no JMX class.
     */
    static final class Registration extends WeakReference<KTaskScheduler> {
        /**
         * How long a background registration waits for the scheduler's first task to end. A fresh
         * JVM's first task on the default scheduler ends within a few hundred ms (class loading
         * included), so a second covers it with room to spare on a loaded 2-CPU box; and a
         * program whose first task runs for minutes still gets its bean within a second, before a
         * person can attach a JMX console to it.
         */
        static final long FIRST_TASK_WAIT_MILLIS = 1000;

        private static final int NEW = 0;
        private static final int REGISTERING = 1;
        private static final int REGISTERED = 2;
        private static final int GONE = 3;

        private static final ReferenceQueue<KTaskScheduler> COLLECTED = new ReferenceQueue<>();

        private final String name;
        /** Written by the registering thread before its CAS to {@code REGISTERED}. */
        @Nullable
        private volatile ObjectName objectName;
        private final AtomicInteger state = new AtomicInteger(NEW);
        /**
         * Counted down once no thread will touch the MBean server for this registration before
         * {@link #unregister()}: it succeeded or failed, or the registrar found it withdrawn (for
         * tests).
         */
        private final CountDownLatch settled = new CountDownLatch(1);
        /**
         * What a background registrar waits on: counted down when the scheduler's first task
         * ends ({@link #firstTaskEnded()}) or the registration is withdrawn; null for a
         * registration made at build.
         */
        @Nullable
        private final CountDownLatch go;
        /** How long a background registrar waits for {@link #go}, in ms. */
        private final long waitMillis;
        /** The registrar thread of a background registration, else null (for tests). */
        @Nullable
        private volatile Thread registrar;

        private Registration(KTaskScheduler scheduler, String name, @Nullable CountDownLatch go, long waitMillis) {
            super(scheduler, COLLECTED);
            this.name = name;
            this.go = go;
            this.waitMillis = waitMillis;
        }

        /**
         * Registers the bean of {@code scheduler} as {@link SchedulerJmx#register} does, but on a
         * new daemon thread that first waits until {@link #firstTaskEnded()} is called or
         * {@code waitMillis} have passed, and returns at once. The thread holds the scheduler
         * weakly, as the bean does. A static method of this class, not of {@link SchedulerJmx}:
         * calling one of that class would initialise it on the caller.
         *
         * @param waitMillis {@link #FIRST_TASK_WAIT_MILLIS}, or longer in tests
         * @return the registration, to {@link #unregister()} at dispose
         */
        static Registration inBackground(KTaskScheduler scheduler, String name, long waitMillis) {
            Registration registration = new Registration(scheduler, name, new CountDownLatch(1), waitMillis);
            Thread thread = new Thread(new Registrar(registration), REGISTRAR);
            thread.setDaemon(true);
            registration.registrar = thread;
            thread.start();
            return registration;
        }

        /** @return the name the bean is registered under, or null if it is not (yet, or any longer) */
        @Nullable
        ObjectName objectName() {
            return state.get() == REGISTERED ? objectName : null;
        }

        /**
         * Lets a background registrar go on: the scheduler's first task has ended. Idempotent, so
         * that two tasks ending at once may both call it.
         */
        void firstTaskEnded() {
            if (go != null) {
                go.countDown();
            }
        }

        /**
         * Unregisters the bean, once; later calls, and calls for a bean never registered, do
         * nothing. A registration not made yet is withdrawn (a waiting registrar wakes and ends
         * without touching the MBean server); one under way is undone by its thread as soon as it
         * is made.
         */
        void unregister() {
            for (;;) {
                int s = state.get();
                if (s == GONE) {
                    return;
                }
                // Only one caller wins, so a later scheduler that reused the name is never
                // unregistered by mistake.
                if (state.compareAndSet(s, GONE)) {
                    if (s == REGISTERED) {
                        unregisterNow();
                    } else if (s == NEW) {
                        if (go != null) {
                            // Races the registrar's wait: if it timed out just now, its CAS from
                            // NEW fails all the same; this only saves a withdrawn registrar its wait.
                            go.countDown();
                        } else {
                            settled.countDown(); // no registrar: nothing will be registered
                        }
                    }
                    return;
                }
            }
        }

        private void unregisterNow() {
            SchedulerJmx.unregisterBean(objectName);
        }

        /** Waits as {@link #inBackground} says, then registers; runs on the registrar thread. */
        private void registerWhenFirstTaskEnded() {
            try {
                // Either way on: the first task ended, a dispose withdrew us (registerNow sees
                // GONE), or the time is up.
                go.await(waitMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                // Nobody interrupts this thread of ours: treat it as the time being up.
                Thread.currentThread().interrupt();
            }
            registerNow();
        }

        /**
         * Registers the bean under the lowest free name, unless the registration was
         * withdrawn. Never throws: where JMX is missing or refuses, the reason is logged once.
         */
        private void registerNow() {
            if (!state.compareAndSet(NEW, REGISTERING)) {
                settled.countDown(); // withdrawn by a dispose before it started
                return;
            }
            try {
                purgeCollected();
                objectName = SchedulerJmx.registerBean(name, this);
                if (!state.compareAndSet(REGISTERING, REGISTERED)) {
                    unregisterNow(); // disposed while we registered: the dispose left this to us
                }
            } catch (Exception | LinkageError e) {
                // Exception: a JMException (not named here, so that this class, loaded on the
                // scheduler's builder thread, does not load JMX classes there) or a runtime failure;
                // LinkageError: a runtime image without the java.management module
                state.set(GONE);
                if (FAILURE_LOGGED.compareAndSet(false, true)) {
                    Log.logger().warn("ktask cannot register the MBean of scheduler {}: {} (logged once)", name, e.toString());
                }
            } finally {
                settled.countDown();
            }
        }

        private static void purgeCollected() {
            for (Object r; (r = COLLECTED.poll()) != null; ) {
                ((Registration) r).unregister();
            }
        }

        /** @return true once the registration succeeded, failed or was found withdrawn, within the timeout (for tests) */
        boolean awaitSettled(long timeout, TimeUnit unit) throws InterruptedException {
            return settled.await(timeout, unit);
        }

        /** @return true once {@link #firstTaskEnded()} was called or the registration withdrawn (for tests) */
        boolean wentOn() {
            return go != null && go.getCount() == 0;
        }

        /** @return the registrar thread of a background registration, or null (for tests) */
        @Nullable
        Thread registrar() {
            return registrar;
        }
    }

    private SchedulerJmx(String name, Registration registration) {
        this.name = name;
        this.registration = registration;
    }

    /**
     * Registers the bean of {@code scheduler} in the platform MBean server, on the calling
     * thread. Never throws: where JMX is missing or refuses, the reason is logged once and the
     * scheduler runs without a bean.
     *
     * @return the registration, to {@link Registration#unregister()} at dispose
     */
    static Registration register(KTaskScheduler scheduler, String name) {
        Registration registration = new Registration(scheduler, name, null, 0);
        registration.registerNow();
        return registration;
    }

    /**
     * Registers a new bean of {@code registration} under the lowest free name: {@code name}, or
     * {@code name#2}, {@code #3}, ...
     *
     * @return the name it is registered under
     */
    private static ObjectName registerBean(String name, Registration registration) throws JMException {
        SchedulerJmx bean = new SchedulerJmx(name, registration);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (int n = 1;; n++) {
            ObjectName candidate = objectName(n == 1 ? name : name + "#" + n);
            try {
                server.registerMBean(bean, candidate);
                return candidate;
            } catch (InstanceAlreadyExistsException e) {
                // a live scheduler holds this name: try the next number
            }
        }
    }

    /** Unregisters the bean named {@code objectName}; never throws (a failure is logged). */
    private static void unregisterBean(ObjectName objectName) {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
        } catch (InstanceNotFoundException e) {
            // unregistered by someone else through the MBean server: nothing left to do
        } catch (JMException | RuntimeException e) {
            Log.logger().warn("ktask cannot unregister the MBean {}: {}", objectName, e.toString());
        }
    }

    /** A class, not a lambda: this is made while a fresh JVM's first task starts, where a lambda costs milliseconds. */
    private static final class Registrar implements Runnable {
        private final Registration registration;

        Registrar(Registration registration) {
            this.registration = registration;
        }

        @Override
        public void run() {
            registration.registerWhenFirstTaskEnded();
        }
    }

    /** @return {@code io.ktask:type=KTaskScheduler,name=<value>}, the value quoted if JMX needs it */
    static ObjectName objectName(String value) throws JMException {
        String quoted = PLAIN_VALUE.matcher(value).matches() ? value : ObjectName.quote(value);
        return new ObjectName("io.ktask:type=KTaskScheduler,name=" + quoted);
    }

    private KTaskScheduler scheduler() {
        KTaskScheduler s = registration.get();
        if (s == null) {
            throw new IllegalStateException("the KTaskScheduler " + name + " was garbage-collected without dispose()");
        }
        return s;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public int getMaxHelpers() {
        return scheduler().maxHelpers();
    }

    @Override
    public void setMaxHelpers(int maxHelpers) {
        scheduler().setMaxHelpers(maxHelpers);
    }

    @Override
    public int[] getMaxHelpersPerNode() {
        KTaskScheduler s = scheduler();
        int[] limits = new int[s.topology().nodeCount()];
        for (int n = 0; n < limits.length; n++) {
            limits[n] = s.maxHelpersPerNode(n);
        }
        return limits;
    }

    @Override
    public void setMaxHelpersPerNode(int node, int limit) {
        scheduler().setMaxHelpersPerNode(node, limit);
    }

    @Override
    public boolean isEnabled() {
        return scheduler().isEnabled();
    }

    @Override
    public void setEnabled(boolean enabled) {
        scheduler().setEnabled(enabled);
    }

    @Override
    public String getDisabledReason() {
        return scheduler().stats().disabledReason();
    }

    @Override
    public int getHelpersRunning() {
        return scheduler().stats().helpersRunning();
    }

    @Override
    public int[] getHelpersRunningPerNode() {
        return scheduler().stats().helpersRunningPerNode();
    }

    @Override
    public int getTasksRunning() {
        return scheduler().stats().tasksRunning();
    }

    @Override
    public long getChunksDone() {
        return scheduler().stats().chunksDone();
    }

    @Override
    public long getRefusedByGlobalLimit() {
        return scheduler().stats().refusedByGlobalLimit();
    }

    @Override
    public long getPlacedElsewhereByNodeLimit() {
        return scheduler().stats().placedElsewhereByNodeLimit();
    }

    @Override
    public long getPriorityHandOffs() {
        return scheduler().stats().priorityHandOffs();
    }
}
