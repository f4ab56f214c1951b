"""compare_npy.py A.npy B.npy TOL: fails unless |a - b| <= TOL * max(1, |b|) everywhere
(B is the reference) and the shapes agree. Prints the largest differences."""
import sys

import numpy as np

a, b, tol = np.load(sys.argv[1]), np.load(sys.argv[2]), float(sys.argv[3])
if a.shape != b.shape:
    print("FAIL: shapes %s vs %s" % (a.shape, b.shape))
    sys.exit(1)
d = np.abs(a.astype(np.float64) - b.astype(np.float64))
rel = d / np.maximum(1.0, np.abs(b.astype(np.float64)))
print("%s vs %s: max abs %.3g, max rel %.3g (tolerance %g), argmax agree %d/%d"
      % (sys.argv[1], sys.argv[2], d.max(), rel.max(), tol,
         int((a.reshape(len(a), -1).argmax(1) == b.reshape(len(b), -1).argmax(1)).sum()), len(a)))
sys.exit(0 if rel.max() <= tol else 1)
