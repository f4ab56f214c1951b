#!/usr/bin/env python3
"""Compares the parameters of Loom checkpoints (docs/formats.md), read independently of Loom.

usage: compare_checkpoints.py REFERENCE OTHER [--rtol R] [--identical | --all]

Per parameter tensor (param/...): max |a - b| / max |reference| must be <= rtol (default
1e-5). With --identical, every tensor (parameters and optimizer state) must be byte-equal.
With --all, the float optimizer state (optim/..., e.g. momentum) is held to rtol too, integer
tensors (the optimizer's step count) must be equal, and so must the trainer's position
(epoch, step in epoch, global step, samples of the epoch consumed).
Prints one line per tensor with its relative difference; exits 1 on any failure.
"""
import struct
import sys

import numpy as np

DTYPES = {0: np.float32, 1: np.uint8, 2: np.int64}


def read_checkpoint(path):
    data = open(path, "rb").read()
    if data[:8] != b"LOOMCKPT":
        sys.exit(f"{path}: not a Loom checkpoint")
    pos = 8
    version, header_bytes = struct.unpack_from("<II", data, pos)
    pos += 8
    (hash_len,) = struct.unpack_from("<I", data, pos)
    pos += 4 + hash_len
    # i64 epoch, step, global step; u64 seed; i32 threads; f64 best loss; i32 patience;
    # f64 loss sum; i64 correct; i64 samples; u32 tensor count
    fmt = "<qqqQidid qqI".replace(" ", "")
    fields = struct.unpack_from(fmt, data, pos)
    pos += struct.calcsize(fmt)
    global_step, count = fields[2], fields[-1]
    tensors = {}
    for _ in range(count):
        (name_len,) = struct.unpack_from("<I", data, pos)
        pos += 4
        name = data[pos:pos + name_len].decode()
        pos += name_len
        dtype, rank = struct.unpack_from("<BI", data, pos)
        pos += 5
        dims = struct.unpack_from("<" + "q" * rank, data, pos)
        pos += 8 * rank
        (nbytes,) = struct.unpack_from("<Q", data, pos)
        pos += 8
        raw = data[pos:pos + nbytes]
        pos += nbytes + 4  # the tensor's CRC
        tensors[name] = (np.frombuffer(raw, dtype=DTYPES[dtype]).reshape(dims), raw)
    position = {"epoch": fields[0], "step in epoch": fields[1], "global step": fields[2],
                "epoch samples": fields[9]}
    return global_step, tensors, position


def main():
    args = sys.argv[1:]
    rtol = 1e-5
    identical = "--identical" in args
    everything = "--all" in args
    if "--rtol" in args:
        rtol = float(args[args.index("--rtol") + 1])
    ref_path, other_path = [a for a in args if not a.startswith("--") and a != str(rtol)][:2]
    ref_step, ref, ref_pos = read_checkpoint(ref_path)
    other_step, other, other_pos = read_checkpoint(other_path)
    ok = ref_step == other_step
    print(f"global step {ref_step} vs {other_step}")
    if everything:
        for key in ref_pos:
            same = ref_pos[key] == other_pos[key]
            ok &= same
            print(f"{key}: {ref_pos[key]} vs {other_pos[key]}" + ("" if same else "  DIFFERS"))
    if set(ref) != set(other):
        print("tensor names differ:", sorted(set(ref) ^ set(other)))
        sys.exit(1)
    worst = 0.0
    for name in ref:
        a, raw_a = ref[name]
        b, raw_b = other[name]
        if identical:
            same = raw_a == raw_b
            ok &= same
            if not same:
                print(f"{name}: bytes differ")
            continue
        if everything and a.dtype != np.float32:
            same = raw_a == raw_b
            ok &= same
            print(f"{name}: {a.ravel()[:4]} vs {b.ravel()[:4]}" + ("" if same else "  DIFFERS"))
            continue
        if not name.startswith("param/") and not everything:
            continue
        scale = float(np.max(np.abs(a))) if a.size else 0.0
        diff = float(np.max(np.abs(a.astype(np.float64) - b))) if a.size else 0.0
        rel = diff / scale if scale > 0 else diff
        worst = max(worst, rel)
        ok &= rel <= rtol
        print(f"{name}: max |diff| {diff:.3e}, relative {rel:.3e}")
    if identical:
        print(("PASS" if ok else "FAIL") + f": {len(ref)} tensors byte-identical" if ok else "FAIL")
    else:
        print(("PASS" if ok else "FAIL") + f": worst relative difference {worst:.3e} (limit {rtol:g})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
