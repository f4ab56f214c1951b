#!/usr/bin/python3
"""Embedding projections, Loom and scikit-learn side by side on the same input and threads.

    benchmarks/run_embed_benchmark.py [--build build/release] [--threads 2] [--points 70000]
        [--skip-sklearn-tsne] [--pca-rows 1000000]

1. t-SNE of Fashion-MNIST (train then test images, the first --points of the 70,000), raw
   pixels / 255 reduced to 50 dimensions by sklearn's PCA (the same input for both):
   Loom's loom_bench_embed against sklearn.manifold.TSNE (perplexity 30, init pca, learning
   rate auto, Barnes-Hut), seconds and their ratio; trustworthiness (k = 10) and 10-NN label
   agreement on a random 5,000-point subset of the layouts (the full O(N^2) measure does not
   fit in memory at 70,000 points).
2. UMAP of the same input by Loom (umap-learn is not packaged by Debian: no reference side).
3. PCA (10 components) of --pca-rows x 128 Gaussian points, Loom against sklearn's PCA.
Threads: OMP_NUM_THREADS and the tools' own thread arguments.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FASHION = "/usr/share/datasets/fashion-mnist"


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic == 0x803:
        n, r, c = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
        return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, r * c)
    n = int.from_bytes(data[4:8], "big")
    return np.frombuffer(data, dtype=np.uint8, offset=8).reshape(n)


def quality(x, y, labels, rng):
    from sklearn.manifold import trustworthiness
    from sklearn.neighbors import NearestNeighbors
    sub = rng.choice(len(x), size=min(5000, len(x)), replace=False)
    t = trustworthiness(x[sub], y[sub], n_neighbors=10)
    nn = NearestNeighbors(n_neighbors=11).fit(y[sub])
    ind = nn.kneighbors(y[sub], return_distance=False)[:, 1:]
    agree = 100.0 * np.mean(labels[sub][ind] == labels[sub][:, None])
    return t, agree


def loom(build, args, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([os.path.join(build, "benchmarks", "loom_bench_embed")] + args +
                         [], env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--points", type=int, default=70000)
    ap.add_argument("--skip-sklearn-tsne", action="store_true")
    ap.add_argument("--pca-rows", type=int, default=1000000)
    a = ap.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(a.threads)
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    rng = np.random.default_rng(0)
    tmp = tempfile.mkdtemp(prefix="loom_embed_bench_")
    pixels = np.concatenate([idx(f"{FASHION}/train-images-idx3-ubyte.gz"),
                             idx(f"{FASHION}/t10k-images-idx3-ubyte.gz")])[:a.points]
    labels = np.concatenate([idx(f"{FASHION}/train-labels-idx1-ubyte.gz"),
                             idx(f"{FASHION}/t10k-labels-idx1-ubyte.gz")])[:a.points]
    x = PCA(n_components=50, random_state=0).fit_transform(pixels.astype(np.float32) / 255.0)
    x = x.astype(np.float32)
    xp = os.path.join(tmp, "x.npy")
    np.save(xp, x)
    print(f"| projection | points | threads | Loom s | sklearn s | sklearn / Loom | "
          f"trust Loom | trust sklearn | 10-NN agree Loom | sklearn |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    r = loom(a.build, ["tsne", xp, os.path.join(tmp, "loom_tsne.npy"), str(a.threads)], a.threads)
    yl = np.load(os.path.join(tmp, "loom_tsne.npy"))
    tl, al = quality(x, yl, labels, np.random.default_rng(1))
    if a.skip_sklearn_tsne:
        print(f"| t-SNE | {len(x)} | {a.threads} | {r['seconds']:.1f} | - | - | {tl:.4f} | - | "
              f"{al:.2f} | - |")
    else:
        start = time.time()
        ys = TSNE(n_components=2, perplexity=30, init="pca", learning_rate="auto",
                  random_state=0, n_jobs=a.threads).fit_transform(x)
        sk = time.time() - start
        ts, as_ = quality(x, ys, labels, np.random.default_rng(1))
        print(f"| t-SNE | {len(x)} | {a.threads} | {r['seconds']:.1f} | {sk:.1f} | "
              f"{sk / r['seconds']:.2f} | {tl:.4f} | {ts:.4f} | {al:.2f} | {as_:.2f} |")
    sys.stdout.flush()
    r = loom(a.build, ["umap", xp, os.path.join(tmp, "loom_umap.npy"), str(a.threads)], a.threads)
    yu = np.load(os.path.join(tmp, "loom_umap.npy"))
    tu, au = quality(x, yu, labels, np.random.default_rng(1))
    print(f"| UMAP | {len(x)} | {a.threads} | {r['seconds']:.1f} | (no umap-learn) | - | "
          f"{tu:.4f} | - | {au:.2f} | - |")
    sys.stdout.flush()
    r = loom(a.build, ["pca", str(a.pca_rows), "128", str(a.threads)], a.threads)
    g = np.random.default_rng(1).standard_normal((a.pca_rows, 128), dtype=np.float32)
    start = time.time()
    PCA(n_components=10, svd_solver="full").fit(g)
    sk = time.time() - start
    print(f"| PCA (10 of 128) | {a.pca_rows} | {a.threads} | {r['seconds']:.2f} | {sk:.2f} | "
          f"{sk / r['seconds']:.2f} | | | | |")


if __name__ == "__main__":
    main()
