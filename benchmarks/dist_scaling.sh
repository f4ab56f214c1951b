#!/usr/bin/env bash
# Data-parallel scaling on this machine (docs/distributed.md "Measured"): the same global
# batch (64) and steps on 1 process and on 2 and 4 MPI ranks via `loom launch`, reporting
# samples/s of the training loop (rank 0's "trained in", which excludes start-up), the
# scaling efficiency against the 1-process run with the same total threads, and the share of
# rank 0's loop spent in the gradient allreduce (from --profile). A benchmark, not a test:
# it prints figures and asserts nothing. Run it on an otherwise idle machine.
# Usage: dist_scaling.sh LOOM [MODEL] [STEPS]
set -euo pipefail
loom=$1 model=${2:-resources/examples/cnn.loom} steps=${3:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cores=$(nproc)
common=(--max-steps "$steps" --train-limit 8000 --no-test --events off --profile)
echo "machine: $cores cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); model $(basename "$model"); $steps steps of global batch 64"

# run NAME RANKS THREADS: prints samples/s and the allreduce share
run() {
  local name=$1 ranks=$2 threads=$3 batch=$((64 / $2)) out="$work/$1.out"
  if ((ranks == 1)); then
    "$loom" train "$model" "${common[@]}" --threads "$threads" --batch-size "$batch" --run-dir "$work/$name" >"$out" 2>/dev/null
  else
    "$loom" launch --np "$ranks" -- "$model" "${common[@]}" --threads "$threads" --batch-size "$batch" --run-dir "$work/$name" >"$out" 2>/dev/null
  fi
  local loop allreduce
  loop=$(sed -n 's/^profile: \([0-9.]*\) s in the training loop.*/\1/p' "$out")
  allreduce=$(awk '/^  gradient allreduce/ { print $3 }' "$out")
  awk -v n="$name" -v r="$ranks" -v t="$threads" -v s="$steps" -v l="$loop" -v a="${allreduce:-0}" \
    'BEGIN { printf "%-22s ranks %d x threads %d  per-rank batch %2d  %8.0f samples/s  allreduce %5.1f %% of rank 0'"'"'s loop\n", n, r, t, 64 / r, s * 64 / l, 100 * a / l }'
  echo "$steps 64 $loop" >"$work/$name.rate"
}

run "1 process, 1 thread" 1 1
run "1 process, $cores threads" 1 "$cores"
run "2 ranks, 1 thread" 2 1
run "4 ranks, 1 thread" 4 1
rate() { awk '{ printf "%.1f", $1 * $2 / $3 }' "$work/$1.rate"; }
awk -v one="$(rate "1 process, 1 thread")" -v all="$(rate "1 process, $cores threads")" \
  -v two="$(rate "2 ranks, 1 thread")" -v four="$(rate "4 ranks, 1 thread")" -v c="$cores" 'BEGIN {
  printf "scaling efficiency, 2 ranks vs 1 process x 1 thread: %.0f %% (ideal 2x on %d cores)\n", 100 * two / (2 * one), c
  printf "2 ranks x 1 thread vs 1 process x %d threads: %.2fx\n", c, two / all
  printf "4 ranks on %d cores (oversubscribed) vs 2 ranks: %.2fx\n", c, four / two }'
