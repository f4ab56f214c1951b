#!/usr/bin/python3
"""Explanation throughput, Loom and PyTorch side by side (issue 9, acceptance 3).

    benchmarks/run_explain_benchmark.py [--build build/release] [--model resources/examples/cnn.loom]
        [--threads 1,2] [--images 256] [--rounds 2]

Runs loom_bench_explain and torch_explain_throughput.py (nn.Linear on OpenBLAS when present,
and Dense as convolutions; the best of the two counts) alternately, --rounds times, with the
same threads (OMP_NUM_THREADS and the programs' own setting) and the fair set-up of
shared/BENCHMARKS.md (glibc malloc tunables, OPENBLAS_* unset). Prints a Markdown table of
images/s for IG (50 steps) and SmoothGrad (50 samples) with the ratio, and KernelSHAP's
seconds per image (2,000 coalitions, 50 superpixels). Run it under the machine's heavy-work lock.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3"
OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread"


def run_json(cmd, env):
    out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--model", default=os.path.join(ROOT, "resources", "examples", "cnn.loom"))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--images", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    base_env = dict(os.environ)
    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        base_env.pop(k, None)
    base_env.update(MALLOC_MMAP_THRESHOLD_="1000000000", MALLOC_TRIM_THRESHOLD_="100000000000",
                    MALLOC_TOP_PAD_="1000000000")
    loom_bin = os.path.join(a.build, "benchmarks", "loom_bench_explain")
    torch_script = os.path.join(ROOT, "benchmarks", "torch_explain_throughput.py")
    rows = []
    for threads in [int(t) for t in a.threads.split(",")]:
        env = dict(base_env, OMP_NUM_THREADS=str(threads))
        loom, torch_best = [], {"ig": [], "sg": []}
        for _ in range(a.rounds):
            loom.append(run_json([loom_bin, a.model, "--images", str(a.images),
                                  "--threads", str(threads)], env))
            variants = [[]]
            tenv = dict(env)
            if os.path.isdir(OPENBLAS):
                tenv["LD_LIBRARY_PATH"] = OPENBLAS
            results = [run_json([PYTHON, torch_script, a.model, "--images", str(a.images),
                                 "--threads", str(threads)], tenv),
                       run_json([PYTHON, torch_script, a.model, "--images", str(a.images),
                                 "--threads", str(threads), "--dense-as-conv"], env)]
            torch_best["ig"].append(max(r["ig_images_per_second"] for r in results))
            torch_best["sg"].append(max(r["smoothgrad_images_per_second"] for r in results))
        med = lambda xs: statistics.median(xs)
        rows.append((threads,
                     med([r["ig_images_per_second"] for r in loom]), med(torch_best["ig"]),
                     med([r["smoothgrad_images_per_second"] for r in loom]), med(torch_best["sg"]),
                     med([r["shap_seconds_per_image"] for r in loom]), loom[0]["shap_features"]))
    print(f"model {os.path.relpath(a.model, ROOT)}, {a.images} test images, median of {a.rounds} rounds\n")
    print("| threads | IG 50 steps Loom / PyTorch (images/s) | ratio | SmoothGrad 50 Loom / PyTorch | ratio | KernelSHAP 2,000 x 50 (s/image) |")
    print("|---|---|---|---|---|---|")
    for t, li, pi, ls, ps, shap, feats in rows:
        print(f"| {t} | {li:.1f} / {pi:.1f} | {li / pi:.2f} | {ls:.1f} / {ps:.1f} | {ls / ps:.2f} | {shap:.3f} ({feats} superpixels) |")


if __name__ == "__main__":
    main()
