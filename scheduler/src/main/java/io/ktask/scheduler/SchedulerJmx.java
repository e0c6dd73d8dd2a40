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

import reactor.util.Logger;
import reactor.util.Loggers;
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
 * <p>A registration made {@linkplain #registerInBackground in the background} (the operators'
 * default scheduler, built by a fresh JVM's first task) runs on a daemon thread of its own: the
 * first use of the platform MBean server starts it, which costs 150 to 230 ms of class loading
 * and set-up that the task's caller must not wait for.
 */
final class SchedulerJmx implements KTaskSchedulerMXBean {

    private static final Logger LOGGER = Loggers.getLogger("io.ktask.scheduler");
    /** A name value JMX accepts unquoted. */
    private static final Pattern PLAIN_VALUE = Pattern.compile("[^,=:\"*?\\n\\r]+");
    private static final ReferenceQueue<KTaskScheduler> COLLECTED = new ReferenceQueue<>();
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
     */
    static final class Registration extends WeakReference<KTaskScheduler> {
        private static final int NEW = 0;
        private static final int REGISTERING = 1;
        private static final int REGISTERED = 2;
        private static final int GONE = 3;

        /** Written by the registering thread before its CAS to {@code REGISTERED}. */
        @Nullable
        private volatile ObjectName objectName;
        private final AtomicInteger state = new AtomicInteger(NEW);
        /** Counted down once the registration has succeeded, failed or been withdrawn (for tests). */
        private final CountDownLatch settled = new CountDownLatch(1);

        private Registration(KTaskScheduler scheduler) {
            super(scheduler, COLLECTED);
        }

        /** @return the name the bean is registered under, or null if it is not (yet, or any longer) */
        @Nullable
        ObjectName objectName() {
            return state.get() == REGISTERED ? objectName : null;
        }

        /**
         * Unregisters the bean, once; later calls, and calls for a bean never registered, do
         * nothing. A registration not made yet is withdrawn; one under way is undone by its
         * thread as soon as it is made.
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
                        settled.countDown(); // nothing will be registered
                    }
                    return;
                }
            }
        }

        private void unregisterNow() {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
            } catch (InstanceNotFoundException e) {
                // unregistered by someone else through the MBean server: nothing left to do
            } catch (JMException | RuntimeException e) {
                LOGGER.warn("ktask cannot unregister the MBean {}: {}", objectName, e.toString());
            }
        }

        /**
         * Registers {@code bean} under the lowest free name, unless the registration was
         * withdrawn. Never throws: where JMX is missing or refuses, the reason is logged once.
         */
        private void registerNow(SchedulerJmx bean) {
            if (!state.compareAndSet(NEW, REGISTERING)) {
                return; // withdrawn by a dispose before it started
            }
            try {
                purgeCollected();
                MBeanServer server = ManagementFactory.getPlatformMBeanServer();
                for (int n = 1;; n++) {
                    ObjectName candidate = SchedulerJmx.objectName(n == 1 ? bean.name : bean.name + "#" + n);
                    try {
                        server.registerMBean(bean, candidate);
                        objectName = candidate;
                        break;
                    } catch (InstanceAlreadyExistsException e) {
                        // a live scheduler holds this name: try the next number
                    }
                }
                if (!state.compareAndSet(REGISTERING, REGISTERED)) {
                    unregisterNow(); // disposed while we registered: the dispose left this to us
                }
            } catch (JMException | RuntimeException | LinkageError e) {
                // LinkageError: a runtime image without the java.management module
                state.set(GONE);
                if (FAILURE_LOGGED.compareAndSet(false, true)) {
                    LOGGER.warn("ktask cannot register the MBean of scheduler {}: {} (logged once)", bean.name, e.toString());
                }
            } finally {
                settled.countDown();
            }
        }

        /** @return true once the registration succeeded, failed or was withdrawn, within the timeout (for tests) */
        boolean awaitSettled(long timeout, TimeUnit unit) throws InterruptedException {
            return settled.await(timeout, unit);
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
        Registration registration = new Registration(scheduler);
        registration.registerNow(new SchedulerJmx(name, registration));
        return registration;
    }

    /**
     * Registers the bean of {@code scheduler} as {@link #register} does, but on a new daemon
     * thread, and returns at once: the bean appears moments later (usually within a few hundred
     * milliseconds of a fresh JVM's start). The thread holds the scheduler weakly, as the bean
     * does.
     *
     * @return the registration, to {@link Registration#unregister()} at dispose
     */
    static Registration registerInBackground(KTaskScheduler scheduler, String name) {
        Registration registration = new Registration(scheduler);
        Thread registrar = new Thread(new Registrar(new SchedulerJmx(name, registration)), REGISTRAR);
        registrar.setDaemon(true);
        registrar.start();
        return registration;
    }

    /** A class, not a lambda: this runs while a fresh JVM's first task starts, where a lambda costs milliseconds. */
    private static final class Registrar implements Runnable {
        private final SchedulerJmx bean;

        Registrar(SchedulerJmx bean) {
            this.bean = bean;
        }

        @Override
        public void run() {
            bean.registration.registerNow(bean);
        }
    }

    /** @return {@code io.ktask:type=KTaskScheduler,name=<value>}, the value quoted if JMX needs it */
    static ObjectName objectName(String value) throws JMException {
        String quoted = PLAIN_VALUE.matcher(value).matches() ? value : ObjectName.quote(value);
        return new ObjectName("io.ktask:type=KTaskScheduler,name=" + quoted);
    }

    private static void purgeCollected() {
        for (Object r; (r = COLLECTED.poll()) != null; ) {
            ((Registration) r).unregister();
        }
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
