#!/usr/bin/env bash
# Acceptance: kill -9 a training run at random moments N times, resuming each time; the
# final model must be byte-identical to an uninterrupted run, and every checkpoint left
# behind by a kill must load (none is ever half-written).
# Usage: kill_resume.sh LOOM MODEL WORKDIR [KILLS]
set -euo pipefail
loom=$1 model=$2 work=$3 kills=${4:-20}
rm -rf "$work" && mkdir -p "$work"
common=(--threads 1 --checkpoint-every 7 --no-test)

echo "reference: uninterrupted run"
start=$(date +%s.%N)
"$loom" train "$model" "${common[@]}" --run-dir "$work/ref" --output "$work/ref.loom" >/dev/null 2>"$work/ref.err"
duration=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
echo "reference took ${duration}s"

RANDOM=12345  # reproducible kill times
run="$work/killed"
done_early=0
for ((i = 1; i <= kills; i++)); do
  args=("${common[@]}" --run-dir "$run" --output "$work/killed.loom")
  [[ -f $run/checkpoints/last.ckpt ]] && args+=(--resume)
  "$loom" train "$model" "${args[@]}" >/dev/null 2>>"$work/killed.err" &
  pid=$!
  # Somewhere in the first ~45 % of a full run (startup included), so most kills hit a live run.
  delay=$(awk -v d="$duration" -v r=$((RANDOM % 450)) 'BEGIN { printf "%.3f", d * r / 1000 }')
  sleep "$delay"
  if kill -9 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null || true
    echo "kill $i after ${delay}s"
  else
    wait "$pid" || { echo "run $i failed"; cat "$work/killed.err"; exit 1; }
    echo "kill $i: the run had already finished after ${delay}s"
    done_early=$((done_early + 1))
    rm -rf "$run" "$work/killed.loom"   # start over so the next kills still hit a live run
    continue
  fi
  if [[ -f $run/checkpoints/last.ckpt ]]; then
    # The checkpoint left by the kill must be complete and valid.
    "$loom" eval "$model" --checkpoint "$run/checkpoints/last.ckpt" --test-limit 32 >/dev/null 2>"$work/eval.err" ||
      { echo "checkpoint after kill $i does not load:"; cat "$work/eval.err"; exit 1; }
  fi
  ls "$run"/checkpoints/*.tmp-* >/dev/null 2>&1 && echo "  (a temporary checkpoint file was left behind; it is never read)"
done

echo "final resume to completion"
args=("${common[@]}" --run-dir "$run" --output "$work/killed.loom")
[[ -f $run/checkpoints/last.ckpt ]] && args+=(--resume)
"$loom" train "$model" "${args[@]}" >/dev/null 2>>"$work/killed.err"

if cmp -s "$work/ref.loom" "$work/killed.loom"; then
  echo "PASS: final model after $kills kills ($done_early runs finished before their kill) is byte-identical ($(stat -c %s "$work/ref.loom") bytes)"
else
  echo "FAIL: final models differ"
  diff <(grep -n values "$work/ref.loom" | head -c 2000) <(grep -n values "$work/killed.loom" | head -c 2000) | head -20
  exit 1
fi
