"""Checks a file written by `loom export` with ONNX's own Python checker (Debian's python3-onnx)
and the export rules of docs/onnx.md. Usage: onnx_full_check.py MODEL.onnx OPSET
Exit 0 and "ok" when everything holds; otherwise the first broken rule is printed."""
import sys

import onnx


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    path, opset = sys.argv[1], int(sys.argv[2])
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    versions = {o.domain: o.version for o in model.opset_import}
    if versions.get("", versions.get("ai.onnx")) != opset:
        fail("opset %s, expected %d" % (versions, opset))
    want_ir = onnx.helper.find_min_ir_version_for([onnx.helper.make_opsetid("", opset)])
    if model.ir_version != want_ir:
        fail("ir_version %d, expected %d" % (model.ir_version, want_ir))
    if model.producer_name == "pytorch":
        fail("producer_name must not be pytorch (OpenCV changes AveragePool for it)")
    graph = model.graph
    init = {t.name for t in graph.initializer}
    for v in list(graph.input) + list(graph.output):
        if v.name in init:
            fail("initializer %s listed as a graph input" % v.name)
        dim0 = v.type.tensor_type.shape.dim[0]
        if dim0.dim_param != "N" or dim0.HasField("dim_value"):
            fail("%s: batch dimension is not the symbolic N" % v.name)
    for n in graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        if not n.name:
            fail("a %s node has no name" % n.op_type)
        if n.op_type == "Dropout":
            fail("Dropout node %s was exported" % n.name)
        if n.op_type == "Gemm" and (attrs.get("transB") != 1 or attrs.get("alpha", 1.0) != 1.0
                                    or attrs.get("beta", 1.0) != 1.0):
            fail("Gemm %s is not transB=1, alpha=beta=1" % n.name)
        if n.op_type == "Softmax" and "axis" not in attrs:
            fail("Softmax %s has no explicit axis" % n.name)
        if n.op_type in ("Conv", "MaxPool", "AveragePool") and "kernel_shape" not in attrs:
            fail("%s %s has no kernel_shape" % (n.op_type, n.name))
        if n.op_type == "Reshape" and n.input[1] not in init:
            fail("Reshape %s takes a computed shape" % n.name)
        if n.op_type == "BatchNormalization" and len(n.output) != 1:
            fail("BatchNormalization %s is not in inference form" % n.name)
    meta = {p.key: p.value for p in model.metadata_props}
    for key in ("loom.preprocess.normalization", "loom.preprocess.mean", "loom.preprocess.std",
                "loom.preprocess.layout", "loom.preprocess.input_size", "loom.labels"):
        if key not in meta:
            fail("metadata key %s missing" % key)
    print("ok %s: opset %d, ir %d, %d nodes, full_check passed" %
          (path, opset, model.ir_version, len(graph.node)))


main()
