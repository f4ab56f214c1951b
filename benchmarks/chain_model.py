#!/usr/bin/python3
"""Writes a chain model of N nodes (Input, then N-1 ReLUs) for timing graph analysis and the
studio on big graphs.

    benchmarks/chain_model.py 100000 > /tmp/chain.loom
    time build/release/app/cli/loom info /tmp/chain.loom > /dev/null
    benchmarks/chain_model.py 100000 --positions > /tmp/chain_laid_out.loom   # canvas positions

With --positions every node has a canvas position (a snake of columns of 100 cards, the way a
laid-out file from the studio has them); without, none has one.
"""
import argparse
import sys

parser = argparse.ArgumentParser()
parser.add_argument("n", type=int, nargs="?", default=100000)
parser.add_argument("--positions", action="store_true")
args = parser.parse_args()


def position(i):
    if not args.positions:
        return ""
    column, row = divmod(i, 100)
    if column % 2:
        row = 99 - row
    return f" x: {column * 220} y: {row * 100}"


out = sys.stdout
out.write('format_version: 2\nname: "chain"\ngraph {\n')
out.write(f' node {{ name: "n0" op: "Input" attr {{ name: "shape" ints {{ v: 784 }} }}{position(0)} }}\n')
for i in range(1, args.n):
    out.write(f' node {{ name: "n{i}" op: "ReLU" input: "n{i - 1}"{position(i)} }}\n')
out.write('}\n')
