#!/usr/bin/env python3
"""Checks the gradient buckets' allreduce events in per-rank Chrome traces (docs/distributed.md,
"Overlap").

usage: check_overlap.py TRACE_PREFIX RANKS STEPS BUCKETS on|off

For every rank R (TRACE_PREFIX.rankR.json) and global step 1..STEPS: exactly one
"allreduce bucket K" event for each K in 0..BUCKETS-1 on thread track 2, started in the fixed
order (with overlap K descending, the last parameters' bucket first; without, ascending,
one after the other after backward), each ending no later than the step's
"gradient allreduce" phase (the final wait). With overlap on, the first bucket starts before
backward ends on every step (its allreduce runs while backward still computes); with off,
every bucket starts after backward.
"""
import json
import sys


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def check_rank(path, steps, buckets, overlap):
    events = [e for e in json.load(open(path)) if e.get("ph") == "X"]
    early = 0
    for step in range(1, steps + 1):
        spans = [e for e in events if e["args"]["step"] == step]
        phase = {e["name"]: e for e in spans if e["tid"] == 1}
        mine = [e for e in spans if e["name"].startswith("allreduce bucket ")]
        order = [int(e["name"].split()[-1]) for e in sorted(mine, key=lambda e: e["ts"])]
        want = list(range(buckets - 1, -1, -1)) if overlap else list(range(buckets))
        if order != want:
            fail(f"{path}: step {step}: buckets started in the order {order}")
        if any(e["tid"] != 2 or e["cat"] != "comm" for e in mine):
            fail(f"{path}: step {step}: a bucket event off track 2 or not comm")
        backward_end = phase["backward"]["ts"] + phase["backward"]["dur"]
        wait = phase["gradient allreduce"]
        wait_end = wait["ts"] + wait["dur"]
        for e in mine:
            if e["ts"] + e["dur"] > wait_end + 1.0:  # µs
                fail(f"{path}: step {step}: {e['name']} ends after the gradient allreduce phase")
        first = min(e["ts"] for e in mine)
        if overlap and first >= backward_end:
            fail(f"{path}: step {step}: overlap on, but the first bucket started after backward")
        if not overlap and first + 1.0 < backward_end:
            fail(f"{path}: step {step}: overlap off, but a bucket started during backward")
        early += sum(1 for e in mine if e["ts"] < backward_end)
    return early


def main():
    prefix, ranks, steps, buckets = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    overlap = sys.argv[5] == "on"
    for rank in range(ranks):
        early = check_rank(f"{prefix}.rank{rank}.json", steps, buckets, overlap)
        print(f"rank {rank}: {steps} steps x {buckets} buckets in order; {early} bucket "
              f"allreduces started during backward")
    print(f"PASS: bucket events of {ranks} ranks (overlap {sys.argv[5]})")


if __name__ == "__main__":
    main()
