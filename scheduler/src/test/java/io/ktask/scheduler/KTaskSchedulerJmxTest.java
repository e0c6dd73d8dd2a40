package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.management.Attribute;
import javax.management.InvalidAttributeValueException;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerNotification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;

import io.ktask.scheduler.internal.HelperLease;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.internal.TaskHandle;
import org.junit.jupiter.api.Test;

/** The scheduler's MXBean, used the way a JMX console does: through the platform MBean server. */
class KTaskSchedulerJmxTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    private static KTaskScheduler build(String name) {
        return KTaskScheduler.builder().name(name).topology(NodeTopology.uniform(2, 5)).maxHelpers(6)
                .enabled(true).build();
    }

    private static ObjectName name(String value) throws Exception {
        return new ObjectName("io.ktask:type=KTaskScheduler,name=" + value);
    }

    @Test
    void everyLimitAndStatsFigureIsReadable() throws Exception {
        KTaskScheduler s = build("jmx-read");
        ObjectName on = name("jmx-read");
        CountDownLatch release = new CountDownLatch(1);
        try (TaskHandle task = s.openTask(); HelperLease lease = s.lease(3, 1)) {
            assertThat(s.objectName()).isEqualTo(on);
            assertThat(server.isRegistered(on)).isTrue();
            assertThat(server.getAttribute(on, "Name")).isEqualTo("jmx-read");
            assertThat(server.getAttribute(on, "MaxHelpers")).isEqualTo(6);
            assertThat((int[]) server.getAttribute(on, "MaxHelpersPerNode")).containsExactly(4, 4);
            assertThat(server.getAttribute(on, "Enabled")).isEqualTo(true);
            assertThat(server.getAttribute(on, "DisabledReason")).isEqualTo("");
            for (int i = 0; i < lease.granted(); i++) {
                lease.start(i, () -> awaitQuietly(release));
            }
            task.chunksDone(5);
            KTaskStats stats = s.stats();
            assertThat(stats.helpersRunning()).isEqualTo(3);
            assertThat(server.getAttribute(on, "HelpersRunning")).isEqualTo(stats.helpersRunning());
            assertThat((int[]) server.getAttribute(on, "HelpersRunningPerNode")).containsExactly(0, 3);
            assertThat(server.getAttribute(on, "TasksRunning")).isEqualTo(1);
            assertThat(server.getAttribute(on, "ChunksDone")).isEqualTo(5L);
            assertThat(server.getAttribute(on, "RefusedByGlobalLimit")).isEqualTo(stats.refusedByGlobalLimit());
            assertThat(server.getAttribute(on, "PlacedElsewhereByNodeLimit")).isEqualTo(stats.placedElsewhereByNodeLimit());
            assertThat(server.getAttribute(on, "PriorityHandOffs")).isEqualTo(stats.priorityHandOffs());
        } finally {
            release.countDown();
            s.dispose();
        }
        assertThat(server.isRegistered(on)).as("gone after dispose").isFalse();
        assertThat(s.objectName()).isNull();
    }

    @Test
    void maxHelpersSetThroughJmxIsObeyedByTheNextTask() throws Exception {
        KTaskScheduler s = build("jmx-limit");
        ObjectName on = s.objectName();
        KTaskSchedulerMXBean proxy = JMX.newMXBeanProxy(server, on, KTaskSchedulerMXBean.class);
        CountDownLatch release = new CountDownLatch(1);
        try {
            server.setAttribute(on, new Attribute("MaxHelpers", 2));
            assertThat(s.maxHelpers()).isEqualTo(2);
            assertThat(proxy.getMaxHelpers()).isEqualTo(2);
            try (TaskHandle task = s.openTask(); HelperLease lease = task.lease(5, NodeTopology.ANY_NODE)) {
                for (int i = 0; i < lease.granted(); i++) {
                    lease.start(i, () -> awaitQuietly(release));
                }
                assertThat(s.stats().helpersRunning()).isEqualTo(2);
                assertThat(s.stats().refusedByGlobalLimit()).isEqualTo(3);
                assertThat(proxy.getHelpersRunning()).isEqualTo(2);
            } finally {
                release.countDown();
            }
            server.invoke(on, "setMaxHelpersPerNode", new Object[] {1, 1}, new String[] {"int", "int"});
            assertThat(s.maxHelpersPerNode(1)).isEqualTo(1);
            assertThat(proxy.getMaxHelpersPerNode()).containsExactly(4, 1);
            proxy.setEnabled(false);
            assertThat(s.isEnabled()).isFalse();
            assertThat(server.getAttribute(on, "DisabledReason")).isEqualTo("setEnabled(false)");
            try (HelperLease lease = s.lease(2, 0)) {
                assertThat(lease.granted()).isZero();
            }
            server.setAttribute(on, new Attribute("Enabled", true));
            assertThat(s.isEnabled()).isTrue();
        } finally {
            s.dispose();
        }
    }

    @Test
    void badValuesAreRejectedWithAClearMessage() throws Exception {
        KTaskScheduler s = build("jmx-bad");
        ObjectName on = s.objectName();
        try {
            assertThatThrownBy(() -> server.setAttribute(on, new Attribute("MaxHelpers", 0)))
                    .isInstanceOf(RuntimeMBeanException.class).cause()
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("maxHelpers must be >= 1 but was 0");
            assertThatThrownBy(() -> server.invoke(on, "setMaxHelpersPerNode", new Object[] {2, 1}, new String[] {"int", "int"}))
                    .isInstanceOf(RuntimeMBeanException.class).cause()
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("node must be a node in [0, 1] but was 2");
            assertThatThrownBy(() -> server.invoke(on, "setMaxHelpersPerNode", new Object[] {0, -3}, new String[] {"int", "int"}))
                    .isInstanceOf(RuntimeMBeanException.class).cause()
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("limit must be >= 1 but was -3");
            assertThatThrownBy(() -> server.setAttribute(on, new Attribute("MaxHelpers", "six")))
                    .isInstanceOf(InvalidAttributeValueException.class);
            assertThatThrownBy(() -> server.setAttribute(on, new Attribute("HelpersRunning", 1)))
                    .hasMessageContaining("HelpersRunning");
            assertThat(s.maxHelpers()).as("unchanged by the rejected writes").isEqualTo(6);
            assertThat(s.maxHelpersPerNode(0)).isEqualTo(4);
        } finally {
            s.dispose();
        }
    }

    @Test
    void goneAfterAGracefulDisposeEnds() throws Exception {
        KTaskScheduler s = build("jmx-graceful");
        ObjectName on = s.objectName();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        s.schedule(() -> {
            started.countDown();
            awaitQuietly(release);
        });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        reactor.core.publisher.Mono<Void> graceful = s.disposeGracefully().cache();
        graceful.subscribe();
        assertThat(server.isRegistered(on)).as("still there while a task finishes").isTrue();
        release.countDown();
        graceful.block(Duration.ofSeconds(10));
        assertThat(server.isRegistered(on)).isFalse();
    }

    @Test
    void sharedNamesGetTheLowestFreeNumberAndReservedCharactersAreQuoted() throws Exception {
        KTaskScheduler a = build("jmx-twin");
        KTaskScheduler b = build("jmx-twin");
        KTaskScheduler c = build("jmx-twin");
        KTaskScheduler odd = build("a,b=c:*?\"");
        KTaskScheduler d = null;
        try {
            assertThat(a.objectName()).isEqualTo(name("jmx-twin"));
            assertThat(b.objectName()).isEqualTo(name("jmx-twin#2"));
            assertThat(c.objectName()).isEqualTo(name("jmx-twin#3"));
            assertThat(server.getAttribute(b.objectName(), "Name")).isEqualTo("jmx-twin");
            b.dispose();
            d = build("jmx-twin");
            assertThat(d.objectName()).isEqualTo(name("jmx-twin#2"));
            assertThat(odd.objectName()).isEqualTo(name(ObjectName.quote("a,b=c:*?\"")));
            assertThat(server.getAttribute(odd.objectName(), "Name")).isEqualTo("a,b=c:*?\"");
            assertThat(server.queryNames(new ObjectName("io.ktask:type=KTaskScheduler,*"), null))
                    .contains(a.objectName(), c.objectName(), d.objectName(), odd.objectName())
                    .doesNotContain(name("jmx-twin#4"));
        } finally {
            a.dispose();
            c.dispose();
            odd.dispose();
            if (d != null) {
                d.dispose();
            }
        }
        assertThat(server.queryNames(new ObjectName("io.ktask:type=KTaskScheduler,name=jmx-twin*"), null)).isEmpty();
    }

    @Test
    void jmxCanBeTurnedOff() throws Exception {
        KTaskScheduler off = KTaskScheduler.builder().name("jmx-off").topology(NodeTopology.uniform(1, 2)).jmx(false).build();
        KTaskScheduler byProperty = KTaskScheduler.builder().name("jmx-off").topology(NodeTopology.uniform(1, 2))
                .build(k -> k.equals("ktask.jmx") ? "false" : null);
        KTaskScheduler backgroundByProperty = KTaskScheduler.builder().name("jmx-off").topology(NodeTopology.uniform(1, 2))
                .forFirstTask().build(k -> k.equals("ktask.jmx") ? "false" : null);
        try {
            assertThat(off.objectName()).isNull();
            assertThat(byProperty.objectName()).isNull();
            assertThat(backgroundByProperty.jmxRegistration()).as("not even a background registration").isNull();
            assertThat(server.isRegistered(name("jmx-off"))).isFalse();
        } finally {
            off.dispose();
            byProperty.dispose();
            backgroundByProperty.dispose();
        }
    }

    /**
     * Issue 12: the default scheduler is built by a fresh JVM's first task, which must not wait
     * while the platform MBean server starts: its bean is registered by a thread of its own, once
     * that first task has ended (issue 11: not while it runs), and still found through the
     * platform MBean server.
     */
    @Test
    void theDefaultSchedulerRegistersItsBeanOnAThreadOfItsOwnOnceItsFirstTaskEnded() throws Exception {
        Map<ObjectName, String> registeredOn = new ConcurrentHashMap<>();
        NotificationListener listener = (notification, handback) -> {
            // The MBean server tells its delegate's listeners on the registering thread.
            if (notification instanceof MBeanServerNotification n
                    && MBeanServerNotification.REGISTRATION_NOTIFICATION.equals(n.getType())) {
                registeredOn.put(n.getMBeanName(), Thread.currentThread().getName());
            }
        };
        server.addNotificationListener(MBeanServerDelegate.DELEGATE_NAME, listener, null, null);
        KTaskScheduler s = SchedulerInternals.createDefault();
        try {
            SchedulerJmx.Registration registration = s.jmxRegistration();
            TaskHandle first = s.openTask();
            assertThat(registration.wentOn()).as("let go before the first task ended").isFalse();
            first.close();
            assertThat(registration.wentOn()).as("let go as the first task ended").isTrue();
            ObjectName on = awaitObjectName(s);
            assertThat(server.isRegistered(on)).isTrue();
            assertThat(server.getAttribute(on, "Name")).isEqualTo("ktask");
            assertThat(server.getAttribute(on, "MaxHelpers")).isEqualTo(s.maxHelpers());
            assertThat(registeredOn.get(on)).as("the thread that registered the bean").isEqualTo(SchedulerJmx.REGISTRAR);
            s.dispose();
            assertThat(server.isRegistered(on)).as("gone after dispose").isFalse();
        } finally {
            server.removeNotificationListener(MBeanServerDelegate.DELEGATE_NAME, listener);
            s.dispose();
        }
    }

    /** Issue 11: the registrar touches the MBean server only once it is let go (here: never by the time). */
    @Test
    void aBackgroundRegistrationWaitsUntilTheFirstTaskHasEnded() throws Exception {
        KTaskScheduler s = KTaskScheduler.builder().name("jmx-waits").topology(NodeTopology.uniform(1, 2)).jmx(false).build();
        SchedulerJmx.Registration registration = SchedulerJmx.Registration.inBackground(s, "jmx-waits", TimeUnit.HOURS.toMillis(1));
        try {
            awaitWaiting(registration.registrar());
            assertThat(server.isRegistered(name("jmx-waits"))).as("registered while waiting").isFalse();
            assertThat(registration.objectName()).isNull();
            registration.firstTaskEnded();
            assertThat(registration.awaitSettled(20, TimeUnit.SECONDS)).as("settled within 20 s").isTrue();
            assertThat(registration.objectName()).isEqualTo(name("jmx-waits"));
            assertThat(server.getAttribute(name("jmx-waits"), "Name")).isEqualTo("jmx-waits");
        } finally {
            registration.unregister();
            s.dispose();
        }
        assertThat(server.isRegistered(name("jmx-waits"))).isFalse();
    }

    /** Issue 11: a scheduler whose first task never ends (or never comes) still gets its bean, after the wait. */
    @Test
    void withoutATaskTheBeanIsRegisteredOnceTheWaitIsOver() throws Exception {
        long start = System.nanoTime();
        KTaskScheduler s = KTaskScheduler.builder().name("jmx-no-task").topology(NodeTopology.uniform(1, 2))
                .forFirstTask().build();
        try {
            ObjectName on = awaitObjectName(s);
            assertThat(on).isEqualTo(name("jmx-no-task"));
            assertThat(s.jmxRegistration().wentOn()).as("let go by a task").isFalse();
            // A lower bound, not a speed: the registrar cannot have registered before its wait was over.
            assertThat(System.nanoTime() - start).as("ns from build to the bean")
                    .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(SchedulerJmx.Registration.FIRST_TASK_WAIT_MILLIS));
        } finally {
            s.dispose();
        }
        assertThat(server.isRegistered(name("jmx-no-task"))).isFalse();
    }

    /**
     * Issue 11: a dispose while the registrar waits withdraws the registration: the registrar
     * wakes (its wait here is an hour) and ends without ever registering the bean.
     */
    @Test
    void aDisposeWhileTheRegistrarWaitsMeansItNeverRegisters() throws Exception {
        Map<ObjectName, String> registered = new ConcurrentHashMap<>();
        NotificationListener listener = (notification, handback) -> {
            if (notification instanceof MBeanServerNotification n
                    && MBeanServerNotification.REGISTRATION_NOTIFICATION.equals(n.getType())) {
                registered.put(n.getMBeanName(), Thread.currentThread().getName());
            }
        };
        server.addNotificationListener(MBeanServerDelegate.DELEGATE_NAME, listener, null, null);
        KTaskScheduler s = KTaskScheduler.builder().name("jmx-withdrawn").topology(NodeTopology.uniform(1, 2)).jmx(false).build();
        try {
            SchedulerJmx.Registration registration =
                    SchedulerJmx.Registration.inBackground(s, "jmx-withdrawn", TimeUnit.HOURS.toMillis(1));
            Thread registrar = registration.registrar();
            awaitWaiting(registrar);
            registration.unregister(); // what dispose() does
            registrar.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(registrar.isAlive()).as("the registrar woke and ended").isFalse();
            assertThat(registration.awaitSettled(0, TimeUnit.SECONDS)).as("settled").isTrue();
            assertThat(registered).as("registered at some point").doesNotContainKey(name("jmx-withdrawn"));
            assertThat(server.isRegistered(name("jmx-withdrawn"))).isFalse();
            assertThat(registration.objectName()).isNull();
        } finally {
            server.removeNotificationListener(MBeanServerDelegate.DELEGATE_NAME, listener);
            s.dispose();
        }
    }

    /**
     * A dispose may come while the registrar waits, or before, during or after the registration
     * its first task let go: whichever it meets, no bean is left behind once the registration has
     * settled.
     */
    @Test
    void aDisposeRacingABackgroundRegistrationLeavesNoBean() throws Exception {
        ObjectName on = name("jmx-race");
        for (int round = 0; round < 30; round++) {
            KTaskScheduler s = KTaskScheduler.builder().name("jmx-race").topology(NodeTopology.uniform(1, 2))
                    .forFirstTask().build();
            if (round % 3 != 0) {
                s.openTask().close(); // lets the registrar go: the dispose below races the registration
            }
            if (round % 3 == 2) {
                awaitObjectName(s); // dispose once it is registered
            }
            s.dispose();
            assertThat(s.jmxRegistration().awaitSettled(20, TimeUnit.SECONDS)).as("round %d settled", round).isTrue();
            assertThat(server.isRegistered(on)).as("round %d: a bean left behind", round).isFalse();
            assertThat(s.objectName()).isNull();
        }
    }

    /** Polls (at most 20 s) until {@code registrar} waits with a timeout: for its first task, in these tests. */
    private static void awaitWaiting(Thread registrar) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Thread.State state;
        while ((state = registrar.getState()) != Thread.State.TIMED_WAITING && state != Thread.State.TERMINATED
                && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(registrar.getState()).as("the registrar's state").isEqualTo(Thread.State.TIMED_WAITING);
    }

    /** Waits (at most 20 s) until the background registration of {@code s} has settled; @return its bean's name */
    private static ObjectName awaitObjectName(KTaskScheduler s) throws InterruptedException {
        assertThat(s.jmxRegistration().awaitSettled(20, TimeUnit.SECONDS)).as("settled within 20 s").isTrue();
        ObjectName on = s.objectName();
        assertThat(on).as("registered").isNotNull();
        return on;
    }

    @Test
    void theBeanOfAnAbandonedSchedulerGoesAtTheNextBuild() throws Exception {
        WeakReference<KTaskScheduler> abandoned = new WeakReference<>(build("jmx-abandoned"));
        ObjectName on = name("jmx-abandoned");
        assertThat(server.isRegistered(on)).isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (abandoned.get() != null && System.nanoTime() < deadline) {
            System.gc(); // the bean must not keep its scheduler reachable
        }
        assertThat(abandoned.get()).as("collected although its bean is registered").isNull();
        assertThatThrownBy(() -> server.getAttribute(on, "MaxHelpers")).isInstanceOf(RuntimeMBeanException.class)
                .cause().hasMessage("the KTaskScheduler jmx-abandoned was garbage-collected without dispose()");
        // The collected reference reaches the queue a moment after it is cleared (the JVM's
        // reference handler thread): build until a build has found it there.
        while (server.isRegistered(on) && System.nanoTime() < deadline) {
            build("jmx-next").dispose();
        }
        assertThat(server.isRegistered(on)).isFalse();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
