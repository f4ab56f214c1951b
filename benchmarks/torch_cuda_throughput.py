#!/usr/bin/python3
"""PyTorch training throughput of a Loom model on a CUDA GPU, the reference side of
packaging/gpu-check.sh's table (Loom on --device cuda:0 is the other side).

    torch_cuda_throughput.py MODEL.loom [--batch 128] [--device cuda:0] [--tf32]
                             [--cudnn-benchmark] [--seconds-per-chunk 1] [--chunks 5]
                             [--warmup-seconds 2]

Set-up as benchmarks/torch_train_throughput.py's (the CPU side): the model translated by
tests/python/loom_to_torch.py, Fashion-MNIST in memory as float32 normalised with the model's
mean/std, 16 batches prepared once and cycled, the model's loss and optimizer. Each step
copies its batch host -> device (as Loom's CUDA backend does today, docs/backend-cuda.md),
then zero grad, forward, loss, backward, optimizer step; the clock stops after
torch.cuda.synchronize(). TF32 is off unless --tf32 (Loom's default is off too);
torch.backends.cudnn.benchmark is off unless --cudnn-benchmark.

Prints one JSON object: {"samples_per_second", "chunks", "device", "torch", "tf32"}; or, when
PyTorch has no CUDA, {"error": "..."} and exit status 3.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "python"))
sys.path.insert(0, HERE)
import loom_to_torch  # noqa: E402
from torch_train_throughput import fixed_batches  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--device", default="cuda:0")
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--cudnn-benchmark", action="store_true")
    ap.add_argument("--seconds-per-chunk", type=float, default=1.0)
    ap.add_argument("--chunks", type=int, default=5)
    ap.add_argument("--warmup-seconds", type=float, default=2.0)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print(json.dumps({"error": f"PyTorch {torch.__version__} has no usable CUDA device"}))
        sys.exit(3)
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.backends.cudnn.benchmark = args.cudnn_benchmark
    device = torch.device(args.device)

    model = loom_to_torch.load_loom(args.model)
    if model.training.get1("loss").get1("type") != "softmax_cross_entropy":
        sys.exit("the benchmark measures softmax cross-entropy")
    net = loom_to_torch.LoomNet(model).to(device)
    net.train()
    loss_fn = loom_to_torch.make_loss(model.training)
    opt = loom_to_torch.make_optimizer(net.parameters(), model.training)

    batches = fixed_batches(model, args.batch)

    step_count = 0

    def step():
        nonlocal step_count
        x, y = batches[step_count % len(batches)]
        step_count += 1
        x, y = x.to(device), y.to(device)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()

    start, warm = time.perf_counter(), 0
    while time.perf_counter() - start < args.warmup_seconds or warm < 3:
        step()
        warm += 1
    torch.cuda.synchronize(device)
    per_chunk = max(1, int(args.seconds_per_chunk / ((time.perf_counter() - start) / warm)))
    rates = []
    for _ in range(args.chunks):
        t = time.perf_counter()
        for _ in range(per_chunk):
            step()
        torch.cuda.synchronize(device)
        rates.append(per_chunk * args.batch / (time.perf_counter() - t))
    print(json.dumps({"model": model.name, "batch": args.batch, "device": str(device),
                      "gpu": torch.cuda.get_device_name(device), "torch": torch.__version__,
                      "tf32": args.tf32, "samples_per_second": statistics.median(rates),
                      "steps_per_chunk": per_chunk, "chunks": rates}))


if __name__ == "__main__":
    main()
