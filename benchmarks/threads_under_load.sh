#!/bin/bash
# Training throughput with and without a competing busy loop on one core (issue 12,
# acceptance 3): the default thread setting (0, "idle cores") beside fixed teams of 1 and
# all cores. Usage: benchmarks/threads_under_load.sh [MODEL.loom] [BUILD_DIR]
# Run it under the machine's heavy-work lock on an otherwise quiet machine.
set -euo pipefail
model=${1:-resources/examples/cnn.loom}
bench=${2:-build/release}/benchmarks/loom_bench_train
cores=$(nproc)
busy_core=$((cores - 1))
export MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=1000000000
rate() {
  "$bench" "$model" --threads "$1" --chunks 3 --warmup-seconds 1 |
    /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(round(d['samples_per_second']), d['threads'])"
}
echo "model $model, $cores cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| competing load | setting | samples/s | team |"
echo "|---|---|---|---|"
for load in none "busy loop on core $busy_core"; do
  busy=""
  if [ "$load" != none ]; then
    taskset -c "$busy_core" /usr/bin/python3 -c 'while True: pass' &
    busy=$!
    sleep 0.5
  fi
  for setting in 0 1 "$cores"; do
    read -r samples team < <(rate "$setting")
    echo "| $load | $setting | $samples | $team |"
  done
  [ -n "$busy" ] && kill "$busy"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
