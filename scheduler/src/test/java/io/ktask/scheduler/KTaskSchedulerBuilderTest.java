package io.ktask.scheduler;

import io.ktask.scheduler.internal.HelperLease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.Scannable;

/** Options, defaults, system properties and bad input of {@link KTaskSchedulerBuilder}. */
class KTaskSchedulerBuilderTest {

    private static final NodeTopology TWO_BY_FIVE = NodeTopology.uniform(2, 5);

    @Test
    void createIsReadyWithDetectedTopologyAndDefaults() {
        KTaskScheduler s = KTaskScheduler.create();
        try {
            assertThat(s.topology()).isEqualTo(NodeTopology.detect());
            assertThat(s.maxHelpers()).isEqualTo(Math.max(1, s.topology().cpuCount() * 4 / 5));
            assertThat(Scannable.from(s).scan(Scannable.Attr.NAME)).isEqualTo("ktask");
            assertThat(s.isDisposed()).isFalse();
        } finally {
            s.dispose();
        }
    }

    @Test
    void builderValuesWinOverSystemPropertiesAndPerNodeOverridesAll() {
        Map<String, String> props = Map.of("ktask.maxHelpers", "3", "ktask.maxHelpersPerNode", "2", "ktask.enabled", "false");
        KTaskScheduler s = KTaskScheduler.builder().topology(TWO_BY_FIVE).maxHelpers(7).maxHelpersPerNode(1, 4)
                .enabled(true).build(props::get);
        try {
            assertThat(s.maxHelpers()).isEqualTo(7);
            assertThat(s.maxHelpersPerNode(0)).isEqualTo(2);
            assertThat(s.maxHelpersPerNode(1)).isEqualTo(4);
            assertThat(s.isEnabled()).isTrue();
        } finally {
            s.dispose();
        }
    }

    @Test
    void systemPropertiesSetTheDefaults() {
        Map<String, String> props = Map.of("ktask.maxHelpers", " 9 ", "ktask.maxHelpersPerNode", "3", "ktask.enabled", "FALSE");
        KTaskScheduler s = KTaskScheduler.builder().topology(TWO_BY_FIVE).build(props::get);
        try {
            assertThat(s.maxHelpers()).isEqualTo(9);
            assertThat(s.maxHelpersPerNode(0)).isEqualTo(3);
            assertThat(s.maxHelpersPerNode(1)).isEqualTo(3);
            assertThat(s.isEnabled()).isFalse();
        } finally {
            s.dispose();
        }
    }

    @Test
    void realSystemPropertyIsReadByBuild() {
        String old = System.getProperty("ktask.maxHelpers");
        System.setProperty("ktask.maxHelpers", "zero");
        try {
            assertThatThrownBy(() -> KTaskScheduler.builder().topology(TWO_BY_FIVE).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("system property ktask.maxHelpers must be an integer >= 1 but was 'zero'");
        } finally {
            if (old == null) {
                System.clearProperty("ktask.maxHelpers");
            } else {
                System.setProperty("ktask.maxHelpers", old);
            }
        }
    }

    static Stream<Arguments> badProperties() {
        return Stream.of(
                Arguments.of("ktask.maxHelpers", "0", "system property ktask.maxHelpers must be an integer >= 1 but was '0'"),
                Arguments.of("ktask.maxHelpers", "-4", "system property ktask.maxHelpers must be an integer >= 1 but was '-4'"),
                Arguments.of("ktask.maxHelpers", "", "system property ktask.maxHelpers must be an integer >= 1 but was ''"),
                Arguments.of("ktask.maxHelpersPerNode", "1.5",
                        "system property ktask.maxHelpersPerNode must be an integer >= 1 but was '1.5'"),
                Arguments.of("ktask.enabled", "yes", "system property ktask.enabled must be true or false but was 'yes'"),
                Arguments.of("ktask.powerAware", "no", "system property ktask.powerAware must be true or false but was 'no'"),
                Arguments.of("ktask.jmx", "off", "system property ktask.jmx must be true or false but was 'off'"),
                Arguments.of("ktask.helperNice", "20", "system property ktask.helperNice must be an integer in [0, 19] but was '20'"),
                Arguments.of("ktask.helperNice", "low", "system property ktask.helperNice must be an integer in [0, 19] but was 'low'"),
                Arguments.of("ktask.maxSpares", "-1", "system property ktask.maxSpares must be an integer >= 0 but was '-1'"),
                Arguments.of("ktask.maxSpares", "two", "system property ktask.maxSpares must be an integer >= 0 but was 'two'"));
    }

    @ParameterizedTest
    @MethodSource("badProperties")
    void badSystemPropertyFailsBuildNamingPropertyAndValue(String key, String value, String message) {
        assertThatThrownBy(() -> KTaskScheduler.builder().topology(TWO_BY_FIVE).build(k -> k.equals(key) ? value : null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                bad("maxHelpers(0)", b -> b.maxHelpers(0), "maxHelpers must be >= 1 but was 0"),
                bad("maxHelpers(-1)", b -> b.maxHelpers(-1), "maxHelpers must be >= 1 but was -1"),
                bad("maxHelpersPerNode(0)", b -> b.maxHelpersPerNode(0), "maxHelpersPerNode must be >= 1 but was 0"),
                bad("maxHelpersPerNode(0, -2)", b -> b.maxHelpersPerNode(0, -2), "limit must be >= 1 but was -2"),
                bad("maxHelpersPerNode(-1, 2)", b -> b.maxHelpersPerNode(-1, 2), "node must be >= 0 but was -1"),
                bad("helperNice(20)", b -> b.helperNice(20), "helperNice must be in [0, 19] but was 20"),
                bad("helperNice(-1)", b -> b.helperNice(-1), "helperNice must be in [0, 19] but was -1"),
                bad("keepAlive(0)", b -> b.keepAlive(Duration.ZERO), "keepAlive must be positive but was PT0S"),
                bad("keepAlive(-1s)", b -> b.keepAlive(Duration.ofSeconds(-1)), "keepAlive must be positive but was PT-1S"),
                bad("name(blank)", b -> b.name(" "), "name must not be blank but was ' '"),
                bad("maxSpares(-1)", b -> b.maxSpares(-1), "maxSpares must be >= 0 but was -1"));
    }

    private static Arguments bad(String name, Consumer<KTaskSchedulerBuilder> call, String message) {
        return Arguments.of(Named.of(name, call), message);
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void badValueIsRejectedNamingArgumentAndValue(Consumer<KTaskSchedulerBuilder> call, String message) {
        assertThatThrownBy(() -> call.accept(KTaskScheduler.builder())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    static Stream<Arguments> setters() {
        return Stream.of(
                set("name", b -> b.name("a"), "name"),
                set("topology", b -> b.topology(TWO_BY_FIVE), "topology"),
                set("maxHelpers", b -> b.maxHelpers(2), "maxHelpers"),
                set("maxHelpersPerNode", b -> b.maxHelpersPerNode(2), "maxHelpersPerNode"),
                set("maxHelpersPerNode(node)", b -> b.maxHelpersPerNode(1, 2), "maxHelpersPerNode(1, ...)"),
                set("helperNice", b -> b.helperNice(10), "helperNice"),
                set("pinning", b -> b.pinning(false), "pinning"),
                set("keepAlive", b -> b.keepAlive(Duration.ofSeconds(1)), "keepAlive"),
                set("daemon", b -> b.daemon(true), "daemon"),
                set("enabled", b -> b.enabled(false), "enabled"),
                set("powerAware", b -> b.powerAware(false), "powerAware"),
                set("jmx", b -> b.jmx(false), "jmx"),
                set("maxSpares", b -> b.maxSpares(0), "maxSpares"));
    }

    private static Arguments set(String name, Consumer<KTaskSchedulerBuilder> call, String option) {
        return Arguments.of(Named.of(name, call), option);
    }

    @ParameterizedTest
    @MethodSource("setters")
    void everySetterRejectsASecondCall(Consumer<KTaskSchedulerBuilder> call, String option) {
        KTaskSchedulerBuilder b = KTaskScheduler.builder();
        call.accept(b);
        assertThatThrownBy(() -> call.accept(b)).isInstanceOf(IllegalStateException.class)
                .hasMessage(option + " was already set on this builder");
    }

    @Test
    void theSpareLimitIsOneSparePerCpuUnlessTheBuilderOrThePropertySaysOtherwise() {
        KTaskScheduler byDefault = KTaskScheduler.builder().topology(TWO_BY_FIVE).build(k -> null);
        KTaskScheduler byProperty = KTaskScheduler.builder().topology(TWO_BY_FIVE)
                .build(k -> k.equals("ktask.maxSpares") ? " 0 " : null);
        KTaskScheduler byBuilder = KTaskScheduler.builder().topology(TWO_BY_FIVE).maxSpares(3)
                .build(k -> k.equals("ktask.maxSpares") ? "7" : null);
        try {
            assertThat(byDefault.maxSpares()).isEqualTo(10);
            assertThat(byProperty.maxSpares()).isZero();
            assertThat(byBuilder.maxSpares()).isEqualTo(3);
            byBuilder.setMaxSpares(1);
            assertThat(byBuilder.maxSpares()).isEqualTo(1);
            assertThatThrownBy(() -> byBuilder.setMaxSpares(-2)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("maxSpares must be >= 0 but was -2");
        } finally {
            byDefault.dispose();
            byProperty.dispose();
            byBuilder.dispose();
        }
    }

    @Test
    void perNodeLimitsForDifferentNodesAreIndependent() {
        KTaskScheduler s = KTaskScheduler.builder().topology(TWO_BY_FIVE).maxHelpersPerNode(0, 1).maxHelpersPerNode(1, 2)
                .build(k -> null);
        try {
            assertThat(s.maxHelpersPerNode(0)).isEqualTo(1);
            assertThat(s.maxHelpersPerNode(1)).isEqualTo(2);
        } finally {
            s.dispose();
        }
    }

    @Test
    void nullArgumentsAreRejectedByName() {
        assertThatThrownBy(() -> KTaskScheduler.builder().name(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("name");
        assertThatThrownBy(() -> KTaskScheduler.builder().topology(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("topology");
        assertThatThrownBy(() -> KTaskScheduler.builder().keepAlive(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("keepAlive");
    }

    @Test
    void perNodeLimitForUnknownNodeFailsBuild() {
        assertThatThrownBy(() -> KTaskScheduler.builder().topology(TWO_BY_FIVE).maxHelpersPerNode(2, 1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxHelpersPerNode node must be a node in [0, 1] but was 2");
    }

    @Test
    void buildingTwiceIsRejected() {
        KTaskSchedulerBuilder b = KTaskScheduler.builder().topology(TWO_BY_FIVE);
        b.build(k -> null).dispose();
        assertThatThrownBy(() -> b.build(k -> null)).isInstanceOf(IllegalStateException.class)
                .hasMessage("this builder already built a KTaskScheduler");
    }

    @Test
    void threadsAreNamedAfterTheSchedulerAndDaemonByDefault() throws Exception {
        KTaskScheduler s = KTaskScheduler.builder().name("named").topology(TWO_BY_FIVE).daemon(false).build(k -> null);
        try {
            java.util.concurrent.CompletableFuture<Thread> t = new java.util.concurrent.CompletableFuture<>();
            s.createWorker(1).schedule(() -> t.complete(Thread.currentThread()));
            Thread thread = t.get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(thread.getName()).startsWith("named-n1-w");
            assertThat(thread.isDaemon()).isFalse();
        } finally {
            s.dispose();
        }
    }

    @Test
    void helperNicePropertySetsTheHelpersNiceValue() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(java.nio.file.Path.of("/proc/thread-self/stat")));
        KTaskScheduler scheduler = KTaskScheduler.builder().name("nice-prop").topology(NodeTopology.uniform(1, 2))
                .build(k -> k.equals("ktask.helperNice") ? "3" : null);
        try (HelperLease lease = scheduler.lease(1, 0)) {
            java.util.concurrent.CompletableFuture<Integer> nice = new java.util.concurrent.CompletableFuture<>();
            lease.start(0, () -> {
                try {
                    String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    nice.complete(Integer.parseInt(fields[16])); // field 19 of stat: nice
                } catch (Exception e) {
                    nice.completeExceptionally(e);
                }
            });
            assertThat(nice.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(3);
        } finally {
            scheduler.dispose();
        }
    }
}
