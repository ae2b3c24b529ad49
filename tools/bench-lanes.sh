#!/usr/bin/env bash
# Independent runs side by side: the wall-clock of a 4-strategy × 3-seed
# `compare` on the shipped `tiny` base with lanes (one run per core, the
# default) against the same build running the same runs one after another
# (LORALAB_LANES=1, each run on both cores), alternating for several rounds;
# prints each round's times and the median ratio with its range. Not part of
# CI (minutes). The laned and sequential tables are checked to be identical.
#
# Usage: tools/bench-lanes.sh [ROUNDS] [STEPS]   (defaults 3 rounds, 150 steps:
#   the notebooks' runs; 30 steps makes the evaluations a larger share)
set -euo pipefail
rounds=${1:-3}
steps=${2:-150}
cd "$(dirname "$0")/.."
bin=$PWD/${LORALAB:-.build/release/loralab}
[ -x "$bin" ] || swift build -c release --product loralab
work=$(mktemp -d -t bench-lanes.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat >"$work/compare.lab" <<EOF
set seed=1
model load "base/tiny-stories"
data pretrain builtin:tinystories
data finetune builtin:identity
compare targets=square;q,v;attn;all-linear budget=equal rank=8 steps=$steps lr=3e-3 seeds=1-3
EOF
seconds() {  # lanes output-file: runs the compare, prints its wall-clock in seconds
  local start end
  start=$(date +%s.%N)
  (cd notebooks && LORALAB_LANES=$1 "$bin" run "$work/compare.lab" >"$2")
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }'
}
echo "# $(date -u +%FT%TZ) $(uptime | sed 's/.*load/load/'); $steps steps per run"
ratios=()
for ((round = 1; round <= rounds; round++)); do
  laned=$(seconds 2 "$work/laned.txt")
  alone=$(seconds 1 "$work/alone.txt")
  # The tables must agree bit for bit; only the progress lines may differ.
  if ! diff <(grep -v '^\s*$' "$work/laned.txt" | grep -E '±|^(targets|validation|[0-9]+ runs)') \
            <(grep -v '^\s*$' "$work/alone.txt" | grep -E '±|^(targets|validation|[0-9]+ runs)') >/dev/null; then
    echo "round $round: the laned and sequential tables differ" >&2; exit 1
  fi
  ratio=$(awk -v a="$alone" -v l="$laned" 'BEGIN { printf "%.4f", a / l }')
  ratios+=("$ratio")
  printf 'round %d: lanes %.1f s, one after another %.1f s, ratio %.2f×\n' "$round" "$laned" "$alone" "$ratio"
done
echo "# $(date -u +%FT%TZ) $(uptime | sed 's/.*load/load/')"
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END {
  median = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "median %.2f× (%.2f–%.2f×) over %d rounds\n", median, v[1], v[NR], NR }'
