#!/usr/bin/env bash
# Acceptance (docs/distributed.md): data-parallel training through real mpirun processes.
#  1. 2 and 4 ranks with the same global batch as a 1-process run (64 = 2 x 32 = 4 x 16)
#     give the same parameters within 1e-5 relative after 200 steps (spanning an epoch end
#     with validation), compared by an independent checkpoint reader (compare_checkpoints.py);
#  2. two 2-rank runs are bit-identical (every checkpoint tensor, parameters and momentum);
#  3. run.json records world_size, only rank 0 wrote the run directory, and its event file has
#     every rank's step, data-wait and allreduce times (workers/rank<r>/...);
#  4. a run directory containing shell metacharacters reaches every rank as one argument
#     (it is created literally; nothing in it is executed).
# Usage: data_parallel.sh LOOM PYTHON MODEL WORKDIR
set -euo pipefail
loom=$1 python=$2 model=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
common=(--threads 1 --max-steps 200 --train-limit 8000 --validation-fraction 0.1 --no-test
        --checkpoint-every 1000)
fail() { echo "FAIL: $*"; exit 1; }

timed() {  # timed NAME CMD...: runs CMD, prints its wall time
  local name=$1 start
  shift
  start=$(date +%s.%N)
  "$@" >"$work/$name.out" 2>"$work/$name.err" || { cat "$work/$name.out" "$work/$name.err"; fail "$name exited $?"; }
  awk -v n="$name" -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%s: %.2f s\n", n, b - a }'
}

timed np1 "$loom" train "$model" "${common[@]}" --batch-size 64 --run-dir "$work/np1"
timed np2 "$loom" launch --np 2 -- "$model" "${common[@]}" --batch-size 32 --run-dir "$work/np2"
odd="$work/np2 again; touch $work/pwned \$(touch $work/pwned2) \`touch $work/pwned3\`"
timed np2_again "$loom" launch --np 2 -- "$model" "${common[@]}" --batch-size 32 --run-dir "$odd"
timed np4 "$loom" launch --np 4 -- "$model" "${common[@]}" --batch-size 16 --run-dir "$work/np4"

grep -q "data-parallel: 4 ranks, global batch 64" "$work/np4.out" || fail "np4 did not report 4 ranks"
echo "== 2 ranks x 32 vs 1 process x 64"
"$python" "$here/compare_checkpoints.py" "$work/np1/checkpoints/last.ckpt" "$work/np2/checkpoints/last.ckpt" --rtol 1e-5 | tail -4
echo "== 4 ranks x 16 vs 1 process x 64"
"$python" "$here/compare_checkpoints.py" "$work/np1/checkpoints/last.ckpt" "$work/np4/checkpoints/last.ckpt" --rtol 1e-5 | tail -4
echo "== two 2-rank runs"
[[ -d $odd ]] || fail "the run directory with metacharacters was not created as one literal path"
for f in pwned pwned2 pwned3; do [[ ! -e $work/$f ]] || fail "a metacharacter in an argument was executed ($f)"; done
"$python" "$here/compare_checkpoints.py" "$work/np2/checkpoints/last.ckpt" "$odd/checkpoints/last.ckpt" --identical | tail -1
cmp "$work/np2/trained.loom" "$odd/trained.loom" || fail "the two 2-rank trained models differ"
for n in 1 2 4; do
  dir=$work/np$n
  ws=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["world_size"])' "$dir/run.json")
  [[ $ws == "$n" ]] || fail "np$n: run.json world_size is $ws"
  events=$(find "$dir" -name 'events.out.tfevents.*' | wc -l)
  ((events == 1)) || fail "np$n: $events event files (only rank 0 writes one)"
done
# Rank 0's event file has every rank's health for every step but the last (sent with the next).
for r in 0 1 2 3; do
  for tag in step_ms data_wait_ms allreduce_ms; do
    "$loom" runs "$work/np4" 2>/dev/null | grep -Eq "workers/rank$r/$tag +199 points" ||
      fail "np4: no 199 points of workers/rank$r/$tag in rank 0's event file"
  done
done
echo "PASS: 1, 2 and 4 ranks agree within 1e-5; repeated 2-rank runs are bit-identical; run.json world_size 1/2/4; one event file per run with every rank's health"
