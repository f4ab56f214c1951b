#!/usr/bin/python3
"""Independent references for engine/embed's tests: scikit-learn, SciPy, NumPy and PyTorch.

  embed_reference.py pca X.npy K OUTDIR           sklearn PCA (full SVD): components.npy,
                                                   explained_variance.npy, ratio.npy
  embed_reference.py ab SPREAD MIN_DIST           UMAP's (a, b) by scipy.optimize.curve_fit
  embed_reference.py tsne X.npy PERPLEXITY SEED OUT.npy [THREADS]
                                                   sklearn TSNE (init pca, learning rate auto)
  embed_reference.py quality X.npy LABELS.npy NAME=LAYOUT.npy ...
                                                   JSON: trustworthiness (k=10) and 10-NN label
                                                   agreement (%) of each layout
  embed_reference.py activations MODEL PARAMDIR NODE N MEAN STD OUT.npy
                                                   the node's output on the first N Fashion-MNIST
                                                   test images, by PyTorch (loom_to_torch.py)
"""
import gzip
import json
import os
import sys
import time

import numpy as np


def pca(x_path, k, out):
    from sklearn.decomposition import PCA
    x = np.load(x_path).astype(np.float64)
    p = PCA(n_components=int(k), svd_solver="full").fit(x)
    os.makedirs(out, exist_ok=True)
    # C order: Loom's .npy reader refuses Fortran-ordered arrays (SciPy's SVD returns them).
    np.save(os.path.join(out, "components.npy"),
            np.ascontiguousarray(p.components_, dtype=np.float32))
    np.save(os.path.join(out, "explained_variance.npy"), p.explained_variance_.astype(np.float32))
    np.save(os.path.join(out, "ratio.npy"), p.explained_variance_ratio_.astype(np.float32))
    print("ok")


def ab(spread, min_dist):
    from scipy.optimize import curve_fit
    spread, min_dist = float(spread), float(min_dist)
    xv = np.linspace(0, spread * 3, 300)
    yv = np.where(xv < min_dist, 1.0, np.exp(-(xv - min_dist) / spread))
    (a, b), _ = curve_fit(lambda x, a, b: 1.0 / (1.0 + a * x ** (2 * b)), xv, yv)
    print(f"{a:.9f} {b:.9f}")


def tsne(x_path, perplexity, seed, out, threads="1"):
    from sklearn.manifold import TSNE
    x = np.load(x_path)
    start = time.time()
    y = TSNE(n_components=2, perplexity=float(perplexity), init="pca", learning_rate="auto",
             random_state=int(seed), n_jobs=int(threads), method="barnes_hut").fit_transform(x)
    np.save(out, y.astype(np.float32))
    print(f"ok sklearn_seconds={time.time() - start:.2f}")


def knn_label_agreement(layout, labels, k=10):
    from sklearn.neighbors import NearestNeighbors
    nn = NearestNeighbors(n_neighbors=k + 1).fit(layout)
    idx = nn.kneighbors(layout, return_distance=False)[:, 1:]
    return 100.0 * float(np.mean(labels[idx] == labels[:, None]))


def quality(x_path, labels_path, *named):
    from sklearn.manifold import trustworthiness
    x = np.load(x_path)
    labels = np.load(labels_path).astype(np.int64).ravel()
    result = {}
    for item in named:
        name, path = item.split("=", 1)
        y = np.load(path)
        result[name] = {"trust": float(trustworthiness(x, y, n_neighbors=10)),
                        "agree": knn_label_agreement(y, labels)}
    print(json.dumps(result))


def read_idx_images(path, n):
    with gzip.open(path, "rb") as f:
        data = f.read()
    assert int.from_bytes(data[0:4], "big") == 0x803
    count, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, 1, rows, cols)
    return pixels[:n]


def activations(model_path, param_dir, node, n, mean, std, out):
    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import loom_to_torch as l2t
    net = l2t.LoomNet(l2t.load_loom(model_path))
    arrays = {f[:-4]: np.load(os.path.join(param_dir, f)) for f in os.listdir(param_dir)
              if f.endswith(".npy")}
    net.load_loom_parameters(arrays)
    net.eval()
    images = read_idx_images("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", int(n))
    x = torch.as_tensor((images.astype(np.float32) / 255.0 - float(mean)) / float(std))
    values = {}
    with torch.no_grad():
        for name, inputs in net._steps:
            layer = net.layers[net._keys[name]]
            values[name] = layer(x) if name in net.inputs else layer(*[values[i] for i in inputs])
    np.save(out, values[node].reshape(int(n), -1).numpy().astype(np.float32))
    print("ok")


if __name__ == "__main__":
    commands = {"pca": pca, "ab": ab, "tsne": tsne, "quality": quality,
                "activations": activations}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
