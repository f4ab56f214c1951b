#!/usr/bin/env python3
"""The share of the gradient allreduce hidden behind backward, from per-rank Chrome traces.

usage: dist_hidden_fraction.py [--skip N] TRACE.rank0.json [TRACE.rank1.json ...]

Reads the traces `loom train --timeline` writes (docs/distributed.md, "Timeline"): per step,
the "backward" phase on the training track and the "allreduce bucket K" events on the
gradient-buckets track, each from the bucket's start to when the rank saw it complete. Per
step, the allreduce time is the length of the union of the bucket intervals, and the hidden
part is the length of that union inside the backward span; what is not hidden is waited for
after backward (the "gradient allreduce" phase). Prints, per rank and over all ranks, the
mean allreduce, hidden and exposed milliseconds per step and hidden / allreduce. The first N
steps (default 5) are skipped: they include the allocation of the buffers and MPI's
connection set-up.

A bucket's end is when the rank saw it complete, at its next poll (between two nodes'
backward) or in the final wait, so a bucket that completed in the middle of a long node's
backward counts as in flight until that node ends: the allreduce time is an upper bound of
the transfer, and the hidden time may include such slack. Without overlap every bucket starts
after backward, so the hidden fraction is 0 by construction.
"""
import json
import sys


def union(intervals):
    """The union of [start, end) intervals as a sorted list of disjoint ones."""
    out = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out


def per_step(path, skip):
    """[(allreduce_us, hidden_us, exposed_us)] per step of one rank's trace."""
    events = [e for e in json.load(open(path)) if e.get("ph") == "X"]
    steps = {}
    for e in events:
        steps.setdefault(e["args"]["step"], []).append(e)
    rows = []
    for step in sorted(steps)[skip:]:
        spans = steps[step]
        backward = [e for e in spans if e["name"] == "backward"]
        buckets = [e for e in spans if e["name"].startswith("allreduce bucket ")]
        exposed = [e for e in spans if e["name"] == "gradient allreduce"]
        if len(backward) != 1 or not buckets:
            continue
        b0 = backward[0]["ts"]
        b1 = b0 + backward[0]["dur"]
        merged = union((e["ts"], e["ts"] + e["dur"]) for e in buckets)
        total = sum(end - start for start, end in merged)
        hidden = sum(max(0.0, min(end, b1) - max(start, b0)) for start, end in merged)
        rows.append((total, hidden, exposed[0]["dur"] if exposed else 0.0))
    return rows


def summary(name, rows):
    n = max(1, len(rows))
    total = sum(r[0] for r in rows)
    hidden = sum(r[1] for r in rows)
    exposed = sum(r[2] for r in rows)
    fraction = hidden / total if total > 0 else 0.0
    print(f"{name}: {len(rows)} steps; allreduce {total / n / 1e3:.3f} ms/step, hidden behind "
          f"backward {hidden / n / 1e3:.3f} ms/step, waited after backward "
          f"{exposed / n / 1e3:.3f} ms/step; hidden fraction {100 * fraction:.1f} %")
    return fraction


def main():
    args = sys.argv[1:]
    skip = 5
    if args[:1] == ["--skip"]:
        skip, args = int(args[1]), args[2:]
    if not args:
        sys.exit(__doc__)
    everything = []
    for path in args:
        rows = per_step(path, skip)
        summary(path, rows)
        everything += rows
    if len(args) > 1:
        summary("all ranks", everything)


if __name__ == "__main__":
    main()
