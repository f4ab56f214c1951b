#!/usr/bin/env bash
# Ctrl+C during `loom explain` leaves every finished image: SIGINT once the first image's
# files exist; then the exit code must be 130, scores.json must say "complete": false and list
# only finished images, and each listed image must have all its files.
set -u
loom=$1 model=$2 out=$3
rm -rf "$out"
"$loom" explain "$model" --samples 200 --method gradient,ig --option ig.steps=32 -o "$out" \
  >"$out.stdout" 2>"$out.stderr" &
pid=$!
for _ in $(seq 1 600); do
  [ -f "$out/0001_test_1/ig.npy" ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
kill -INT $pid
wait $pid
rc=$?
cat "$out.stderr" | tail -3
[ $rc -eq 130 ] || { echo "expected exit 130, got $rc"; exit 1; }
grep -q '"complete": false' "$out/scores.json" || { echo "scores.json not marked incomplete"; exit 1; }
[ -f "$out/grid.png" ] || { echo "no grid.png"; exit 1; }
n=$(grep -c '"dir":' "$out/scores.json")
[ "$n" -ge 2 ] && [ "$n" -lt 200 ] || { echo "scores.json lists $n images"; exit 1; }
for d in $(grep -o '"dir": "[^"]*"' "$out/scores.json" | cut -d'"' -f4); do
  for f in image.png gradient.npy gradient.png ig.npy ig.png; do
    [ -f "$out/$d/$f" ] || { echo "missing $out/$d/$f"; exit 1; }
  done
done
grep -q "stopped by Ctrl+C" "$out.stderr" || { echo "no stop message"; exit 1; }
echo "interrupted after $n images: ok"
