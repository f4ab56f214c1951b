#!/usr/bin/env bash
# Every example model, trained briefly, exports at opset 13 and 17; ONNX's Python checker
# (full_check=True) passes; OpenCV's parity is within 1e-4 on 1,000 Fashion-MNIST test images
# at batch 1 and 64 (loom export exits non-zero otherwise). Also: the parity check can fail
# (tolerance 0 must be refused with exit 9).
#   export_examples.sh LOOM PYTHON SOURCE_DIR WORK_DIR [STEPS]
set -euo pipefail
loom=$1 python=$2 src=$3 work=$4 steps=${5:-5}
rm -rf "$work" && mkdir -p "$work"
for ex in mlp cnn cnn_bn resnet_small; do
  "$loom" train "$src/resources/examples/$ex.loom" --max-steps "$steps" --no-test --threads 2 \
    --run-dir "$work/run_$ex" --output "$work/$ex.loom" >/dev/null 2>&1
  for opset in 13 17; do
    out=$("$loom" export "$work/$ex.loom" -o "$work/${ex}_$opset.onnx" --opset "$opset" \
      --parity-images 1000 --parity-batch 1 64 2>&1) || { echo "$out"; exit 1; }
    echo "$out" | grep -E "^  logits +(1|64) " || { echo "$out"; exit 1; }
    [[ $(echo "$out" | grep -cE "^  logits +(1|64) .* pass$") == 2 ]] || { echo "$out"; exit 1; }
    [[ -s $work/${ex}_$opset.md ]] || { echo "no model card"; exit 1; }
    "$python" "$src/tests/python/onnx_full_check.py" "$work/${ex}_$opset.onnx" "$opset"
  done
done
# Folding BatchNorm keeps the numbers.
"$loom" export "$work/cnn_bn.loom" -o "$work/cnn_bn_fold.onnx" --fold-bn --parity-images 1000 \
  | grep -E "folded|pass"
"$python" "$src/tests/python/onnx_full_check.py" "$work/cnn_bn_fold.onnx" 13
# The check must be able to fail: nothing is equal to the last bit.
set +e
"$loom" export "$work/mlp.loom" -o "$work/strict.onnx" --tolerance 0 --parity-images 100 \
  >"$work/strict.out" 2>&1
rc=$?
set -e
[[ $rc == 9 ]] || { cat "$work/strict.out"; echo "tolerance 0 gave exit $rc, expected 9"; exit 1; }
grep -q "parity check failed" "$work/strict.out"
echo "export_examples: all passed"
