package io.ktask.scheduler;

import java.lang.management.ManagementFactory;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicBoolean;
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
 */
final class SchedulerJmx implements KTaskSchedulerMXBean {

    private static final Logger LOGGER = Loggers.getLogger("io.ktask.scheduler");
    /** A name value JMX accepts unquoted. */
    private static final Pattern PLAIN_VALUE = Pattern.compile("[^,=:\"*?\\n\\r]+");
    private static final ReferenceQueue<KTaskScheduler> COLLECTED = new ReferenceQueue<>();
    /** Logs the first failure to register only. */
    private static final AtomicBoolean FAILURE_LOGGED = new AtomicBoolean();

    private final String name;
    private final Registration registration;

    /** What unregisters the bean: the scheduler's (weak) reference, its name, and whether it is still out. */
    static final class Registration extends WeakReference<KTaskScheduler> {
        @Nullable
        private volatile ObjectName objectName;
        private final AtomicBoolean registered = new AtomicBoolean();

        private Registration(KTaskScheduler scheduler) {
            super(scheduler, COLLECTED);
        }

        /** @return the name the bean is registered under, or null if it is not (or no longer) */
        @Nullable
        ObjectName objectName() {
            return registered.get() ? objectName : null;
        }

        /** Unregisters the bean, once; later calls, and calls for a bean never registered, do nothing. */
        void unregister() {
            // Only one caller wins (dispose, graceful termination, or the purge after collection),
            // so a later scheduler that reused the name is never unregistered by mistake.
            if (registered.compareAndSet(true, false)) {
                try {
                    ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
                } catch (InstanceNotFoundException e) {
                    // unregistered by someone else through the MBean server: nothing left to do
                } catch (JMException | RuntimeException e) {
                    LOGGER.warn("ktask cannot unregister the MBean {}: {}", objectName, e.toString());
                }
            }
        }
    }

    private SchedulerJmx(String name, Registration registration) {
        this.name = name;
        this.registration = registration;
    }

    /**
     * Registers the bean of {@code scheduler} in the platform MBean server. Never throws: where
     * JMX is missing or refuses, the reason is logged once and the scheduler runs without a bean.
     *
     * @return the registration, to {@link Registration#unregister()} at dispose
     */
    static Registration register(KTaskScheduler scheduler, String name) {
        purgeCollected();
        Registration registration = new Registration(scheduler);
        SchedulerJmx bean = new SchedulerJmx(name, registration);
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            for (int n = 1;; n++) {
                ObjectName objectName = objectName(n == 1 ? name : name + "#" + n);
                registration.objectName = objectName;
                try {
                    server.registerMBean(bean, objectName);
                    registration.registered.set(true);
                    return registration;
                } catch (InstanceAlreadyExistsException e) {
                    // a live scheduler holds this name: try the next number
                }
            }
        } catch (JMException | RuntimeException | LinkageError e) {
            // LinkageError: a runtime image without the java.management module
            if (FAILURE_LOGGED.compareAndSet(false, true)) {
                LOGGER.warn("ktask cannot register the MBean of scheduler {}: {} (logged once)", name, e.toString());
            }
            return registration;
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
