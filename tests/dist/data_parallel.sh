#!/usr/bin/env bash
# Acceptance (docs/distributed.md): data-parallel training through real mpirun processes.
#  1. 2 and 4 ranks with the same global batch as a 1-process run (64 = 2 x 32 = 4 x 16)
#     give the same parameters within 1e-5 relative after 200 steps (spanning an epoch end
#     with validation), compared by an independent checkpoint reader (compare_checkpoints.py);
#  2. two 2-rank runs are bit-identical (every checkpoint tensor, parameters and momentum);
#  3. run.json records world_size, only rank 0 wrote the run directory, and its event file has
#     every rank's step, data-wait and allreduce times (workers/rank<r>/...);
#  4. a 2-rank run stopped at step 100 and resumed, and one stopped by SIGTERM to rank 1 only
#     (all ranks agree to stop at the same step) and resumed, end byte-identical to the
#     uninterrupted 2-rank run;
#  5. a run directory containing shell metacharacters reaches every rank as one argument
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
for p in "$work"/np2/trained.loom.*.params; do  # the same name: the same CRC; compare the bytes
  cmp "$p" "$odd/$(basename "$p")" || fail "the two 2-rank parameter files differ"
done
for n in 1 2 4; do
  dir=$work/np$n
  ws=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["world_size"])' "$dir/run.json")
  [[ $ws == "$n" ]] || fail "np$n: run.json world_size is $ws"
  events=$(find "$dir" -name 'events.out.tfevents.*' | wc -l)
  ((events == 1)) || fail "np$n: $events event files (only rank 0 writes one)"
done
echo "== resume at 2 ranks: stopped at step 100 (--max-steps), then continued to 200"
"$loom" launch --np 2 -- "$model" "${common[@]/200/100}" --batch-size 32 --run-dir "$work/resumed" >/dev/null 2>&1 ||
  fail "the 100-step 2-rank run failed"
"$loom" launch --np 2 -- "$model" "${common[@]}" --batch-size 32 --run-dir "$work/resumed" --resume \
  >"$work/resumed.out" 2>"$work/resumed.err" || { cat "$work/resumed.err"; fail "the 2-rank resume failed"; }
grep -q "resuming from .*(global step 100)" "$work/resumed.err" || fail "the 2-rank run did not resume from step 100"
"$python" "$here/compare_checkpoints.py" "$work/np2/checkpoints/last.ckpt" "$work/resumed/checkpoints/last.ckpt" --identical | tail -1

echo "== SIGTERM to rank 1 only: every rank stops at the same step, rank 0 checkpoints; resume"
"$loom" launch --np 2 -- "$model" "${common[@]}" --batch-size 32 --run-dir "$work/term" >"$work/term.out" 2>&1 &
launcher=$!
for ((t = 0; t < 300; t++)); do [[ -f $work/term/run.json ]] && break; sleep 0.02; done
for pid in $(pgrep -f -- "--run-dir $work/term" || true); do
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == loom ]] &&
    tr '\0' '\n' <"/proc/$pid/environ" | grep -qx OMPI_COMM_WORLD_RANK=1 && kill -TERM "$pid"
done
rc=0
wait "$launcher" || rc=$?
if ((rc == 130)); then
  grep -q "rank 0 (.*): training stopped at epoch [0-9]*, step [0-9]*; checkpoint" "$work/term.out" ||
    { cat "$work/term.out"; fail "rank 0 did not stop with a checkpoint"; }
  stop0=$(sed -n 's/.*rank 0 (.*): training stopped at \(epoch [0-9]*, step [0-9]*\).*/\1/p' "$work/term.out")
  stop1=$(sed -n 's/.*rank 1 (.*): training stopped at \(epoch [0-9]*, step [0-9]*\).*/\1/p' "$work/term.out")
  [[ $stop0 == "$stop1" ]] || fail "ranks stopped at different steps: rank 0 at $stop0, rank 1 at $stop1"
  echo "both ranks stopped at $stop0"
  "$loom" launch --np 2 -- "$model" "${common[@]}" --batch-size 32 --run-dir "$work/term" --resume >/dev/null 2>&1 ||
    fail "resuming the stopped run failed"
else
  echo "(the run ended with exit $rc before the stop request arrived; nothing to resume)"
fi
"$python" "$here/compare_checkpoints.py" "$work/np2/checkpoints/last.ckpt" "$work/term/checkpoints/last.ckpt" --identical | tail -1

# Rank 0's event file has every rank's health for every step but the last (sent with the next).
"$loom" runs "$work/np4" >"$work/np4.runs" 2>/dev/null || fail "loom runs failed on np4"
for r in 0 1 2 3; do
  for tag in step_ms data_wait_ms allreduce_ms; do
    grep -Eq "workers/rank$r/$tag +199 points" "$work/np4.runs" ||
      fail "np4: no 199 points of workers/rank$r/$tag in rank 0's event file"
  done
done
echo "PASS: 1, 2 and 4 ranks agree within 1e-5; repeated 2-rank runs are bit-identical; run.json world_size 1/2/4; one event file per run with every rank's health"
