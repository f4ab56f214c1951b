#!/usr/bin/python3
"""The PyTorch side of the explanation benchmark (benchmarks/run_explain_benchmark.py):
Integrated Gradients and SmoothGrad written as in tests/python/torch_explain_reference.py,
on the same model (tests/python/loom_to_torch.py), images and chunk size as loom_bench_explain.

    torch_explain_throughput.py MODEL.loom [--images 256] [--threads N] [--chunk 64]
        [--ig-steps 50] [--smoothgrad-samples 50] [--dense-as-conv]

IG: Riemann midpoints, black baseline; the path points of all images are cut into batches of
--chunk, each one forward + backward of the target logit (the predicted class). SmoothGrad:
noise 0.15 of each image's range, the same batching. Each runs once untimed, then once timed.
Prints one JSON object: {"threads", "ig_images_per_second", "smoothgrad_images_per_second"}.
"""
import argparse
import gzip
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
import loom_to_torch as l2t  # noqa: E402

np = l2t.np
torch = l2t.torch


def test_images(n, mean, std):
    path = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
    with gzip.open(path, "rb") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    x = raw[: n * 784].reshape(n, 1, 28, 28).astype(np.float32)
    return torch.from_numpy((x / 255.0 - mean) / std)


def grads(net, points, targets, chunk):
    """d logit_target / d input for every row of points, in batches of chunk."""
    out = torch.empty_like(points)
    for s in range(0, points.shape[0], chunk):
        x = points[s:s + chunk].clone().requires_grad_(True)
        z = net(x)
        z[torch.arange(x.shape[0]), targets[s:s + chunk]].sum().backward()
        out[s:s + chunk] = x.grad
    return out


def integrated_gradients(net, x, targets, base, steps, chunk):
    alphas = (torch.arange(steps, dtype=torch.float32) + 0.5) / steps
    n = x.shape[0]
    # path points image-major, as Loom streams them: (image, step)
    points = base.unsqueeze(1) + alphas.view(1, steps, 1, 1, 1) * (x - base).unsqueeze(1)
    points = points.reshape(n * steps, *x.shape[1:])
    g = grads(net, points, targets.repeat_interleave(steps), chunk)
    total = g.reshape(n, steps, *x.shape[1:]).mean(dim=1)
    return (x - base) * total


def smoothgrad(net, x, targets, samples, chunk, level=0.15):
    n = x.shape[0]
    span = (x.reshape(n, -1).max(dim=1).values - x.reshape(n, -1).min(dim=1).values)
    sigma = (level * span).view(n, 1, 1, 1, 1)
    points = (x.unsqueeze(1) + sigma * torch.randn(n, samples, *x.shape[1:])).reshape(
        n * samples, *x.shape[1:])
    g = grads(net, points, targets.repeat_interleave(samples), chunk)
    return g.reshape(n, samples, *x.shape[1:]).mean(dim=1)


def timed(fn):
    fn()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--images", type=int, default=256)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--chunk", type=int, default=64)
    ap.add_argument("--ig-steps", type=int, default=50)
    ap.add_argument("--smoothgrad-samples", type=int, default=50)
    ap.add_argument("--dense-as-conv", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = l2t.load_loom(a.model)
    net = l2t.LoomNet(model, dense_as_conv=a.dense_as_conv).float().eval()
    for p in net.parameters():
        p.requires_grad_(False)  # like Loom's explanation plans: no parameter gradients
    ds = model.dataset
    mean = float(ds.get1("mean", 0.0) or 0.2860) if ds else 0.2860
    std = float(ds.get1("std", 0.0) or 0.3530) if ds else 0.3530
    x = test_images(a.images, mean, std)
    with torch.no_grad():
        targets = net(x).argmax(dim=1)
    base = torch.full_like(x, -mean / std)
    ig = timed(lambda: integrated_gradients(net, x, targets, base, a.ig_steps, a.chunk))
    sg = timed(lambda: smoothgrad(net, x, targets, a.smoothgrad_samples, a.chunk))
    print(json.dumps({"threads": a.threads, "dense_as_conv": a.dense_as_conv,
                      "ig_images_per_second": a.images / ig,
                      "smoothgrad_images_per_second": a.images / sg}))


if __name__ == "__main__":
    main()
