#!/usr/bin/env bash
# Acceptance (docs/distributed.md, "What is identical across rank counts"): a checkpoint
# written at N ranks resumes at M ranks with the same global batch.
#  1. a 2-rank run (2 x 32) stopped at step 100 and resumed at 1 process (1 x 64) and at
#     4 ranks (4 x 16, oversubscribed) to step 200 ends within 1e-5 relative of the
#     uninterrupted 2-rank run: parameters and momentum (compare_checkpoints.py --all, an
#     independent reader of the checkpoint format), with the same optimizer step count and the
#     same position (epoch, step, global step, samples of the epoch consumed);
#  2. the resumed runs start at global step 100 and continue the epoch's seeded order: the
#     steps span an epoch end, so a resumed run that re-read or skipped samples, or restarted
#     the epoch, ends far outside 1e-5 (the step-100 checkpoint itself is checked to be far
#     from the step-200 one, so the tolerance can tell);
#  3. a resume with another global batch (1 x 32 from 2 x 32) is refused before training,
#     naming the per-rank batch that fits.
# Usage: resume_ranks.sh LOOM PYTHON MODEL WORKDIR
set -euo pipefail
loom=$1 python=$2 model=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
common=(--threads 1 --train-limit 8000 --validation-fraction 0.1 --no-test --checkpoint-every 1000)
fail() { echo "FAIL: $*"; exit 1; }
run() {  # run NAME CMD...: runs CMD with its output in WORK/NAME.{out,err}
  local name=$1
  shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" || { cat "$work/$name.err"; fail "$name exited $?"; }
}

run np2 "$loom" launch --np 2 -- "$model" "${common[@]}" --max-steps 200 --batch-size 32 --run-dir "$work/np2"
run half "$loom" launch --np 2 -- "$model" "${common[@]}" --max-steps 100 --batch-size 32 --run-dir "$work/half"
echo "== the step-100 checkpoint is far from the step-200 one (the tolerance can tell)"
if "$python" "$here/compare_checkpoints.py" "$work/np2/checkpoints/last.ckpt" \
  "$work/half/checkpoints/last.ckpt" --rtol 1e-3 >"$work/half.cmp"; then
  fail "steps 100 and 200 agree within 1e-3: this test could not see a wrong sample order"
fi
echo "as it must be, steps 100 and 200 differ: $(tail -1 "$work/half.cmp")"

for m in 1 4; do
  cp -r "$work/half" "$work/to$m"
  batch=$((64 / m))
  if ((m == 1)); then
    run "to$m" "$loom" train "$model" "${common[@]}" --max-steps 200 --batch-size $batch --run-dir "$work/to$m" --resume
  else
    run "to$m" "$loom" launch --np $m -- "$model" "${common[@]}" --max-steps 200 --batch-size $batch --run-dir "$work/to$m" --resume
  fi
  grep -q "resuming from .*(global step 100)" "$work/to$m.err" || fail "the run at $m rank(s) did not resume from global step 100"
  echo "== 2 ranks x 32 stopped at 100, resumed at $m x $batch, vs 2 ranks x 32 uninterrupted"
  "$python" "$here/compare_checkpoints.py" "$work/np2/checkpoints/last.ckpt" "$work/to$m/checkpoints/last.ckpt" \
    --rtol 1e-5 --all >"$work/to$m.cmp" || { cat "$work/to$m.cmp"; fail "resumed at $m rank(s): not within 1e-5"; }
  grep -E "^(epoch|step in epoch|global step|epoch samples|PASS)" "$work/to$m.cmp"
done

echo "== another global batch is refused"
cp -r "$work/half" "$work/wrong"
rc=0
"$loom" train "$model" "${common[@]}" --max-steps 200 --batch-size 32 --run-dir "$work/wrong" --resume \
  >"$work/wrong.out" 2>"$work/wrong.err" || rc=$?
((rc != 0)) || fail "a resume at global batch 32 from global batch 64 was accepted"
grep -q "global batches of 64, but this run's global batch is 32 .*use --batch-size 64" "$work/wrong.err" ||
  { cat "$work/wrong.err"; fail "the refusal does not name both global batches and the fitting batch"; }
grep -v "^$" "$work/wrong.err" | tail -1
echo "PASS: a 2-rank checkpoint resumed at 1 and 4 ranks matches the uninterrupted 2-rank run within 1e-5; another global batch is refused"
