#!/usr/bin/python3
"""Time to accuracy, start -> first step and peak memory: Loom and PyTorch, one recipe, one run.

    benchmarks/run_time_to_accuracy.py [--build build/release] [--model resources/examples/cnn.loom]
        [--epochs 5] [--batch-size 128] [--lr 0.002] [--schedule cosine] [--warmup-steps 0]
        [--threads 2] [--seed 1] [--target 0.916] [--torch-variant linear|dense-as-conv]
        [--keep-augmentation] [--skip-torch]

Issue "Speed, round two", acceptance 2. Both sides train the model's network with the same
recipe (the flags above; everything else from the model file) on all 60,000 Fashion-MNIST
training images, then evaluate the 10,000 test images once:
- Loom: `loom train MODEL --epochs E --batch-size B --lr LR --schedule S ... --events off`.
- PyTorch: benchmarks/torch_time_to_accuracy.py (its docstring lists how it mirrors Loom's
  recipe: initialisers, optimizer, schedule, per-epoch shuffle, normalisation), in the same
  fair environment as run_train_benchmark.py (glibc allocator tuned, OpenBLAS pinning unset).
The model file's data augmentation (cnn.loom: random crop with padding 2, horizontal flip) is
removed from the copy both sides train, because the PyTorch side has none; --keep-augmentation
keeps it for Loom alone (then the recipes differ, and the table says so).
Figures, each per side:
- time to the test report: from the fork of the process to the moment its test accuracy is
  printed (Loom's "test:" line, PyTorch's "test" event), so interpreter start-up, data loading
  and plan compilation count. "reached" says whether that accuracy is >= --target.
- start -> first step: Loom runs `loom train --max-steps 1 --no-test` separately and the time
  from fork to its "trained in" line is taken (an upper bound: it includes the checkpoint the
  stop writes); PyTorch reports its first optimizer step inside the full run.
- peak RSS: ru_maxrss of the full run's process (os.wait4), so the whole run counts.
The CPU model and the load average before and after are printed: the numbers mean something
only on a quiet machine (load below 1).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from run_train_benchmark import BLAS_DIRS, PYTHON, cpu_model, fair_env, load_average  # noqa: E402


def timed_lines(cmd, env):
    """Runs cmd; returns ([(seconds since fork, stdout line)], exit status, peak RSS in MiB)."""
    start = time.time()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, bufsize=1)
    lines = [(time.time() - start, line.rstrip("\n")) for line in proc.stdout]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}); its output:\n" +
                 "\n".join(l for _, l in lines))
    return lines, usage.ru_maxrss / 1024.0


def recipe_flags(a):
    return ["--epochs", str(a.epochs), "--batch-size", str(a.batch_size), "--lr", str(a.lr),
            "--schedule", a.schedule, "--warmup-steps", str(a.warmup_steps),
            "--threads", str(a.threads), "--seed", str(a.seed)]


def without_augmentation(model, tmp):
    """A copy of the model file with its dataset.augmentation block removed (same network)."""
    with open(model, encoding="utf-8") as f:
        text = f.read()
    stripped, n = re.subn(r"\n\s*augmentation\s*\{[^{}]*\}", "", text)
    path = os.path.join(tmp, os.path.basename(model))
    with open(path, "w", encoding="utf-8") as f:
        f.write(stripped)
    return path, n > 0


def loom_side(a, loom, tmp):
    env = fair_env(a.threads, "default")  # Loom needs no allocator tuning (run_train_benchmark)
    first, _ = timed_lines([loom, "train", a.model, "--max-steps", "1", "--no-test", "--events",
                            "off", "--run-dir", os.path.join(tmp, "first")] + recipe_flags(a), env)
    first_step = next(t for t, l in first if l.startswith("trained in"))
    lines, rss = timed_lines([loom, "train", a.model, "--events", "off", "--run-dir",
                              os.path.join(tmp, "full")] + recipe_flags(a), env)
    t_test, test = next((t, l) for t, l in lines if l.startswith("test:"))
    accuracy = float(re.search(r"accuracy ([0-9.]+)%", test).group(1)) / 100.0
    for _, l in lines:
        if l.startswith("epoch "):
            print("  loom   " + l)
    return {"time": t_test, "accuracy": accuracy, "first_step": first_step, "rss": rss}


def torch_side(a):
    env = fair_env(a.threads, "glibc-tuned")
    cmd = [PYTHON, os.path.join(HERE, "torch_time_to_accuracy.py"), a.model,
           "--epochs", str(a.epochs), "--batch-size", str(a.batch_size), "--lr", str(a.lr),
           "--schedule", a.schedule, "--warmup-steps", str(a.warmup_steps),
           "--seed", str(a.seed), "--threads", str(a.threads)]
    if a.torch_variant == "dense-as-conv":
        cmd.append("--dense-as-conv")
    else:
        env["LD_LIBRARY_PATH"] = BLAS_DIRS["openblas"]
    start = time.time()
    lines, rss = timed_lines(cmd, env)
    events = [json.loads(l) for _, l in lines if l.startswith("{")]
    at = {e["event"]: e for e in events}
    for e in events:
        if e["event"] == "epoch":
            print(f"  torch  epoch {e['epoch']}: train loss {e['train_loss']:.4f} "
                  f"acc {100 * e['train_accuracy']:.2f}%")
    # The events carry time.time() of the child; the fork happened at `start` (same clock).
    return {"time": at["test"]["t"] - start, "accuracy": at["test"]["accuracy"],
            "first_step": at["first_step"]["t"] - start, "rss": rss,
            "variant": at["test"]["variant"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--model", default=os.path.join(ROOT, "resources", "examples", "cnn.loom"))
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--schedule", default="cosine", choices=["cosine", "constant"])
    ap.add_argument("--warmup-steps", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--target", type=float, default=0.916)
    ap.add_argument("--torch-variant", default="linear", choices=["linear", "dense-as-conv"])
    ap.add_argument("--keep-augmentation", action="store_true")
    ap.add_argument("--skip-torch", action="store_true")
    a = ap.parse_args()
    loom = os.path.join(a.build, "app", "cli", "loom")
    if not os.access(loom, os.X_OK):
        sys.exit(f"{loom}: not built (packaging/build.sh release)")
    print(f"CPU: {cpu_model()}, {os.cpu_count()} logical cores; load before {load_average():.2f}")
    print(f"recipe: {os.path.basename(a.model)} " + " ".join(recipe_flags(a)))
    with tempfile.TemporaryDirectory(prefix="loom-tta-") as tmp:
        if not a.keep_augmentation:
            a.model, removed = without_augmentation(a.model, tmp)
            print("augmentation: " + ("removed from the model file for both sides" if removed
                                      else "none in the model file"))
        else:
            print("augmentation: kept for Loom (PyTorch has none: the recipes differ)")
        sides = {"Loom": loom_side(a, loom, tmp)}
        if not a.skip_torch:
            sides["PyTorch"] = torch_side(a)
    print(f"load after {load_average():.2f}")
    print()
    print(f"| side | test accuracy | reached {100 * a.target:.1f} % | time to test report | "
          "start -> first step | peak RSS |")
    print("|---|---|---|---|---|---|")
    for name, s in sides.items():
        label = name + (f" ({s['variant']})" if "variant" in s else "")
        print(f"| {label} | {100 * s['accuracy']:.2f} % | {'yes' if s['accuracy'] >= a.target else 'no'} "
              f"| {s['time']:.1f} s | {s['first_step']:.2f} s | {s['rss']:.0f} MiB |")
    if "PyTorch" in sides:
        l, t = sides["Loom"], sides["PyTorch"]
        print(f"\nratios PyTorch/Loom: time {t['time'] / l['time']:.2f}x, first step "
              f"{t['first_step'] / l['first_step']:.2f}x, peak RSS {t['rss'] / l['rss']:.2f}x")


if __name__ == "__main__":
    main()
