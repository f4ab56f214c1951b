"""A CNN defined and trained (briefly) in PyTorch on Fashion-MNIST, exported with
torch.onnx.export at opset 13: the foreign model of issue 8's acceptance 2.

Usage: torch_cnn_onnx.py OUT_DIR [STEPS]
Writes OUT_DIR/torch_cnn.onnx, OUT_DIR/x.npy (256 normalised test images, float32 NCHW) and
OUT_DIR/y_torch.npy (PyTorch's logits for them, eval mode). The forward uses
x.view(x.size(0), -1), which torch exports as Shape/Gather/Unsqueeze/Concat/Reshape when the
batch is dynamic, so the importer's constant folding is exercised (checked below); avg_pool2d
exports as a zero Pad before AveragePool. The BatchNorm follows a ReLU because torch's export
folds a BatchNorm that follows a convolution into it."""
import gzip
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530  # Fashion-MNIST train statistics, Loom's defaults


def idx(name, offset):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def images(split):
    raw = idx("%s-images-idx3-ubyte.gz" % split, 16).reshape(-1, 1, 28, 28)
    return ((raw.astype(np.float32) / 255.0 - MEAN) / STD).astype(np.float32)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc1 = nn.Linear(16 * 7 * 7, 32)
        self.drop = nn.Dropout(0.25)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(self.bn1(F.relu(self.conv1(x))), 2)  # BN after ReLU: not folded
        x = F.avg_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(x.size(0), -1)
        return self.fc2(self.drop(F.relu(self.fc1(x))))


def main():
    out = sys.argv[1]
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 150
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(2)
    xtr = torch.from_numpy(images("train"))
    ytr = torch.from_numpy(idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64))
    net = Net()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    net.train()
    for step in range(steps):
        i = torch.randint(0, xtr.shape[0], (64,))
        loss = F.cross_entropy(net(xtr[i]), ytr[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    xte = images("t10k")[:256].copy()
    with torch.no_grad():
        y = net(torch.from_numpy(xte)).numpy().astype(np.float32)
    path = os.path.join(out, "torch_cnn.onnx")
    torch.onnx.export(net, torch.from_numpy(xte[:2]), path, opset_version=13,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}})
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    ops = [n.op_type for n in model.graph.node]
    for needed in ("Shape", "Gather", "Unsqueeze", "Concat", "Reshape", "BatchNormalization",
                   "AveragePool", "Pad"):
        if needed not in ops:
            print("FAIL: torch did not export a %s node (ops: %s)" % (needed, ops))
            sys.exit(1)
    np.save(os.path.join(out, "x.npy"), xte)
    np.save(os.path.join(out, "y_torch.npy"), y)
    acc = float((y.argmax(1) == idx("t10k-labels-idx1-ubyte.gz", 8)[:256]).mean())
    print("torch_cnn: %d steps, loss %.3f, top-1 on 256 test images %.1f %%, ops %s"
          % (steps, loss.item(), 100 * acc, " ".join(ops)))


main()
