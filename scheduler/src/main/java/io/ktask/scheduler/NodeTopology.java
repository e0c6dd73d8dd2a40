package io.ktask.scheduler;

import java.util.Arrays;

/**
 * The machine's NUMA nodes and the CPU ids of each, as seen by this process.
 *
 * <p>Immutable and thread-safe. Node ids are dense, {@code 0 <= node < nodeCount()}; every node
 * has at least one CPU.
 */
public final class NodeTopology {

    private final int[][] cpusPerNode;

    private NodeTopology(int[][] cpusPerNode) {
        this.cpusPerNode = cpusPerNode;
    }

    /**
     * Detects the topology: on Linux from {@code /sys/devices/system/node/node*}{@code /cpulist},
     * keeping only the CPUs this process may run on ({@code /proc/self/status}
     * {@code Cpus_allowed_list}) and never more CPUs in total than
     * {@link Runtime#availableProcessors()}. Elsewhere, or when sysfs is missing or unreadable:
     * one node with {@code availableProcessors()} CPUs. Never throws.
     */
    public static NodeTopology detect() {
        return uniform(1, Runtime.getRuntime().availableProcessors()); // TODO(issue 2): sysfs
    }

    /**
     * A simulated topology of {@code nodes} nodes with {@code cpusPerNode} CPUs each, CPU ids
     * numbered consecutively from 0 (node 0 has CPUs {@code 0..cpusPerNode-1}, and so on).
     *
     * @throws IllegalArgumentException if {@code nodes < 1} or {@code cpusPerNode < 1}
     */
    public static NodeTopology uniform(int nodes, int cpusPerNode) {
        if (nodes < 1) {
            throw new IllegalArgumentException("nodes must be >= 1 but was " + nodes);
        }
        if (cpusPerNode < 1) {
            throw new IllegalArgumentException("cpusPerNode must be >= 1 but was " + cpusPerNode);
        }
        int[][] cpus = new int[nodes][cpusPerNode];
        for (int n = 0; n < nodes; n++) {
            for (int c = 0; c < cpusPerNode; c++) {
                cpus[n][c] = n * cpusPerNode + c;
            }
        }
        return new NodeTopology(cpus);
    }

    /**
     * A simulated topology with the given CPU ids per node.
     *
     * @throws NullPointerException if the array or a node's array is null
     * @throws IllegalArgumentException if there is no node, a node has no CPU, a CPU id is
     *     negative, or a CPU id appears twice
     */
    public static NodeTopology of(int[]... cpuIdsPerNode) {
        return new NodeTopology(Arrays.stream(cpuIdsPerNode).map(int[]::clone).toArray(int[][]::new)); // TODO(issue 2): checks
    }

    /** @return the number of nodes, at least 1 */
    public int nodeCount() {
        return cpusPerNode.length;
    }

    /** @return the total number of CPUs over all nodes, at least 1 */
    public int cpuCount() {
        int total = 0;
        for (int[] cpus : cpusPerNode) {
            total += cpus.length;
        }
        return total;
    }

    /**
     * @return a copy of the CPU ids of {@code node}, ascending
     * @throws IllegalArgumentException if {@code node} is not a node of this topology
     */
    public int[] cpus(int node) {
        return cpusPerNode[node].clone();
    }
}
