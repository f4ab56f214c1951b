#!/usr/bin/env bash
# Acceptance: kill -9 a training run at random moments N times, resuming each time; the
# final model must be byte-identical to an uninterrupted run, every checkpoint left behind
# by a kill must load (none is ever half-written), and at least MIN_RESUMES of the resumed
# runs must be real resumes: the run printed "resuming from ..." and continued from a later
# step than the resume before it (a test whose kills all land before the first checkpoint
# would otherwise pass by never resuming).
#
# Most kills land at a random moment after the run has written a checkpoint of its own (so
# it made progress): mid-step, mid-validation or mid-checkpoint-write. Every seventh kill
# lands at a random moment of the start-up instead, before any step. The run is trained for
# 8 epochs (1024 steps) so that the kills rarely outlast it.
# Usage: kill_resume.sh LOOM MODEL WORKDIR [KILLS] [MIN_RESUMES]
set -euo pipefail
loom=$1 model=$2 work=$3 kills=${4:-20} min_resumes=${5:-15}
rm -rf "$work" && mkdir -p "$work"
common=(--threads 1 --checkpoint-every 7 --no-test --epochs 8)

echo "reference: uninterrupted run"
start=$(date +%s.%N)
"$loom" train "$model" "${common[@]}" --run-dir "$work/ref" --output "$work/ref.loom" >/dev/null 2>"$work/ref.err"
duration=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
echo "reference took ${duration}s"

run="$work/killed"
ckpt="$run/checkpoints/last.ckpt"
RANDOM=12345  # reproducible kill times
done_early=0
runs=0             # train invocations, numbered for their stderr files
last_resume=-1     # global step the previous resume started from (-1: none since a fresh start)
real_resumes=0
resumes=0

# Global step a run resumed from, or nothing if its stderr has no "resuming from" line.
resumed_step() { sed -n 's/.*resuming from .* (global step \([0-9]*\)).*/\1/p' "$1" | head -1; }

# Counts a resume of the run whose stderr is $1, if it printed one.
count_resume() {
  local step
  step=$(resumed_step "$1")
  [[ -n $step ]] || return 0
  resumes=$((resumes + 1))
  if ((step > last_resume && step > 0)); then
    real_resumes=$((real_resumes + 1))
  else
    echo "  (resume from global step $step is not later than the previous one, $last_resume)"
  fi
  last_resume=$step
}

# The checkpoint file's identity (a new one is renamed into place, so its inode changes).
ckpt_id() { stat -c '%i %Y' "$ckpt" 2>/dev/null || echo none; }

for ((i = 1; i <= kills; i++)); do
  args=("${common[@]}" --run-dir "$run" --output "$work/killed.loom")
  resuming=0
  [[ -f $ckpt ]] && args+=(--resume) && resuming=1
  runs=$((runs + 1))
  err="$work/run$runs.err"
  before=$(ckpt_id)
  "$loom" train "$model" "${args[@]}" >/dev/null 2>"$err" &
  pid=$!
  if ((i % 7 == 0)); then
    # A start-up kill: somewhere in the first 10 % of a full run's time.
    delay=$(awk -v d="$duration" -v r=$((RANDOM % 100)) 'BEGIN { printf "%.3f", d * r / 1000 }')
    sleep "$delay"
    what="in start-up after ${delay}s"
  else
    # Wait for this run's own first checkpoint, then up to 4 % of a full run's time more.
    while [[ $(ckpt_id) == "$before" ]] && kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
    delay=$(awk -v d="$duration" -v r=$((RANDOM % 400)) 'BEGIN { printf "%.3f", d * r / 10000 }')
    sleep "$delay"
    what="${delay}s after its first checkpoint"
  fi
  if kill -9 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null || true
    echo "kill $i $what"
    ((resuming)) && count_resume "$err"
  else
    wait "$pid" || { echo "run $i failed"; cat "$err"; exit 1; }
    echo "kill $i: the run had already finished ($what)"
    ((resuming)) && count_resume "$err"
    done_early=$((done_early + 1))
    rm -rf "$run" "$work/killed.loom"   # start over so the next kills still hit a live run
    last_resume=-1
    continue
  fi
  if [[ -f $ckpt ]]; then
    # The checkpoint left by the kill must be complete and valid.
    "$loom" eval "$model" --checkpoint "$ckpt" --test-limit 32 >/dev/null 2>"$work/eval.err" ||
      { echo "checkpoint after kill $i does not load:"; cat "$work/eval.err"; exit 1; }
  fi
  ls "$run"/checkpoints/*.tmp-* >/dev/null 2>&1 && echo "  (a temporary checkpoint file was left behind; it is never read)"
done

echo "final resume to completion"
args=("${common[@]}" --run-dir "$run" --output "$work/killed.loom")
resuming=0
[[ -f $ckpt ]] && args+=(--resume) && resuming=1
runs=$((runs + 1))
"$loom" train "$model" "${args[@]}" >/dev/null 2>"$work/run$runs.err"
((resuming)) && count_resume "$work/run$runs.err"

echo "$resumes resumed runs, $real_resumes of them real (printed \"resuming from\" and continued from a later step)"
if ((real_resumes < min_resumes)); then
  echo "FAIL: only $real_resumes real resumes, at least $min_resumes required"
  exit 1
fi
# The texts differ only in their parameter files' names (each is named after its model file,
# with the CRC of its bytes); the parameter files themselves must be byte-identical.
ref_params=$(compgen -G "$work/ref.loom.*.params" || true)
killed_params=$(compgen -G "$work/killed.loom.*.params" || true)
[[ -n $ref_params && $(wc -w <<<"$ref_params") -eq 1 && -n $killed_params && $(wc -w <<<"$killed_params") -eq 1 ]] ||
  { echo "FAIL: expected one parameter file beside each model, got [$ref_params] [$killed_params]"; exit 1; }
if cmp -s <(sed 's/"ref\.loom\./"X./' "$work/ref.loom") <(sed 's/"killed\.loom\./"X./' "$work/killed.loom") &&
   cmp -s "$ref_params" "$killed_params"; then
  echo "PASS: final model after $kills kills ($done_early runs finished before their kill, $real_resumes real resumes) is byte-identical ($(stat -c %s "$ref_params") bytes of parameters)"
else
  echo "FAIL: final models differ"
  diff <(sed 's/"ref\.loom\./"X./' "$work/ref.loom") <(sed 's/"killed\.loom\./"X./' "$work/killed.loom") | head -20
  cmp "$ref_params" "$killed_params" | head -3
  exit 1
fi
