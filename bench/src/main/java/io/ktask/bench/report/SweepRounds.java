package io.ktask.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

import io.ktask.bench.Samples;

/**
 * The W1 size sweep taken in rounds: each round one JMH run of {@code W1SweepBenchmark} (one fork
 * per point), so a point's implementations are compared within a round, minutes apart at most,
 * and the rounds spread them over a host whose speed drifts. Prints the break-even table of
 * {@link SweepSection} with, per size, the median over the rounds of each round's time ratio, the
 * rounds' own ratios of ktask to parallel streams, and issue 11's goals judged on the medians.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.ktask.bench.report.SweepRounds
 * round1.json round2.json ...} (JMH's {@code -rf json} output of each round).
 */
public final class SweepRounds {

    private SweepRounds() {
    }

    /**
     * Prints the table described in the class comment to standard output.
     *
     * @param args the JSON files of the rounds, at least one
     * @throws IOException if a file cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: SweepRounds <round.json>... (at least one round)");
        }
        TreeMap<Long, List<ResultGroup>> bySize = new TreeMap<>();
        for (String file : args) {
            for (ResultGroup g : SweepSection.of(ResultGroup.of(JmhResult.read(Path.of(file))))) {
                bySize.computeIfAbsent(SweepSection.units(g), n -> new ArrayList<>()).add(g);
            }
        }
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "W1 size sweep, %d rounds: medians over the rounds of each round's time ratio%n%n",
                args.length));
        md.append("| units | rounds | loop (us/op) | parallelStream / loop | ktask / loop | ktask / parallelStream "
                + "| ktask / parallelStream by round | goals |\n|---|---|---|---|---|---|---|---|\n");
        bySize.forEach((units, rounds) -> {
            Optional<Double> streams = median(rounds, g -> SweepSection.timeRatio(g, SweepSection.STREAMS, SweepSection.LOOP));
            Optional<Double> ours = median(rounds, g -> SweepSection.timeRatio(g, SweepSection.OURS, SweepSection.LOOP));
            Optional<Double> oursToStreams = median(rounds,
                    g -> SweepSection.timeRatio(g, SweepSection.OURS, SweepSection.STREAMS));
            Optional<Double> loopMicros = median(rounds, g -> g.get(SweepSection.LOOP).map(JmhResult::median));
            List<String> each = new ArrayList<>();
            rounds.forEach(g -> each.add(SweepSection.timeRatio(g, SweepSection.OURS, SweepSection.STREAMS)
                    .map(SweepSection::times).orElse("n/a")));
            md.append("| ").append(units).append(" | ").append(rounds.size()).append(" | ")
              .append(loopMicros.map(ResultsReport::num).orElse("n/a")).append(" | ")
              .append(streams.map(SweepSection::times).orElse("n/a")).append(" | ")
              .append(ours.map(SweepSection::times).orElse("n/a")).append(" | ")
              .append(oursToStreams.map(SweepSection::times).orElse("n/a")).append(" | ")
              .append(String.join(", ", each)).append(" | ")
              .append(SweepSection.goals(units, ours, oursToStreams)).append(" |\n");
        });
        System.out.print(md);
    }

    /** @return the median of the values {@code of} gives for the rounds that measured it, if any did */
    private static Optional<Double> median(List<ResultGroup> rounds, Function<ResultGroup, Optional<Double>> of) {
        Samples values = new Samples();
        rounds.forEach(g -> of.apply(g).ifPresent(values::add));
        return values.size() == 0 ? Optional.empty() : Optional.of(values.median());
    }
}
