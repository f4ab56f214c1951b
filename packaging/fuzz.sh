#!/usr/bin/env bash
# Runs one libFuzzer target for a while and merges what it found into the committed corpus.
#   bash packaging/fuzz.sh model_parser|checkpoint|idx|csv [seconds=600]
# Builds the `fuzz` preset (clang 14 + ASan) first. A crash leaves crash-* in build/fuzz/work/
# and exits non-zero; add the input to tests/fuzz/corpus/<target>/ once it is fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz.sh TARGET [SECONDS]}
seconds=${2:-600}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "fuzz_$target"
work=build/fuzz/work/$target
mkdir -p "$work/new"
corpus=tests/fuzz/corpus/$target
# -rss_limit_mb: a target that allocates what a file claims fails here, as the issue demands.
build/fuzz/tests/fuzz/fuzz_$target "$work/new" "$corpus" -max_total_time="$seconds" \
  -rss_limit_mb=2048 -timeout=30 -max_len=65536 -artifact_prefix="$work/" -print_final_stats=1
# Keep only inputs that add coverage, so the committed corpus stays small.
build/fuzz/tests/fuzz/fuzz_$target -merge=1 "$corpus" "$work/new" >/dev/null 2>&1
echo "loom: $corpus now holds $(ls "$corpus" | wc -l) inputs"
