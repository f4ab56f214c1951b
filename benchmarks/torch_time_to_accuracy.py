#!/usr/bin/python3
"""PyTorch's side of benchmarks/run_time_to_accuracy.py: one training run of a Loom model on
Fashion-MNIST with the recipe `loom train` is given, timed from interpreter start.

    torch_time_to_accuracy.py MODEL.loom --epochs E --batch-size B --lr LR
        [--schedule cosine|constant] [--warmup-steps N] [--seed S] [--threads N]
        [--dense-as-conv] [--eval-batch 1000]

The recipe, as `loom train` runs it (engine/train, engine/optim/schedule.cpp):
- the network of MODEL.loom (tests/python/loom_to_torch.py), weights glorot_uniform with
  Loom's fans (conv [O, I, kH, kW]: fan_in I*kH*kW, fan_out O*kH*kW; Dense [U, F]: F and U),
  biases zero: Loom's defaults. PyTorch cannot reproduce Loom's generator, so the values
  differ, the distribution is the same;
- the optimizer of the model file (torch.optim, Loom's hyper-parameters) at --lr, the
  learning rate set per step: cosine from lr to 0 over epochs * steps_per_epoch steps after a
  linear warm-up, as LearningRateSchedule::learningRateAt;
- every epoch a new random order of the 60,000 training images, batches of B, the last
  partial batch dropped; images kept as uint8 and normalised per batch with the model's
  mean/std ((x / 255 - mean) / std), no augmentation;
- after the last epoch the 10,000 test images in eval mode under torch.inference_mode().

Prints one JSON line per event on stdout, each with "t" = time.time() (the driver subtracts its
own clock at the fork): {"event": "imported"} after `import torch`, "first_step" after the
first optimizer step, "epoch" (train loss and accuracy of the epoch), "test" (loss, accuracy).
"""
import time

T_START = time.time()
import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "python"))
sys.path.insert(0, HERE)
import loom_to_torch  # noqa: E402
from torch_train_throughput import load_images  # noqa: E402


def emit(event, **fields):
    print(json.dumps({"event": event, "t": time.time(), **fields}), flush=True)


def glorot_init(net, seed):
    """Loom's default initialisers: glorot_uniform weights with Loom's fans, zero biases."""
    rng = np.random.default_rng(seed)
    values = {}
    for name, (t, dims, trainable) in net.loom_params().items():
        if not trainable:
            continue
        if name.endswith(".bias"):
            values[name] = np.zeros(dims, np.float32)
            continue
        receptive = int(np.prod(dims[2:])) if len(dims) > 2 else 1
        fan_in, fan_out = dims[1] * receptive, dims[0] * receptive
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        values[name] = rng.uniform(-limit, limit, dims).astype(np.float32)
    net.load_loom_parameters(values, strict=False)


def learning_rate_at(step, base, schedule, warmup, total):
    """engine/optim/schedule.cpp, LearningRateSchedule::learningRateAt (min_lr 0)."""
    lr = base
    if schedule == "cosine":
        span = total - warmup
        if span > 0:
            t = min(max(step - warmup, 0), span)
            lr = base * (1 + math.cos(math.pi * t / span)) / 2
    if step < warmup:
        lr *= (step + 1) / warmup
    return lr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--epochs", type=int, required=True)
    ap.add_argument("--batch-size", type=int, required=True)
    ap.add_argument("--lr", type=float, required=True)
    ap.add_argument("--schedule", default="cosine", choices=["cosine", "constant"])
    ap.add_argument("--warmup-steps", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--dense-as-conv", action="store_true")
    ap.add_argument("--eval-batch", type=int, default=1000)
    args = ap.parse_args()
    emit("imported", started=T_START)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    model = loom_to_torch.load_loom(args.model)
    net = loom_to_torch.LoomNet(model, dense_as_conv=args.dense_as_conv)
    glorot_init(net, args.seed)
    loss_fn = loom_to_torch.make_loss(model.training)
    opt = loom_to_torch.make_optimizer(net.parameters(), model.training, learning_rate=args.lr)

    directory = model.dataset.get1("path")
    mean, std = float(model.dataset.get1("mean")), float(model.dataset.get1("std"))
    train_x, train_y = (torch.from_numpy(np.ascontiguousarray(a)) for a in load_images(directory))
    test_x, test_y = (torch.from_numpy(np.ascontiguousarray(a))
                      for a in load_images(directory, "t10k"))

    def normalised(u8):
        return (u8.to(torch.float32) / 255.0 - mean) / std

    b = args.batch_size
    steps_per_epoch = len(train_y) // b
    total = steps_per_epoch * args.epochs
    gen = torch.Generator().manual_seed(args.seed)
    step = 0
    net.train()
    for epoch in range(args.epochs):
        order = torch.randperm(len(train_y), generator=gen)
        loss_sum, correct = 0.0, 0
        for k in range(steps_per_epoch):
            idx = order[k * b:(k + 1) * b]
            x, y = normalised(train_x[idx]), train_y[idx]
            for g in opt.param_groups:
                g["lr"] = learning_rate_at(step, args.lr, args.schedule, args.warmup_steps, total)
            opt.zero_grad(set_to_none=True)
            logits = net(x)
            loss = loss_fn(logits, y)
            loss.backward()
            opt.step()
            step += 1
            loss_sum += float(loss)
            correct += int((logits.argmax(1) == y).sum())
            if step == 1:
                emit("first_step")
        emit("epoch", epoch=epoch + 1, train_loss=loss_sum / steps_per_epoch,
             train_accuracy=correct / (steps_per_epoch * b))
    net.eval()
    loss_sum, correct = 0.0, 0
    with torch.inference_mode():
        for i in range(0, len(test_y), args.eval_batch):
            x, y = normalised(test_x[i:i + args.eval_batch]), test_y[i:i + args.eval_batch]
            logits = net(x)
            loss_sum += float(torch.nn.functional.cross_entropy(logits, y, reduction="sum"))
            correct += int((logits.argmax(1) == y).sum())
    emit("test", loss=loss_sum / len(test_y), accuracy=correct / len(test_y),
         threads=torch.get_num_threads(),
         variant="dense-as-conv" if args.dense_as_conv else "linear",
         blas=__import__("torch_train_throughput").blas_in_use())


if __name__ == "__main__":
    main()
