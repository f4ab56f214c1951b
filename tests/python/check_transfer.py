#!/usr/bin/python3
"""check_transfer.py MODEL.onnx IMPORTED.loom TRAINED.loom RUN.json FEATURE MIN_ACCURACY

The checks of tests/cli/transfer_learning.sh, independent of Loom's code (the .loom files are
read by loom_to_torch.py's own text-format parser, the ONNX file by the onnx package):
  * run.json's "frozen" block names FEATURE and exactly FEATURE and its ancestors in the
    imported graph (computed here from the graph's inputs);
  * every tensor of a frozen node is byte-identical in TRAINED and IMPORTED, and byte-identical
    to one of the ONNX file's initializers (the values PyTorch exported);
  * the new head's tensors exist only in TRAINED, and the head is the output;
  * the test accuracy in run.json is at least MIN_ACCURACY (chance is 0.1).
Prints the figures."""
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loom_to_torch as l2t  # noqa: E402


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def owner(param):
    return param.rsplit(".", 1)[0]


def main(onnx_path, imported_path, trained_path, run_json, feature, min_accuracy):
    imported = l2t.load_loom(imported_path)
    trained = l2t.load_loom(trained_path)
    with open(run_json, encoding="utf-8") as f:
        run = json.load(f)
    frozen = run.get("frozen")
    if not frozen or frozen.get("until") != feature:
        fail("run.json has no frozen block for %r: %r" % (feature, frozen))
    expected = l2t.ancestors(imported, feature)
    if set(frozen["nodes"]) != expected:
        fail("run.json froze %s, the graph's ancestors of %s are %s"
             % (sorted(frozen["nodes"]), feature, sorted(expected)))
    initializers = [numpy_helper.to_array(t).astype(np.float32).tobytes()
                    for t in onnx.load(onnx_path).graph.initializer]
    checked = elements = 0
    for name, value in trained.parameters.items():
        if owner(name) not in expected:
            continue
        if name not in imported.parameters:
            fail("frozen tensor %s is not in the imported model" % name)
        if value.tobytes() != imported.parameters[name].tobytes():
            fail("frozen tensor %s changed in training" % name)
        if value.astype(np.float32).tobytes() not in initializers:
            fail("frozen tensor %s matches no initializer of %s" % (name, onnx_path))
        checked += 1
        elements += value.size
    if checked == 0 or checked != frozen["tensors"] or elements != frozen["parameters"]:
        fail("checked %d frozen tensors (%d elements), run.json says %d (%d)"
             % (checked, elements, frozen["tensors"], frozen["parameters"]))
    head = [n for n in trained.parameters if owner(n) == trained.output]
    if not head or any(n in imported.parameters for n in head):
        fail("the head %r has tensors %s (must be new)" % (trained.output, head))
    accuracy = run["test"]["accuracy"]
    print("frozen up to %s: %d nodes, %d tensors, %d elements byte-identical to the import and "
          "the ONNX initializers; head %s (%s); test accuracy %.4f on %d samples (needs >= %.2f)"
          % (feature, len(expected), checked, elements, trained.output, ", ".join(sorted(head)),
             accuracy, run["test"]["samples"], min_accuracy))
    if accuracy < min_accuracy:
        fail("test accuracy %.4f is below %.2f" % (accuracy, min_accuracy))


if __name__ == "__main__":
    if len(sys.argv) != 7:
        print(__doc__)
        sys.exit(2)
    main(*sys.argv[1:6], float(sys.argv[6]))
