"""An ONNX evaluator in NumPy (and SciPy's erf) for files OpenCV 4.6 cannot run (Erf, GELU's
exact form), so Loom's export is still checked by a runtime that shares no code with Loom.
Debian's python3-onnx 1.12 has no reference evaluator (onnx.reference arrived in 1.13).

  onnx_numpy_eval.py input MODEL.onnx N X.npy   the first N Fashion-MNIST test images,
                                                preprocessed as MODEL's metadata_props say
  onnx_numpy_eval.py run MODEL.onnx X.npy Y.npy MODEL run on X, outputs to Y

Only the operators Loom writes for dense and GELU models are implemented; any other is an
error naming it, never a silent skip."""
import gzip
import sys

import numpy as np
import onnx
from onnx import numpy_helper
from scipy.special import erf

FMNIST = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"


def attrs_of(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def gemm(a, b, c=None, transA=0, transB=0, alpha=1.0, beta=1.0):
    a = a.T if transA else a
    b = b.T if transB else b
    y = alpha * (a.astype(np.float64) @ b.astype(np.float64))
    return y + beta * c if c is not None else y


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


OPS = {
    "Add": lambda a, b: a + b,
    "Sub": lambda a, b: a - b,
    "Mul": lambda a, b: a * b,
    "Div": lambda a, b: a / b,
    "Erf": lambda x: erf(x),
    "Tanh": lambda x: np.tanh(x),
    "Relu": lambda x: np.maximum(x, 0),
    "Sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "Gemm": gemm,
    "Flatten": lambda x, axis=1: x.reshape(int(np.prod(x.shape[:axis])), -1),
    "Softmax": softmax,
}


def run(model, x):
    values = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    values[model.graph.input[0].name] = x.astype(np.float64)
    for node in model.graph.node:
        if node.op_type not in OPS:
            sys.exit("onnx_numpy_eval: operator %s (node %s) is not implemented"
                     % (node.op_type, node.name))
        args = [values[i] for i in node.input]
        values[node.output[0]] = OPS[node.op_type](*args, **attrs_of(node))
    return values[model.graph.output[0].name].astype(np.float32)


def make_input(model, n):
    meta = {p.key: p.value for p in model.metadata_props}
    mean = float(meta["loom.preprocess.mean"])
    std = float(meta["loom.preprocess.std"])
    with gzip.open(FMNIST) as f:
        raw = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:n]
    return ((raw.astype(np.float64) / 255.0 - mean) / std).astype(np.float32)


def main():
    mode, model = sys.argv[1], onnx.load(sys.argv[2])
    if mode == "input":
        np.save(sys.argv[4], make_input(model, int(sys.argv[3])))
    elif mode == "run":
        np.save(sys.argv[4], run(model, np.load(sys.argv[3])))
    else:
        sys.exit("usage: onnx_numpy_eval.py input|run ...")


if __name__ == "__main__":
    main()
