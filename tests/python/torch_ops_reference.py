#!/usr/bin/python3
"""PyTorch reference for tests/engine/ops/ops_torch_test.cpp (the op harness).

Usage: torch_ops_reference.py DIR

DIR/manifest.json lists cases; tensors are raw little-endian files described by manifest
entries (tests/python/torch_exchange.py). For each case this script computes the result with
torch in float64 and writes, next to the inputs:

  op cases:   <id>_out.bin, <id>_dsrc<i>.bin (gradient of input i), <id>_dparam<j>.bin
              (gradient of trainable param j), <id>_param<j>_after.bin (param j after the
              forward: BatchNorm's running statistics), all float32; the backward seed is
              <id>_ddst.bin, i.e. gradients of sum(output * diff_dst).
  loss cases: <id>_loss.bin (float64 scalar), <id>_grad.bin (float32, d loss / d pred).
  topk cases: <id>_count.bin (int64 scalar).

run_op() is the PyTorch equivalent of every Loom op, one branch per op; an op it does not
know fails the run with its name. Geometry ("same" padding, explicit pads, stride 0 =
pool size) is re-derived here from the attributes, independently of the C++ helper.
"""
import math
import sys

import torch_exchange as exchange
from torch_exchange import load, save

torch = exchange.require("torch")
F = exchange.require("torch.nn.functional")
np = exchange.np

torch.set_default_dtype(torch.float64)


def same_pads(size, k, s, dil):
    """TensorFlow's SAME: (begin, end)."""
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * dil + 1 - size, 0)
    return total // 2, total - total // 2


def window_pads(attrs, x, kernel, stride, dilation):
    """[top, left, bottom, right] for the case's padding mode."""
    mode = attrs["padding"]
    if mode == "valid":
        return [0, 0, 0, 0]
    if mode == "explicit":
        return list(attrs["pads"])
    t, b = same_pads(x.shape[2], kernel[0], stride[0], dilation[0])
    l, r = same_pads(x.shape[3], kernel[1], stride[1], dilation[1])
    return [t, l, b, r]


def torch_pad(x, pads, value=0.0):
    t, l, b, r = pads
    return F.pad(x, (l, r, t, b), value=value)


def pool_geometry(attrs, x):
    k = list(attrs["pool_size"])
    s = [k[i] if attrs["stride"][i] == 0 else attrs["stride"][i] for i in range(2)]
    pads = window_pads(attrs, x, k, s, [1, 1])
    symmetric = pads[0] == pads[2] and pads[1] == pads[3] and pads[0] <= k[0] // 2 \
        and pads[1] <= k[1] // 2
    return k, s, pads, symmetric


def max_pool(attrs, x):
    k, s, pads, symmetric = pool_geometry(attrs, x)
    if symmetric:  # torch's own padding path
        return F.max_pool2d(x, k, s, padding=(pads[0], pads[1]))
    return F.max_pool2d(torch_pad(x, pads, -math.inf), k, s)


def avg_pool(attrs, x):
    k, s, pads, symmetric = pool_geometry(attrs, x)
    include = attrs["count_include_pad"]
    if symmetric:
        return F.avg_pool2d(x, k, s, padding=(pads[0], pads[1]), count_include_pad=include)
    if include:
        return F.avg_pool2d(torch_pad(x, pads), k, s)
    total = F.avg_pool2d(torch_pad(x, pads), k, s, divisor_override=1)
    count = F.avg_pool2d(torch_pad(torch.ones_like(x), pads), k, s, divisor_override=1)
    return total / count


def conv2d(attrs, x, params):
    w = params[0]
    b = params[1] if len(params) > 1 else None
    k = list(attrs["kernel_size"])
    s = list(attrs["stride"])
    dil = list(attrs["dilation"])
    pads = window_pads(attrs, x, k, s, dil)
    return F.conv2d(torch_pad(x, pads), w, b, stride=s, dilation=dil, groups=attrs["groups"])


def run_op(case, xs, params):
    op, a = case["op"], case.get("attrs", {})
    if op == "Dense":
        return F.linear(xs[0], params[0], params[1] if len(params) > 1 else None)
    if op == "Conv2D":
        return conv2d(a, xs[0], params)
    if op == "MaxPool2D":
        return max_pool(a, xs[0])
    if op == "AvgPool2D":
        return avg_pool(a, xs[0])
    if op == "GlobalAvgPool":
        return xs[0].mean(dim=(2, 3))
    if op == "BatchNorm":
        return F.batch_norm(xs[0], params[2], params[3], params[0], params[1],
                            training=case["training"], momentum=a["momentum"], eps=a["epsilon"])
    if op == "Dropout":
        if case["training"]:
            raise ValueError("Dropout in training mode has no deterministic torch reference")
        return F.dropout(xs[0], a["rate"], training=False)
    if op == "ReLU":
        return F.relu(xs[0])
    if op == "LeakyReLU":
        return F.leaky_relu(xs[0], a["alpha"])
    if op == "ELU":
        return F.elu(xs[0], a["alpha"])
    if op == "GELU":
        return F.gelu(xs[0], approximate=a["approximate"])
    if op == "Sigmoid":
        return torch.sigmoid(xs[0])
    if op == "Tanh":
        return torch.tanh(xs[0])
    if op == "Softmax":
        return F.softmax(xs[0], dim=a["axis"])
    if op == "Flatten":
        return xs[0].reshape(xs[0].shape[0], -1)
    if op == "Reshape":
        return xs[0].reshape([xs[0].shape[0]] + list(a["shape"]))
    if op == "Add":
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out
    if op == "Concat":
        return torch.cat(xs, dim=a["axis"])
    raise ValueError("unknown op " + op)


def do_op(d, case):
    cid = case["id"]
    xs = [torch.tensor(load(d, e), dtype=torch.float64, requires_grad=True) for e in case["inputs"]]
    params = [torch.tensor(load(d, e), dtype=torch.float64, requires_grad=e["trainable"])
              for e in case["params"]]
    out = run_op(case, xs, params)
    save(d, cid + "_out.bin", out)
    seed = torch.tensor(load(d, case["diff_dst"]), dtype=torch.float64)
    wanted = xs + [p for p in params if p.requires_grad]
    grads = torch.autograd.grad((out * seed).sum(), wanted, allow_unused=True)
    for i in range(len(xs)):
        g = grads[i] if grads[i] is not None else torch.zeros_like(xs[i])
        save(d, "%s_dsrc%d.bin" % (cid, i), g)
    j = len(xs)
    for i, p in enumerate(params):
        if p.requires_grad:
            g = grads[j] if grads[j] is not None else torch.zeros_like(p)
            save(d, "%s_dparam%d.bin" % (cid, i), g)
            j += 1
        save(d, "%s_param%d_after.bin" % (cid, i), p)


def do_loss(d, case):
    cid, kind = case["id"], case["kind"]
    pred = torch.tensor(load(d, case["pred"]), dtype=torch.float64)
    if kind == "topk":
        labels = torch.tensor(load(d, case["labels"]))
        top = torch.topk(pred, case["k"], dim=1).indices
        count = (top == labels[:, None]).any(dim=1).sum()
        save(d, cid + "_count.bin", np.array([int(count)]), np.int64)
        return
    pred.requires_grad_(True)
    if kind == "softmax_cross_entropy":
        labels = torch.tensor(load(d, case["labels"]))
        loss = F.cross_entropy(pred, labels, label_smoothing=case["label_smoothing"])
    elif kind == "mse":
        loss = F.mse_loss(pred, torch.tensor(load(d, case["target"]), dtype=torch.float64))
    elif kind == "bce_with_logits":
        target = torch.tensor(load(d, case["target"]), dtype=torch.float64)
        loss = F.binary_cross_entropy_with_logits(pred, target)
    else:
        raise ValueError("unknown loss " + kind)
    (grad,) = torch.autograd.grad(loss, [pred])
    save(d, cid + "_loss.bin", np.array([loss.item()]), np.float64)
    save(d, cid + "_grad.bin", grad)


def main():
    d = sys.argv[1]
    for case in exchange.manifest(d)["cases"]:
        if case["kind"] == "op":
            do_op(d, case)
        else:
            do_loss(d, case)


if __name__ == "__main__":
    main()
