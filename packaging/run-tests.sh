#!/usr/bin/env bash
# Quick start, command 2: install what is missing, check the formatting, build, and run the
# whole test suite through ctest. .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
bash packaging/check-format.sh
bash packaging/build.sh release
ctest --preset release "$@"
