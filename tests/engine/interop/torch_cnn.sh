#!/usr/bin/env bash
# Issue 8 acceptance 2 and 4: a CNN trained in PyTorch and exported by torch.onnx.export
# (opset 13) imports and gives PyTorch's outputs within 1e-4; exported again by Loom
# (ONNX -> Loom -> ONNX) it gives them in OpenCV too.
#   torch_cnn.sh LOOM PYTHON SOURCE_DIR WORK_DIR [STEPS]
set -euo pipefail
loom=$1 python=$2 src=$3 work=$4 steps=${5:-150}
rm -rf "$work" && mkdir -p "$work"
"$python" "$src/tests/python/torch_cnn_onnx.py" "$work" "$steps"
"$loom" import "$work/torch_cnn.onnx" -o "$work/torch_cnn.loom"
"$loom" predict "$work/torch_cnn.loom" --input "$work/x.npy" --save-outputs "$work/y_loom.npy" \
  >/dev/null
"$python" "$src/tests/python/compare_npy.py" "$work/y_loom.npy" "$work/y_torch.npy" 1e-4
"$loom" export "$work/torch_cnn.loom" -o "$work/again.onnx" --parity-images 1000
"$python" "$src/tests/python/onnx_full_check.py" "$work/again.onnx" 13
"$loom" predict "$work/again.onnx" --input "$work/x.npy" --save-outputs "$work/y_cv.npy" \
  >/dev/null
"$python" "$src/tests/python/compare_npy.py" "$work/y_cv.npy" "$work/y_torch.npy" 1e-4
echo "torch_cnn: all passed"
