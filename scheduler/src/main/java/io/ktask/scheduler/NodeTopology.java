package io.ktask.scheduler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The machine's NUMA nodes and the CPU ids of each, as seen by this process.
 *
 * <p>Immutable and thread-safe. Node ids are dense, {@code 0 <= node < nodeCount()}; every node
 * has at least one CPU; a CPU id belongs to at most one node; CPU ids are in
 * {@code [0, 65536)} (Linux supports at most 8192 CPUs).
 *
 * <p>Two topologies are {@link #equals equal} when they have the same nodes, in the same order,
 * with the same CPU ids.
 */
public final class NodeTopology {

    /** A node id meaning "no particular node": the unpinned any-node group of a scheduler. */
    public static final int ANY_NODE = -1;

    /** Exclusive upper bound of a CPU id; bounds the CPU-to-node table and affinity masks. */
    static final int CPU_ID_LIMIT = 1 << 16;

    private static final String CPUS_ALLOWED_LIST = "Cpus_allowed_list:";

    private final int[][] cpusPerNode;
    /** nodeOfCpu[cpu] is the node of cpu, or -1; its length is the highest CPU id + 1. */
    private final int[] nodeOfCpu;
    private final int cpuCount;

    /** @param cpusPerNode checked by {@link #of}: owned by this instance, each node sorted */
    private NodeTopology(int[][] cpusPerNode, int[] nodeOfCpu) {
        this.cpusPerNode = cpusPerNode;
        this.nodeOfCpu = nodeOfCpu;
        int total = 0;
        for (int[] cpus : cpusPerNode) {
            total += cpus.length;
        }
        this.cpuCount = total;
    }

    /**
     * Detects the topology of this machine as seen by this process.
     *
     * <p>On Linux it reads {@code /sys/devices/system/node/node<N>/cpulist}, keeps only the CPUs
     * this process may run on ({@code Cpus_allowed_list} in {@code /proc/self/status}; when that
     * file cannot be read, no CPU is dropped for this reason) and then, while there are more CPUs
     * than {@link Runtime#availableProcessors()} (a container's CPU quota), drops the highest
     * CPU ids first. A node left with no CPU (an offline or memory-only node, or one outside the
     * process's cpuset) is left out, and the remaining nodes are numbered densely {@code 0..n-1}
     * in ascending order of their sysfs numbers: node ids of this class are not always the
     * kernel's node ids.
     *
     * <p>Elsewhere, or when sysfs is missing, unreadable or not in the expected format, or when
     * no CPU is left: one node with CPUs {@code 0..availableProcessors()-1}.
     *
     * <p>Reads a few small files on each call; callers should keep the result. Never throws.
     *
     * @return the detected topology, never null
     */
    public static NodeTopology detect() {
        int available = Runtime.getRuntime().availableProcessors();
        String os = System.getProperty("os.name", "");
        if (!os.startsWith("Linux")) {
            Log.logger().debug("NUMA topology: one node of {} CPUs (no sysfs on {})", available, os);
            return uniform(1, available);
        }
        return detect(Path.of("/sys/devices/system/node"), Path.of("/proc/self/status"), available);
    }

    /**
     * {@link #detect()} from the given files, so that tests can use a fake sysfs.
     *
     * @param sysNodeDir stands for {@code /sys/devices/system/node}
     * @param procSelfStatus stands for {@code /proc/self/status}
     * @param availableProcessors stands for {@link Runtime#availableProcessors()}, at least 1
     */
    static NodeTopology detect(Path sysNodeDir, Path procSelfStatus, int availableProcessors) {
        if (availableProcessors < 1) {
            throw new IllegalArgumentException("availableProcessors must be >= 1 but was "
                    + availableProcessors);
        }
        String reason;
        try {
            NodeTopology detected = readSysfs(sysNodeDir, procSelfStatus, availableProcessors);
            if (detected != null) {
                return detected;
            }
            reason = "no node of " + sysNodeDir + " has a CPU this process may use";
        } catch (IOException | RuntimeException e) {
            // The contract is "never throws": a missing, unreadable or malformed sysfs (including
            // an unexpected runtime failure while reading it) means "topology unknown".
            reason = "cannot read " + sysNodeDir + ": " + e;
        }
        Log.logger().debug("NUMA topology: one node of {} CPUs ({})", availableProcessors, reason);
        return uniform(1, availableProcessors);
    }

    /** {@return the topology, or null if no CPU is left} */
    private static NodeTopology readSysfs(Path sysNodeDir, Path procSelfStatus, int availableProcessors)
            throws IOException {
        // Sorted by node number, so that node10 comes after node9. No glob, regex, lambda or
        // java.nio.file on this path: each costs milliseconds of class loading in a fresh JVM
        // (cold start); see KernelFiles.
        TreeMap<Integer, BitSet> nodes = new TreeMap<>();
        for (String name : KernelFiles.list(sysNodeDir)) {
            int node = nodeNumber(name);
            if (node >= 0) {
                nodes.put(node, CpuList.parse(KernelFiles.read(sysNodeDir.resolve(name).resolve("cpulist"))));
            }
        }
        BitSet usable = new BitSet();
        for (BitSet node : nodes.values()) {
            usable.or(node);
        }
        BitSet allowed = readCpusAllowed(procSelfStatus);
        if (allowed != null) {
            usable.and(allowed);
        }
        // A CPU quota does not say which CPUs: dropping the highest ids is as good as any choice.
        for (int excess = usable.cardinality() - availableProcessors; excess > 0; excess--) {
            usable.clear(usable.length() - 1);
        }
        List<int[]> cpusPerNode = new ArrayList<>();
        for (BitSet node : nodes.values()) {
            node.and(usable);
            if (!node.isEmpty()) {
                cpusPerNode.add(CpuList.toArray(node));
            }
        }
        // of() rejects a CPU listed under two nodes: such a sysfs is malformed.
        return cpusPerNode.isEmpty() ? null : of(cpusPerNode.toArray(new int[0][]));
    }

    /** @return the number of a sysfs node directory name ({@code node<digits>}, at most 9), or -1 */
    static int nodeNumber(String name) {
        int digits = name.length() - 4;
        if (!name.startsWith("node") || digits < 1 || digits > 9) {
            return -1;
        }
        for (int i = 4; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(name, 4, name.length(), 10);
    }

    /**
     * {@return the CPUs of its Cpus_allowed_list, or null if the file cannot be read or has no such line}
     *
     * @param procSelfStatus {@code /proc/self/status} or {@code /proc/thread-self/status}
     * @throws IllegalArgumentException if the line is not a cpulist
     */
    static BitSet readCpusAllowed(Path procSelfStatus) {
        String text;
        try {
            text = KernelFiles.read(procSelfStatus);
        } catch (IOException e) {
            Log.logger().debug("NUMA topology: all CPUs count as allowed (cannot read {}: {})",
                    procSelfStatus, e);
            return null;
        }
        // Lines end at '\n' or '\r' (the empty "line" of a "\r\n" never matches), as for
        // BufferedReader.readLine().
        for (int start = 0; start < text.length(); ) {
            int end = lineEnd(text, start);
            if (text.startsWith(CPUS_ALLOWED_LIST, start)) {
                return CpuList.parse(text.substring(start + CPUS_ALLOWED_LIST.length(), end));
            }
            start = end + 1;
        }
        return null;
    }

    /** @return the index of the first '\n' or '\r' at or after {@code from}, else the length of {@code text} */
    private static int lineEnd(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                return i;
            }
        }
        return text.length();
    }

    /**
     * A simulated topology of {@code nodes} nodes with {@code cpusPerNode} CPUs each, CPU ids
     * numbered consecutively from 0 (node 0 has CPUs {@code 0..cpusPerNode-1}, and so on).
     *
     * @param nodes the number of nodes, at least 1
     * @param cpusPerNode the number of CPUs of each node, at least 1
     * @return the topology, never null
     * @throws IllegalArgumentException if {@code nodes < 1}, {@code cpusPerNode < 1}, or
     *     {@code nodes * cpusPerNode > 65536}
     */
    public static NodeTopology uniform(int nodes, int cpusPerNode) {
        if (nodes < 1) {
            throw new IllegalArgumentException("nodes must be >= 1 but was " + nodes);
        }
        if (cpusPerNode < 1) {
            throw new IllegalArgumentException("cpusPerNode must be >= 1 but was " + cpusPerNode);
        }
        long total = (long) nodes * cpusPerNode;
        if (total > CPU_ID_LIMIT) {
            throw new IllegalArgumentException("nodes * cpusPerNode must be <= " + CPU_ID_LIMIT
                    + " but was " + nodes + " * " + cpusPerNode + " = " + total);
        }
        int[][] cpus = new int[nodes][cpusPerNode];
        for (int n = 0; n < nodes; n++) {
            for (int c = 0; c < cpusPerNode; c++) {
                cpus[n][c] = n * cpusPerNode + c;
            }
        }
        return of(cpus);
    }

    /**
     * A simulated topology with the given CPU ids per node: node {@code n} has the CPU ids of
     * {@code cpuIdsPerNode[n]}, in any order (they are copied and sorted).
     *
     * @param cpuIdsPerNode the CPU ids of each node; at least one node
     * @return the topology, never null
     * @throws NullPointerException if the array or a node's array is null
     * @throws IllegalArgumentException if there is no node, a node has no CPU, a CPU id is not
     *     in {@code [0, 65536)}, or a CPU id appears twice
     */
    public static NodeTopology of(int[]... cpuIdsPerNode) {
        Objects.requireNonNull(cpuIdsPerNode, "cpuIdsPerNode");
        if (cpuIdsPerNode.length == 0) {
            throw new IllegalArgumentException("cpuIdsPerNode must have at least one node but had 0");
        }
        int[][] cpus = new int[cpuIdsPerNode.length][];
        int maxCpu = -1;
        for (int n = 0; n < cpus.length; n++) {
            if (cpuIdsPerNode[n] == null) {
                throw new NullPointerException("cpuIdsPerNode[" + n + "]");
            }
            if (cpuIdsPerNode[n].length == 0) {
                throw new IllegalArgumentException("node " + n + " has no CPU");
            }
            cpus[n] = cpuIdsPerNode[n].clone();
            Arrays.sort(cpus[n]);
            for (int cpu : cpus[n]) {
                if (cpu < 0 || cpu >= CPU_ID_LIMIT) {
                    throw new IllegalArgumentException("cpu id of node " + n + " must be in [0, "
                            + CPU_ID_LIMIT + ") but was " + cpu);
                }
            }
            maxCpu = Math.max(maxCpu, cpus[n][cpus[n].length - 1]);
        }
        int[] nodeOfCpu = new int[maxCpu + 1];
        Arrays.fill(nodeOfCpu, -1);
        for (int n = 0; n < cpus.length; n++) {
            for (int cpu : cpus[n]) {
                if (nodeOfCpu[cpu] >= 0) {
                    throw new IllegalArgumentException(nodeOfCpu[cpu] == n
                            ? "cpu id " + cpu + " appears twice in node " + n
                            : "cpu id " + cpu + " appears in node " + nodeOfCpu[cpu] + " and node " + n);
                }
                nodeOfCpu[cpu] = n;
            }
        }
        return new NodeTopology(cpus, nodeOfCpu);
    }

    /** {@return the number of nodes, at least 1} */
    public int nodeCount() {
        return cpusPerNode.length;
    }

    /** {@return the total number of CPUs over all nodes, at least 1} */
    public int cpuCount() {
        return cpuCount;
    }

    /**
     * {@return a new array with the CPU ids of {@code node}, ascending, at least one}
     *
     * @param node a node of this topology, {@code 0 <= node < nodeCount()}
     * @throws IllegalArgumentException if {@code node} is not a node of this topology
     */
    public int[] cpus(int node) {
        if (node < 0 || node >= cpusPerNode.length) {
            throw new IllegalArgumentException("node must be in [0, " + cpusPerNode.length
                    + ") but was " + node);
        }
        return cpusPerNode[node].clone();
    }

    /** {@return the node that CPU {@code cpu} belongs to, or -1 if none (including {@code cpu < 0})} */
    int nodeOfCpu(int cpu) {
        return cpu >= 0 && cpu < nodeOfCpu.length ? nodeOfCpu[cpu] : -1;
    }

    /** {@return true if {@code o} is a topology with the same nodes and CPU ids, in the same order} */
    @Override
    public boolean equals(Object o) {
        return o == this
                || o instanceof NodeTopology && Arrays.deepEquals(cpusPerNode, ((NodeTopology) o).cpusPerNode);
    }

    /** {@return a hash code consistent with {@link #equals}} */
    @Override
    public int hashCode() {
        return Arrays.deepHashCode(cpusPerNode);
    }

    /**
     * {@return the nodes and their CPU ids in the kernel's cpulist style, for example
     *     {@code NodeTopology{node0=[0-3], node1=[4-7,9]}}}
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("NodeTopology{");
        for (int n = 0; n < cpusPerNode.length; n++) {
            sb.append(n == 0 ? "node" : ", node").append(n).append("=[");
            CpuList.format(cpusPerNode[n], sb);
            sb.append(']');
        }
        return sb.append('}').toString();
    }
}
