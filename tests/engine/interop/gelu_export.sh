#!/usr/bin/env bash
# GELU export (docs/onnx.md): a model with GELU, trained briefly, exports in both forms at
# opsets 13 and 17, passes ONNX's full check and loom export's OpenCV parity check at batch 1
# and 64; the exact form (Erf) is also evaluated by NumPy with SciPy's erf
# (tests/python/onnx_numpy_eval.py) on 500 Fashion-MNIST test images, within 1e-4 of Loom.
#   gelu_export.sh LOOM PYTHON SOURCE_DIR WORK_DIR
set -euo pipefail
loom=$1 python=$2 src=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
"$loom" train "$src/tests/cli/data/gelu_model.loom" --max-steps 30 --train-limit 2048 --no-test \
  --threads 2 --run-dir "$work/run" --output "$work/gelu.loom" >/dev/null 2>&1
sed 's/op: "GELU"/op: "GELU" attr { name: "approximate" s: "tanh" }/' "$work/gelu.loom" \
  >"$work/gelu_tanh.loom"
grep -q '"tanh"' "$work/gelu_tanh.loom"
for opset in 13 17; do
  out=$("$loom" export "$work/gelu.loom" -o "$work/erf_$opset.onnx" --opset "$opset" \
    --parity-images 1000 --parity-batch 1 64 2>&1) || { echo "$out"; exit 1; }
  [[ $(echo "$out" | grep -cE "^  fc2 +(1|64) .* pass$") == 2 ]] || { echo "$out"; exit 1; }
  "$python" "$src/tests/python/onnx_full_check.py" "$work/erf_$opset.onnx" "$opset"
  "$python" "$src/tests/python/onnx_numpy_eval.py" input "$work/erf_$opset.onnx" 500 "$work/x.npy"
  "$loom" predict "$work/gelu.loom" --input "$work/x.npy" --save-outputs "$work/y_loom.npy" \
    >/dev/null
  "$python" "$src/tests/python/onnx_numpy_eval.py" run "$work/erf_$opset.onnx" "$work/x.npy" \
    "$work/y_numpy.npy"
  "$python" "$src/tests/python/compare_npy.py" "$work/y_loom.npy" "$work/y_numpy.npy" 1e-4

  out=$("$loom" export "$work/gelu_tanh.loom" -o "$work/tanh_$opset.onnx" --opset "$opset" \
    --parity-images 1000 --parity-batch 1 64 2>&1) || { echo "$out"; exit 1; }
  [[ $(echo "$out" | grep -cE "^  fc2 +(1|64) .* pass$") == 2 ]] || { echo "$out"; exit 1; }
  echo "$out" | grep -E "^  fc2 "
  "$python" "$src/tests/python/onnx_full_check.py" "$work/tanh_$opset.onnx" "$opset"
done
echo "gelu_export: all passed"
