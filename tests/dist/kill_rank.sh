#!/usr/bin/env bash
# Acceptance (docs/distributed.md): kill -9 of a random non-zero rank of a `loom launch` job
# at KILLS random moments. Every time: the job ends within 10 s, mpirun's message names the
# killed rank and its host, and 30 s after the kill no process of the job is left.
# Usage: kill_rank.sh LOOM MODEL WORKDIR [KILLS] [RANKS]
set -euo pipefail
loom=$1 model=$2 work=$3 kills=${4:-3} ranks=${5:-3}
rm -rf "$work" && mkdir -p "$work"
RANDOM=4242  # reproducible choices
host=$(hostname)
fail() { echo "FAIL: $*"; exit 1; }

# PIDs of the job's ranks, as "RANK PID" lines: loom processes whose environment has mpirun's
# OMPI_COMM_WORLD_RANK and whose command line names this kill's run directory.
rank_pids() {
  local pid
  for pid in $(pgrep -f -- "--run-dir $1" || true); do
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == loom ]] || continue
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | sed -n "s/^OMPI_COMM_WORLD_RANK=//p" | sed "s/\$/ $pid/"
  done
}

for ((k = 1; k <= kills; k++)); do
  run="$work/run$k"
  log="$work/launch$k.log"
  "$loom" launch --np "$ranks" -- "$model" --threads 1 --epochs 50 --train-limit 4000 --no-test \
    --batch-size 16 --checkpoint-every 50 --run-dir "$run" >"$log" 2>&1 &
  launcher=$!
  # Wait until every rank is training (run.json written by rank 0), then a random moment more.
  for ((t = 0; t < 600; t++)); do
    [[ -f $run/run.json && $(rank_pids "$run" | wc -l) -eq $ranks ]] && break
    sleep 0.1
  done
  [[ $(rank_pids "$run" | wc -l) -eq $ranks ]] || { cat "$log"; fail "kill $k: the $ranks ranks did not start"; }
  delay=$(awk -v r=$((RANDOM % 30)) 'BEGIN { printf "%.1f", r / 10 }')
  sleep "$delay"
  victim=$((1 + RANDOM % (ranks - 1)))
  pid=$(rank_pids "$run" | awk -v r=$victim '$1 == r { print $2 }')
  [[ -n $pid ]] || fail "kill $k: rank $victim not found"
  killed_at=$(date +%s.%N)
  kill -9 "$pid"
  ended=0
  for ((t = 0; t < 100; t++)); do
    kill -0 "$launcher" 2>/dev/null || { ended=1; break; }
    sleep 0.1
  done
  elapsed=$(awk -v a="$killed_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  ((ended)) || { kill -9 "$launcher" 2>/dev/null; fail "kill $k: the job was still running 10 s after rank $victim was killed"; }
  rc=0
  wait "$launcher" || rc=$?
  ((rc != 0)) || fail "kill $k: the launcher exited 0 after a rank was killed"
  grep -Eq "rank $victim .*on node $host .*(signal 9|Killed)" "$log" ||
    { cat "$log"; fail "kill $k: the message does not name rank $victim on $host"; }
  echo "kill $k: rank $victim (pid $pid) after ${delay}s of training: job ended in ${elapsed}s, exit $rc: $(grep -E "rank $victim .*on node" "$log" | head -1 | sed 's/^ *//')"
  sleep "$(awk -v e="$elapsed" 'BEGIN { printf "%.1f", 30 - e }')"
  left=$(pgrep -f -- "--run-dir $run" || true)
  [[ -z $left ]] || { ps -fp $left; fail "kill $k: processes left 30 s after the kill: $left"; }
done
echo "PASS: $kills kills of a non-zero rank: each job ended within 10 s naming the rank and host $host; no process left after 30 s"
