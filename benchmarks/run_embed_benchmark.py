#!/usr/bin/python3
"""Embedding projections, Loom and scikit-learn side by side on the same input and threads.

    benchmarks/run_embed_benchmark.py [--build build/release] [--threads 2] [--points 70000]
        [--inputs pixels,cnn] [--skip-sklearn-tsne] [--pca-rows 1000000]

1. t-SNE of Fashion-MNIST (train then test images, the first --points of the 70,000), reduced
   to 50 dimensions by sklearn's PCA (the same input for both), from two inputs:
   "pixels": the raw pixels / 255;
   "cnn": the 1,024-dimensional relu3 activations of resources/examples/cnn.loom trained for
   one epoch (`loom train`, then `loom embed --node relu3` on both splits).
   Loom's loom_bench_embed against sklearn.manifold.TSNE (perplexity 30, init pca, learning
   rate auto, Barnes-Hut), seconds and their ratio; trustworthiness (k = 10) and 10-NN label
   agreement on a random 5,000-point subset of the layouts (the full O(N^2) measure does not
   fit in memory at 70,000 points).
2. UMAP of the same inputs by Loom (umap-learn is not packaged by Debian: no reference side).
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


def cnn_embeddings(build, threads, tmp, points):
    """relu3 of the CNN trained one epoch, for the train then the test split (float32)."""
    loom_cli = os.path.join(build, "app", "cli", "loom")
    model = os.path.join(ROOT, "resources", "examples", "cnn.loom")
    trained = os.path.join(tmp, "cnn_trained.loom")
    subprocess.run([loom_cli, "train", model, "--epochs", "1", "--threads", str(threads),
                    "--run-dir", os.path.join(tmp, "cnn_run"), "--output", trained],
                   check=True, stdout=subprocess.DEVNULL)
    parts = []
    for split in ("train", "test"):
        out = os.path.join(tmp, f"cnn_{split}")
        subprocess.run([loom_cli, "embed", trained, "--node", "relu3", "--split", split,
                        "--no-sprite", "--threads", str(threads), "-o", out],
                       check=True, stdout=subprocess.DEVNULL)
        parts.append(np.fromfile(os.path.join(out, "relu3.bytes"), dtype="<f4").reshape(-1, 1024))
    return np.concatenate(parts)[:points]


def tsne_rows(a, name, x, labels, tmp):
    """t-SNE (Loom, sklearn) and UMAP (Loom) of `x` [N, 50]: prints two table rows."""
    from sklearn.manifold import TSNE
    xp = os.path.join(tmp, f"{name}.npy")
    np.save(xp, x)
    r = loom(a.build, ["tsne", xp, os.path.join(tmp, "loom_tsne.npy"), str(a.threads)], a.threads)
    yl = np.load(os.path.join(tmp, "loom_tsne.npy"))
    tl, al = quality(x, yl, labels, np.random.default_rng(1))
    if a.skip_sklearn_tsne:
        print(f"| t-SNE ({name}) | {len(x)} | {a.threads} | {r['seconds']:.1f} | - | - | "
              f"{tl:.4f} | - | {al:.2f} | - |")
    else:
        start = time.time()
        ys = TSNE(n_components=2, perplexity=30, init="pca", learning_rate="auto",
                  random_state=0, n_jobs=a.threads).fit_transform(x)
        sk = time.time() - start
        ts, as_ = quality(x, ys, labels, np.random.default_rng(1))
        print(f"| t-SNE ({name}) | {len(x)} | {a.threads} | {r['seconds']:.1f} | {sk:.1f} | "
              f"{sk / r['seconds']:.2f} | {tl:.4f} | {ts:.4f} | {al:.2f} | {as_:.2f} |")
    sys.stdout.flush()
    r = loom(a.build, ["umap", xp, os.path.join(tmp, "loom_umap.npy"), str(a.threads)], a.threads)
    yu = np.load(os.path.join(tmp, "loom_umap.npy"))
    tu, au = quality(x, yu, labels, np.random.default_rng(1))
    print(f"| UMAP ({name}) | {len(x)} | {a.threads} | {r['seconds']:.1f} | (no umap-learn) | - | "
          f"{tu:.4f} | - | {au:.2f} | - |")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--points", type=int, default=70000)
    ap.add_argument("--inputs", default="pixels,cnn")
    ap.add_argument("--skip-sklearn-tsne", action="store_true")
    ap.add_argument("--pca-rows", type=int, default=1000000)
    a = ap.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(a.threads)
    from sklearn.decomposition import PCA
    tmp = tempfile.mkdtemp(prefix="loom_embed_bench_")
    pixels = np.concatenate([idx(f"{FASHION}/train-images-idx3-ubyte.gz"),
                             idx(f"{FASHION}/t10k-images-idx3-ubyte.gz")])[:a.points]
    labels = np.concatenate([idx(f"{FASHION}/train-labels-idx1-ubyte.gz"),
                             idx(f"{FASHION}/t10k-labels-idx1-ubyte.gz")])[:a.points]
    print(f"| projection | points | threads | Loom s | sklearn s | sklearn / Loom | "
          f"trust Loom | trust sklearn | 10-NN agree Loom | sklearn |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in a.inputs.split(","):
        if name == "pixels":
            raw = pixels.astype(np.float32) / 255.0
        elif name == "cnn":
            raw = cnn_embeddings(a.build, a.threads, tmp, a.points)
        else:
            sys.exit(f"unknown input {name}: pixels or cnn")
        x = PCA(n_components=50, random_state=0).fit_transform(raw).astype(np.float32)
        tsne_rows(a, name, x, labels, tmp)
    r = loom(a.build, ["pca", str(a.pca_rows), "128", str(a.threads)], a.threads)
    g = np.random.default_rng(1).standard_normal((a.pca_rows, 128), dtype=np.float32)
    start = time.time()
    PCA(n_components=10, svd_solver="full").fit(g)
    sk = time.time() - start
    print(f"| PCA (10 of 128) | {a.pca_rows} | {a.threads} | {r['seconds']:.2f} | {sk:.2f} | "
          f"{sk / r['seconds']:.2f} | | | | |")


if __name__ == "__main__":
    main()
