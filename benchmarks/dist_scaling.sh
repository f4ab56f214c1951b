#!/usr/bin/env bash
# Data-parallel scaling on this machine (docs/distributed.md "Measured"): the same global
# batch (64) and steps on 1 process and on 2 and 4 MPI ranks via `loom launch`, reporting
# samples/s of the training loop (rank 0's "trained in", which excludes start-up), the
# scaling efficiency against the 1-process run with the same total threads, and the share of
# rank 0's loop spent in the gradient allreduce (from --profile; with overlap, the part left
# to wait for after backward). Every multi-rank configuration runs with
# training.allreduce_overlap off and on, and writes per-rank timelines, from which
# dist_hidden_fraction.py computes the share of the allreduce hidden behind backward.
# A benchmark, not a test: it prints figures and asserts nothing. Run it on an otherwise idle
# machine.
# Usage: dist_scaling.sh LOOM [MODEL] [STEPS] [BUCKET_KIB]
set -euo pipefail
loom=$1 model=${2:-resources/examples/cnn.loom} steps=${3:-60} bucket=${4:-25600}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cores=$(nproc)
common=(--max-steps "$steps" --train-limit 8000 --no-test --events off --profile --bucket-kib "$bucket")
echo "machine: $cores cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); load average $(cut -d' ' -f1-3 /proc/loadavg); model $(basename "$model"); $steps steps of global batch 64; allreduce bucket $bucket KiB"

# run NAME RANKS THREADS [OPTIONS...]: prints samples/s and the allreduce share (and, at
# several ranks, the hidden fraction from the timelines)
run() {
  local name=$1 ranks=$2 threads=$3 batch=$((64 / $2)) out="$work/$1.out"
  shift 3
  if ((ranks == 1)); then
    "$loom" train "$model" "${common[@]}" --threads "$threads" --batch-size "$batch" --run-dir "$work/$name" >"$out" 2>/dev/null
  else
    "$loom" launch --np "$ranks" -- "$model" "${common[@]}" --threads "$threads" --batch-size "$batch" \
      --run-dir "$work/$name" --timeline "$work/$name.json" "$@" >"$out" 2>/dev/null
  fi
  local loop allreduce
  loop=$(sed -n 's/^profile: \([0-9.]*\) s in the training loop.*/\1/p' "$out")
  allreduce=$(awk '/^  gradient allreduce/ { print $3 }' "$out")
  awk -v n="$name" -v r="$ranks" -v t="$threads" -v s="$steps" -v l="$loop" -v a="${allreduce:-0}" \
    'BEGIN { printf "%-22s ranks %d x threads %d  per-rank batch %2d  %8.0f samples/s  allreduce %5.1f %% of rank 0'"'"'s loop\n", n, r, t, 64 / r, s * 64 / l, 100 * a / l }'
  echo "$steps 64 $loop" >"$work/$name.rate"
  if ((ranks > 1)); then
    local traces=()
    for ((r = 0; r < ranks; ++r)); do traces+=("$work/$name.rank$r.json"); done
    python3 "$here/dist_hidden_fraction.py" "${traces[@]}" | sed -n 's/^all ranks: /    /p'
  fi
}

run "1 process, 1 thread" 1 1
run "1 process, $cores threads" 1 "$cores"
run "2 ranks, 1 thread" 2 1 --allreduce-overlap off
run "2 ranks, overlap" 2 1 --allreduce-overlap on
run "4 ranks, 1 thread" 4 1 --allreduce-overlap off
run "4 ranks, overlap" 4 1 --allreduce-overlap on
rate() { awk '{ printf "%.1f", $1 * $2 / $3 }' "$work/$1.rate"; }
awk -v one="$(rate "1 process, 1 thread")" -v all="$(rate "1 process, $cores threads")" \
  -v two="$(rate "2 ranks, 1 thread")" -v four="$(rate "4 ranks, 1 thread")" -v c="$cores" 'BEGIN {
  printf "scaling efficiency, 2 ranks vs 1 process x 1 thread: %.0f %% (ideal 2x on %d cores)\n", 100 * two / (2 * one), c
  printf "2 ranks x 1 thread vs 1 process x %d threads: %.2fx\n", c, two / all
  printf "4 ranks on %d cores (oversubscribed) vs 2 ranks: %.2fx\n", c, four / two }'
awk -v a="$(rate "2 ranks, 1 thread")" -v b="$(rate "2 ranks, overlap")" -v c="$(rate "4 ranks, 1 thread")" \
  -v d="$(rate "4 ranks, overlap")" 'BEGIN {
  printf "overlap on vs off: 2 ranks %.2fx, 4 ranks %.2fx (samples/s)\n", b / a, d / c }'
