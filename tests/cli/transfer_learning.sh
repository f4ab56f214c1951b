#!/usr/bin/env bash
# Issue 8 acceptance 2, transfer learning on the command line (docs/transfer-learning.md): a CNN
# trained in PyTorch and exported by torch.onnx.export (opset 13) is imported, cut after its
# feature vector (the Flatten), given a new 10-class head, and fine-tuned on Fashion-MNIST with
# the features frozen; the frozen tensors are byte-identical to the imported ones (and to the
# ONNX file's initializers), and the test accuracy is well above chance.
#   transfer_learning.sh LOOM PYTHON SOURCE_DIR WORK_DIR [TORCH_STEPS] [TRAIN_LIMIT]
set -euo pipefail
loom=$1 python=$2 src=$3 work=$4 steps=${5:-150} limit=${6:-6000}
rm -rf "$work" && mkdir -p "$work"
set -x
"$python" "$src/tests/python/torch_cnn_onnx.py" "$work" "$steps"
"$loom" import "$work/torch_cnn.onnx" -o "$work/imported.loom"
# The feature node: the importer's Flatten (PyTorch's x.view(x.size(0), -1)).
feature=$("$loom" info "$work/imported.loom" | awk '$2 == "Flatten" { print $1; exit }')
test -n "$feature"
"$loom" edit "$work/imported.loom" --cut-after "$feature" --append-head 10 -o "$work/edited.loom"
"$loom" train "$work/edited.loom" --freeze-until "$feature" --epochs 1 --train-limit "$limit" \
  --test-limit 2000 --threads 2 --run-dir "$work/run" --output "$work/trained.loom"
"$python" "$src/tests/python/check_transfer.py" "$work/torch_cnn.onnx" "$work/imported.loom" \
  "$work/trained.loom" "$work/run/run.json" "$feature" 0.6
set +x
echo "transfer_learning: all passed"
