package io.ktask.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.Result;

/** The steal share comes from /proc/stat's aggregate cpu line, between two iterations. */
class StealProfilerTest {

    @Test
    void theCpuLineGivesTheSumOfItsFirstEightFieldsAndTheStealField() {
        // user nice system idle iowait irq softirq steal guest guest_nice: guest is inside user
        long[] parsed = StealProfiler.parseCpuLine("cpu  100 5 20 800 3 0 2 70 40 0");
        assertThat(parsed).containsExactly(1000, 70);
    }

    @Test
    void anIterationReportsItsStealAsAPercentOfAllCpuTime() {
        StealProfiler profiler = new StealProfiler();
        profiler.beforeIteration(null, null);
        // Burn a little CPU so that the jiffy counters move between the two reads.
        long until = System.nanoTime() + 50_000_000L;
        long spin = 0;
        while (System.nanoTime() < until) {
            spin++;
        }
        List<? extends Result> results = List.copyOf(profiler.afterIteration(null, null, null));
        assertThat(spin).isPositive();
        if (StealProfiler.totalAndSteal() == null) {
            assertThat(results).isEmpty(); // no /proc/stat: nothing reported
            return;
        }
        assertThat(results).hasSize(1);
        assertThat(results.get(0).getLabel()).isEqualTo(StealProfiler.LABEL);
        assertThat(results.get(0).getScore()).isBetween(0.0, 100.0);
    }
}
