package io.ktask.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One of issue 4's targets: the speed of {@code ours} relative to {@code reference} in one
 * result group must be at least {@code threshold} (1.0 = as fast; 0.95 = within 5%; for a time
 * limit such as "at most 1.2x the loop's time", 1 / 1.2).
 *
 * @param label what the issue asks, in words
 * @param benchmark the benchmark (class simple name and method) of the group
 * @param params the group's parameters other than {@code impl}
 * @param ours our implementation's name
 * @param reference a peer's name, or {@link #BEST_PEER}
 * @param threshold the least speed ratio that meets the target
 */
public record Target(String label, String benchmark, Map<String, String> params, String ours, String reference,
        double threshold) {

    /** Reference meaning "the fastest peer of the group". */
    public static final String BEST_PEER = "best peer";

    /**
     * The measured outcome: the ratio, the peer it was taken against, and whether it meets the
     * target; with the steal (%) during each of the two measurements, NaN if not profiled.
     */
    public record Outcome(Target target, double ratio, String against, double oursSteal, double referenceSteal) {

        /** @return true when the ratio reaches the threshold */
        public boolean met() {
            return ratio >= target.threshold();
        }

        /** @return how far above (+) or below (-) the threshold the ratio is, in percent of the threshold */
        public double marginPercent() {
            return (ratio / target.threshold() - 1) * 100;
        }
    }

    /** @return the outcome, or empty when the group or either implementation was not measured */
    public Optional<Outcome> evaluate(List<ResultGroup> groups) {
        Optional<ResultGroup> group = groups.stream()
                .filter(g -> g.benchmark().equals(benchmark) && g.params().equals(params)).findFirst();
        if (group.isEmpty()) {
            return Optional.empty();
        }
        Optional<JmhResult> ourResult = group.get().get(ours);
        Optional<JmhResult> ref = reference.equals(BEST_PEER) ? group.get().bestPeer() : group.get().get(reference);
        if (ourResult.isEmpty() || ref.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Outcome(this, ourResult.get().speedupOver(ref.get()), ref.get().impl(),
                ourResult.get().steal(), ref.get().steal()));
    }

    /**
     * @return the targets of issue 4, each for both of our variants ({@code ktask} and
     *     {@code ktaskMinChunk}) except where the issue fixes one (W1 n=1000: no minChunk; W5: the
     *     scheduler)
     */
    public static List<Target> issue4() {
        String w1 = "W1CheapCpuBenchmark.sumHash";
        String w2 = "W2MemoryBandwidthBenchmark.fillBytes";
        String w3 = "W3ManySmallTasksBenchmark.tasks";
        String w4 = "W4SkewedWorkBenchmark.skewed";
        String w5 = "W5SchedulerBenchmark.";
        Map<String, String> big = Map.of("n", "10000000");
        Map<String, String> skewed = Map.of("n", "65536");
        List<Target> all = new ArrayList<>();
        both(all, "W1 n=10^7: >= 1.9x the loop", w1, big, "sequential", 1.9);
        both(all, "W1 n=10^7: not slower than parallel streams", w1, big, "parallelStream", 1.0);
        all.add(new Target("W1 n=1000, no minChunk: <= 1.2x the loop's time", w1, Map.of("n", "1000"), "ktask",
                "sequential", 1 / 1.2));
        both(all, "W2 heap: within 5% of the best peer's GB/s", w2, Map.of("memory", "heap"), BEST_PEER, 0.95);
        both(all, "W2 off-heap: within 5% of the best peer's GB/s", w2, Map.of("memory", "offheap"), BEST_PEER, 0.95);
        both(all, "W3: faster than parallel streams over the tasks", w3, Map.of(), "parallelStream", 1.0);
        both(all, "W3: far (>= 2x) faster than flatMap + subscribeOn", w3, Map.of(), "flatMapSubscribeOn", 2.0);
        // W3's third variant of ours: one ktask over the Flux of tasks (see W3ManySmallTasksBenchmark).
        all.add(new Target("W3: faster than parallel streams over the tasks", w3, Map.of(), "ktaskFluxOfTasks",
                "parallelStream", 1.0));
        all.add(new Target("W3: far (>= 2x) faster than flatMap + subscribeOn", w3, Map.of(), "ktaskFluxOfTasks",
                "flatMapSubscribeOn", 2.0));
        both(all, "W4: not slower than parallel streams", w4, skewed, "parallelStream", 1.0);
        both(all, "W4: not slower than ForkJoin", w4, skewed, "forkJoin", 1.0);
        for (String method : List.of("publishOn", "subscribeOn", "pingPong")) {
            all.add(new Target("W5 " + method + ": within 10% of Schedulers.parallel()", w5 + method, Map.of(),
                    "ktask", "parallel", 1 / 1.1));
        }
        return List.copyOf(all);
    }

    private static void both(List<Target> into, String label, String benchmark, Map<String, String> params,
            String reference, double threshold) {
        into.add(new Target(label, benchmark, params, "ktask", reference, threshold));
        into.add(new Target(label, benchmark, params, "ktaskMinChunk", reference, threshold));
    }
}
