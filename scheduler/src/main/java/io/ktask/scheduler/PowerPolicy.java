package io.ktask.scheduler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

import reactor.util.annotation.Nullable;

/**
 * ktask's power policy: while an energy-conscious cpufreq governor ({@code powersave},
 * {@code conservative}) runs any CPU of a scheduler, its helpers are off by default, since a
 * machine set to save energy should not be woken up on more CPUs to finish a job sooner.
 *
 * <p>Reads {@code cpu<N>/cpufreq/scaling_governor} under {@code /sys/devices/system/cpu} for each
 * CPU of the topology. A CPU without cpufreq (most virtual machines and containers) does not
 * count. {@code powersave} of the {@code intel_pstate} and {@code amd-pstate-epp} drivers (their
 * active mode) is their default dynamic scaling rather than a low-power setting, so it does not
 * count either; their passive modes ({@code intel_cpufreq}, {@code amd-pstate}) run the generic
 * governors, whose {@code powersave} pins the lowest frequency and does.
 */
final class PowerPolicy {

    /** The real sysfs directory of the CPUs. */
    static final Path SYS_CPU = Path.of("/sys/devices/system/cpu");

    private static final Set<String> ENERGY_CONSCIOUS = Set.of("powersave", "conservative");
    /** Drivers whose own {@code powersave} policy is their ordinary dynamic frequency scaling. */
    private static final Set<String> ACTIVE_PSTATE_DRIVERS = Set.of("intel_pstate", "amd-pstate-epp");

    private PowerPolicy() {
    }

    /**
     * Looks for an energy-conscious governor on the CPUs of {@code topology}. Never throws: an
     * unreadable file counts as "no cpufreq on that CPU". Stops at the first CPU found.
     *
     * @param sysCpuDir stands for {@code /sys/devices/system/cpu} (tests pass a fake one)
     * @return why helpers should be off, such as {@code "cpufreq governor powersave on CPU 3"},
     *     or null if no CPU of the topology runs an energy-conscious governor
     */
    @Nullable
    static String energyConsciousGovernor(Path sysCpuDir, NodeTopology topology) {
        for (int node = 0; node < topology.nodeCount(); node++) {
            for (int cpu : topology.cpus(node)) {
                Path cpufreq = sysCpuDir.resolve("cpu" + cpu).resolve("cpufreq");
                String governor = read(cpufreq.resolve("scaling_governor"));
                if (governor == null || !ENERGY_CONSCIOUS.contains(governor)) {
                    continue;
                }
                String driver = read(cpufreq.resolve("scaling_driver"));
                if (governor.equals("powersave") && driver != null && ACTIVE_PSTATE_DRIVERS.contains(driver)) {
                    continue;
                }
                return "cpufreq governor " + governor + " on CPU " + cpu;
            }
        }
        return null;
    }

    @Nullable
    private static String read(Path file) {
        try {
            return KernelFiles.read(file).trim();
        } catch (IOException | RuntimeException e) {
            return null; // no cpufreq for this CPU (or not readable): it does not count
        }
    }
}
