#!/usr/bin/env bash
# Runs `loralab bench` and the PyTorch + PEFT peer (../shared/bench/torch_lora_bench.py)
# alternately on the same configurations, so that their ratio is measured in one
# sitting on one machine. Not part of CI: the peer needs a multi-GB venv, made by
#   bash ../shared/bench/setup-peers.sh PEERS_DIR
# Usage: tools/bench-side-by-side.sh PEERS_DIR [ROUNDS]   (SHARED_BENCH overrides ../shared/bench)
set -euo pipefail
peers=${1:?usage: tools/bench-side-by-side.sh PEERS_DIR [ROUNDS]}
rounds=${2:-2}
cd "$(dirname "$0")/.."
bin=.build/release/loralab
bench=${SHARED_BENCH:-../shared/bench}/torch_lora_bench.py
[ -x "$bin" ] || swift build -c release --product loralab
configs=(
  "tiny attn 8 8 128"
  "minimind2-small attn 8 8 256"
)
for ((round = 1; round <= rounds; round++)); do
  for config in "${configs[@]}"; do
    read -r preset targets rank batch seq <<<"$config"
    steps=10; [ "$preset" = tiny ] || steps=3
    THREADS=2 "$peers/bin/python" "$bench" --preset "$preset" --targets "$targets" --rank "$rank" \
      --batch "$batch" --seq "$seq" --steps "$steps"
    "$bin" bench --preset "$preset" --lora "$targets" --rank "$rank" --batch "$batch" --seq "$seq" \
      --steps "$steps" --peak-size 0
  done
done
# Full-model training and forward throughput, and the machine's sgemm ceiling.
"$bin" bench --preset tiny --batch 8 --seq 128 --steps 10
"$bin" bench --preset minimind2-small --batch 8 --seq 256 --steps 3 --peak-size 0
