#!/usr/bin/env python3
"""Predicts data-parallel scaling efficiency at 8-256 nodes (docs/distributed.md,
"Efficiency at 8-256 nodes") from a measured compute time per step and the gradient size.

Model, per optimizer step on N nodes (one rank per node, the same per-rank batch):
  gradient bytes B cut into buckets of at most S bytes (k = ceil(B / S) buckets);
  ring allreduce of one bucket of b bytes:  2 (N-1)/N * b / bandwidth  +  2 (N-1) * alpha
  (2 (N-1) ring steps, each paying the per-message latency alpha);
  t_comm = sum over the buckets.
  No overlap:   efficiency = t_compute / (t_compute + t_comm).
  Overlap:      the buckets reduce while backward (a fraction f_bwd of t_compute) still runs;
                what stays exposed is max(last bucket's time, t_comm - f_bwd * t_compute),
                since the last bucket is final only when backward ends.
                efficiency = t_compute / (t_compute + exposed).
A model, not a measurement: it ignores stragglers, contention and the optimizer step.

usage: dist_efficiency_model.py [--cnn-step-ms MS] [--alpha-us US] [--bucket-mib MIB]
"""
import argparse
import math

NODES = [8, 16, 32, 64, 128, 256]
LINKS_GBPS = [10, 25, 100]


def allreduce_seconds(n, nbytes, bucket_bytes, gbps, alpha):
    """Seconds for the ring allreduce of nbytes in buckets, and the last bucket's share."""
    if n == 1:
        return 0.0, 0.0
    bandwidth = gbps * 1e9 / 8
    buckets = max(1, math.ceil(nbytes / bucket_bytes))
    last = nbytes - (buckets - 1) * bucket_bytes

    def one(b):
        return 2 * (n - 1) / n * b / bandwidth + 2 * (n - 1) * alpha

    return (buckets - 1) * one(bucket_bytes) + one(last), one(last)


def efficiency(n, compute_s, nbytes, bucket_bytes, gbps, alpha, backward_fraction, overlap):
    comm, last = allreduce_seconds(n, nbytes, bucket_bytes, gbps, alpha)
    exposed = max(last, comm - backward_fraction * compute_s) if overlap else comm
    return compute_s / (compute_s + exposed)


def table(name, compute_s, nbytes, args):
    print(f"\n{name}: compute {compute_s * 1e3:.1f} ms/step, gradients {nbytes / 2**20:.1f} MiB, "
          f"buckets of {args.bucket_mib:g} MiB, alpha {args.alpha_us:g} us, backward "
          f"{args.backward_fraction:.2f} of compute")
    head = "| link | overlap | " + " | ".join(f"N={n}" for n in NODES) + " |"
    print(head)
    print("|" + "---|" * (len(NODES) + 2))
    for gbps in LINKS_GBPS:
        for overlap in (False, True):
            cells = [efficiency(n, compute_s, nbytes, args.bucket_mib * 2**20, gbps,
                                args.alpha_us * 1e-6, args.backward_fraction, overlap)
                     for n in NODES]
            print(f"| {gbps} Gb/s | {'yes' if overlap else 'no'} | "
                  + " | ".join(f"{100 * e:.0f} %" for e in cells) + " |")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    # Measured here (docs/distributed.md, Measured): cnn.loom, 1 process x 2 threads,
    # 2685 samples/s at batch 64 -> 23.8 ms per step of 64 per node.
    p.add_argument("--cnn-step-ms", type=float, default=64 / 2685 * 1e3)
    p.add_argument("--cnn-params", type=int, default=3274634)  # loom info cnn.loom
    # ResNet-101: 44.5 M parameters, 7.8 GFLOP forward per 224x224 image (He et al. 2016);
    # Horovod's benchmark GPUs (Pascal P100) train it at about 130 images/s at batch 64
    # (tf_cnn_benchmarks), i.e. about 0.49 s per step of 64.
    p.add_argument("--resnet-params", type=int, default=44_549_160)
    p.add_argument("--resnet-step-ms", type=float, default=64 / 130 * 1e3)
    p.add_argument("--alpha-us", type=float, default=25.0,
                   help="latency per ring message (TCP over Ethernet: tens of us)")
    p.add_argument("--bucket-mib", type=float, default=25.0)
    p.add_argument("--backward-fraction", type=float, default=2 / 3,
                   help="share of the step's compute that is backward (about 2/3 for CNNs)")
    args = p.parse_args()
    table("cnn.loom (measured compute)", args.cnn_step_ms / 1e3, 4 * args.cnn_params, args)
    table("ResNet-101 (published counts)", args.resnet_step_ms / 1e3, 4 * args.resnet_params, args)


if __name__ == "__main__":
    main()
