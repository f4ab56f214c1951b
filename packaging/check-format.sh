#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what .clang-format says (clang-format 14, the
# version Debian 12 ships; other versions format some constructs differently).
# Fix with: bash packaging/check-format.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."
cf=$(command -v clang-format-14 || command -v clang-format || true)
if [[ -z $cf ]]; then
  echo "loom: clang-format is missing; install it with packaging/install-deps.sh" >&2
  exit 1
fi
mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.cc' '*.hpp')
if [[ ${1:-} == --fix ]]; then
  "$cf" -i "${files[@]}"
  echo "loom: formatted ${#files[@]} files"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  "$cf" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  echo "loom: ${#bad[@]} file(s) are not formatted as .clang-format says:" >&2
  for f in "${bad[@]}"; do
    echo "  $f" >&2
    "$cf" --dry-run "$f" 2>&1 | grep -m1 -E "warning|error" | sed 's/^/    /' >&2 || true
  done
  echo "loom: fix with: bash packaging/check-format.sh --fix" >&2
  exit 1
fi
echo "loom: all ${#files[@]} C++ files are formatted"
