#!/usr/bin/env bash
# End-to-end crash recovery of loom-studio (docs/studio.md, "Autosave and recovery"):
#  1. open a copy of an example, add a node (--test-add-node), wait for the autosave file,
#  2. SIGKILL the process (no chance to clean up),
#  3. restart with --test-restore accept: the restored document must be the edited model,
#     attached to the original file and marked modified; the file on disk is untouched,
#  4. restart once more declining the offer: the original model, nothing left to recover.
# Also: without any display the studio must exit non-zero with a pointer to the CLI.
# Usage: studio_crash_recovery.sh <loom-studio> <source dir>
set -u
studio=$1
src=$2
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.log; do echo "--- $f"; cat "$f"; done; exit 1; }

export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" XDG_RUNTIME_DIR="$work/runtime"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

# --- no display: a clear message, non-zero exit, no crash ---
env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$studio" > "$work/nodisplay.log" 2>&1
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || fail "no-display run exited with $rc (want a plain non-zero exit)"
grep -q "loom train resources/examples/cnn.loom" "$work/nodisplay.log" || fail "no-display message lacks the CLI pointer"

export QT_QPA_PLATFORM=offscreen
cp "$src/resources/examples/mlp.loom" "$work/model.loom"
nodes_before=$(grep -c '^  node {' "$work/model.loom")

# --- 1. edit and wait for the autosave ---
"$studio" "$work/model.loom" --test-autosave-ms 200 --test-add-node Dropout > "$work/run1.log" 2>&1 &
pid=$!
autosave=
for _ in $(seq 1 150); do
  autosave=$(find "$work/data" -name '*.json' 2>/dev/null | head -n 1)
  [ -n "$autosave" ] && break
  kill -0 "$pid" 2>/dev/null || fail "loom-studio exited before autosaving"
  sleep 0.1
done
[ -n "$autosave" ] || fail "no autosave appeared within 15 s"
added=$(sed -n 's/^added=//p' "$work/run1.log")
[ -n "$added" ] || fail "the test edit did not report the added node"

# --- 2. crash ---
kill -9 "$pid"
wait "$pid" 2>/dev/null
pid=
cmp -s "$src/resources/examples/mlp.loom" "$work/model.loom" || fail "the model file changed without a save"
ls "$work"/data/*/*/autosave/*.loom > /dev/null 2>&1 || fail "the autosave did not survive the crash"

# --- 3. restart and accept the restore offer ---
"$studio" --test-restore accept --test-dump "$work/restored.loom" > "$work/run2.log" 2>&1 || fail "restart failed"
grep -q "^path=$work/model.loom modified=1\$" "$work/run2.log" || fail "restored document is not the modified model.loom"
grep -q "name: \"$added\"" "$work/restored.loom" || fail "restored model lacks the added node $added"
grep -q 'op: "Dropout"' "$work/restored.loom" || fail "restored model lacks the Dropout op"
nodes_after=$(grep -c '^  node {' "$work/restored.loom")
[ "$nodes_after" -eq $((nodes_before + 1)) ] || fail "restored model has $nodes_after nodes, want $((nodes_before + 1))"
# Every original node is still there.
for name in $(sed -n 's/^    name: "\(.*\)"$/\1/p' "$work/model.loom"); do
  grep -q "name: \"$name\"" "$work/restored.loom" || fail "restored model lost node $name"
done

# --- 4. restart declining: the file's model, nothing left to offer ---
"$studio" --test-restore discard --test-dump "$work/declined.loom" > "$work/run3.log" 2>&1 || fail "third start failed"
grep -q "modified=0" "$work/run3.log" || fail "declining the restore still left a modified document"
if ls "$work"/data/*/*/autosave/*.loom > /dev/null 2>&1; then fail "declined autosaves were not removed"; fi
echo "PASS: crash recovery restored node $added"
