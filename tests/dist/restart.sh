#!/usr/bin/env bash
# Acceptance (docs/distributed.md, "Automatic restart"): `loom launch --max-restarts` with
# kill -9 of a random non-zero rank at KILLS random moments of one training run. Every time:
# the attempt ends within 10 s, the launcher's message names the killed rank and its host,
# the killed attempt leaves no process behind (checked for 30 s), and the launcher restarts
# the job from the last checkpoint. The run then completes, and its final checkpoint (every
# parameter and optimizer tensor) and trained model are byte-identical to an uninterrupted
# run of the same command.
# Usage: restart.sh LOOM PYTHON MODEL WORKDIR [KILLS] [RANKS] [SEED] [BACKOFF]
# BACKOFF is --restart-backoff (default 0.5 s). The wait doubles every restart (restart 9 waits
# 128 × BACKOFF), so a run with many kills passes 0: restart at once.
set -euo pipefail
loom=$1 python=$2 model=$3 work=$4 kills=${5:-3} ranks=${6:-3} seed=${7:-4242} backoff=${8:-0.5}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/job_pids.sh"
rm -rf "$work" && mkdir -p "$work"
RANDOM=$seed  # reproducible choices; pass another seed to try other moments
host=$(hostname)
fail() { echo "FAIL: $*"; exit 1; }
# Long enough (about 3 ms a step here) that KILLS attempts of up to ~3 s of training each
# cannot finish it; epochs of 112 steps, so restarts land before and after epoch ends.
common=(--threads 1 --epochs 100 --train-limit 6000 --validation-fraction 0.1 --no-test
        --batch-size 16 --checkpoint-every 50 --max-steps $((1200 * (kills + 1))))

start=$(date +%s.%N)
"$loom" launch --np "$ranks" -- "$model" "${common[@]}" --run-dir "$work/reference" \
  >"$work/reference.log" 2>&1 || { cat "$work/reference.log"; fail "the uninterrupted run failed"; }
echo "uninterrupted run: $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"

run=$work/restarted
log=$work/restarted.log
"$loom" launch --np "$ranks" --max-restarts "$kills" --restart-backoff "$backoff" -- "$model" \
  "${common[@]}" --run-dir "$run" >"$log" 2>&1 &
launcher=$!
killed=()  # every rank PID of the attempts killed so far
for ((k = 1; k <= kills; k++)); do
  # Wait for the ranks of attempt k (none of them one of an earlier attempt).
  pids=
  for ((t = 0; t < 600; t++)); do
    kill -0 "$launcher" 2>/dev/null || { cat "$log"; fail "kill $k: the job ended before attempt $k was killed"; }
    pids=$(rank_pids "$run")
    fresh=1
    for p in $(awk '{ print $2 }' <<<"$pids"); do
      for old in "${killed[@]}"; do [[ $p == "$old" ]] && fresh=0; done
    done
    [[ $fresh == 1 && $(wc -l <<<"$pids") -eq $ranks && -n $pids ]] && break
    sleep 0.1
  done
  [[ $fresh == 1 && $(wc -l <<<"$pids") -eq $ranks ]] || { cat "$log"; fail "kill $k: the $ranks ranks of attempt $k did not start"; }
  delay=$(awk -v r=$((RANDOM % 25)) 'BEGIN { printf "%.1f", r / 10 }')
  sleep "$delay"
  victim=$((1 + RANDOM % (ranks - 1)))
  pid=$(awk -v r=$victim '$1 == r { print $2 }' <<<"$pids")
  [[ -n $pid ]] || fail "kill $k: rank $victim not found"
  kill -0 "$launcher" 2>/dev/null || { cat "$log"; fail "kill $k: the job ended before the kill"; }
  killed_at=$(date +%s.%N)
  kill -9 "$pid" || fail "kill $k: rank $victim (pid $pid) was already gone"
  # The attempt has ended when the launcher says so.
  ended=0
  for ((t = 0; t < 100; t++)); do
    grep -q "loom launch: attempt $k failed" "$log" && { ended=1; break; }
    sleep 0.1
  done
  elapsed=$(awk -v a="$killed_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  ((ended)) || { cat "$log"; fail "kill $k: attempt $k was still running 10 s after rank $victim was killed"; }
  line=$(grep "loom launch: attempt $k failed" "$log" || true)
  grep -Eq "rank $victim .*on node $host .*(signal 9|Killed)" <<<"$line" ||
    { cat "$log"; fail "kill $k: the launcher's message does not name rank $victim on $host: $line"; }
  old=$(awk '{ print $2 }' <<<"$pids")
  # shellcheck disable=SC2086
  wait_gone 30 $old || fail "kill $k: processes of the killed attempt left after 30 s: $old"
  killed+=($old)
  echo "kill $k: rank $victim (pid $pid) ${delay}s after attempt $k started: it ended in ${elapsed}s; $line"
done
rc=0
wait "$launcher" || rc=$?
((rc == 0)) || { cat "$log"; fail "the restarted job exited $rc"; }
grep -q "the job completed after $kills restart(s)" "$log" || { cat "$log"; fail "the launcher did not report $kills restarts"; }
resumes=$(grep -c "rank 0 (.*): resuming from .*(global step [0-9]*)" "$log" || true)
echo "restarts that resumed from a checkpoint: $resumes of $kills"
"$python" "$here/compare_checkpoints.py" "$work/reference/checkpoints/last.ckpt" "$run/checkpoints/last.ckpt" --identical | tail -1
cmp "$work/reference/trained.loom" "$run/trained.loom" || fail "the trained models differ"
left=$(job_pids "$run")
[[ -z $left ]] || { ps -fp $left; fail "processes left after the job: $left"; }
echo "PASS: $kills kills of a non-zero rank, each named with host $host and ended within 10 s, no process left; the restarted run is byte-identical to the uninterrupted one"
