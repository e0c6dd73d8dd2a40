package io.ktask.scheduler;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

import reactor.util.annotation.Nullable;

/**
 * Builds a {@link KTaskScheduler}; obtained from {@link KTaskScheduler#builder()}.
 *
 * <p>Each option may be set at most once (a second call throws {@link IllegalStateException}) and
 * rejects a bad value at once with an {@link IllegalArgumentException} naming the argument and
 * the value. Options left unset take their default, in this order: the system property (for the
 * limits, the helpers' nice value and the enabled switch), then the built-in default:
 * <ul>
 *   <li>{@link #name}: {@code "ktask"} (thread names start with it);</li>
 *   <li>{@link #topology}: {@link NodeTopology#detect()};</li>
 *   <li>{@link #maxHelpers}: {@code ktask.maxHelpers}, else {@code max(1, cpuCount * 4 / 5)};</li>
 *   <li>{@link #maxHelpersPerNode(int)}: {@code ktask.maxHelpersPerNode} (same for every node),
 *       else {@code max(1, cpus(node) * 4 / 5)} per node; {@link #maxHelpersPerNode(int, int)}
 *       overrides one node;</li>
 *   <li>{@link #helperNice}: {@code ktask.helperNice}, else 19 (the lowest priority);</li>
 *   <li>{@link #pinning}: {@code true};</li>
 *   <li>{@link #keepAlive}: 60 seconds;</li>
 *   <li>{@link #daemon}: {@code true};</li>
 *   <li>{@link #enabled}: {@code ktask.enabled}, else {@code true} unless the power policy turns
 *       helpers off;</li>
 *   <li>{@link #powerAware}: {@code ktask.powerAware}, else {@code true};</li>
 *   <li>{@link #jmx}: {@code ktask.jmx}, else {@code true};</li>
 *   <li>{@link #maxSpares}: {@code ktask.maxSpares}, else {@code cpuCount}.</li>
 * </ul>
 *
 * <p><b>Power policy</b>: with {@link #powerAware} on, and {@link #enabled} set neither here nor
 * by {@code ktask.enabled}, {@link #build()} reads the cpufreq governor of every CPU of the
 * topology (Linux: {@code /sys/devices/system/cpu/cpu<N>/cpufreq/scaling_governor}); if any runs
 * an energy-conscious one ({@code powersave}, {@code conservative}; not the {@code powersave}
 * policy of the {@code intel_pstate} or {@code amd-pstate-epp} drivers, which is their ordinary
 * dynamic scaling), the scheduler starts with helpers off, logs why once, and
 * {@link KTaskStats#disabledReason()} and JMX say why. The governor is read at build only.
 * {@code enabled(true)}, {@code -Dktask.enabled=true}, {@code powerAware(false)},
 * {@code -Dktask.powerAware=false} or {@link KTaskScheduler#setEnabled(boolean)} override it.
 *
 * <p>Not thread-safe: configure and build on one thread. {@link #build()} may be called once.
 */
public final class KTaskSchedulerBuilder {

    static final String MAX_HELPERS = "ktask.maxHelpers";
    static final String MAX_HELPERS_PER_NODE = "ktask.maxHelpersPerNode";
    static final String ENABLED = "ktask.enabled";
    static final String HELPER_NICE = "ktask.helperNice";
    static final String POWER_AWARE = "ktask.powerAware";
    static final String JMX = "ktask.jmx";
    static final String MAX_SPARES = "ktask.maxSpares";
    private static final int UNSET = -1;

    private String name;
    private NodeTopology topology;
    private int maxHelpers = UNSET;
    private int maxHelpersPerNode = UNSET;
    private final Map<Integer, Integer> maxHelpersOfNode = new TreeMap<>();
    private int helperNice = UNSET;
    private Boolean pinning;
    private Duration keepAlive;
    private Boolean daemon;
    private Boolean enabled;
    private Boolean powerAware;
    private Boolean jmx;
    /** Built by a task's own thread as it starts (the operators' default scheduler): see {@link #forFirstTask()}. */
    private boolean forFirstTask;
    private int maxSpares = UNSET;
    private boolean built;

    KTaskSchedulerBuilder() {
    }

    /**
     * Names the scheduler: its {@code Scannable} name, its threads' prefix, its JMX name and its
     * meters' tag. Default "ktask".
     *
     * @param name not blank
     * @return this builder
     */
    public KTaskSchedulerBuilder name(String name) {
        requireUnset(this.name == null, "name");
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank but was '" + name + "'");
        }
        this.name = name;
        return this;
    }

    /**
     * Uses {@code topology} (e.g. a simulated one) instead of {@link NodeTopology#detect()}.
     *
     * @param topology the nodes and CPUs to place threads on
     * @return this builder
     */
    public KTaskSchedulerBuilder topology(NodeTopology topology) {
        requireUnset(this.topology == null, "topology");
        this.topology = Objects.requireNonNull(topology, "topology");
        return this;
    }

    /**
     * Sets the global helper limit.
     *
     * @param maxHelpers at most this many helpers run at once, {@code >= 1}
     * @return this builder
     */
    public KTaskSchedulerBuilder maxHelpers(int maxHelpers) {
        requireUnset(this.maxHelpers == UNSET, "maxHelpers");
        this.maxHelpers = checkLimit("maxHelpers", maxHelpers);
        return this;
    }

    /**
     * Sets the helper limit of every node.
     *
     * @param maxHelpersPerNode at most this many helpers run at once on each node, {@code >= 1}
     * @return this builder
     */
    public KTaskSchedulerBuilder maxHelpersPerNode(int maxHelpersPerNode) {
        requireUnset(this.maxHelpersPerNode == UNSET, "maxHelpersPerNode");
        this.maxHelpersPerNode = checkLimit("maxHelpersPerNode", maxHelpersPerNode);
        return this;
    }

    /**
     * Sets the helper limit of one node, {@code >= 1}, overriding {@link #maxHelpersPerNode(int)}
     * for it. May be called once per node; {@link #build()} rejects a node the topology lacks.
     *
     * @param node a node id, {@code >= 0}
     * @param limit at most this many helpers run at once on {@code node}, {@code >= 1}
     * @return this builder
     */
    public KTaskSchedulerBuilder maxHelpersPerNode(int node, int limit) {
        requireUnset(!maxHelpersOfNode.containsKey(node), "maxHelpersPerNode(" + node + ", ...)");
        if (node < 0) {
            throw new IllegalArgumentException("node must be >= 0 but was " + node);
        }
        maxHelpersOfNode.put(node, checkLimit("limit", limit));
        return this;
    }

    /**
     * Sets the nice value of helper threads (Linux), 0..19: 19 is the lowest priority, 0 the
     * normal one. Where the OS refuses, helpers run at the priority they inherit (logged once).
     *
     * @param nice the helpers' nice value, 0..19
     * @return this builder
     */
    public KTaskSchedulerBuilder helperNice(int nice) {
        requireUnset(this.helperNice == UNSET, "helperNice");
        if (nice < 0 || nice > 19) {
            throw new IllegalArgumentException("helperNice must be in [0, 19] but was " + nice);
        }
        this.helperNice = nice;
        return this;
    }

    /**
     * Whether threads are pinned where the OS allows: a node's threads to its CPUs, any-node
     * helpers to all CPUs of the topology. Off, no affinity call is made and each thread keeps
     * the affinity of the thread that started it.
     *
     * @param pinning whether to pin threads
     * @return this builder
     */
    public KTaskSchedulerBuilder pinning(boolean pinning) {
        requireUnset(this.pinning == null, "pinning");
        this.pinning = pinning;
        return this;
    }

    /**
     * How long an idle thread waits for work before it ends.
     *
     * @param keepAlive positive
     * @return this builder
     */
    public KTaskSchedulerBuilder keepAlive(Duration keepAlive) {
        requireUnset(this.keepAlive == null, "keepAlive");
        Objects.requireNonNull(keepAlive, "keepAlive");
        if (keepAlive.isNegative() || keepAlive.isZero()) {
            throw new IllegalArgumentException("keepAlive must be positive but was " + keepAlive);
        }
        this.keepAlive = keepAlive;
        return this;
    }

    /**
     * Whether the scheduler's threads are daemon threads.
     *
     * @param daemon whether they are
     * @return this builder
     */
    public KTaskSchedulerBuilder daemon(boolean daemon) {
        requireUnset(this.daemon == null, "daemon");
        this.daemon = daemon;
        return this;
    }

    /**
     * Whether leases grant helpers at all (see {@link KTaskScheduler#setEnabled(boolean)}); set
     * either way, it also overrides the power policy.
     *
     * @param enabled whether helpers are granted
     * @return this builder
     */
    public KTaskSchedulerBuilder enabled(boolean enabled) {
        requireUnset(this.enabled == null, "enabled");
        this.enabled = enabled;
        return this;
    }

    /**
     * Whether an energy-conscious cpufreq governor turns helpers off by default (see "Power
     * policy" above). Off, no governor is read.
     *
     * @param powerAware whether the power policy applies
     * @return this builder
     */
    public KTaskSchedulerBuilder powerAware(boolean powerAware) {
        requireUnset(this.powerAware == null, "powerAware");
        this.powerAware = powerAware;
        return this;
    }

    /**
     * Sets the spare limit, {@code >= 0}: at most this many spare helpers run at once, each
     * standing in for a task's thread blocked in a declared call (blocking compensation, see
     * {@code KTask.blocking}); counted apart from {@link #maxHelpers}. 0 turns compensation off.
     *
     * @param maxSpares the spare limit, {@code >= 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code maxSpares < 0}
     * @throws IllegalStateException if the spare limit was already set
     */
    public KTaskSchedulerBuilder maxSpares(int maxSpares) {
        requireUnset(this.maxSpares == UNSET, "maxSpares");
        this.maxSpares = checkSpares("maxSpares", maxSpares);
        return this;
    }

    /**
     * Whether the scheduler registers its {@link KTaskSchedulerMXBean} in the platform MBean
     * server. The first registration in a JVM starts that server, which costs some 150 to 230 ms
     * where nothing else has used JMX yet: a short-lived command-line program may turn it off.
     * (The operators' default scheduler registers on a thread of its own, see
     * {@link KTaskSchedulerMXBean}.)
     *
     * @param jmx whether to register the MBean
     * @return this builder
     */
    public KTaskSchedulerBuilder jmx(boolean jmx) {
        requireUnset(this.jmx == null, "jmx");
        this.jmx = jmx;
        return this;
    }

    /**
     * Not API (reached through {@code SchedulerInternals.createDefault()}): the scheduler is built
     * by the thread of the task that needs it first, so nothing slow may start with it. The MXBean,
     * if {@link #jmx} is on, is registered on a daemon thread of its own once the scheduler's first
     * task has ended (or one second after {@link #build()} returned, whichever comes first), so
     * that a fresh JVM's first task neither waits for nor competes with the start of the platform
     * MBean server; and libc is bound by the first scheduler thread that places itself, not by a
     * binder thread started at the build (a task that never needs a helper never loads JNA).
     *
     * @return this builder
     */
    KTaskSchedulerBuilder forFirstTask() {
        this.forFirstTask = true;
        return this;
    }

    /**
     * {@return a new scheduler, already initialized, holding no thread yet, and registered in JMX
     *     (unless {@link #jmx} is off)}
     *
     * @throws IllegalStateException if this builder already built one
     * @throws IllegalArgumentException if a per-node limit names a node the topology lacks, or a
     *     {@code ktask.*} system property has a bad value (the message names both)
     */
    public KTaskScheduler build() {
        boolean linux = System.getProperty("os.name", "").startsWith("Linux");
        return build(System::getProperty, linux ? PowerPolicy.SYS_CPU : null);
    }

    KTaskScheduler build(UnaryOperator<String> properties) {
        return build(properties, null);
    }

    /** @param sysCpuDir where the CPUs' cpufreq directories are, or null for none (not Linux) */
    KTaskScheduler build(UnaryOperator<String> properties, @Nullable Path sysCpuDir) {
        if (built) {
            throw new IllegalStateException("this builder already built a KTaskScheduler");
        }
        NodeTopology topo = topology != null ? topology : NodeTopology.detect();
        for (int node : maxHelpersOfNode.keySet()) {
            if (node >= topo.nodeCount()) {
                throw new IllegalArgumentException("maxHelpersPerNode node must be a node in [0, "
                        + (topo.nodeCount() - 1) + "] but was " + node);
            }
        }
        int global = maxHelpers != UNSET ? maxHelpers
                : intProperty(properties, MAX_HELPERS, Math.max(1, topo.cpuCount() * 4 / 5));
        int allNodes = maxHelpersPerNode != UNSET ? maxHelpersPerNode
                : intProperty(properties, MAX_HELPERS_PER_NODE, UNSET);
        int[] perNode = new int[topo.nodeCount()];
        for (int n = 0; n < perNode.length; n++) {
            perNode[n] = maxHelpersOfNode.getOrDefault(n,
                    allNodes != UNSET ? allNodes : Math.max(1, topo.cpus(n).length * 4 / 5));
        }
        Pools.Settings settings = new Pools.Settings(pinning == null || pinning,
                helperNice != UNSET ? helperNice : niceProperty(properties, HELPER_NICE, 19),
                keepAlive == null ? Duration.ofSeconds(60) : keepAlive,
                daemon == null || daemon);
        String schedulerName = name == null ? "ktask" : name;
        String disabledReason = disabledReason(properties, sysCpuDir, topo, schedulerName);
        boolean withJmx = jmx != null ? jmx : booleanProperty(properties, JMX, true);
        int spares = maxSpares != UNSET ? maxSpares : intProperty(properties, MAX_SPARES, topo.cpuCount(), 0);
        built = true;
        KTaskScheduler.Jmx registration = !withJmx ? KTaskScheduler.Jmx.OFF
                : forFirstTask ? KTaskScheduler.Jmx.IN_BACKGROUND : KTaskScheduler.Jmx.AT_BUILD;
        return new KTaskScheduler(schedulerName, topo, global, perNode, disabledReason, registration, settings, spares,
                !forFirstTask);
    }

    static int checkSpares(String argument, int spares) {
        if (spares < 0) {
            throw new IllegalArgumentException(argument + " must be >= 0 but was " + spares);
        }
        return spares;
    }

    /** {@return why helpers start off, or null if they start on} */
    @Nullable
    private String disabledReason(UnaryOperator<String> properties, @Nullable Path sysCpuDir, NodeTopology topo,
            String schedulerName) {
        if (enabled != null) {
            return enabled ? null : "enabled(false) on the builder";
        }
        if (properties.apply(ENABLED) != null) {
            return booleanProperty(properties, ENABLED, true) ? null : "system property " + ENABLED + "=false";
        }
        boolean aware = powerAware != null ? powerAware : booleanProperty(properties, POWER_AWARE, true);
        String governor = aware && sysCpuDir != null ? PowerPolicy.energyConsciousGovernor(sysCpuDir, topo) : null;
        if (governor == null) {
            return null;
        }
        Log.logger().info("ktask scheduler {}: helpers off, {} (power policy; -D{}=false or enabled(true) turns them on)",
                schedulerName, governor, POWER_AWARE);
        return "power policy: " + governor;
    }

    static int checkLimit(String argument, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException(argument + " must be >= 1 but was " + limit);
        }
        return limit;
    }

    private static void requireUnset(boolean unset, String option) {
        if (!unset) {
            throw new IllegalStateException(option + " was already set on this builder");
        }
    }

    private static int intProperty(UnaryOperator<String> properties, String key, int fallback) {
        return intProperty(properties, key, fallback, 1);
    }

    private static int intProperty(UnaryOperator<String> properties, String key, int fallback, int min) {
        String value = properties.apply(key);
        if (value == null) {
            return fallback;
        }
        try {
            int limit = Integer.parseInt(value.trim());
            if (limit >= min) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below, with the property's name
        }
        throw new IllegalArgumentException("system property " + key + " must be an integer >= " + min
                + " but was '" + value + "'");
    }

    private static int niceProperty(UnaryOperator<String> properties, String key, int fallback) {
        String value = properties.apply(key);
        if (value == null) {
            return fallback;
        }
        try {
            int nice = Integer.parseInt(value.trim());
            if (nice >= 0 && nice <= 19) {
                return nice;
            }
        } catch (NumberFormatException e) {
            // reported below, with the property's name
        }
        throw new IllegalArgumentException("system property " + key + " must be an integer in [0, 19] but was '" + value + "'");
    }

    private static boolean booleanProperty(UnaryOperator<String> properties, String key, boolean fallback) {
        String value = properties.apply(key);
        if (value == null) {
            return fallback;
        }
        String v = value.trim();
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException("system property " + key + " must be true or false but was '" + value + "'");
    }
}
