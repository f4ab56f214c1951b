#!/usr/bin/env bash
# Acceptance (docs/distributed.md, "Stalls"): SIGSTOP of one rank of a `loom launch` job with
# training.stall_timeout_s = TIMEOUT (--stall-timeout). Two cases:
#  1. a random non-zero rank, with --max-restarts 1: the ranks still running report the stall
#     naming the stopped rank and its host and where they wait; the attempt ends (the stopped
#     process included: nothing is left 30 s later); the launcher restarts from the last
#     checkpoint and the run ends byte-identical to an uninterrupted one;
#  2. rank 0, without restarts: rank 1 reports it, and the job ends with an error.
# Usage: stall.sh LOOM PYTHON MODEL WORKDIR [TIMEOUT] [SEED]
set -euo pipefail
loom=$1 python=$2 model=$3 work=$4 timeout=${5:-3} seed=${6:-777}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/job_pids.sh"
rm -rf "$work" && mkdir -p "$work"
RANDOM=$seed
host=$(hostname)
ranks=3
fail() { echo "FAIL: $*"; exit 1; }
# About 3 ms a step here: the run outlasts the random moment of the SIGSTOP (up to 2.4 s).
common=(--threads 1 --epochs 100 --train-limit 6000 --validation-fraction 0.1 --no-test
        --batch-size 16 --checkpoint-every 50 --max-steps 1500 --stall-timeout "$timeout")
# The stall is reported after the timeout and the answers' grace period (timeout / 2, 1 to
# 10 s); mpirun then needs a moment to end every rank.
limit=$(awk -v t="$timeout" 'BEGIN { g = t / 2; if (g < 1) g = 1; if (g > 10) g = 10; printf "%d", t + g + 10 }')

# wait_ranks RUN: waits until the job's $ranks ranks are up and rank 0 has written run.json.
wait_ranks() {
  local t
  for ((t = 0; t < 600; t++)); do
    [[ -f $1/run.json && $(rank_pids "$1" | wc -l) -eq $ranks ]] && return 0
    sleep 0.1
  done
  return 1
}

# stop_rank RUN LOG VICTIM CASE: SIGSTOPs rank VICTIM at a random moment, waits for the stall
# report naming it, checks that no process of the attempt is left within 30 s.
stop_rank() {
  local run=$1 log=$2 victim=$3 name=$4 pids pid delay stopped_at t reported=0 elapsed line old
  wait_ranks "$run" || { cat "$log"; fail "$name: the ranks did not start"; }
  delay=$(awk -v r=$((RANDOM % 20)) 'BEGIN { printf "%.1f", 0.5 + r / 10 }')
  sleep "$delay"
  pids=$(rank_pids "$run")
  pid=$(awk -v r="$victim" '$1 == r { print $2 }' <<<"$pids")
  [[ -n $pid ]] || fail "$name: rank $victim not found"
  stopped_at=$(date +%s.%N)
  kill -STOP "$pid"
  for ((t = 0; t < limit * 10; t++)); do
    grep -q "stalled: rank $victim ($host) stopped responding" "$log" && { reported=1; break; }
    sleep 0.1
  done
  elapsed=$(awk -v a="$stopped_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  ((reported)) || { kill -CONT "$pid" 2>/dev/null || true; cat "$log"; fail "$name: no stall report naming rank $victim within $limit s"; }
  line=$(grep -m1 "stalled: rank $victim ($host)" "$log" || true)
  old=$(awk '{ print $2 }' <<<"$pids")
  # shellcheck disable=SC2086
  wait_gone 30 $old || { ps -o pid,stat,cmd -p $old || true; kill -CONT $old 2>/dev/null || true; fail "$name: processes of the stalled attempt left after 30 s (the stopped one: $pid)"; }
  echo "$name: SIGSTOP of rank $victim (pid $pid) ${delay}s into training: reported after ${elapsed}s: ${line#*loom: error: }"
}

"$loom" launch --np "$ranks" -- "$model" "${common[@]}" --run-dir "$work/reference" \
  >"$work/reference.log" 2>&1 || { cat "$work/reference.log"; fail "the uninterrupted run failed"; }

# 1. A non-zero rank; the job restarts and completes.
run=$work/restart
"$loom" launch --np "$ranks" --max-restarts 1 --restart-backoff 0.5 -- "$model" "${common[@]}" \
  --run-dir "$run" >"$work/restart.log" 2>&1 &
launcher=$!
stop_rank "$run" "$work/restart.log" $((1 + RANDOM % (ranks - 1))) "non-zero rank"
grep -Eq "stopped responding: ranks [0-9, ]+ waited [0-9.]+ s in the [^(]+ \(collective call #[0-9]+\)" "$work/restart.log" ||
  fail "the report does not say where the ranks wait"
rc=0
wait "$launcher" || rc=$?
((rc == 0)) || { cat "$work/restart.log"; fail "the restarted job exited $rc"; }
grep -q "loom launch: attempt 1 failed (exit 1: .*stalled: rank" "$work/restart.log" ||
  { cat "$work/restart.log"; fail "the launcher did not name the stall as the reason"; }
grep -q "the job completed after 1 restart(s)" "$work/restart.log" || fail "no restart reported"
"$python" "$here/compare_checkpoints.py" "$work/reference/checkpoints/last.ckpt" "$run/checkpoints/last.ckpt" --identical | tail -1
cmp "$work/reference/trained.loom" "$run/trained.loom" || fail "the restarted run's model differs"

# 2. Rank 0 (which writes the run): rank 1 reports it; no restart asked, the job fails.
run=$work/rank0
"$loom" launch --np "$ranks" -- "$model" "${common[@]}" --run-dir "$run" >"$work/rank0.log" 2>&1 &
launcher=$!
stop_rank "$run" "$work/rank0.log" 0 "rank 0"
grep -q "loom: error: rank 1 ($host): stalled: rank 0 ($host) stopped responding: ranks 1, 2 waited" "$work/rank0.log" ||
  { cat "$work/rank0.log"; fail "rank 1 did not report rank 0 with ranks 1, 2 waiting"; }
rc=0
wait "$launcher" || rc=$?
((rc != 0)) || fail "the stalled job exited 0"
left=$(job_pids "$work")
[[ -z $left ]] || { ps -fp $left; fail "processes left: $left"; }
echo "PASS: a stopped rank (non-zero, and rank 0) is reported as a stall naming it and host $host within $limit s; the job ends with no process left; with a restart it completes byte-identical to an uninterrupted run"
