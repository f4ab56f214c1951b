#!/usr/bin/python3
"""Training throughput of the example models, Loom and PyTorch side by side.

    benchmarks/run_train_benchmark.py [--build build/release] [--models mlp,cnn,...]
        [--threads 1,2] [--rounds 2] [--chunks 5] [--seconds-per-chunk 1] [--profile]

For every model and thread count it runs, alternately and `--rounds` times, Loom
(loom_bench_train) and each PyTorch variant (torch_train_throughput.py, --variants):
  linear/openblas   nn.Linear on OpenBLAS (needs libopenblas0-pthread; default when present)
  linear/netlib     nn.Linear on the netlib reference BLAS (Debian's default libblas.so.3;
                    default only without OpenBLAS)
  dense-as-conv     Dense layers as convolutions, i.e. in oneDNN (always)
and prints a Markdown table: Loom samples/s, the best PyTorch variant's samples/s (named),
their ratio, and Loom's fraction of the FP32 peak. Each process reports the median of its
timed chunks; the table takes, per side, the median of those over the rounds.
Threads: OMP_NUM_THREADS for both, plus --threads / torch.set_num_threads.
--profile adds Loom's per-node time breakdown (ms per step) for each model and thread count.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3"  # Debian's python3 with torch
# Peak FP32 of this machine class and training FLOP per sample (shared/BENCHMARKS.md).
PEAK_GFLOPS = {1: 110.7, 2: 220.7}
TRAIN_MFLOP_PER_SAMPLE = {"mlp": 1.41, "cnn": 83.3, "cnn_bn": 83.3, "resnet_small": 121.1}
BLAS_DIRS = {"openblas": "/usr/lib/x86_64-linux-gnu/openblas-pthread",
             "netlib": "/usr/lib/x86_64-linux-gnu/blas"}


def run_json(cmd, env):
    out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def load_average():
    with open("/proc/loadavg", encoding="utf-8") as f:
        return float(f.read().split()[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"),
                    help="CMake build directory holding benchmarks/loom_bench_train")
    ap.add_argument("--models", default="mlp,cnn,cnn_bn,resnet_small")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--chunks", type=int, default=5)
    ap.add_argument("--seconds-per-chunk", type=float, default=1.0)
    ap.add_argument("--warmup-seconds", type=float, default=1.5)
    ap.add_argument("--variants", default="auto",
                    help="comma list of linear/openblas, linear/netlib, dense-as-conv "
                         "(auto: linear/openblas if installed, else linear/netlib; and dense-as-conv)")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()

    loom_bin = os.path.join(args.build, "benchmarks", "loom_bench_train")
    if not os.path.exists(loom_bin):
        sys.exit(f"{loom_bin} not found: build the target loom_bench_train first")
    torch_script = os.path.join(ROOT, "benchmarks", "torch_train_throughput.py")
    have = {k: os.path.exists(os.path.join(d, "libblas.so.3")) for k, d in BLAS_DIRS.items()}
    if args.variants == "auto":  # the fastest nn.Linear available, and Dense in oneDNN
        variants = ["linear/openblas" if have["openblas"] else "linear/netlib", "dense-as-conv"]
    else:
        variants = args.variants.split(",")
    for v in variants:
        if v != "dense-as-conv" and not have.get(v.split("/")[-1]):
            sys.exit(f"variant {v}: no libblas.so.3 in {BLAS_DIRS.get(v.split('/')[-1], '?')}")
    timing = ["--chunks", str(args.chunks), "--seconds-per-chunk", str(args.seconds_per_chunk),
              "--warmup-seconds", str(args.warmup_seconds), "--batch", str(args.batch)]

    rows, profiles, loads = [], {}, []
    for model in args.models.split(","):
        path = os.path.join(ROOT, "resources", "examples", model + ".loom")
        for threads in (int(t) for t in args.threads.split(",")):
            env = dict(os.environ, OMP_NUM_THREADS=str(threads))
            loom, torch_runs = [], {v: [] for v in variants}
            for r in range(args.rounds):
                loads.append(load_average())
                extra = ["--profile"] if args.profile and r == 0 else []
                res = run_json([loom_bin, path, "--threads", str(threads)] + timing + extra, env)
                loom.append(res["samples_per_second"])
                if "nodes" in res:
                    profiles[(model, threads)] = res["nodes"]
                for v in variants:
                    venv = dict(env)
                    cmd = [PYTHON, torch_script, path, "--threads", str(threads)] + timing
                    if v == "dense-as-conv":
                        cmd.append("--dense-as-conv")
                    else:
                        venv["LD_LIBRARY_PATH"] = BLAS_DIRS[v.split("/")[1]]
                    torch_runs[v].append(run_json(cmd, venv)["samples_per_second"])
            loom_rate = statistics.median(loom)
            medians = {v: statistics.median(x) for v, x in torch_runs.items()}
            best = max(medians, key=medians.get)
            frac = loom_rate * TRAIN_MFLOP_PER_SAMPLE.get(model, 0) * 1e6 / (PEAK_GFLOPS.get(threads, 0) * 1e9 or 1)
            rows.append((model, threads, loom_rate, medians[best], best, medians, frac))
            print(f"# {model} {threads} thr: loom {loom_rate:.0f} " +
                  " ".join(f"{v} {m:.0f}" for v, m in medians.items()), file=sys.stderr, flush=True)

    print(f"\nbatch {args.batch}, {args.rounds} rounds x {args.chunks} chunks of ~{args.seconds_per_chunk} s; "
          f"load average during the run {min(loads):.2f}..{max(loads):.2f}; {time.strftime('%Y-%m-%d %H:%M')}\n")
    print("| model | threads | Loom samples/s | best PyTorch samples/s (variant) | Loom / PyTorch | "
          "Loom % of FP32 peak | all PyTorch variants |")
    print("|---|---|---|---|---|---|---|")
    for model, threads, lr, tr, best, medians, frac in rows:
        others = ", ".join(f"{v} {m:,.0f}" for v, m in medians.items())
        print(f"| {model} | {threads} | {lr:,.0f} | {tr:,.0f} ({best}) | {lr / tr:.2f} | {100 * frac:.0f} % | {others} |")
    for (model, threads), nodes in profiles.items():
        total = sum(n["forward_ms"] + n["backward_ms"] for n in nodes)
        print(f"\nLoom per-node time, {model}, {threads} thread(s): {total:.2f} ms per step (instrumented)\n")
        print("| node | forward ms | backward ms | share |")
        print("|---|---|---|---|")
        for n in sorted(nodes, key=lambda n: -(n["forward_ms"] + n["backward_ms"])):
            t = n["forward_ms"] + n["backward_ms"]
            if t >= 0.01 * total:
                print(f"| {n['node']} | {n['forward_ms']:.2f} | {n['backward_ms']:.2f} | {100 * t / total:.0f} % |")


if __name__ == "__main__":
    main()
