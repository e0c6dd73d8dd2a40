package io.ktask.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs implementations of one job in turns within every round, so that a host whose speed drifts
 * meets all of them alike, and checks every result against the expected one before its time counts.
 */
final class InTurns {

    /** Rounds run first and not recorded: the JIT, caches and threads warm for every implementation. */
    static final int WARM_UP_ROUNDS = 2;

    private InTurns() {
    }

    /**
     * @param impls the implementations by name, each returning the job's result
     * @param expected the result every run must return
     * @param rounds the recorded rounds, after {@link #WARM_UP_ROUNDS}
     * @return each implementation's run times in ms, in the order of {@code impls}
     * @throws IllegalStateException if a run returns anything but {@code expected}
     */
    static Map<String, Samples> run(Map<String, Supplier<Long>> impls, long expected, int rounds) {
        Map<String, Samples> results = new LinkedHashMap<>();
        impls.keySet().forEach(name -> results.put(name, new Samples()));
        for (int round = -WARM_UP_ROUNDS; round < rounds; round++) {
            for (Map.Entry<String, Supplier<Long>> impl : impls.entrySet()) {
                long start = System.nanoTime();
                Long result = impl.getValue().get();
                double millis = (System.nanoTime() - start) / 1e6;
                if (result == null || result != expected) {
                    throw new IllegalStateException(impl.getKey() + " computed " + result + ", expected " + expected);
                }
                if (round >= 0) {
                    results.get(impl.getKey()).add(millis);
                }
            }
        }
        return results;
    }
}
