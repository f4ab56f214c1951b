#!/usr/bin/env python3
"""The reliability suite: mutated model files, checkpoints and data sets against the real CLI.

Every mutant is made from a fixed seed, so a failure reproduces with the same command line.
Each run of `loom` must end with a documented exit code (docs/cli.md) other than 1 (an
internal error is a bug) and, when it fails, a
"loom: error: ..." message; within the time bound; within the memory bound (peak RSS of the
process, from wait4); with no sanitizer report. Anything else (a signal such as SIGABRT or
SIGSEGV, a timeout, too much memory, a silent failure) fails the suite and is listed with the
mutant's file so it can be replayed by hand.

usage: mutation_suite.py --loom BIN --examples DIR --fashion-mnist DIR --work DIR
                         [--seed S] [--models N] [--checkpoints N] [--datasets N]
"""
import argparse
import collections
import gzip
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from crc32c import crc32c  # noqa: E402  (an independent CRC-32C, not Loom's)



def documented_exit_codes():
    """The exit codes `loom` documents, read from their one definition (app/cli/exit_codes.h),
    less 1: "internal error" means a bug in Loom, and no input may cause one."""
    header = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "app", "cli",
                          "exit_codes.h")
    with open(header, encoding="utf-8") as f:
        codes = {int(v) for v in re.findall(r"\bkExit\w+ = (\d+)", f.read())}
    if not {0, 2, 3, 4, 130} <= codes:
        raise SystemExit(f"mutation_suite: cannot read the exit codes from {header}")
    return codes - {1}


DOCUMENTED_EXIT_CODES = documented_exit_codes()
TIME_LIMIT_S = 30
MEMORY_LIMIT_BYTES = 2 << 30
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer")

# Values a hostile file puts where a number belongs.
EXTREME_NUMBERS = ["0", "-1", "1", "2147483647", "2147483648", "4294967296", "-2147483649",
                   "9223372036854775807", "99999999999999999999", "1e308", "-1e308", "nan",
                   "inf", "-inf", "1e-320", "0.5", "3"]
EXTREME_STRINGS = ['""', '"\\200"', '"\\377\\376"', '"' + "x" * 5000 + '"', '"image"',
                   '"../../etc/passwd"', '"relu1"', '"Conv2D"', '"Dense"']


def run_loom(loom, args, env, log_path):
    """Runs loom with a time bound; returns (rc or -signal, seconds, peak RSS bytes, stderr)."""
    start = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([loom] + args, stdout=subprocess.DEVNULL, stderr=log, env=env,
                                start_new_session=True)
        deadline = start + TIME_LIMIT_S
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.01)
    seconds = time.monotonic() - start
    rc = os.waitstatus_to_exitcode(status)
    with open(log_path, "rb") as log:
        stderr = log.read().decode("utf-8", "replace")
    return ("timeout" if timed_out else rc), seconds, usage.ru_maxrss * 1024, stderr


# ---- mutators ---------------------------------------------------------------------------

def reseal_checkpoint(data):
    """Recomputes a checkpoint's trailing whole-file CRC-32C (docs/formats.md#checkpoints), so
    a mutant gets past the digest and reaches the field and tensor checks behind it."""
    if len(data) < 4:
        return data
    body = data[:-4]
    return body + crc32c(body).to_bytes(4, "little")


def mutate_text_model(text, rng):
    """One to three edits of the kinds a damaged or hostile .loom file shows."""
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["number", "number", "string", "drop_line", "dup_line", "swap_lines",
                           "truncate", "byte"])
        if kind == "number":
            spots = [(i, m) for i, line in enumerate(lines)
                     for m in re.finditer(r"-?\d+(\.\d+)?(e-?\d+)?", line)]
            if spots:
                i, m = rng.choice(spots)
                lines[i] = lines[i][:m.start()] + rng.choice(EXTREME_NUMBERS) + lines[i][m.end():]
        elif kind == "string":
            spots = [(i, m) for i, line in enumerate(lines) for m in re.finditer(r'"[^"]*"', line)]
            if spots:
                i, m = rng.choice(spots)
                lines[i] = lines[i][:m.start()] + rng.choice(EXTREME_STRINGS) + lines[i][m.end():]
        elif kind == "drop_line" and lines:
            del lines[rng.randrange(len(lines))]
        elif kind == "dup_line" and lines:
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
        elif kind == "swap_lines" and len(lines) > 1:
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "truncate":
            joined = "\n".join(lines)
            lines = joined[:rng.randrange(len(joined) + 1)].split("\n")
        else:
            joined = bytearray("\n".join(lines).encode("latin-1", "replace"))
            if joined:
                joined[rng.randrange(len(joined))] = rng.randrange(256)
            lines = joined.decode("latin-1").split("\n")
    return "\n".join(lines).encode("latin-1", "replace")


def mutate_bytes(data, rng, keep_prefix=0, focus=0):
    """Bit flips, interesting bytes, truncation, a duplicated or deleted chunk; with `focus`,
    half of the edits land in the first `focus` bytes (a header's fields)."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["flip", "flip", "byte", "int64", "truncate", "dup", "delete"])
        if len(data) <= keep_prefix:
            break
        end = len(data)
        if focus and rng.random() < 0.5:
            end = min(end, keep_prefix + focus)
        at = rng.randrange(keep_prefix, end)
        if kind == "flip":
            data[at] ^= 1 << rng.randrange(8)
        elif kind == "byte":
            data[at] = rng.choice([0, 0xFF, 0x7F, 0x80, 0x01])
        elif kind == "int64":
            value = rng.choice([0, 2**31, 2**32, 2**63 - 1, 2**64 - 126, 1882000])
            data[at:at + 8] = value.to_bytes(8, "little")
        elif kind == "truncate":
            del data[at:]
        elif kind == "dup":
            n = rng.randint(1, 64)
            data[at:at] = data[at:at + n]
        else:
            del data[at:at + rng.randint(1, 64)]
    return bytes(data)


def mutate_idx(raw, rng):
    """A damaged IDX file: its header (magic, dimensions) or its payload."""
    if rng.random() < 0.6:
        header = bytearray(raw[:16])
        field = rng.randrange(len(header) // 4)
        value = rng.choice([0, 1, 60000, 2**30, 2**31 - 1, 2**32 - 1, 280, 100000])
        header[4 * field:4 * field + 4] = value.to_bytes(4, "big")
        return bytes(header) + raw[16:]
    return mutate_bytes(raw, rng)


# ---- the suite --------------------------------------------------------------------------

class Suite:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.outcomes = collections.Counter()
        self.failures = []
        self.runs = 0
        self.slowest = (0.0, "")
        self.largest = (0, "")
        self.env = dict(os.environ, LOOM_MEMORY_BUDGET="1G", OMP_NUM_THREADS="1")

    def check(self, label, mutant, args):
        self.runs += 1
        log = f"{mutant}.{self.runs}.stderr"
        rc, seconds, rss, stderr = run_loom(self.args.loom, args, self.env, log)
        self.outcomes[rc] += 1
        self.slowest = max(self.slowest, (seconds, mutant))
        self.largest = max(self.largest, (rss, mutant))
        problem = None
        if rc == "timeout":
            problem = f"ran over {TIME_LIMIT_S} s"
        elif rc not in DOCUMENTED_EXIT_CODES:
            problem = (f"exit {rc} (an internal error: a bug)" if rc == 1 else
                       f"exit {rc} (a signal or an undocumented code)")
        elif rc != 0 and "loom: error: " not in stderr and rc != 2:
            problem = f"exit {rc} without a 'loom: error:' message"
        elif rss > MEMORY_LIMIT_BYTES:
            problem = f"peak RSS {rss / 2**30:.2f} GiB"
        elif any(mark in stderr for mark in SANITIZER_MARKS):
            problem = "sanitizer report"
        if problem:
            self.failures.append(f"{label}: {problem}: loom {' '.join(args)}  (stderr: {log})")

    def model_mutants(self, count):
        sources = [os.path.join(self.args.examples, n) for n in ("mlp.loom", "cnn.loom")]
        for i in range(count):
            source = sources[i % len(sources)]
            with open(source, encoding="utf-8") as f:
                text = f.read()
            mutant = os.path.join(self.args.work, f"model_{i:04d}.loom")
            with open(mutant, "wb") as f:
                f.write(mutate_text_model(text, self.rng))
            self.check(f"model mutant {i}", mutant, ["info", mutant, "--kernels"])
            if i % 2 == 0:
                run = os.path.join(self.args.work, f"model_{i:04d}.run")
                self.check(f"model mutant {i} (train)", mutant,
                           ["train", mutant, "--max-steps", "2", "--train-limit", "256",
                            "--test-limit", "256", "--run-dir", run])
                shutil.rmtree(run, ignore_errors=True)

    def checkpoint_mutants(self, count):
        # A one-layer model keeps the checkpoint small (63 kB), so resealing mutants with the
        # Python CRC above stays quick.
        model = os.path.join(self.args.work, "tiny.loom")
        with open(model, "w", encoding="utf-8") as f:
            f.write('format_version: 2\nname: "tiny"\ngraph {\n'
                    '  node { name: "image" op: "Input" attr { name: "shape" ints { v: [1, 28, 28] } } }\n'
                    '  node { name: "flatten" op: "Flatten" input: "image" }\n'
                    '  node { name: "logits" op: "Dense" input: "flatten" attr { name: "units" i: 10 } }\n'
                    '}\ntraining { optimizer { type: "sgd" learning_rate: 0.01 momentum: 0.9 } }\n')
        run = os.path.join(self.args.work, "ckpt_source")
        rc, _, _, stderr = run_loom(self.args.loom,
                                    ["train", model, "--max-steps", "3", "--train-limit", "512",
                                     "--no-test", "--run-dir", run], self.env,
                                    os.path.join(self.args.work, "ckpt_source.stderr"))
        if rc != 0:
            raise SystemExit(f"could not make the source checkpoint (exit {rc}): {stderr}")
        with open(os.path.join(run, "checkpoints", "last.ckpt"), "rb") as f:
            good = f.read()
        for i in range(count):
            mutant = os.path.join(self.args.work, f"ckpt_{i:04d}.ckpt")
            damaged = mutate_bytes(good, self.rng, focus=300)
            resealed = i % 2 == 1  # half reach the checks behind the file digest
            with open(mutant, "wb") as f:
                f.write(reseal_checkpoint(damaged) if resealed else damaged)
            label = f"checkpoint mutant {i}" + (" (resealed)" if resealed else "")
            self.check(label, mutant, ["eval", model, "--checkpoint", mutant, "--test-limit", "256"])
            if resealed and i % 4 == 1:
                resume = os.path.join(self.args.work, f"ckpt_{i:04d}.run")
                os.makedirs(os.path.join(resume, "checkpoints"))
                shutil.copy(mutant, os.path.join(resume, "checkpoints", "last.ckpt"))
                self.check(label + " (resume)", mutant,
                           ["train", model, "--resume", "--run-dir", resume, "--max-steps", "5",
                            "--train-limit", "512", "--no-test"])
                shutil.rmtree(resume, ignore_errors=True)

    def dataset_mutants(self, count):
        model_text = open(os.path.join(self.args.examples, "mlp.loom"), encoding="utf-8").read()
        names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
        # The 10,000-image test files stand in for both splits: the same format, a quarter
        # of the bytes to mutate and recompress.
        raw = {}
        for name in names:
            source = name.replace("train-", "t10k-")
            with gzip.open(os.path.join(self.args.fashion_mnist, source), "rb") as f:
                raw[name] = f.read()
        for i in range(count):
            directory = os.path.join(self.args.work, f"data_{i:04d}")
            os.makedirs(directory, exist_ok=True)
            target = self.rng.choice(names)
            for name in names:
                path = os.path.join(directory, name)
                if name != target:
                    with gzip.open(path, "wb", compresslevel=1) as f:
                        f.write(raw[name])
                elif self.rng.random() < 0.3:  # damage the gzip stream itself
                    packed = gzip.compress(raw[name], compresslevel=1)
                    with open(path, "wb") as f:
                        f.write(mutate_bytes(packed, self.rng, keep_prefix=10))
                else:
                    with gzip.open(path, "wb", compresslevel=1) as f:
                        f.write(mutate_idx(raw[name], self.rng))
            model = os.path.join(directory, "model.loom")
            with open(model, "w", encoding="utf-8") as f:
                f.write(model_text + f'\ndataset {{ kind: "fashion_mnist" path: "{directory}" }}\n')
            run = os.path.join(directory, "run")
            self.check(f"dataset mutant {i} ({target})", os.path.join(directory, target),
                       ["train", model, "--max-steps", "2", "--train-limit", "512",
                        "--test-limit", "512", "--run-dir", run])
            shutil.rmtree(directory, ignore_errors=True)

    def report(self):
        total = sum(self.outcomes.values())
        print(f"mutation suite (seed {self.args.seed}): {total} runs of loom")
        for rc, n in sorted(self.outcomes.items(), key=lambda kv: str(kv[0])):
            print(f"  exit {rc}: {n}")
        print(f"  slowest run: {self.slowest[0]:.2f} s ({self.slowest[1]})")
        print(f"  largest peak RSS: {self.largest[0] / 2**20:.0f} MiB ({self.largest[1]})")
        for failure in self.failures:
            print("FAIL " + failure)
        print(f"{len(self.failures)} failures")
        return 1 if self.failures else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--loom", required=True)
    p.add_argument("--examples", required=True)
    p.add_argument("--fashion-mnist", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--seed", type=int, default=20261202)
    p.add_argument("--models", type=int, default=60)
    p.add_argument("--checkpoints", type=int, default=60)
    p.add_argument("--datasets", type=int, default=20)
    args = p.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    suite = Suite(args)
    suite.model_mutants(args.models)
    suite.checkpoint_mutants(args.checkpoints)
    suite.dataset_mutants(args.datasets)
    sys.exit(suite.report())


if __name__ == "__main__":
    main()
