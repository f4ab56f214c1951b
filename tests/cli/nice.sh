#!/bin/bash
# loom train --nice N: the running process has nice N, and (where the kernel has autogroups)
# its session's autogroup too (cmd_train.cpp, lowerOwnPriority). A separate session (setsid)
# so the test runner's own autogroup is left alone.
# Usage: nice.sh LOOM MODEL WORKDIR
set -euo pipefail
loom=$1 model=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
setsid "$loom" train "$model" --nice 7 --threads 1 --epochs 10000 --train-limit 512 --no-test \
  --run-dir "$work/run" >"$work/out.txt" 2>&1 &
pid=$!
trap 'kill -9 $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do  # until the trainer runs: the progress line appears
  grep -q 'epoch' "$work/out.txt" 2>/dev/null && break
  sleep 0.1
done
nice_now=$(awk '{print $19}' "/proc/$pid/stat")
echo "nice of the running loom train: $nice_now"
[ "$nice_now" = 7 ] || { echo "FAIL: expected nice 7"; exit 1; }
for task in /proc/$pid/task/*; do  # every thread, the data loader's included
  n=$(awk '{print $19}' "$task/stat")
  [ "$n" = 7 ] || { echo "FAIL: thread ${task##*/} has nice $n"; exit 1; }
done
if [ -r "/proc/$pid/autogroup" ]; then
  group=$(cat "/proc/$pid/autogroup")
  echo "autogroup: $group"
  [[ "$group" == *"nice 7" ]] || { echo "FAIL: the session's autogroup is not at nice 7"; exit 1; }
fi
echo "PASS: loom train --nice 7 runs at nice 7"
