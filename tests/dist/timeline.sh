#!/usr/bin/env bash
# Acceptance (docs/distributed.md, "Timeline"): `loom launch --np 2 -- ... --timeline FILE`
# writes one Chrome trace per rank, checked by check_timeline.py against the run's event file;
# a 1-process run writes FILE itself.
# Usage: timeline.sh LOOM PYTHON MODEL WORKDIR
set -euo pipefail
loom=$1 python=$2 model=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
common=(--threads 1 --max-steps 40 --train-limit 2000 --validation-fraction 0.1 --no-test
        --batch-size 16 --checkpoint-every 10)
"$loom" launch --np 2 -- "$model" "${common[@]}" --run-dir "$work/np2" --timeline "$work/trace.json" \
  >"$work/np2.log" 2>&1 || { cat "$work/np2.log"; fail "the 2-rank run failed"; }
[[ ! -e $work/trace.json ]] || fail "a 2-rank run wrote trace.json instead of trace.rankR.json"
"$python" "$here/check_timeline.py" "$work/trace" "$work/np2" 2 40
one=("${common[@]}")
one[3]=5  # --max-steps 40 -> 5 (the option may be given once)
"$loom" train "$model" "${one[@]}" --run-dir "$work/np1" --timeline "$work/one.json" \
  >"$work/np1.log" 2>&1 || { cat "$work/np1.log"; fail "the 1-process run failed"; }
"$python" -c '
import json, sys
events = json.load(open(sys.argv[1]))
names = [e["name"] for e in events if e["ph"] == "X"]
assert names.count("forward") == 5 and "gradient allreduce" not in names, names
print("1 process: %d events, no allreduce" % len(names))' "$work/one.json"
echo "PASS: per-rank Chrome traces parse, every phase of every step once and in order"
