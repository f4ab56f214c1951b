#!/usr/bin/env python3
"""Checks the per-rank Chrome traces of a data-parallel run (docs/distributed.md, "Timeline").

usage: check_timeline.py TRACE_PREFIX RUN_DIR RANKS STEPS

TRACE_PREFIX.rankR.json must be a JSON array in the Trace Event Format for every rank R:
a "process_name" record "rank R (HOST)", and for every global step 1..STEPS exactly one
complete ("X") event of each phase, in the order a step runs them, not overlapping, on the
rank's own track (pid R), thread track 1. Checkpoint and validation events only on rank 0.
The per-bucket "allreduce bucket K" events (category comm) must be on thread track 2; their
timing is checked by check_overlap.py.

The gradient allreduce durations are compared with an independent measurement of the same
interval: the workers/rank<R>/allreduce_ms scalars rank 0 writes to the run's TensorBoard event
file (read by tests/python/tb_events.py, not by Loom). The trace's span contains the scalar's
interval, so it may only be longer, and by little.
"""
import glob
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import tb_events  # noqa: E402

PHASES = ["wait for data", "forward", "loss", "backward", "gradient allreduce", "optimizer",
          "step summary allreduce"]
CATEGORIES = {"wait for data": "wait", "forward": "compute", "loss": "compute",
              "backward": "compute", "gradient allreduce": "comm", "optimizer": "compute",
              "step summary allreduce": "comm", "checkpoint": "io", "validation": "compute",
              "validation broadcast": "comm"}


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def health_scalars(run_dir):
    """{(rank, step): allreduce_ms} from rank 0's event file."""
    values = {}
    for path in glob.glob(os.path.join(run_dir, "events.out.tfevents.*")):
        for _, payload in tb_events.records(open(path, "rb").read()):
            event = tb_events.M["Event"]()
            event.ParseFromString(payload)
            if not event.HasField("summary"):
                continue
            for v in event.summary.value:
                if v.tag.startswith("workers/rank") and v.tag.endswith("/allreduce_ms"):
                    rank = int(v.tag[len("workers/rank"):].split("/")[0])
                    values[(rank, event.step)] = v.simple_value
    return values


def check_rank(prefix, rank, steps):
    path = f"{prefix}.rank{rank}.json"
    try:
        events = json.load(open(path))
    except (OSError, ValueError) as e:
        fail(f"{path}: not a JSON trace: {e}")
    if not isinstance(events, list):
        fail(f"{path}: not a JSON array")
    names = [e for e in events if e.get("ph") == "M" and e.get("name") == "process_name"]
    if len(names) != 1 or not names[0]["args"]["name"].startswith(f"rank {rank} ("):
        fail(f"{path}: no process_name 'rank {rank} (HOST)': {names}")
    spans = [e for e in events if e.get("ph") == "X"]
    for e in spans:
        if e["pid"] != rank:
            fail(f"{path}: event {e} is on track {e['pid']}")
        bucket = e["name"].startswith("allreduce bucket ")
        if e["tid"] != (2 if bucket else 1):
            fail(f"{path}: event {e} is on thread track {e['tid']}")
        if bucket and e["cat"] == "comm":
            continue
        if CATEGORIES.get(e["name"]) != e["cat"]:
            fail(f"{path}: event {e['name']} has category {e['cat']}")
        if e["dur"] < 0:
            fail(f"{path}: negative duration: {e}")
    if rank != 0 and any(e["name"] in ("checkpoint", "validation") for e in spans):
        fail(f"{path}: rank {rank} has checkpoint or validation events (rank 0 alone writes)")
    by_step = {}
    for e in spans:
        if e["name"] in PHASES:
            by_step.setdefault(e["args"]["step"], []).append(e)
    if sorted(by_step) != list(range(1, steps + 1)):
        fail(f"{path}: steps {sorted(by_step)[:5]}... instead of 1..{steps}")
    previous_end = 0.0
    for step in range(1, steps + 1):
        phases = by_step[step]
        if [e["name"] for e in phases] != PHASES:
            fail(f"{path}: step {step} has phases {[e['name'] for e in phases]}")
        for e in phases:
            if e["ts"] + 1.0 < previous_end:  # µs; wall-clock doubles round to 0.25 µs
                fail(f"{path}: step {step}: {e['name']} starts at {e['ts']} before the "
                     f"previous phase ended at {previous_end}")
            previous_end = e["ts"] + e["dur"]
    allreduce = {step: by_step[step][PHASES.index("gradient allreduce")]["dur"] / 1e3
                 for step in by_step}
    return allreduce, spans


def main():
    prefix, run_dir, ranks, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    health = health_scalars(run_dir)
    counts = []
    for rank in range(ranks):
        allreduce, spans = check_rank(prefix, rank, steps)
        # Health is sent one step late, so the last step has none.
        diffs = []
        for step in range(1, steps):
            if (rank, step) not in health:
                fail(f"no workers/rank{rank}/allreduce_ms at step {step} in the event file")
            diff = allreduce[step] - health[(rank, step)]
            if diff < -1e-3 * max(1.0, health[(rank, step)]):
                fail(f"rank {rank}, step {step}: trace allreduce {allreduce[step]:.4f} ms is "
                     f"shorter than the measured {health[(rank, step)]:.4f} ms it contains")
            diffs.append(diff)
        median = statistics.median(diffs)
        if median > 0.5:
            fail(f"rank {rank}: the trace's allreduce spans exceed the event file's by a median "
                 f"of {median:.3f} ms")
        counts.append(len(spans))
        print(f"rank {rank}: {len(spans)} events; gradient allreduce: trace - event file "
              f"median {1e3 * median:.1f} us over {len(diffs)} steps")
    print(f"PASS: {ranks} traces, {steps} steps each, every phase once per step in order")


if __name__ == "__main__":
    main()
