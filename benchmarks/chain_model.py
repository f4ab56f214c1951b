#!/usr/bin/python3
"""Writes a chain model of N nodes (Input, then N-1 ReLUs) for timing graph analysis.

    benchmarks/chain_model.py 100000 > /tmp/chain.loom
    time build/release/app/cli/loom info /tmp/chain.loom > /dev/null
"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
out = sys.stdout
out.write('format_version: 2\nname: "chain"\ngraph {\n')
out.write(' node { name: "n0" op: "Input" attr { name: "shape" ints { v: 784 } } }\n')
for i in range(1, n):
    out.write(f' node {{ name: "n{i}" op: "ReLU" input: "n{i - 1}" }}\n')
out.write('}\n')
