#!/usr/bin/env bash
# Runs `loralab bench` and its peers on the rows of the performance targets,
# alternating tool by tool within each round so that every ratio compares runs
# made minutes apart on the same (shared, noisy) machine, then prints for each
# row the median and range over the rounds of LoRA Lab's tokens/s divided by
# each peer's, and of the peak-memory ratio. Not part of CI. The peers:
#   - PyTorch + PEFT eager and `torch.compile` ($SHARED_BENCH/torch_lora_bench.py, the
#     team's peer benchmarks, kept outside this repository), from a venv made by
#     `bash $SHARED_BENCH/setup-peers.sh PEERS_DIR`;
#   - optionally another LoRA Lab build (BEFORE=path/to/loralab), to measure a change;
#     BEFORE may carry a command before it (BEFORE="env -u OPENBLAS_CORETYPE .build/release/loralab"
#     measures the same build on the kernels it would choose itself), and BEFORE_LABEL
#     names it in the raw lines and the summary (default: before).
#
# Usage: tools/bench-side-by-side.sh PEERS_DIR|- [ROUNDS]
#   PEERS_DIR "-" skips PyTorch (with BEFORE set, LoRA Lab against itself only).
#   ROWS="lora full" (default both); COMPILE=0 skips torch.compile (it compiles
#   for about a minute per row before timing); ONLY="tiny minimind3" limits presets;
#   MAX_SEQ=256 skips the longer rows;
#   LOG=file keeps every raw line (default: a temporary file, path printed).
set -euo pipefail
peers=${1:?usage: tools/bench-side-by-side.sh PEERS_DIR|- [ROUNDS]}
rounds=${2:-3}
cd "$(dirname "$0")/.."
bin=${LORALAB:-.build/release/loralab}
if [ "$peers" != - ] && [ -z "${SHARED_BENCH:-}" ]; then
  echo "set SHARED_BENCH to the folder of torch_lora_bench.py (or pass - as PEERS_DIR)" >&2; exit 2
fi
bench=${SHARED_BENCH:-}/torch_lora_bench.py
rows=${ROWS:-lora full}
compile=${COMPILE:-1}
log=${LOG:-$(mktemp -t bench-side-by-side.XXXXXX)}
[ -x "$bin" ] || swift build -c release --product loralab

# preset targets batch seq steps
lora_rows=(
  "tiny attn 8 128 10"
  "minimind2-small attn 8 256 3"
  "minimind3 attn 8 128 3"
  "minimind3 attn 8 512 2"
)
full_rows=(
  "tiny none 8 128 10"
  "minimind2-small none 8 256 3"
  "minimind3 none 8 128 3"
)
selected=()
for kind in $rows; do
  case $kind in
    lora) selected+=("${lora_rows[@]}") ;;
    full) selected+=("${full_rows[@]}") ;;
    *) echo "unknown row kind '$kind' (lora, full)" >&2; exit 2 ;;
  esac
done

run() {  # label command...: runs it, tags its one-line result with the row and round
  local label=$1; shift
  local line
  line=$("$@" 2>/dev/null | grep -E '^(loralab|torch)' | tail -1) || true
  echo "row=$row round=$round tool=$label $line" | tee -a "$log"
}

echo "# $(date -u +%FT%TZ) $(uptime | sed 's/.*load/load/')" | tee -a "$log"
for ((round = 1; round <= rounds; round++)); do
  for config in "${selected[@]}"; do
    read -r preset targets batch seq steps <<<"$config"
    if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $preset "* ]]; then continue; fi
    if [ -n "${MAX_SEQ:-}" ] && [ "$seq" -gt "$MAX_SEQ" ]; then continue; fi
    row="$preset/$targets/$seq"
    lab_args=(bench --preset "$preset" --batch "$batch" --seq "$seq" --steps "$steps" --peak-size 0)
    [ "$targets" = none ] || lab_args+=(--lora "$targets" --rank 8)
    torch_args=(--preset "$preset" --targets "$targets" --rank 8 --batch "$batch" --seq "$seq" --steps "$steps")
    if [ "$peers" != - ]; then
      run eager env THREADS=2 "$peers/bin/python" "$bench" "${torch_args[@]}"
    fi
    # shellcheck disable=SC2086  # BEFORE may be a command with its arguments
    [ -z "${BEFORE:-}" ] || run "${BEFORE_LABEL:-before}" $BEFORE "${lab_args[@]}"
    run loralab "$bin" "${lab_args[@]}"
    if [ "$peers" != - ] && [ "$compile" = 1 ]; then
      run compiled env THREADS=2 "$peers/bin/python" "$bench" "${torch_args[@]}" --compile
    fi
  done
done
echo "# $(date -u +%FT%TZ) $(uptime | sed 's/.*load/load/')" | tee -a "$log"
echo "# raw lines: $log"
python3 tools/bench_summary.py "$log"
