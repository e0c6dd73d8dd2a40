package io.ktask.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Which CPU of a node a helper starts on ({@link Pools#helperCpu}, {@link Pools#startCpu}): never
 * the starter's own, one whose idle helper spins first, else round the others in turn, so the
 * helpers of one task spread before any CPU gets a second one.
 */
class HelperCpuTest {

    @Test
    void twoCpusAlwaysGiveTheOtherOne() {
        for (int turn = -3; turn < 5; turn++) {
            assertThat(Pools.helperCpu(2, 0, turn)).as("turn %d", turn).isEqualTo(1);
            assertThat(Pools.helperCpu(2, 1, turn)).as("turn %d", turn).isZero();
        }
    }

    @Test
    void helpersGoRoundTheOtherCpusBeforeDoublingUp() {
        assertThat(picks(4, 1, 0, 6)).containsExactly(0, 2, 3, 0, 2, 3);
        assertThat(picks(4, 3, 0, 3)).containsExactly(0, 1, 2);
        assertThat(picks(4, 0, 7, 3)).as("any starting turn").containsExactlyInAnyOrder(1, 2, 3);
    }

    /** {@link Pools#startCpu}: a CPU whose idle helper spins takes the start before the turn's. */
    @Test
    void aStartGoesToASpinningCpuBeforeTheTurnsButNeverToItsOwn() {
        // 4 CPUs, the starter on 0, turn 0: the turn's CPU is 1.
        assertThat(Pools.startCpu(4, 0, 0, c -> false)).as("none spins").isEqualTo(1);
        assertThat(Pools.startCpu(4, 0, 0, c -> c == 3)).as("3 spins").isEqualTo(3);
        assertThat(Pools.startCpu(4, 0, 0, c -> c == 1 || c == 3)).as("the turn's spins too").isEqualTo(1);
        assertThat(Pools.startCpu(4, 0, 0, c -> c == 0)).as("only the starter's own spins").isEqualTo(1);
        assertThat(Pools.startCpu(2, 1, 5, c -> true)).as("two CPUs: the other one").isZero();
        assertThat(Pools.startCpu(3, -1, 1, c -> c == 2)).as("starter's CPU unknown").isEqualTo(2);
    }

    @Test
    void anUnknownStarterCpuGoesRoundAllCpus() {
        assertThat(picks(3, -1, 0, 4)).containsExactly(0, 1, 2, 0);
    }

    @Test
    void turnsPastOverflowStayInRange() {
        for (int turn : new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, -1}) {
            assertThat(Pools.helperCpu(5, 2, turn)).isBetween(0, 4).isNotEqualTo(2);
            assertThat(Pools.helperCpu(5, -1, turn)).isBetween(0, 4);
        }
    }

    private static List<Integer> picks(int cpus, int own, int firstTurn, int count) {
        List<Integer> picked = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            picked.add(Pools.helperCpu(cpus, own, firstTurn + i));
        }
        return picked;
    }
}
