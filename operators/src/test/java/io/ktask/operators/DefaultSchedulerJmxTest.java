package io.ktask.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.Set;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.internal.SchedulerInternals;
import io.ktask.scheduler.internal.TaskHandle;
import org.junit.jupiter.api.Test;

/**
 * The default scheduler (specs that name none) registers its MXBean off the first task's path
 * (issue 12), yet a JMX client still finds it through the platform MBean server, once it is
 * there: a client that looks right after the first task polls.
 */
class DefaultSchedulerJmxTest {

    /** Far more chunks than any test runs: marks the default scheduler's bean among the others named "ktask". */
    private static final long FINGERPRINT = 987_654_321_000L;

    @Test
    void theDefaultSchedulersBeanIsFoundThroughThePlatformMBeanServer() throws Exception {
        assertThat(KTask.range(0, 1000).transform(KTask.parallelize(c -> c.size(), Long::sum)).blockLast())
                .isEqualTo(1000L);
        KTaskScheduler scheduler = KTask.defaultScheduler();
        try (TaskHandle task = SchedulerInternals.openTask(scheduler)) {
            task.chunksDone(FINGERPRINT);
        }
        long chunksDone = scheduler.stats().chunksDone();
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName pattern = new ObjectName("io.ktask:type=KTaskScheduler,name=ktask*");
        ObjectName[] found = new ObjectName[1];
        Awaits.until(() -> (found[0] = beanWithChunksDone(server, server.queryNames(pattern, null), chunksDone)) != null,
                "the default scheduler's bean in the platform MBean server");
        assertThat(server.getAttribute(found[0], "Name")).isEqualTo("ktask");
        assertThat(server.getAttribute(found[0], "MaxHelpers")).isEqualTo(scheduler.maxHelpers());
        assertThat(server.getAttribute(found[0], "Enabled")).isEqualTo(scheduler.isEnabled());
    }

    /** @return the bean among {@code names} whose ChunksDone is {@code chunksDone}, or null */
    private static ObjectName beanWithChunksDone(MBeanServer server, Set<ObjectName> names, long chunksDone) {
        for (ObjectName name : names) {
            try {
                if (Long.valueOf(chunksDone).equals(server.getAttribute(name, "ChunksDone"))) {
                    return name;
                }
            } catch (Exception e) {
                // a bean of a collected or disposed scheduler: not the one looked for
            }
        }
        return null;
    }
}
