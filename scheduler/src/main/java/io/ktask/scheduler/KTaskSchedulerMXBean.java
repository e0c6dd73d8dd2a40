package io.ktask.scheduler;

/**
 * The management interface of one {@link KTaskScheduler}, the Java counterpart of ktask's sysctl
 * ({@code /proc/sys/debug/ktask_max_threads}): its limits and its enabled switch, readable and
 * writable at run time, and every figure of {@link KTaskScheduler#stats()}.
 *
 * <p>Each scheduler registers one in the platform MBean server when it is built, under
 * {@code io.ktask:type=KTaskScheduler,name=<name>}, and unregisters it when it is disposed
 * ({@link KTaskScheduler#dispose()}, or once every thread ended after
 * {@link KTaskScheduler#disposeGracefully()}). A name that JMX reserves characters of
 * ({@code , = : " * ?} or a line break) is quoted with {@link javax.management.ObjectName#quote};
 * when a live scheduler already holds the name, the next one gets {@code <name>#2}, then
 * {@code #3}, and so on (the lowest number free). {@link KTaskSchedulerBuilder#jmx(boolean)} and
 * {@code -Dktask.jmx=false} leave a scheduler out of JMX.
 *
 * <p>The operators' default scheduler (name {@code ktask}, used by specs that name no scheduler,
 * built by the first such task) registers its bean on a daemon thread of its own instead of
 * during its build, and only once that first task has ended, or one second after the build if
 * the task runs longer: the first use of the platform MBean server in a JVM costs 150 to 230 ms
 * of CPU, which that first task would otherwise wait for or compete with. Its bean appears
 * moments after (a JMX client that looks for it right after the first task polls until it is
 * there); {@code -Dktask.jmx=false} leaves it out too.
 *
 * <p>Every read is a fresh value; as with {@link KTaskStats}, two attributes read one after the
 * other are not an atomic snapshot. A write takes effect at once, with the rules of the
 * scheduler's setter: a bad value is rejected with an {@link IllegalArgumentException} whose
 * message names the attribute and the value (a JMX client sees it wrapped in a
 * {@link javax.management.RuntimeMBeanException}), and lowering a limit never interrupts running
 * helpers. Once the scheduler is disposed, reads still answer and writes still apply, until the
 * bean is unregistered.
 *
 * <p>The bean holds its scheduler weakly: a scheduler that was never disposed and is no longer
 * reachable (which means it holds no thread) is unregistered when a later scheduler is built.
 */
public interface KTaskSchedulerMXBean {

    /** {@return the scheduler's name, as given to {@link KTaskSchedulerBuilder#name(String)}} */
    String getName();

    /** {@return the global helper limit now ({@link KTaskScheduler#maxHelpers()})} */
    int getMaxHelpers();

    /**
     * Sets the global helper limit ({@link KTaskScheduler#setMaxHelpers(int)}); the next helper
     * request obeys it.
     *
     * @param maxHelpers the new limit, {@code >= 1}
     * @throws IllegalArgumentException if {@code maxHelpers < 1}
     */
    void setMaxHelpers(int maxHelpers);

    /** {@return the helper limit of each node now (index = node id)} */
    int[] getMaxHelpersPerNode();

    /**
     * Sets the helper limit of one node ({@link KTaskScheduler#setMaxHelpersPerNode(int, int)}).
     * An operation rather than an attribute, so that a JMX console can call it with two numbers.
     *
     * @param node a node id, {@code 0 <= node < getMaxHelpersPerNode().length}
     * @param limit the new limit, {@code >= 1}
     * @throws IllegalArgumentException if {@code node} is not a node or {@code limit < 1}
     */
    void setMaxHelpersPerNode(int node, int limit);

    /** {@return whether helpers are granted ({@link KTaskScheduler#isEnabled()})} */
    boolean isEnabled();

    /**
     * Turns helpers on or off ({@link KTaskScheduler#setEnabled(boolean)}); turning them on also
     * overrides the power policy.
     *
     * @param enabled whether helpers are granted from now on
     */
    void setEnabled(boolean enabled);

    /**
     * {@return why helpers are off ({@link KTaskStats#disabledReason()}), such as the power
     *     policy's {@code "power policy: cpufreq governor powersave on CPU 0"}; empty when on}
     */
    String getDisabledReason();

    /** {@return helpers running now ({@link KTaskStats#helpersRunning()})} */
    int getHelpersRunning();

    /** {@return helpers running now on each node ({@link KTaskStats#helpersRunningPerNode()})} */
    int[] getHelpersRunningPerNode();

    /** {@return tasks running now ({@link KTaskStats#tasksRunning()})} */
    int getTasksRunning();

    /** {@return chunks finished since the scheduler was built ({@link KTaskStats#chunksDone()})} */
    long getChunksDone();

    /** {@return helpers refused by the global limit so far ({@link KTaskStats#refusedByGlobalLimit()})} */
    long getRefusedByGlobalLimit();

    /**
     * {@return helpers pushed off their preferred node by its limit so far
     *     ({@link KTaskStats#placedElsewhereByNodeLimit()})}
     */
    long getPlacedElsewhereByNodeLimit();

    /** {@return priority hand-offs so far ({@link KTaskStats#priorityHandOffs()})} */
    long getPriorityHandOffs();
}
