#!/usr/bin/env bash
# Quick start, command 1: install everything, build, and run Loom on the demo model.
# Until the studio exists this trains the 2-conv CNN on Fashion-MNIST with a live progress
# bar (Ctrl+C stops it; `loom train --resume` continues from the last checkpoint).
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
bash packaging/build.sh release
exec ./build/release/app/cli/loom train resources/examples/cnn.loom --epochs 2 --run-dir runs/demo
