package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

import io.ktask.scheduler.internal.HelperLease;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The power policy: cpufreq governors read from a fake sysfs, and how the builder applies them. */
class PowerPolicyTest {

    /** Stands for /sys/devices/system/cpu. */
    @TempDir
    Path sysCpu;

    private static final NodeTopology TWO_BY_TWO = NodeTopology.uniform(2, 2); // CPUs 0..3

    private void cpufreq(int cpu, String governor, String driver) throws IOException {
        Path dir = Files.createDirectories(sysCpu.resolve("cpu" + cpu).resolve("cpufreq"));
        Files.writeString(dir.resolve("scaling_governor"), governor + "\n");
        Files.writeString(dir.resolve("scaling_driver"), driver + "\n");
    }

    private void everyCpu(String governor, String driver) throws IOException {
        for (int cpu = 0; cpu < 4; cpu++) {
            cpufreq(cpu, governor, driver);
        }
    }

    @Test
    void noCpufreqAtAllMeansNoReason() throws IOException {
        assertThat(PowerPolicy.energyConsciousGovernor(sysCpu, TWO_BY_TWO)).isNull();
        assertThat(PowerPolicy.energyConsciousGovernor(sysCpu.resolve("missing"), TWO_BY_TWO)).isNull();
        Files.createDirectories(sysCpu.resolve("cpu0")); // a CPU without cpufreq, as in most VMs
        assertThat(PowerPolicy.energyConsciousGovernor(sysCpu, TWO_BY_TWO)).isNull();
    }

    @ParameterizedTest
    @CsvSource({
        "performance, acpi-cpufreq, ",
        "schedutil, acpi-cpufreq, ",
        "ondemand, acpi-cpufreq, ",
        "userspace, acpi-cpufreq, ",
        "powersave, acpi-cpufreq, cpufreq governor powersave on CPU 2",
        "conservative, acpi-cpufreq, cpufreq governor conservative on CPU 2",
        "powersave, intel_cpufreq, cpufreq governor powersave on CPU 2",
        "powersave, amd-pstate, cpufreq governor powersave on CPU 2",
        "conservative, intel_cpufreq, cpufreq governor conservative on CPU 2",
        "powersave, intel_pstate, ",
        "powersave, amd-pstate-epp, ",
        "performance, intel_pstate, "})
    void oneCpuDecides(String governor, String driver, String reason) throws IOException {
        everyCpu("performance", driver);
        cpufreq(2, governor, driver);
        assertThat(PowerPolicy.energyConsciousGovernor(sysCpu, TWO_BY_TWO)).isEqualTo(reason);
    }

    @Test
    void aGovernorWithoutADriverFileStillCounts() throws IOException {
        Path dir = Files.createDirectories(sysCpu.resolve("cpu1/cpufreq"));
        Files.writeString(dir.resolve("scaling_governor"), "powersave");
        assertThat(PowerPolicy.energyConsciousGovernor(sysCpu, TWO_BY_TWO)).isEqualTo("cpufreq governor powersave on CPU 1");
    }

    @Test
    void onlyTheSchedulersCpusAreRead() throws IOException {
        everyCpu("performance", "acpi-cpufreq");
        cpufreq(7, "powersave", "acpi-cpufreq");
        assertThat(PowerPolicy.energyConsciousGovernor(sysCpu, TWO_BY_TWO)).isNull();
        assertThat(PowerPolicy.energyConsciousGovernor(sysCpu, NodeTopology.of(new int[] {0}, new int[] {7})))
                .isEqualTo("cpufreq governor powersave on CPU 7");
    }

    @Test
    void anUnreadableGovernorDoesNotCount() throws IOException {
        Files.createDirectories(sysCpu.resolve("cpu0/cpufreq/scaling_governor")); // a directory, not a file
        assertThat(PowerPolicy.energyConsciousGovernor(sysCpu, TWO_BY_TWO)).isNull();
    }

    private KTaskScheduler build(Map<String, String> properties, Consumer<KTaskSchedulerBuilder> options) {
        KTaskSchedulerBuilder b = KTaskScheduler.builder().topology(TWO_BY_TWO).jmx(false);
        options.accept(b);
        return b.build(properties::get, sysCpu);
    }

    @Test
    void anEnergyConsciousGovernorTurnsHelpersOffByDefault() throws IOException {
        everyCpu("performance", "acpi-cpufreq");
        cpufreq(3, "conservative", "acpi-cpufreq");
        KTaskScheduler s = build(Map.of(), b -> { });
        try {
            assertThat(s.isEnabled()).isFalse();
            assertThat(s.stats().enabled()).isFalse();
            assertThat(s.stats().disabledReason()).isEqualTo("power policy: cpufreq governor conservative on CPU 3");
            try (HelperLease lease = s.lease(2, 0)) {
                assertThat(lease.granted()).isZero();
            }
            s.setEnabled(true); // an operator's override at run time
            assertThat(s.stats().disabledReason()).isEmpty();
            try (HelperLease lease = s.lease(2, 0)) {
                assertThat(lease.granted()).isEqualTo(2);
            }
            s.setEnabled(false);
            assertThat(s.stats().disabledReason()).isEqualTo("setEnabled(false)");
        } finally {
            s.dispose();
        }
    }

    @Test
    void performanceGovernorsLeaveHelpersOn() throws IOException {
        everyCpu("performance", "acpi-cpufreq");
        KTaskScheduler s = build(Map.of(), b -> { });
        try {
            assertThat(s.isEnabled()).isTrue();
            assertThat(s.stats().disabledReason()).isEmpty();
        } finally {
            s.dispose();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "builder enabled(true)     |                         | true  | ",
        "builder powerAware(false) |                         | true  | ",
        "                          | ktask.enabled=true      | true  | ",
        "                          | ktask.powerAware=false  | true  | ",
        "builder powerAware(true)  | ktask.powerAware=false  | false | power policy: cpufreq governor powersave on CPU 0",
        "                          | ktask.powerAware=true   | false | power policy: cpufreq governor powersave on CPU 0",
        "builder enabled(false)    | ktask.powerAware=false  | false | enabled(false) on the builder",
        "                          | ktask.enabled=false     | false | system property ktask.enabled=false",
        "builder enabled(true)     | ktask.enabled=false     | true  | "})
    void overrides(String builderOption, String property, boolean enabled, String reason) throws IOException {
        everyCpu("powersave", "acpi-cpufreq");
        Map<String, String> props = property == null ? Map.of() : Map.of(property.split("=")[0], property.split("=")[1]);
        KTaskScheduler s = build(props, b -> {
            if (builderOption == null) {
                return;
            }
            boolean value = builderOption.endsWith("(true)");
            if (builderOption.contains("enabled")) {
                b.enabled(value);
            } else {
                b.powerAware(value);
            }
        });
        try {
            assertThat(s.isEnabled()).isEqualTo(enabled);
            assertThat(s.stats().disabledReason()).isEqualTo(reason == null ? "" : reason);
        } finally {
            s.dispose();
        }
    }

    @Test
    void withoutSysfsThereIsNoPowerPolicy() throws IOException {
        everyCpu("powersave", "acpi-cpufreq");
        KTaskScheduler s = KTaskScheduler.builder().topology(TWO_BY_TWO).jmx(false).build(k -> null, null);
        try {
            assertThat(s.isEnabled()).isTrue();
        } finally {
            s.dispose();
        }
    }
}
