#!/usr/bin/env bash
# Quick start, command 1: install everything, build, and start Loom on the demo model.
# With a display this opens Loom Studio on the 2-conv CNN in Train mode and trains it live
# (curves within seconds). Without one it says so and runs the command-line demo instead:
# `loom train` on the same model with a live progress bar (Ctrl+C stops it after a
# checkpoint; add --resume to continue), then `loom runs` on the run it wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
bash packaging/build.sh release
model=resources/examples/cnn.loom
if [[ -n ${DISPLAY:-}${WAYLAND_DISPLAY:-} ]]; then
  echo "loom: starting Loom Studio on $model, training it live in Train mode"
  exec ./build/release/app/studio/loom-studio --train "$model"
fi
echo "loom: no display (DISPLAY and WAYLAND_DISPLAY are unset), so Loom Studio cannot open a window."
echo "loom: running the command-line demo instead:  build/release/app/cli/loom train $model --epochs 2"
echo "loom: (on a desktop, start the studio with:   build/release/app/studio/loom-studio --train $model)"
status=0
./build/release/app/cli/loom train "$model" --epochs 2 --run-dir runs/demo || status=$?
echo "loom: what the run wrote (TensorBoard event files; \`tensorboard --logdir runs\` opens them too):"
./build/release/app/cli/loom runs runs/demo || true
exit "$status"
