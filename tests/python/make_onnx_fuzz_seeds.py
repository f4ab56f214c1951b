"""Writes the seed corpus of fuzz_onnx_import (tests/fuzz/corpus/onnx_import/): small models,
made with ONNX's own helper, that reach every branch of the importer's op mapping and
constant folding, plus a few broken ones. Usage: make_onnx_fuzz_seeds.py OUT_DIR"""
import hashlib
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(0)


def w(name, *shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def model(nodes, inits, in_shape, out="y", opset=13, out_shape=None):
    g = helper.make_graph(
        nodes, "seed", [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                             producer_name="seed")


N = "N"
seeds = {
    "conv_bn_pool": model([
        helper.make_node("Conv", ["x", "cw", "cb"], ["c"], name="conv", kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "g", "b", "m", "v"], ["bn"], name="bn"),
        helper.make_node("Relu", ["bn"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flat", axis=1),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc", transB=1),
    ], [w("cw", 2, 1, 3, 3), w("cb", 2), w("g", 2), w("b", 2), w("m", 2),
        numpy_helper.from_array(np.ones(2, np.float32), "v"), w("fw", 3, 8), w("fb", 3)],
        [N, 1, 4, 4]),
    "same_upper_add_bias": model([
        helper.make_node("Conv", ["x", "cw"], ["c"], name="conv", kernel_shape=[3, 3],
                         auto_pad="SAME_UPPER"),
        helper.make_node("Add", ["c", "cb"], ["a"], name="bias"),
        helper.make_node("AveragePool", ["a"], ["p"], name="avg", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["p"], ["gp"], name="gap"),
        helper.make_node("Flatten", ["gp"], ["y"], name="flat"),
    ], [w("cw", 2, 1, 3, 3), w("cb", 2, 1, 1)], [N, 1, 4, 4], opset=8),
    "torch_view_pattern": model([
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        helper.make_node("Constant", [], ["i0"], name="c0",
                         value=numpy_helper.from_array(np.array(0, np.int64))),
        helper.make_node("Gather", ["s", "i0"], ["b"], name="gather", axis=0),
        helper.make_node("Constant", [], ["ax"], name="c1",
                         value=numpy_helper.from_array(np.array([0], np.int64))),
        helper.make_node("Unsqueeze", ["b", "ax"], ["bu"], name="unsq"),
        helper.make_node("Concat", ["bu", "minus1"], ["shp"], name="cat", axis=0),
        helper.make_node("Reshape", ["x", "shp"], ["r"], name="view"),
        helper.make_node("MatMul", ["r", "mw"], ["mm"], name="mm"),
        helper.make_node("Add", ["mm", "mb"], ["a"], name="plus"),
        helper.make_node("Dropout", ["a"], ["d"], name="drop"),
        helper.make_node("Softmax", ["d"], ["y"], name="softmax", axis=1),
    ], [ints("minus1", [-1]), w("mw", 16, 3), w("mb", 3)], [N, 1, 4, 4]),
    "concat_add_leaky": model([
        helper.make_node("LeakyRelu", ["x"], ["a"], name="leaky", alpha=0.2),
        helper.make_node("Elu", ["x"], ["b"], name="elu"),
        helper.make_node("Sigmoid", ["a"], ["c"], name="sig"),
        helper.make_node("Tanh", ["b"], ["d"], name="tanh"),
        helper.make_node("Add", ["c", "d"], ["e"], name="sum"),
        helper.make_node("Concat", ["e", "a"], ["f"], name="cat", axis=1),
        helper.make_node("Reshape", ["f", "shape"], ["y"], name="reshape"),
    ], [ints("shape", [-1, 2, 16])], [N, 1, 4, 4]),
    "const_reshape_weights": model([
        helper.make_node("Reshape", ["pw", "pshape"], ["pw2"], name="wreshape"),
        helper.make_node("Reshape", ["x", "xshape"], ["xf"], name="xreshape"),
        helper.make_node("MatMul", ["xf", "pw2"], ["y"], name="times"),
    ], [w("pw", 2, 2, 2, 2), ints("pshape", [16, 1]), ints("xshape", [1, 16])], [1, 1, 4, 4]),
    "unsupported_op": model([helper.make_node("LRN", ["x"], ["y"], name="lrn", size=3)], [],
                            [N, 1, 4, 4]),
    "cycle": model([helper.make_node("Relu", ["z"], ["y"], name="a"),
                    helper.make_node("Relu", ["y"], ["z"], name="b")], [], [N, 4]),
}
ext = numpy_helper.from_array(np.zeros(4, np.float32), "ew")
ext.ClearField("raw_data")
ext.data_location = TensorProto.EXTERNAL
ext.external_data.add(key="location", value="../x")
seeds["external_dotdot"] = model([helper.make_node("Add", ["x", "ew"], ["y"], name="add")],
                                 [ext], [N, 4])
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, m in seeds.items():
    data = m.SerializeToString()
    with open(os.path.join(out, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)
    print(name, len(data), "bytes")
