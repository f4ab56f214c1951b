"""Independent references for widgets/modes/train/series_math.h, in NumPy.

Reads series.txt (one value per line, 'nan'/'inf' allowed) and writes:
  ema_<w>.txt      debiased EMA as a closed-form weighted mean: after the k-th finite point
                   the value is sum_j (1-w) w^(k-j) y_j / (1 - w^k) over the finite points
                   (the recursive form in the C++ code is a different computation of it);
                   non-finite points pass through; a constant series is returned unchanged
  centred_<n>.txt  mean of the finite values in the window [i-h, i+h] clipped to the series
                   (np.convolve of values and of a finite mask)
  decimate.txt     min/max per column: x, y pairs, by a direct loop over the columns
Usage: series_math_reference.py DIR
"""
import sys
import numpy as np

d = sys.argv[1]
y = np.loadtxt(d + "/series.txt")
finite = np.isfinite(y)

for w in (0.0, 0.6, 0.9, 0.99):
    out = y.copy()
    if w > 0 and not np.all(y == y[0]):
        idx = np.flatnonzero(finite)
        vals = y[idx]
        for k in range(1, len(idx) + 1):
            powers = w ** np.arange(k - 1, -1, -1)  # w^(k-j) for j = 1..k
            out[idx[k - 1]] = np.sum((1 - w) * powers * vals[:k]) / (1 - w ** k)
    np.savetxt("%s/ema_%g.txt" % (d, w), out, fmt="%.17g")

for n in (1, 9, 51):
    if n <= 1:
        out = y.copy()
    else:
        h = (n | 1) // 2
        kernel = np.ones(2 * h + 1)
        s = np.convolve(np.where(finite, y, 0.0), kernel, mode="same")
        c = np.convolve(finite.astype(float), kernel, mode="same")
        out = np.where(c > 0, s / np.maximum(c, 1), y)
    np.savetxt("%s/centred_%d.txt" % (d, n), out, fmt="%.17g")

# Decimation of (x = index, y) over [lo, hi] into `columns` columns.
lo, hi, columns = 100.0, 1900.0, 37
x = np.arange(len(y), dtype=float)
pts = []
left = [i for i in range(len(y)) if x[i] < lo and finite[i]]
if left:
    pts.append(left[-1])
width = (hi - lo) / columns
for col in range(columns):
    members = [i for i in range(len(y))
               if lo <= x[i] <= hi and min(columns - 1, int((x[i] - lo) / width)) == col
               and finite[i]]
    if not members:
        continue
    imin = min(members, key=lambda i: (y[i], i))
    imax = max(members, key=lambda i: (y[i], -i))
    if imin == imax:
        pts.append(imin)
    else:
        pts += sorted((imin, imax))
right = [i for i in range(len(y)) if x[i] > hi and finite[i]]
if right:
    pts.append(right[0])
np.savetxt(d + "/decimate.txt", np.array([[x[i], y[i]] for i in pts]), fmt="%.17g")
