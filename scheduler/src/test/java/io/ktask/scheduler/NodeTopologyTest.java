package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NodeTopologyTest {

    /** A fake sysfs and procfs root. */
    @TempDir
    Path root;

    private Path nodeDir;
    private Path status;

    @Test
    void uniformNumbersCpusConsecutivelyNodeByNode() {
        NodeTopology t = NodeTopology.uniform(3, 2);

        assertThat(t.nodeCount()).isEqualTo(3);
        assertThat(t.cpuCount()).isEqualTo(6);
        assertThat(t.cpus(0)).containsExactly(0, 1);
        assertThat(t.cpus(1)).containsExactly(2, 3);
        assertThat(t.cpus(2)).containsExactly(4, 5);
    }

    @Test
    void uniformRejectsBadArguments() {
        assertThatThrownBy(() -> NodeTopology.uniform(0, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nodes must be >= 1 but was 0");
        assertThatThrownBy(() -> NodeTopology.uniform(2, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cpusPerNode must be >= 1 but was -1");
        assertThatThrownBy(() -> NodeTopology.uniform(65_536, 65_536))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nodes * cpusPerNode must be <= 65536 but was 65536 * 65536 = 4294967296");
    }

    @Test
    void uniformAcceptsTheLargestTopology() {
        NodeTopology t = NodeTopology.uniform(256, 256);

        assertThat(t.cpuCount()).isEqualTo(65_536);
        assertThat(t.nodeOfCpu(65_535)).isEqualTo(255);
    }

    @Test
    void ofSortsAndCopiesItsInput() {
        int[] node0 = {3, 1, 2};
        NodeTopology t = NodeTopology.of(node0, new int[] {7});
        node0[0] = 99;

        assertThat(t.cpus(0)).containsExactly(1, 2, 3);
        assertThat(t.cpus(1)).containsExactly(7);
        assertThat(t.cpuCount()).isEqualTo(4);
    }

    @Test
    void cpusReturnsACopy() {
        NodeTopology t = NodeTopology.uniform(1, 2);
        t.cpus(0)[0] = 42;

        assertThat(t.cpus(0)).containsExactly(0, 1);
    }

    @Test
    void ofRejectsNullsNamingTheArgument() {
        assertThatThrownBy(() -> NodeTopology.of((int[][]) null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("cpuIdsPerNode");
        assertThatThrownBy(() -> NodeTopology.of(new int[] {0}, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("cpuIdsPerNode[1]");
    }

    @Test
    void ofRejectsBadCpuIds() {
        assertThatThrownBy(() -> NodeTopology.of())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cpuIdsPerNode must have at least one node but had 0");
        assertThatThrownBy(() -> NodeTopology.of(new int[] {0}, new int[] {1}, new int[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("node 2 has no CPU");
        assertThatThrownBy(() -> NodeTopology.of(new int[] {0, 1, 3}, new int[] {3, 4}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cpu id 3 appears in node 0 and node 1");
        assertThatThrownBy(() -> NodeTopology.of(new int[] {2, 5, 2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cpu id 2 appears twice in node 0");
        assertThatThrownBy(() -> NodeTopology.of(new int[] {0}, new int[] {4, -1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cpu id of node 1 must be in [0, 65536) but was -1");
        assertThatThrownBy(() -> NodeTopology.of(new int[] {65_536}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cpu id of node 0 must be in [0, 65536) but was 65536");
    }

    @Test
    void cpusRejectsUnknownNodes() {
        NodeTopology t = NodeTopology.uniform(2, 4);

        assertThatThrownBy(() -> t.cpus(5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("node must be in [0, 2) but was 5");
        assertThatThrownBy(() -> t.cpus(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("node must be in [0, 2) but was -1");
    }

    @Test
    void nodeOfCpuMapsEveryCpuAndNothingElse() {
        NodeTopology t = NodeTopology.of(new int[] {8, 9}, new int[] {0, 2});

        assertThat(t.nodeOfCpu(8)).isZero();
        assertThat(t.nodeOfCpu(9)).isZero();
        assertThat(t.nodeOfCpu(0)).isEqualTo(1);
        assertThat(t.nodeOfCpu(2)).isEqualTo(1);
        assertThat(t.nodeOfCpu(1)).isEqualTo(-1);
        assertThat(t.nodeOfCpu(10)).isEqualTo(-1);
        assertThat(t.nodeOfCpu(-1)).isEqualTo(-1);
        assertThat(t.nodeOfCpu(Integer.MAX_VALUE)).isEqualTo(-1);
    }

    @Test
    void equalityIsByNodesAndCpus() {
        NodeTopology a = NodeTopology.uniform(2, 2);
        NodeTopology b = NodeTopology.of(new int[] {1, 0}, new int[] {2, 3});

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(NodeTopology.of(new int[] {2, 3}, new int[] {0, 1}));
        assertThat(a).isNotEqualTo(NodeTopology.of(new int[] {0, 1, 2, 3}));
        assertThat(a).isNotEqualTo("NodeTopology{node0=[0-1], node1=[2-3]}");
    }

    @Test
    void toStringUsesCpulistRanges() {
        assertThat(NodeTopology.uniform(2, 4)).hasToString("NodeTopology{node0=[0-3], node1=[4-7]}");
        assertThat(NodeTopology.of(new int[] {0, 2, 3, 4, 9}, new int[] {5, 6}))
                .hasToString("NodeTopology{node0=[0,2-4,9], node1=[5-6]}");
    }

    @Test
    void cpulistParsesRangesSinglesAndWhitespace() {
        assertThat(parse("0-3,8-11\n")).containsExactly(0, 1, 2, 3, 8, 9, 10, 11);
        assertThat(parse("5")).containsExactly(5);
        assertThat(parse("  1, 4 - 5 ,7\n\n")).containsExactly(1, 4, 5, 7);
        assertThat(parse("3-3")).containsExactly(3);
        assertThat(parse("65535")).containsExactly(65_535);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\n", "  \t\n"})
    void cpulistBlankIsEmpty(String text) {
        assertThat(parse(text)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "0-", "-1", "1,,2", "1,", "3-1", "0-7:2/4", "0x1", "1 2",
            "65536", "0-99999999999", "ff"})
    void cpulistRejectsGarbage(String text) {
        assertThatThrownBy(() -> CpuList.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cpu");
    }

    @Test
    void cpulistFormatsRunsAsRanges() {
        StringBuilder sb = new StringBuilder();
        CpuList.format(new int[] {0, 1, 2, 4, 6, 7, 100}, sb);

        assertThat(sb).hasToString("0-2,4,6-7,100");
    }

    private static int[] parse(String text) {
        return CpuList.parse(text).stream().toArray();
    }

    /** Writes node dirs: sysfs("0", "0-3", "1", "4-7") makes node0/cpulist = "0-3\n", ... */
    private void sysfs(String... nodeAndCpulist) throws IOException {
        nodeDir = Files.createDirectories(root.resolve("sys/devices/system/node"));
        for (int i = 0; i < nodeAndCpulist.length; i += 2) {
            Path dir = Files.createDirectories(nodeDir.resolve("node" + nodeAndCpulist[i]));
            Files.writeString(dir.resolve("cpulist"), nodeAndCpulist[i + 1] + "\n");
        }
        status = root.resolve("status");
    }

    private void allowed(String cpulist) throws IOException {
        Files.writeString(status, "Name:\tjava\nCpus_allowed:\tff\nCpus_allowed_list:\t"
                + cpulist + "\nMems_allowed_list:\t0\n");
    }

    private NodeTopology detect(int availableProcessors) {
        return NodeTopology.detect(nodeDir, status, availableProcessors);
    }

    @Test
    void readsEveryNode() throws IOException {
        sysfs("0", "0-3,8-11", "1", "4-7,12-15");
        allowed("0-15");

        assertThat(detect(16)).isEqualTo(NodeTopology.of(
                new int[] {0, 1, 2, 3, 8, 9, 10, 11}, new int[] {4, 5, 6, 7, 12, 13, 14, 15}));
    }

    @Test
    void missingSysfsFallsBackToOneNode() {
        nodeDir = root.resolve("does/not/exist");
        status = root.resolve("status");

        assertThat(detect(3)).isEqualTo(NodeTopology.uniform(1, 3));
    }

    /** Each row: node0's cpulist, node1's cpulist ("-" for no node1), Cpus_allowed_list. */
    @ParameterizedTest(name = "node0={0} node1={1} allowed={2}")
    @CsvSource(delimiter = '|', value = {
        "0-3        | four-seven | 0-7",         // garbage cpulist
        "0-2        | 2-3        | 0-7",         // a CPU under two nodes
        "0-3        | -          | all of them", // garbage Cpus_allowed_list
        "''         | '  '       | 0-7",         // every node offline
        "0-3        | -          | 4-5",         // no allowed CPU in any node
    })
    void unusableSysfsFallsBackToOneNode(String node0, String node1, String allowed) throws IOException {
        if (node1.equals("-")) {
            sysfs("0", node0);
        } else {
            sysfs("0", node0, "1", node1);
        }
        allowed(allowed);

        assertThat(detect(3)).isEqualTo(NodeTopology.uniform(1, 3));
    }

    @Test
    void noNodeDirFallsBackToOneNode() throws IOException {
        sysfs();
        allowed("0-3");

        assertThat(detect(4)).isEqualTo(NodeTopology.uniform(1, 4));
    }

    @Test
    void binaryCpulistFallsBackToOneNode() throws IOException {
        sysfs("0", "0-1");
        Files.write(nodeDir.resolve("node0/cpulist"), new byte[] {(byte) 0xff, (byte) 0xfe, 0});
        allowed("0-1");

        assertThat(detect(2)).isEqualTo(NodeTopology.uniform(1, 2));
    }

    @Test
    void nodeDirWithoutCpulistFallsBackToOneNode() throws IOException {
        sysfs("0", "0-1");
        Files.createDirectories(nodeDir.resolve("node1"));
        allowed("0-3");

        assertThat(detect(4)).isEqualTo(NodeTopology.uniform(1, 4));
    }

    @Test
    void offlineAndMemoryOnlyNodesDisappearAndIdsAreRenumbered() throws IOException {
        sysfs("0", "", "1", "0-1", "2", "\n", "3", "2-3");
        allowed("0-3");

        NodeTopology t = detect(4);

        assertThat(t).isEqualTo(NodeTopology.of(new int[] {0, 1}, new int[] {2, 3}));
    }

    @Test
    void nodesAreOrderedByNumberNotByName() throws IOException {
        sysfs("10", "10", "9", "9", "1", "1");
        allowed("0-15");

        assertThat(detect(16)).isEqualTo(NodeTopology.of(new int[] {1}, new int[] {9}, new int[] {10}));
    }

    @Test
    void otherEntriesOfTheNodeDirAreIgnored() throws IOException {
        sysfs("0", "0-1", "1", "2-3");
        Files.createDirectories(nodeDir.resolve("power"));
        Files.writeString(nodeDir.resolve("possible"), "0-1\n");
        Files.writeString(nodeDir.resolve("online"), "0-1\n");
        Files.writeString(nodeDir.resolve("has_cpu"), "0-1\n");
        Files.createDirectories(nodeDir.resolve("nodeX"));
        Files.writeString(nodeDir.resolve("node_extra"), "garbage");
        allowed("0-3");

        assertThat(detect(4)).isEqualTo(NodeTopology.of(new int[] {0, 1}, new int[] {2, 3}));
    }

    @Test
    void aNodeDirectoryIsNodeAndOneToNineDigits() {
        assertThat(NodeTopology.nodeNumber("node0")).isZero();
        assertThat(NodeTopology.nodeNumber("node123456789")).isEqualTo(123_456_789);
        for (String other : new String[] {"node", "node1234567890", "node-1", "node1x", "Node1", "xnode1", "node 1"}) {
            assertThat(NodeTopology.nodeNumber(other)).as(other).isEqualTo(-1);
        }
    }

    @Test
    void keepsOnlyAllowedCpus() throws IOException {
        sysfs("0", "0-3", "1", "4-7", "2", "8-11");
        allowed("2-3,8");

        assertThat(detect(12)).isEqualTo(NodeTopology.of(new int[] {2, 3}, new int[] {8}));
    }

    @Test
    void missingStatusOrLineAllowsEveryCpu() throws IOException {
        sysfs("0", "0-1", "1", "2-3");

        assertThat(detect(4)).isEqualTo(NodeTopology.uniform(2, 2));

        Files.writeString(status, "Name:\tjava\nThreads:\t12\n");
        assertThat(detect(4)).isEqualTo(NodeTopology.uniform(2, 2));
    }

    /**
     * A process or thread name ({@code comm}, at most 15 bytes, which may cut a UTF-8 character
     * in two) is not always valid UTF-8: the status file is still read (it once counted as
     * unreadable, so every CPU was allowed), and a line may end at '\r' as well.
     */
    @Test
    void aStatusFileWhoseNameIsNotUtf8StillLimitsTheCpus() throws IOException {
        sysfs("0", "0-3", "1", "4-7");
        byte[] name = {'N', 'a', 'm', 'e', ':', '\t', 'j', (byte) 0xc3, '\n'};
        byte[] rest = "Cpus_allowed:\tff\r\nCpus_allowed_list:\t1-2,5\r\nMems_allowed_list:\t0\r\n"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] text = java.util.Arrays.copyOf(name, name.length + rest.length);
        System.arraycopy(rest, 0, text, name.length, rest.length);
        Files.write(status, text);

        assertThat(detect(8)).isEqualTo(NodeTopology.of(new int[] {1, 2}, new int[] {5}));
    }

    @Test
    void capDropsTheHighestCpuIdsFirst() throws IOException {
        sysfs("0", "0-3,8-11", "1", "4-7,12-15");
        allowed("0-15");

        assertThat(detect(10)).isEqualTo(NodeTopology.of(
                new int[] {0, 1, 2, 3, 8, 9}, new int[] {4, 5, 6, 7}));
    }

    @Test
    void capCanEmptyANode() throws IOException {
        sysfs("0", "0-3", "1", "4-7");
        allowed("0-7");

        NodeTopology t = detect(3);

        assertThat(t).isEqualTo(NodeTopology.of(new int[] {0, 1, 2}));
        assertThat(t.cpuCount()).isEqualTo(3);
    }

    @Test
    void capAppliesAfterTheAllowedList() throws IOException {
        sysfs("0", "0-3", "1", "4-7");
        allowed("1,3,5,7");

        assertThat(detect(3)).isEqualTo(NodeTopology.of(new int[] {1, 3}, new int[] {5}));
    }

    @Test
    void detectRejectsBadAvailableProcessors() throws IOException {
        sysfs("0", "0");

        assertThatThrownBy(() -> detect(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("availableProcessors must be >= 1 but was 0");
    }

    @Test
    void detectOnThisMachineMatchesAvailableProcessors() {
        NodeTopology t = NodeTopology.detect();

        assertThat(t.nodeCount()).isGreaterThanOrEqualTo(1);
        assertThat(t.cpuCount()).isEqualTo(Runtime.getRuntime().availableProcessors());
        for (int node = 0; node < t.nodeCount(); node++) {
            for (int cpu : t.cpus(node)) {
                assertThat(t.nodeOfCpu(cpu)).isEqualTo(node);
            }
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void detectOnLinuxReportsOnlyAllowedCpus() {
        assumeTrue(Files.isDirectory(Path.of("/sys/devices/system/node")), "no NUMA sysfs");
        BitSet allowed = NodeTopology.readCpusAllowed(Path.of("/proc/self/status"));
        assertThat(allowed).isNotNull();
        NodeTopology t = NodeTopology.detect();

        for (int node = 0; node < t.nodeCount(); node++) {
            for (int cpu : t.cpus(node)) {
                assertThat(allowed.get(cpu)).as("cpu %d allowed", cpu).isTrue();
            }
        }
    }
}
