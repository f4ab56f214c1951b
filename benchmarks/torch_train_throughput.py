#!/usr/bin/python3
"""PyTorch training throughput of a Loom model, the reference side of docs/benchmarks.md.

    torch_train_throughput.py MODEL.loom [--batch 128] [--threads N] [--dense-as-conv]
                              [--seconds-per-chunk 1] [--chunks 5] [--warmup-seconds 2]
                              [--inference]

The model is translated by tests/python/loom_to_torch.py. Set-up as loom_bench_train's:
Fashion-MNIST in memory as float32, normalised with the model's mean/std, 16 batches
prepared once and cycled; the model's loss and optimizer (torch.optim) at its configured
learning rate. One step = zero grad, forward, loss, backward, optimizer step. Median
samples/s over the chunks after a warm-up. --inference times the forward alone in eval mode
under torch.inference_mode() (loom_bench_train --inference's counterpart).

--dense-as-conv computes Dense layers as equivalent convolutions (oneDNN) instead of
nn.Linear (libblas.so.3: the netlib reference BLAS or OpenBLAS, whichever the dynamic linker
finds; run_train_benchmark.py selects it with LD_LIBRARY_PATH). Threads: torch.set_num_threads
(set OMP_NUM_THREADS to the same value in the environment as well).

Prints one JSON object: {"samples_per_second", "chunks", "threads", "variant", "blas"}.
"""
import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
import loom_to_torch  # noqa: E402


def fixed_batches(model, batch, count=16):
    """`count` normalised batches of the model's training images, in file order, cycled: the
    throughput benchmarks' input (no data loading inside the timed steps)."""
    images, labels = load_images(model.dataset.get1("path"))
    mean, std = float(model.dataset.get1("mean")), float(model.dataset.get1("std"))
    batches = []
    for k in range(count):
        idx = np.arange(k * batch, (k + 1) * batch) % len(labels)
        x = (images[idx].astype(np.float32) / 255.0 - mean) / std
        batches.append((torch.from_numpy(x.astype(np.float32)), torch.from_numpy(labels[idx])))
    return batches


def load_images(directory, split="train"):
    """Fashion-MNIST images (uint8 [N, 1, 28, 28]) and labels of a split ("train" or "t10k",
    the IDX files' prefix)."""
    def read(name):
        path = os.path.join(directory, name)
        opener = gzip.open if os.path.exists(path + ".gz") else open
        with opener(path + ".gz" if os.path.exists(path + ".gz") else path, "rb") as f:
            return f.read()
    images = read(f"{split}-images-idx3-ubyte")
    labels = read(f"{split}-labels-idx1-ubyte")
    n, rows, cols = (int.from_bytes(images[4 * i:4 * i + 4], "big") for i in (1, 2, 3))
    x = np.frombuffer(images, np.uint8, offset=16).reshape(n, 1, rows, cols)
    y = np.frombuffer(labels, np.uint8, offset=8).astype(np.int64)
    return x, y


def blas_in_use():
    """Which libblas the process mapped (the dynamic linker's choice)."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            maps = f.read()
    except OSError:
        return "unknown"
    if "openblas" in maps:
        return "openblas"
    if "/blas/libblas" in maps:
        return "netlib"
    return "other" if "blas" in maps else "none"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--dense-as-conv", action="store_true")
    ap.add_argument("--seconds-per-chunk", type=float, default=1.0)
    ap.add_argument("--chunks", type=int, default=5)
    ap.add_argument("--warmup-seconds", type=float, default=2.0)
    ap.add_argument("--inference", action="store_true")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)

    model = loom_to_torch.load_loom(args.model)
    if model.training.get1("loss").get1("type") != "softmax_cross_entropy":
        sys.exit("the benchmark measures softmax cross-entropy")
    net = loom_to_torch.LoomNet(model, dense_as_conv=args.dense_as_conv)
    net.eval() if args.inference else net.train()
    loss_fn = loom_to_torch.make_loss(model.training)
    opt = loom_to_torch.make_optimizer(net.parameters(), model.training)

    batches = fixed_batches(model, args.batch)

    step_count = 0

    def step():
        nonlocal step_count
        x, y = batches[step_count % len(batches)]
        step_count += 1
        if args.inference:
            with torch.inference_mode():
                net(x)
            return
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()

    start, warm = time.perf_counter(), 0
    while time.perf_counter() - start < args.warmup_seconds or warm < 3:
        step()
        warm += 1
    per_chunk = max(1, int(args.seconds_per_chunk / ((time.perf_counter() - start) / warm)))
    rates = []
    for _ in range(args.chunks):
        t = time.perf_counter()
        for _ in range(per_chunk):
            step()
        rates.append(per_chunk * args.batch / (time.perf_counter() - t))
    print(json.dumps({"model": model.name, "batch": args.batch, "threads": torch.get_num_threads(),
                      "variant": "dense-as-conv" if args.dense_as_conv else "linear",
                      "blas": blas_in_use(), "samples_per_second": statistics.median(rates),
                      "steps_per_chunk": per_chunk, "chunks": rates}))


if __name__ == "__main__":
    main()
