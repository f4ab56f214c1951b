"""Independent reference for engine/events/confusion.h's summarizeConfusion, in scikit-learn.

Reads a file of "true predicted" label pairs (one sample a line; the first line is the number
of classes) and prints JSON: per class precision, recall, F1 and support
(precision_recall_fscore_support with labels=range(n), zero_division=0), the accuracy
(accuracy_score), and the macro and weighted averages. sklearn counts the pairs itself; it
never sees the matrix the C++ side summarised.
Usage: confusion_reference.py PAIRS_FILE
"""
import json
import sys

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

with open(sys.argv[1]) as f:
    n = int(f.readline())
    pairs = np.loadtxt(f, dtype=np.int64, ndmin=2)
y_true, y_pred = pairs[:, 0], pairs[:, 1]
labels = list(range(n))
p, r, f1, support = precision_recall_fscore_support(
    y_true, y_pred, labels=labels, average=None, zero_division=0)
out = {
    "precision": p.tolist(), "recall": r.tolist(), "f1": f1.tolist(),
    "support": [int(s) for s in support],
    "accuracy": float(accuracy_score(y_true, y_pred)),
}
for average in ("macro", "weighted"):
    ap, ar, af, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average=average, zero_division=0)
    out[average] = {"precision": float(ap), "recall": float(ar), "f1": float(af)}
print(json.dumps(out))
