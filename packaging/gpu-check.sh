#!/usr/bin/env bash
# The CUDA backend's check on a machine with an NVIDIA GPU (docs/backend-cuda.md). About 10
# minutes on a 16-core H200 machine:
#   1. configure + build with -DLOOM_CUDA=ON (CLI, libloom_cuda.so, op harness; no Studio)
#   2. the op harness's CUDA cases: every one must PASS (a skipped CUDA case fails the check)
#   3. the CNN example for one epoch on cuda:0 and on the CPU: test accuracy side by side
#   4. training throughput at batch 128 and 512: Loom on cuda:0 against PyTorch on torch.cuda
#
#   packaging/gpu-check.sh [BUILD_DIR]      (default build/gpu-check)
# Environment: PYTHON (default /usr/bin/python3; one with a CUDA-enabled torch for step 4),
# JOBS (default nproc), CUDA_ARCH (default native).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/gpu-check}
jobs=${JOBS:-$(nproc)}
python=${PYTHON:-/usr/bin/python3}
model=resources/examples/cnn.loom
work=$(mktemp -d /tmp/loom-gpu-check.XXXXXX)
t0=$(date +%s)
step() { printf '\n== %s (%ds)\n' "$1" $(( $(date +%s) - t0 )); }
fail() { printf '\ngpu-check: FAILED: %s\n' "$1" >&2; exit 1; }

step "device"
nvidia-smi -L || fail "nvidia-smi finds no GPU"

step "configure + build ($build, $jobs jobs)"
extra=()
command -v ninja >/dev/null && extra+=(-G Ninja)
command -v ccache >/dev/null && extra+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" "${extra[@]}" -DCMAKE_BUILD_TYPE=Release -DLOOM_CUDA=ON \
  -DLOOM_BUILD_STUDIO=OFF -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCH:-native}" \
  >"$work/configure.log" || { cat "$work/configure.log"; fail "configure"; }
grep "CUDA backend" "$work/configure.log" || true
cmake --build "$build" -j "$jobs" --target loom loom_cuda ops_backends_test ops_gradcheck_test \
  ops_coverage_test || fail "build"
loom="$build/app/cli/loom"
tests="$build/tests/engine"

step "op harness on the CUDA backend"
export LOOM_TEST_REQUIRE_CUDA=1  # op_backends.cpp: an unavailable CUDA backend fails
status=0
for t in ops_backends_test ops_gradcheck_test; do
  "$tests/$t" --gtest_filter='*_cuda' --gtest_brief=0 >"$work/$t.log" 2>&1 || status=1
  grep -E '^\[ +(OK|FAILED|SKIPPED|checked) ' "$work/$t.log" | sed "s/^/$t: /" || true
  echo "$t: $(grep -c '^\[ declined \]' "$work/$t.log" || true) cases declined (they run on the CPU; see $work/$t.log)"
  if grep -q '^\[  SKIPPED \]' "$work/$t.log"; then
    echo "$t: CUDA cases were skipped:"; grep -A2 '^\[  SKIPPED \]' "$work/$t.log" | head -40
    status=1
  fi
  [ $status -eq 0 ] || { tail -60 "$work/$t.log"; fail "$t (log: $work/$t.log)"; }
done
"$tests/ops_coverage_test" >"$work/coverage.log" 2>&1 || { cat "$work/coverage.log"; fail "ops_coverage_test"; }
echo "op harness: every CUDA case passed"

step "kernels the CNN gets on cuda:0"
"$loom" info "$model" --kernels --device cuda:0 | tail -20 || fail "loom info --kernels --device cuda:0"

# One epoch of the CNN on `device`; sets acc (test accuracy) and rate (epoch samples/s).
train_epoch() {
  local device=$1 out="$work/train-$1.log"
  "$loom" train "$model" --epochs 1 --device "$device" --run-dir "$work/run-$device" >"$out" 2>&1 ||
    { tail -30 "$out"; fail "loom train --device $device"; }
  acc=$(grep -oP '^test: loss \S+\s+accuracy \K[0-9.]+' "$out" | tail -1)
  rate=$(grep -aoP '^epoch \d+:.* \K[0-9.]+(?= samples/s)' "$out" | tail -1)
  acc=${acc:-?} rate=${rate:-?}
}
step "CNN, one epoch: cuda:0 against the CPU"
train_epoch cuda:0; gpu_acc=$acc gpu_rate=$rate
train_epoch cpu; cpu_acc=$acc cpu_rate=$rate
printf '| device | test accuracy %% | samples/s (epoch) |\n|---|---|---|\n'
printf '| cuda:0 | %s | %s |\n| cpu | %s | %s |\n' "$gpu_acc" "$gpu_rate" "$cpu_acc" "$cpu_rate"
awk -v g="$gpu_acc" -v c="$cpu_acc" 'BEGIN { if (g == "?" || c == "?" || g < c - 1.5) exit 1 }' ||
  fail "cuda:0 test accuracy $gpu_acc% is not within 1.5 points of the CPU's $cpu_acc%"

step "training throughput: Loom cuda:0 against PyTorch torch.cuda (TF32 off on both)"
# Loom: the second of two epochs over 20480 samples (the first includes cuDNN's algorithm
# search); PyTorch: benchmarks/torch_cuda_throughput.py's median over 5 one-second chunks.
printf '| batch | Loom cuda:0 samples/s | PyTorch cuda samples/s | Loom / PyTorch |\n|---|---|---|---|\n'
for batch in 128 512; do
  out="$work/loom-$batch.log"
  "$loom" train "$model" --epochs 2 --batch-size "$batch" --train-limit 20480 --no-test \
    --device cuda:0 --run-dir "$work/tput-$batch" >"$out" 2>&1 || { tail -20 "$out"; fail "loom train --batch-size $batch"; }
  loom_rate=$(grep -aoP '^epoch \d+:.* \K[0-9.]+(?= samples/s)' "$out" | tail -1)
  torch_rate="absent"
  if json=$("$python" benchmarks/torch_cuda_throughput.py "$model" --batch "$batch" 2>"$work/torch-$batch.err"); then
    torch_rate=$(echo "$json" | "$python" -c 'import json,sys; print("%.0f" % json.load(sys.stdin)["samples_per_second"])')
  else
    torch_rate="absent ($(echo "$json" | tail -1 | head -c 120)$(tail -1 "$work/torch-$batch.err" | head -c 120))"
  fi
  ratio=$(awk -v a="$loom_rate" -v b="$torch_rate" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "-" }')
  printf '| %s | %s | %s | %s |\n' "$batch" "${loom_rate:-?}" "$torch_rate" "$ratio"
done

step "gpu-check: PASSED"
rm -rf "$work"
