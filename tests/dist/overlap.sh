#!/usr/bin/env bash
# Acceptance (docs/distributed.md, "Overlap"): training.allreduce_overlap starts each gradient
# bucket's allreduce during backward and must not change a bit of the result.
#  1. mlp.loom, 2 ranks x 32, 120 steps across an epoch end with validation, 15 buckets of
#     64 KiB (boundaries inside parameters): overlap on and off end with byte-identical
#     checkpoints (every tensor, parameters and momentum) and parameter files;
#  2. two overlapped 2-rank runs are byte-identical;
#  3. the same at 3 ranks x 16, where the reduction order is not commutative-safe;
#  4. the timelines: every step has every bucket once, started in the fixed order (last
#     bucket first); with overlap the first starts before backward ends, without it after.
# Usage: overlap.sh LOOM PYTHON MODEL WORKDIR
set -euo pipefail
loom=$1 python=$2 model=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
steps=120 buckets=15
common=(--threads 1 --max-steps $steps --train-limit 4000 --validation-fraction 0.1 --no-test
        --checkpoint-every 1000 --bucket-kib 64)

run() {  # run NAME RANKS BATCH OVERLAP
  "$loom" launch --np "$2" -- "$model" "${common[@]}" --batch-size "$3" --allreduce-overlap "$4" \
    --run-dir "$work/$1" --timeline "$work/$1.json" >"$work/$1.log" 2>&1 ||
    { cat "$work/$1.log"; fail "$1 failed"; }
  grep -q "^training.*" "$work/$1.log" || fail "$1: no training line"
}

identical() {  # identical A B: checkpoints and parameter files byte for byte
  "$python" "$here/compare_checkpoints.py" "$work/$1/checkpoints/last.ckpt" \
    "$work/$2/checkpoints/last.ckpt" --identical | tail -1
  local n=0
  for p in "$work/$1"/trained.loom.*.params; do
    cmp "$p" "$work/$2/$(basename "$p")" || fail "$1 and $2: parameter files differ"
    n=$((n + 1))
  done
  ((n == 1)) || fail "$1: $n parameter files"
  # trained.loom records the setting itself; everything else in it must match.
  diff <(grep -v allreduce_overlap "$work/$1/trained.loom") \
    <(grep -v allreduce_overlap "$work/$2/trained.loom") >/dev/null || fail "$1 and $2: trained.loom differ"
  echo "$1 = $2: byte-identical"
}

run np2_on 2 32 on
run np2_off 2 32 off
run np2_on_again 2 32 on
run np3_on 3 16 on
run np3_off 3 16 off
grep -q 'allreduce_overlap: "on"' "$work/np2_on/trained.loom" || fail "the setting is not recorded"

echo "== overlap on vs off, 2 ranks"
identical np2_on np2_off
echo "== two overlapped runs, 2 ranks"
identical np2_on np2_on_again
echo "== overlap on vs off, 3 ranks"
identical np3_on np3_off
echo "== timelines"
"$python" "$here/check_overlap.py" "$work/np2_on" 2 $steps $buckets on
"$python" "$here/check_overlap.py" "$work/np2_off" 2 $steps $buckets off
"$python" "$here/check_overlap.py" "$work/np3_on" 3 $steps $buckets on
"$python" "$here/check_timeline.py" "$work/np2_on" "$work/np2_on" 2 $steps | tail -1
echo "PASS: overlapped gradient allreduce is byte-identical to the non-overlapped one"
