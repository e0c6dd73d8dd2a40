package io.ktask.bench.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The results of one benchmark method with one set of non-{@code impl} parameters: the
 * implementations measured side by side in the same run, which the ratios compare.
 *
 * <p>The baseline is {@code sequential} when present (W1-W4, W6), else {@code parallel}
 * ({@code Schedulers.parallel()}, W5). Ours are the implementations whose name starts with
 * {@code ktask}; every other one is a peer, the baseline included.
 *
 * @param benchmark the class simple name and method
 * @param params the parameters other than {@code impl}
 * @param results one per implementation, in the order JMH ran them
 */
public record ResultGroup(String benchmark, Map<String, String> params, List<JmhResult> results) {

    /** Name of the baseline implementation of W1-W4 and W6. */
    public static final String SEQUENTIAL = "sequential";
    /** Name of the baseline of W5, {@code Schedulers.parallel()}. */
    public static final String PARALLEL = "parallel";

    /**
     * Groups results by benchmark and parameters: groups sorted by workload (W1 first), each
     * keeping JMH's order otherwise; inside a group the baseline comes first, then the peers,
     * then ours, each in JMH's order.
     */
    public static List<ResultGroup> of(List<JmhResult> results) {
        Map<String, ResultGroup> groups = new LinkedHashMap<>();
        for (JmhResult r : results) {
            groups.computeIfAbsent(r.benchmark() + r.params(),
                    k -> new ResultGroup(r.benchmark(), r.params(), new ArrayList<>())).results().add(r);
        }
        List<ResultGroup> sorted = new ArrayList<>();
        for (ResultGroup g : groups.values()) {
            List<JmhResult> rows = new ArrayList<>(g.results());
            rows.sort(Comparator.comparingInt(ResultGroup::rank));
            sorted.add(new ResultGroup(g.benchmark(), g.params(), List.copyOf(rows)));
        }
        sorted.sort(Comparator.comparing(ResultGroup::workload));
        return List.copyOf(sorted);
    }

    private static int rank(JmhResult r) {
        if (r.impl().equals(SEQUENTIAL) || r.impl().equals(PARALLEL)) {
            return 0;
        }
        return isOurs(r.impl()) ? 2 : 1;
    }

    /** @return true for our implementations (names starting with {@code ktask}) */
    public static boolean isOurs(String impl) {
        return impl.startsWith("ktask");
    }

    /** @return the result of {@code impl}, if it was measured */
    public Optional<JmhResult> get(String impl) {
        return results.stream().filter(r -> r.impl().equals(impl)).findFirst();
    }

    /** @return the baseline's result, if measured */
    public Optional<JmhResult> baseline() {
        return get(SEQUENTIAL).or(() -> get(PARALLEL));
    }

    /** @return the fastest peer's result, if any peer was measured */
    public Optional<JmhResult> bestPeer() {
        return results.stream().filter(r -> !isOurs(r.impl()))
                .max(Comparator.comparingDouble(r -> r.speedupOver(results.get(0))));
    }

    /** @return the workload tag ({@code W1}) */
    public String workload() {
        return results.get(0).workload();
    }

    /** @return e.g. {@code W1CheapCpuBenchmark.sumHash n=1000}, or the benchmark alone without parameters */
    public String title() {
        StringBuilder b = new StringBuilder(benchmark);
        params.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        return b.toString();
    }

    /** @return the x-axis label of the chart: the parameters, or the method name when there are none */
    public String caseLabel() {
        if (params.isEmpty()) {
            return benchmark.substring(benchmark.indexOf('.') + 1);
        }
        StringBuilder b = new StringBuilder();
        params.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
        return b.toString();
    }
}
