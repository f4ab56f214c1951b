"""A small PyTorch model with both GELUs, nn.GELU() and nn.GELU(approximate='tanh'), exported
with torch.onnx.export at opset 13: the foreign files of the importer's GELU pattern
(docs/onnx.md, "Import"). torch 1.13 writes the exact GELU as Div, Erf, Add, Mul, Mul and the
tanh one as Mul, Mul, Mul, Add, Mul, Tanh, Add, Mul, Mul, with scalar Constant nodes.

Usage: torch_gelu_onnx.py LOOM WORK_DIR
Exports the model to WORK_DIR/torch_gelu.onnx, imports it with `loom import`, and fails unless
  * the import notes read both formulas as one GELU each, and the .loom is exactly Input,
    Conv2D, GELU act1 (approximate none), Flatten, Dense, GELU act2 (approximate tanh), Dense;
  * `loom predict` of the imported model gives PyTorch's outputs on 64 samples spread over
    GELU's curve within 1e-5 (|a - b| <= 1e-5 * max(1, |b|));
  * `loom predict` of the ONNX file itself (OpenCV 4.6's DNN module, which runs Erf) does too.
Fails (never skips) when torch or onnx is missing: the imports below raise."""
import os
import re
import subprocess
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.act1 = nn.GELU()
        self.flat = nn.Flatten()
        self.fc1 = nn.Linear(4 * 8 * 8, 16)
        self.act2 = nn.GELU(approximate="tanh")
        self.fc2 = nn.Linear(16, 5)

    def forward(self, x):
        return self.fc2(self.act2(self.fc1(self.flat(self.act1(self.conv(x))))))


def export(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    net = Net().eval()
    x = (3.0 * torch.randn(64, 1, 8, 8)).float()
    with torch.no_grad():
        y = net(x).numpy().astype(np.float32)
    path = os.path.join(out, "torch_gelu.onnx")
    torch.onnx.export(net, x[:2], path, opset_version=13, input_names=["image"],
                      output_names=["logits"],
                      dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}})
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    ops = [n.op_type for n in model.graph.node]
    # The importer must see the formula, not a fused op (torch 1.13 has no Gelu below opset 20).
    if "Erf" not in ops or "Tanh" not in ops or "Gelu" in ops:
        print("FAIL: torch did not write GELU as Erf and Tanh formulas (ops: %s)" % ops)
        sys.exit(1)
    np.save(os.path.join(out, "x.npy"), x.numpy())
    np.save(os.path.join(out, "y_torch.npy"), y)
    print("torch_gelu: torch %s, opset 13, ops %s" % (torch.__version__, " ".join(ops)))


def check(loom_file):
    text = open(loom_file).read()
    # Text format: each `node {` block starts with its name and op; its attributes follow.
    blocks = []
    for block in text.split("node {")[1:]:
        name, op = re.search(r'name:\s*"([^"]+)"', block), re.search(r'op:\s*"([^"]+)"', block)
        if name and op:
            blocks.append((name.group(1), op.group(1), block))
    if not blocks:  # the writer's layout changed: say so rather than pass
        fail("no nodes found in %s:\n%s" % (loom_file, text[:2000]))
    ops = sorted(op for _, op, _ in blocks)
    gelus = {name: "tanh" if re.search(r'"approximate"\s*s:\s*"tanh"', rest) else "none"
             for name, op, rest in blocks if op == "GELU"}
    want_ops = sorted(["Input", "Conv2D", "GELU", "Flatten", "Dense", "GELU", "Dense"])
    if ops != want_ops or gelus != {"act1": "none", "act2": "tanh"}:
        fail("expected GELU act1 (none) and act2 (tanh) among %s; got %s, GELUs %s"
             % (want_ops, ops, gelus))


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run(*argv):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        fail("%s exited %d:\n%s" % (" ".join(argv), r.returncode, r.stdout))
    return r.stdout


def compare(a_path, b_path, what, tol=1e-5):
    a, b = np.load(a_path).astype(np.float64), np.load(b_path).astype(np.float64)
    if a.shape != b.shape:
        fail("%s: shapes %s vs %s" % (what, a.shape, b.shape))
    d = np.abs(a - b)
    rel = (d / np.maximum(1.0, np.abs(b))).max()
    print("torch_gelu: %s vs PyTorch: max abs %.3g, max rel %.3g (tolerance %g)"
          % (what, d.max(), rel, tol))
    if not rel <= tol:
        fail("%s differs from PyTorch by %.3g" % (what, rel))


def main(loom, work):
    os.makedirs(work, exist_ok=True)
    export(work)
    onnx_path, loom_path = os.path.join(work, "torch_gelu.onnx"), os.path.join(work, "imported.loom")
    notes = run(loom, "import", onnx_path, "-o", loom_path)
    print(notes.rstrip())
    for form in ("none", "tanh"):
        if "imported as one GELU (approximate: %s)" % form not in notes:
            fail("loom import did not read the %s GELU as one node:\n%s" % (form, notes))
    check(loom_path)
    x, y_torch = os.path.join(work, "x.npy"), os.path.join(work, "y_torch.npy")
    y_loom, y_cv = os.path.join(work, "y_loom.npy"), os.path.join(work, "y_cv.npy")
    run(loom, "predict", loom_path, "--input", x, "--save-outputs", y_loom)
    compare(y_loom, y_torch, "Loom (imported)")
    run(loom, "predict", onnx_path, "--input", x, "--save-outputs", y_cv)
    compare(y_cv, y_torch, "OpenCV (the ONNX file)")
    print("torch_gelu: all passed")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
