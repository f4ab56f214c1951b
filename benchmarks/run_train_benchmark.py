#!/usr/bin/python3
"""Training throughput of the example models, Loom and PyTorch's best set-up side by side.

    benchmarks/run_train_benchmark.py [--build build/release] [--models mlp,cnn,...]
        [--threads 1,2] [--rounds 2] [--chunks 5] [--seconds-per-chunk 1] [--profile]
        [--inference]

Fair by construction (issue "Speed, round two"; ../shared/BENCHMARKS.md):
- Environment. Both sides run with glibc's allocator tuned as PyTorch's performance guide
  recommends (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_: without them
  PyTorch frees and re-faults its activation buffers every step, and a page fault is expensive
  on these virtual machines) and with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset (they pin
  OpenBLAS to old kernels). Loom is also measured in the untouched environment: it allocates
  its buffers once per plan and should not need the tuning; both Loom columns are printed.
- PyTorch variants: nn.Linear on OpenBLAS (or netlib without it), Dense as convolutions
  (oneDNN); allocators glibc-tuned, jemalloc and tcmalloc where installed (LD_PRELOAD); every
  thread count t <= N. For a thread budget N the table takes the best of all of them.
- Peak. The machine's FP32 peak is measured in the same run (loom_bench_peak: oneDNN sgemm
  4096^3, before and after, the higher kept) and "% of peak" is Loom's training FLOP rate over
  it. The CPU model and the load average before and after are printed.
Each process reports the median of its timed chunks; the table takes, per cell, the median
over the rounds. --profile adds Loom's per-node time (ms per step). --inference times
forward alone (both sides in eval mode; Loom's inference plans as evaluation compiles them)
and takes forward FLOP as a third of training's for "% of peak".
"""
import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3"  # Debian's python3 with torch
# Training FLOP per sample of the example models (forward + backward, ../shared/BENCHMARKS.md).
TRAIN_MFLOP_PER_SAMPLE = {"mlp": 1.41, "cnn": 83.3, "cnn_bn": 83.3, "resnet_small": 121.1}
BLAS_DIRS = {"openblas": "/usr/lib/x86_64-linux-gnu/openblas-pthread",
             "netlib": "/usr/lib/x86_64-linux-gnu/blas"}
PRELOADS = {"jemalloc": "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
            "tcmalloc": "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4"}
TUNED_GLIBC = {"MALLOC_MMAP_THRESHOLD_": "1000000000", "MALLOC_TRIM_THRESHOLD_": "100000000000",
               "MALLOC_TOP_PAD_": "1000000000"}
PINNING = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def run_json(cmd, env):
    out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def load_average():
    with open("/proc/loadavg", encoding="utf-8") as f:
        return float(f.read().split()[0])


def cpu_model():
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def fair_env(threads, allocator="glibc-tuned"):
    """The benchmark environment: pinning variables unset, the allocator as named."""
    env = {k: v for k, v in os.environ.items() if k not in PINNING and not k.startswith("MALLOC_")}
    env["OMP_NUM_THREADS"] = str(threads)
    if allocator == "glibc-tuned":
        env.update(TUNED_GLIBC)
    elif allocator in PRELOADS:
        env["LD_PRELOAD"] = PRELOADS[allocator]
    return env


def measure_peak(peak_bin, budgets):
    return {t: run_json([peak_bin], fair_env(t, "default"))["gflops"] for t in budgets}


def torch_variants(requested):
    have = {k: os.path.exists(os.path.join(d, "libblas.so.3")) for k, d in BLAS_DIRS.items()}
    if requested == "auto":
        blas = ["linear/openblas" if have["openblas"] else "linear/netlib", "dense-as-conv"]
    else:
        blas = requested.split(",")
    for v in blas:
        if v != "dense-as-conv" and not have.get(v.split("/")[-1]):
            sys.exit(f"variant {v}: no libblas.so.3 in {BLAS_DIRS.get(v.split('/')[-1], '?')}")
    allocators = ["glibc-tuned"] + [a for a, p in PRELOADS.items() if os.path.exists(p)]
    return blas, allocators


def torch_command(script, path, threads, variant, allocator, timing):
    env = fair_env(threads, allocator)
    cmd = [PYTHON, script, path, "--threads", str(threads)] + timing
    if variant == "dense-as-conv":
        cmd.append("--dense-as-conv")
    else:
        env["LD_LIBRARY_PATH"] = BLAS_DIRS[variant.split("/")[1]]
    return cmd, env


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"),
                    help="CMake build directory holding benchmarks/loom_bench_train")
    ap.add_argument("--models", default="mlp,cnn,cnn_bn,resnet_small")
    ap.add_argument("--threads", default="1,2", help="thread budgets N")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--chunks", type=int, default=5)
    ap.add_argument("--seconds-per-chunk", type=float, default=1.0)
    ap.add_argument("--warmup-seconds", type=float, default=1.5)
    ap.add_argument("--variants", default="auto",
                    help="comma list of linear/openblas, linear/netlib, dense-as-conv "
                         "(auto: linear/openblas if installed, else linear/netlib; and dense-as-conv)")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--inference", action="store_true",
                    help="time forward alone (eval mode, inference plans) instead of training")
    args = ap.parse_args()

    bench = os.path.join(args.build, "benchmarks")
    loom_bin, peak_bin = os.path.join(bench, "loom_bench_train"), os.path.join(bench, "loom_bench_peak")
    for b in (loom_bin, peak_bin):
        if not os.path.exists(b):
            sys.exit(f"{b} not found: build the targets loom_bench_train and loom_bench_peak")
    torch_script = os.path.join(ROOT, "benchmarks", "torch_train_throughput.py")
    blas, allocators = torch_variants(args.variants)
    timing = ["--chunks", str(args.chunks), "--seconds-per-chunk", str(args.seconds_per_chunk),
              "--warmup-seconds", str(args.warmup_seconds), "--batch", str(args.batch)]
    if args.inference:
        timing.append("--inference")
    # Forward FLOP are a third of training's (forward, backward-data, backward-weights).
    mflop = {m: f / 3 if args.inference else f for m, f in TRAIN_MFLOP_PER_SAMPLE.items()}
    budgets = [int(t) for t in args.threads.split(",")]
    load_before = load_average()
    peak = measure_peak(peak_bin, budgets)
    print(f"# CPU {cpu_model()}; measured FP32 peak " +
          ", ".join(f"{t} thr {g:.1f} GFLOP/s" for t, g in peak.items()), file=sys.stderr, flush=True)

    rows, profiles = [], {}
    for model in args.models.split(","):
        path = os.path.join(ROOT, "resources", "examples", model + ".loom")
        torch_rates = {}  # (threads, variant, allocator) -> [samples/s per round]
        for n in budgets:
            loom_tuned, loom_plain = [], []
            for r in range(args.rounds):
                extra = ["--profile"] if args.profile and r == 0 else []
                cmd = [loom_bin, path, "--threads", str(n)] + timing
                res = run_json(cmd + extra, fair_env(n))
                loom_tuned.append(res["samples_per_second"])
                if "nodes" in res:
                    profiles[(model, n)] = res["nodes"]
                loom_plain.append(run_json(cmd, fair_env(n, "default"))["samples_per_second"])
                for t, v, a in itertools.product(range(1, n + 1), blas, allocators):
                    if (t, v, a) in torch_rates and len(torch_rates[(t, v, a)]) > r and t < n:
                        continue  # measured for a smaller budget in this round already
                    cmd_t, env_t = torch_command(torch_script, path, t, v, a, timing)
                    torch_rates.setdefault((t, v, a), []).append(
                        run_json(cmd_t, env_t)["samples_per_second"])
            medians = {k: statistics.median(x) for k, x in torch_rates.items() if k[0] <= n}
            best = max(medians, key=medians.get)
            rate = statistics.median(loom_tuned)
            frac = rate * mflop.get(model, 0) * 1e6 / (peak[n] * 1e9)
            rows.append((model, n, rate, statistics.median(loom_plain), medians[best], best, frac))
            print(f"# {model} {n} thr: loom {rate:.0f}, best PyTorch {medians[best]:.0f} {best}",
                  file=sys.stderr, flush=True)
    peak_after = measure_peak(peak_bin, budgets)
    peak = {t: max(peak[t], peak_after[t]) for t in budgets}
    load_after = load_average()

    print(f"\nCPU: {cpu_model()}; measured FP32 peak (oneDNN sgemm 4096^3): " +
          ", ".join(f"{g:.1f} GFLOP/s at {t} thread(s)" for t, g in peak.items()))
    print(f"{'inference (forward only)' if args.inference else 'training'}, "
          f"batch {args.batch}, {args.rounds} rounds x {args.chunks} chunks of ~{args.seconds_per_chunk} s; "
          f"load average {load_before:.2f} before, {load_after:.2f} after; "
          f"PyTorch allocators tried: {', '.join(allocators)}; {time.strftime('%Y-%m-%d %H:%M')}\n")
    if max(load_before, load_after) >= 1.0:
        print("WARNING: the machine was not quiet (load average >= 1); the figures are not valid\n")
    print("| model | thread budget | Loom samples/s | Loom, untuned environment | best PyTorch samples/s "
          "(threads, variant, allocator) | Loom / best PyTorch | Loom % of measured peak |")
    print("|---|---|---|---|---|---|---|")
    for model, n, rate, plain, best_rate, (t, v, a), frac in rows:
        print(f"| {model} | {n} | {rate:,.0f} | {plain:,.0f} | {best_rate:,.0f} ({t}, {v}, {a}) | "
              f"{rate / best_rate:.2f} | {100 * frac:.0f} % |")
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
