"""Independent reference for engine/train/node_stats.h's summarizeTensor, in NumPy.

Reads every DIR/*.npy (float32) and prints JSON {file stem: {...}} with, in float64:
count (x.size), mean and population std (ddof=0) of the finite elements, zero_fraction
(exact zeros over all elements), nonfinite (NaN or +-Inf elements) and norm (the L2 norm of
the finite elements, np.linalg.norm).
Usage: node_stats_reference.py DIR
"""
import glob
import json
import os
import sys

import numpy as np

out = {}
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.npy"))):
    x = np.load(path).astype(np.float64).ravel()
    finite = x[np.isfinite(x)]
    out[os.path.splitext(os.path.basename(path))[0]] = {
        "count": int(x.size),
        "mean": float(finite.mean()) if finite.size else 0.0,
        "std": float(finite.std(ddof=0)) if finite.size else 0.0,
        "zero_fraction": float(np.count_nonzero(x == 0) / x.size) if x.size else 0.0,
        "nonfinite": int(x.size - finite.size),
        "norm": float(np.linalg.norm(finite)),
    }
print(json.dumps(out))
