#!/usr/bin/env bash
# Runs the whole JMH suite with the settings RESULTS.md was made with (each class's @Warmup,
# @Measurement and @Fork), then regenerates bench/RESULTS.md and bench/results-speedup.png.
#
#   bench/run.sh                 full suite, ~15-20 min on 2 cores -> bench/RESULTS.md
#   bench/run.sh --quick         1 short warm-up + 2 short iterations, ~3-5 min -> bench/target/quick/RESULTS.md
#   bench/run.sh [--quick] W1    extra arguments go to JMH (here: only the W1 class)
#
# BENCH_NOTE="..." adds a note to the report (e.g. the machine's other load).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
if [[ "${1:-}" == "--quick" ]]; then
  quick=1
  shift
fi

mvn -B -q -pl bench -am package -DskipTests

out=bench
jmh=(-rf json -rff bench/target/jmh-result.json -prof io.ktask.bench.StealProfiler)
if [[ $quick == 1 ]]; then
  out=bench/target/quick
  jmh+=(-wi 1 -w 200ms -i 2 -r 200ms)
  mkdir -p "$out"
fi
jmh+=("$@")

load() { uptime | sed 's/.*load average: //'; }
# /proc/stat's cpu line: all jiffies and steal (time the hypervisor gave this VM's CPUs to others).
cpu_jiffies() { awk '/^cpu /{t=0; for (i=2; i<=NF; i++) t+=$i; printf "%d %d\n", t, $9}' /proc/stat; }
load_before=$(load)
read -r total_before steal_before < <(cpu_jiffies)
started=$(date -u '+%Y-%m-%d %H:%M')
# A benchmark that fails its setup (e.g. an implementation not built yet) is logged by JMH and
# skipped; the report then says "not measured" for it.
java -jar bench/target/benchmarks.jar "${jmh[@]}" 2>&1 | tee bench/target/jmh-output.txt \
  || echo "JMH exited with an error; reporting what it measured" >&2
load_after=$(load)
read -r total_after steal_after < <(cpu_jiffies)
steal=$(awk -v t=$((total_after - total_before)) -v s=$((steal_after - steal_before)) \
  'BEGIN { printf "%.1f", (t > 0 ? 100 * s / t : 0) }')

cat > bench/target/run.properties <<PROPS
date=${started} to $(date -u '+%H:%M')
command=java -jar bench/target/benchmarks.jar ${jmh[*]}
cores=$(nproc) ($(uname -m), $(uname -sr))
loadBefore=${load_before}
loadAfter=${load_after}
stealPercent=${steal}
note=${BENCH_NOTE:-}
PROPS

java -cp bench/target/benchmarks.jar io.ktask.bench.report.ResultsReport \
  bench/target/jmh-result.json bench/target/run.properties "$out/RESULTS.md"
