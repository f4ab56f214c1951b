#!/usr/bin/python3
"""Builds a PyTorch module equivalent to a Loom model (`*.loom`), as an independent reference.

Used by tests/engine/model_step_test.cpp (one training step compared with PyTorch) and by
benchmarks/torch_train_throughput.py (the PyTorch side of the throughput benchmark).

Library use (run with Debian's /usr/bin/python3, which has torch and numpy):

    import loom_to_torch as l2t
    model = l2t.load_loom("resources/examples/cnn.loom")   # LoomModel: graph + configs
    net = l2t.LoomNet(model)                               # torch.nn.Module
    net.load_loom_parameters({"conv1.weights": array, ...}) # numpy arrays, Loom names
    logits = net(x)                                        # x: [N, C, H, W] or [N, F]
    loss_fn = l2t.make_loss(model.training)
    opt = l2t.make_optimizer(net.parameters(), model.training)

Command line:

    loom_to_torch.py step DIR     one training step as described by DIR/manifest.json
                                  (written by model_step_test; see run_step below)
    loom_to_torch.py print MODEL  prints the translated module

What is translated, op by op (Loom's op schemas in engine/ops/*.h are the contract):
  Input          reshape to [N] + shape
  Conv2D         nn.Conv2d; "same" follows TensorFlow (pads total = max((ceil(in/s) - 1) * s +
                 (k - 1) * d + 1 - in, 0), the odd pixel at bottom/right), so asymmetric pads
                 become an F.pad before an unpadded convolution; "explicit" uses
                 pads = [top, left, bottom, right]. Weights [out, in/groups, kH, kW] as PyTorch.
  MaxPool2D      max_pool2d; padding is -inf (never wins); stride 0 means the pool size
  AvgPool2D      avg_pool2d; count_include_pad false divides by the in-window element count
                 (also with asymmetric pads), true divides by the pool area
  BatchNorm      nn.BatchNorm1d/2d(eps=epsilon, momentum=momentum): the same PyTorch
                 convention (running = (1 - m) * running + m * batch, unbiased running_var)
  Dense          nn.Linear (weights [units, F]); with dense_as_conv=True an equivalent
                 convolution (kH x kW over the un-flattened input when the Dense follows a
                 Flatten of [N, C, H, W], else 1x1), which PyTorch runs in oneDNN
  Dropout        nn.Dropout(rate): same distribution, but PyTorch's masks are not Loom's
                 (Loom keys them by (seed, epoch, step, node)), so only rate 0 or inference
                 is comparable element by element
  ReLU, Sigmoid, Tanh, ELU(alpha), LeakyReLU(alpha), Softmax(axis), Flatten, Reshape(shape),
  Concat(axis), Add (sum of all inputs), GlobalAvgPool (mean over H and W)

Parameters keep Loom's names "<node>.<param>" (weights, bias, gamma, beta, running_mean,
running_var) and Loom's dims. Initialisers are not translated: pass the initial values
(Loom initialises from its own counter-based generator, which PyTorch cannot reproduce).

The `.loom` text is parsed by a small parser for the protobuf text format (the subset Loom
writes: scalars, strings, nested messages, [a, b] lists, # comments), so no generated
bindings or protoc are needed. Format version 1 files are upgraded as Loom does
("strides" -> "stride"); newer versions are rejected.
"""
import codecs
import json
import math
import os
import re
import sys
from collections import OrderedDict

import torch_exchange as exchange

np = exchange.np
torch = exchange.require("torch")
nn = exchange.require("torch.nn")
F = exchange.require("torch.nn.functional")

FORMAT_VERSION = 3


# ---------------------------------------------------------------------------------------
# Protobuf text format (the subset used by .loom files)
# ---------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<number>[-+]?(?:inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)[fF]?)(?![\w.])
  | (?P<ident>[A-Za-z_][\w.]*)
  | (?P<punct>[{}\[\]:,;<>])
""", re.VERBOSE | re.IGNORECASE)


class Message(dict):
    """A parsed message: field name -> list of values (every field may repeat)."""

    def get1(self, name, default=None):
        """The last value of a field (protobuf's rule for repeated scalars), or default."""
        values = self.get(name)
        return values[-1] if values else default

    def all(self, name):
        return self.get(name, [])


class TextFormatError(ValueError):
    pass


def _tokenize(text):
    pos, line = 0, 1
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise TextFormatError(f"line {line}: unexpected character {text[pos]!r}")
        kind = m.lastgroup
        if kind != "ws":
            yield kind, m.group(), line
        line += m.group().count("\n")
        pos = m.end()


def _scalar(kind, tok):
    if kind == "string":
        return codecs.escape_decode(tok[1:-1].encode("utf-8"))[0].decode("utf-8")
    if kind == "number":
        t = tok.rstrip("fF") if not tok.lower().endswith(("inf", "nan")) else tok
        low = t.lower().lstrip("+-")
        if low.startswith("inf") or low == "nan" or any(c in t for c in ".eE"):
            return float(t)
        return int(t)
    if tok in ("true", "True", "t"):
        return True
    if tok in ("false", "False", "f"):
        return False
    return tok  # an enum value name


def parse_text_format(text):
    """Parses protobuf text format into nested Message dicts."""
    tokens = list(_tokenize(text))
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else (None, None, tokens[-1][2] if tokens else 0)

    def take(expected=None):
        nonlocal pos
        kind, tok, line = peek()
        if kind is None or (expected is not None and tok != expected):
            raise TextFormatError(f"line {line}: expected {expected or 'a token'}, got {tok!r}")
        pos += 1
        return kind, tok, line

    def value():
        kind, tok, line = peek()
        if tok in ("{", "<"):
            return message(closing="}" if tok == "{" else ">")
        if kind not in ("string", "number", "ident"):
            raise TextFormatError(f"line {line}: expected a value, got {tok!r}")
        take()
        result = _scalar(kind, tok)
        # Adjacent strings concatenate ("a" "b").
        while kind == "string" and peek()[0] == "string":
            result += _scalar("string", take()[1])
        return result

    def message(closing=None):
        if closing:
            take()
        msg = Message()
        while True:
            kind, tok, line = peek()
            if kind is None:
                if closing:
                    raise TextFormatError(f"line {line}: missing {closing!r}")
                return msg
            if tok == closing:
                take()
                return msg
            if kind != "ident":
                raise TextFormatError(f"line {line}: expected a field name, got {tok!r}")
            name = take()[1]
            if peek()[1] == ":":
                take()
            if peek()[1] == "[":
                take()
                items = []
                while peek()[1] != "]":
                    items.append(value())
                    if peek()[1] == ",":
                        take()
                take("]")
                msg.setdefault(name, []).extend(items)
            else:
                msg.setdefault(name, []).append(value())
            if peek()[1] in (",", ";"):
                take()

    return message()


# ---------------------------------------------------------------------------------------
# The model: graph, attributes with the op schemas' defaults, configs
# ---------------------------------------------------------------------------------------

_REQUIRED = object()
# Attribute defaults of every op (engine/ops/<op>.cpp schemas). Tuples are pairs.
_POOL_ATTRS = {"pool_size": (2, 2), "stride": (0, 0), "padding": "valid", "pads": (0, 0, 0, 0)}
OP_ATTRS = {
    "Input": {"shape": _REQUIRED},
    "Conv2D": {"filters": _REQUIRED, "kernel_size": _REQUIRED, "stride": (1, 1),
               "padding": "valid", "pads": (0, 0, 0, 0), "dilation": (1, 1), "groups": 1,
               "use_bias": True, "kernel_initializer": "glorot_uniform",
               "bias_initializer": "zeros"},
    "Dense": {"units": _REQUIRED, "use_bias": True, "kernel_initializer": "glorot_uniform",
              "bias_initializer": "zeros"},
    "MaxPool2D": dict(_POOL_ATTRS),
    "AvgPool2D": dict(_POOL_ATTRS, count_include_pad=False),
    "BatchNorm": {"momentum": 0.1, "epsilon": 1e-5},
    "Dropout": {"rate": 0.5},
    "ELU": {"alpha": 1.0},
    "LeakyReLU": {"alpha": 0.01},
    "Softmax": {"axis": 1},
    "Concat": {"axis": 1},
    "Reshape": {"shape": _REQUIRED},
    "ReLU": {}, "Sigmoid": {}, "Tanh": {}, "Flatten": {}, "Add": {}, "GlobalAvgPool": {},
}
_TUPLE_SIZE = {"kernel_size": 2, "stride": 2, "dilation": 2, "pool_size": 2, "pads": 4}


class LoomNode:
    def __init__(self, name, op, inputs, attrs):
        self.name, self.op, self.inputs, self.attrs = name, op, inputs, attrs

    def __repr__(self):
        return f"LoomNode({self.name!r}, {self.op!r}, {self.inputs}, {self.attrs})"


class LoomModel:
    """A parsed .loom file: nodes in topological order, configs with Loom's defaults."""

    def __init__(self, name, nodes, output, training, dataset, parameters):
        self.name = name
        self.nodes = nodes            # list of LoomNode, topologically sorted
        self.output = output          # name of the output node
        self.training = training      # Message (TrainingConfig) with defaults applied
        self.dataset = dataset        # Message (DatasetConfig) with defaults applied
        self.parameters = parameters  # "<node>.<param>" -> np.float32 array (may be empty)


def _attr_value(attr, node_name):
    for key in ("i", "f", "b", "s"):
        if key in attr:
            return attr.get1(key)
    if "ints" in attr:
        return tuple(int(v) for v in attr.get1("ints").all("v"))
    if "floats" in attr:
        return tuple(float(v) for v in attr.get1("floats").all("v"))
    raise ValueError(f"node {node_name!r}: attribute {attr.get1('name')!r} has no value")


def _resolve_attrs(op, raw, node_name):
    """Schema defaults filled in; a single int for a tuple is broadcast (as Loom does)."""
    if op not in OP_ATTRS:
        raise ValueError(f"node {node_name!r}: op {op!r} has no PyTorch translation "
                         f"(known: {', '.join(sorted(OP_ATTRS))})")
    schema = OP_ATTRS[op]
    out = {}
    for name, value in raw.items():
        if name not in schema:
            raise ValueError(f"node {node_name!r}: {op} has no attribute {name!r}")
        if name in _TUPLE_SIZE and isinstance(value, int) and not isinstance(value, bool):
            value = (value,) * _TUPLE_SIZE[name]
        if name in _TUPLE_SIZE and len(value) != _TUPLE_SIZE[name]:
            raise ValueError(f"node {node_name!r}: attribute {name!r} = {list(value)} must have "
                             f"{_TUPLE_SIZE[name]} elements")
        out[name] = value
    for name, default in schema.items():
        if name not in out:
            if default is _REQUIRED:
                raise ValueError(f"node {node_name!r}: {op} needs attribute {name!r}")
            out[name] = default
    return out


def _apply_training_defaults(t, d):
    """Mirrors applyTrainingDefaults() of the settings schema (engine/train/settings_table.cpp;
    `loom settings` lists them)."""
    def setdefault(msg, name, value, empty=(0, 0.0, "", None)):
        if msg.get1(name) in empty:
            msg[name] = [value]
    setdefault(t, "epochs", 10)
    setdefault(t, "batch_size", 64)
    loss = t.setdefault("loss", [Message()])[-1]
    setdefault(loss, "type", "softmax_cross_entropy")
    setdefault(loss, "label_smoothing", 0.0)
    o = t.setdefault("optimizer", [Message()])[-1]
    setdefault(o, "type", "adam")
    setdefault(o, "learning_rate", 0.01 if o.get1("type") in ("sgd", "rmsprop") else 1e-3)
    for name, value in (("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8), ("rho", 0.99)):
        setdefault(o, name, value)
    for name in ("momentum", "weight_decay"):
        setdefault(o, name, 0.0)
    setdefault(o, "nesterov", False)
    s = t.setdefault("schedule", [Message()])[-1]
    setdefault(s, "type", "constant")
    setdefault(t, "seed", 42)
    setdefault(t, "clip_grad_norm", 0.0)
    setdefault(d, "kind", "fashion_mnist")
    if d.get1("kind") != "csv":
        setdefault(d, "path", "/usr/share/datasets/fashion-mnist")
    if not d.get1("mean") and not d.get1("std"):
        d["mean"], d["std"] = [0.2860], [0.3530]


def _toposort(nodes):
    by_name = {n.name: n for n in nodes}
    for n in nodes:
        for i in n.inputs:
            if i not in by_name:
                raise ValueError(f"node {n.name!r}: input {i!r} is not a node of the graph")
    order, state = [], {}

    def visit(n):
        if state.get(n.name) == 2:
            return
        if state.get(n.name) == 1:
            raise ValueError(f"the graph has a cycle through node {n.name!r}")
        state[n.name] = 1
        for i in n.inputs:
            visit(by_name[i])
        state[n.name] = 2
        order.append(n)

    for n in nodes:
        visit(n)
    return order


def parse_loom(text, source="<text>", directory=None):
    """Parses .loom text into a LoomModel; `directory` holds its parameter file, if any."""
    msg = parse_text_format(text)
    version = msg.get1("format_version", 0) or 1
    if version > FORMAT_VERSION:
        raise ValueError(f"{source}: format_version {version} is newer than {FORMAT_VERSION}")
    graph = msg.get1("graph", Message())
    nodes = []
    for n in graph.all("node"):
        name, op = n.get1("name", ""), n.get1("op", "")
        raw = {}
        for a in n.all("attr"):
            key = a.get1("name")
            if version == 1 and key == "strides":
                key = "stride"
            raw[key] = _attr_value(a, name)
        nodes.append(LoomNode(name, op, list(n.all("input")), _resolve_attrs(op, raw, name)))
    nodes = _toposort(nodes)
    output = graph.get1("output", "")
    if not output:
        consumed = {i for n in nodes for i in n.inputs}
        sinks = [n.name for n in nodes if n.name not in consumed]
        if len(sinks) != 1:
            raise ValueError(f"{source}: graph.output is empty and the graph has {len(sinks)} "
                             f"unconsumed nodes {sinks}; name the output")
        output = sinks[0]
    params = {}
    for p in msg.all("parameter"):
        dims = [int(v) for v in p.all("dims")]
        params[p.get1("name")] = np.asarray(p.all("values"), dtype=np.float32).reshape(dims)
    reference = msg.get1("parameter_file", None)
    if reference is not None:
        if directory is None:
            raise ValueError(f"{source}: the parameters are in a parameter file; use load_loom")
        params = read_parameter_file(reference, directory, source)
    training = msg.get1("training", Message())
    dataset = msg.get1("dataset", Message())
    _apply_training_defaults(training, dataset)
    return LoomModel(msg.get1("name", ""), nodes, output, training, dataset, params)


def load_loom(path):
    with open(path, encoding="utf-8") as f:
        return parse_loom(f.read(), path, os.path.dirname(os.path.abspath(path)))


# ---------------------------------------------------------------------------------------
# Parameter files (docs/formats.md#parameter-files), read from the layout's description:
# "LOOMPRMS" | u32 version | u64 payload bytes | payload | u32 CRC-32C, the payload a
# loom.pb.ParameterSet in protobuf's wire format, decoded here by hand (field 1: TensorData
# {1: name, 2: dims, 3: packed float values}) so Loom's generated code is not the reference.
# ---------------------------------------------------------------------------------------

PARAMETER_FILE_VERSION = 1
_VERIFY_CRC_BELOW = 8 << 20  # the pure-Python CRC takes ~0.3 s per MB; tests_format checks it


def _varint(data, pos):
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _wire_fields(data):
    """(field number, wire type, value) of a message: bytes for length-delimited fields."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            n, pos = _varint(data, pos)
            value, pos = bytes(data[pos:pos + n]), pos + n
        elif wire == 5:
            value, pos = bytes(data[pos:pos + 4]), pos + 4
        elif wire == 1:
            value, pos = bytes(data[pos:pos + 8]), pos + 8
        else:
            raise ValueError(f"wire type {wire} in a parameter set")
        yield number, wire, value


def _tensor_data(data):
    name, dims, values = None, [], []
    for number, wire, value in _wire_fields(data):
        if number == 1:
            name = value.decode("utf-8")
        elif number == 2 and wire == 2:  # packed int64 dims
            pos = 0
            while pos < len(value):
                d, pos = _varint(value, pos)
                dims.append(d)
        elif number == 2:
            dims.append(value)
        elif number == 3 and wire == 2:
            values.append(np.frombuffer(value, dtype="<f4"))
        elif number == 3:
            values.append(np.frombuffer(value, dtype="<f4"))
    flat = np.concatenate(values) if values else np.zeros(0, np.float32)
    return name, flat.astype(np.float32).reshape(dims)


def read_parameter_file(reference, directory, source="<model>", verify_crc=None):
    """The parameters a model text's `parameter_file { path bytes crc32c }` refers to."""
    import struct
    from crc32c import crc32c
    name = reference.get1("path", "")
    if not name or "/" in name or name in (".", ".."):
        raise ValueError(f"{source}: parameter_file.path {name!r} is not a plain file name")
    with open(os.path.join(directory, name), "rb") as f:
        data = f.read()
    if len(data) != int(reference.get1("bytes", 0)):
        raise ValueError(f"{source}: {name} has {len(data)} bytes, the model says "
                         f"{reference.get1('bytes', 0)}")
    if data[:8] != b"LOOMPRMS":
        raise ValueError(f"{source}: {name} is not a Loom parameter file")
    version, payload_bytes = struct.unpack_from("<IQ", data, 8)
    (stored,) = struct.unpack_from("<I", data, len(data) - 4)
    if version > PARAMETER_FILE_VERSION or payload_bytes != len(data) - 24:
        raise ValueError(f"{source}: {name}: version {version}, payload {payload_bytes}")
    if stored != int(reference.get1("crc32c", 0)):
        raise ValueError(f"{source}: {name}: CRC {stored:08x} is not the model's")
    if verify_crc if verify_crc is not None else len(data) < _VERIFY_CRC_BELOW:
        if crc32c(data[:-4]) != stored:
            raise ValueError(f"{source}: {name} fails its CRC-32C check")
    params = {}
    for number, _, value in _wire_fields(memoryview(data)[20:-4]):
        if number == 1:
            key, array = _tensor_data(value)
            params[key] = array
    return params


# ---------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------

def window_pads(size, kernel, stride, dilation, padding, pads):
    """(top, left, bottom, right) for one 2-D window, as engine/ops/conv_geometry.h."""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "explicit":
        return tuple(int(p) for p in pads)
    if padding != "same":
        raise ValueError(f"padding {padding!r} is not one of: valid, same, explicit")
    begin, end = [], []
    for n, k, s, d in zip(size, kernel, stride, dilation):
        out = -(-n // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
        begin.append(total // 2)
        end.append(total - total // 2)
    return (begin[0], begin[1], end[0], end[1])


def window_output(size, kernel, stride, dilation, pads):
    top, left, bottom, right = pads
    out = []
    for n, k, s, d, b, e in zip(size, kernel, stride, dilation, (top, left), (bottom, right)):
        extent = (k - 1) * d + 1
        if n + b + e < extent:
            raise ValueError(f"window {extent} does not fit in input {n} padded by {b}+{e}")
        out.append((n + b + e - extent) // s + 1)
    return tuple(out)


def _symmetric(pads):
    top, left, bottom, right = pads
    return top == bottom and left == right


def _torch_pad(pads):
    """F.pad's order for the last two dims: (left, right, top, bottom)."""
    top, left, bottom, right = pads
    return (left, right, top, bottom)


class LoomLayer(nn.Module):
    """A translated node. loom_params(): Loom short name -> (tensor, Loom dims)."""

    def loom_params(self):
        return OrderedDict()


class InputLayer(LoomLayer):
    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)


class Conv2DLayer(LoomLayer):
    def __init__(self, in_channels, attrs, pads):
        super().__init__()
        sym = _symmetric(pads)
        self.pre_pad = None if sym else _torch_pad(pads)
        self.conv = nn.Conv2d(in_channels, attrs["filters"], tuple(attrs["kernel_size"]),
                              stride=tuple(attrs["stride"]),
                              padding=(pads[0], pads[1]) if sym else 0,
                              dilation=tuple(attrs["dilation"]), groups=attrs["groups"],
                              bias=attrs["use_bias"])

    def forward(self, x):
        if self.pre_pad is not None:
            x = F.pad(x, self.pre_pad)
        return self.conv(x)

    def extra_repr(self):
        return "" if self.pre_pad is None else f"pre_pad(left, right, top, bottom)={self.pre_pad}"

    def loom_params(self):
        p = OrderedDict(weights=(self.conv.weight, tuple(self.conv.weight.shape)))
        if self.conv.bias is not None:
            p["bias"] = (self.conv.bias, tuple(self.conv.bias.shape))
        return p


class DenseLayer(LoomLayer):
    """dst = src @ weights.T + bias, or the same as a convolution (as_conv_input = (C, H, W)):
    Flatten's row-major order makes weights [U, C*H*W] the conv weights [U, C, H, W]."""

    def __init__(self, features, units, use_bias, as_conv_input=None):
        super().__init__()
        self.features, self.units = features, units
        self.conv_input = tuple(as_conv_input) if as_conv_input else None
        if self.conv_input is None:
            self.linear = nn.Linear(features, units, bias=use_bias)
        else:
            c, h, w = self.conv_input
            self.conv = nn.Conv2d(c, units, (h, w), bias=use_bias)

    def forward(self, x):
        if self.conv_input is None:
            return self.linear(x)
        return self.conv(x.reshape(x.shape[0], *self.conv_input)).reshape(x.shape[0], self.units)

    def loom_params(self):
        m = self.linear if self.conv_input is None else self.conv
        p = OrderedDict(weights=(m.weight, (self.units, self.features)))
        if m.bias is not None:
            p["bias"] = (m.bias, (self.units,))
        return p


class MaxPool2DLayer(LoomLayer):
    def __init__(self, kernel, stride, pads):
        super().__init__()
        self.kernel, self.stride = tuple(kernel), tuple(stride)
        # PyTorch's implicit padding is -inf but limited to half the window.
        self.implicit = _symmetric(pads) and pads[0] <= kernel[0] // 2 and pads[1] <= kernel[1] // 2
        self.pads = pads

    def forward(self, x):
        if self.implicit:
            return F.max_pool2d(x, self.kernel, self.stride, padding=(self.pads[0], self.pads[1]))
        x = F.pad(x, _torch_pad(self.pads), value=-math.inf)
        return F.max_pool2d(x, self.kernel, self.stride)

    def extra_repr(self):
        return f"kernel={self.kernel}, stride={self.stride}, pads(t, l, b, r)={self.pads}"


class AvgPool2DLayer(LoomLayer):
    def __init__(self, kernel, stride, pads, count_include_pad):
        super().__init__()
        self.kernel, self.stride, self.pads = tuple(kernel), tuple(stride), pads
        self.include_pad = count_include_pad
        self.implicit = _symmetric(pads) and pads[0] <= kernel[0] // 2 and pads[1] <= kernel[1] // 2

    def forward(self, x):
        if self.implicit:
            return F.avg_pool2d(x, self.kernel, self.stride, padding=(self.pads[0], self.pads[1]),
                                count_include_pad=self.include_pad)
        padded = F.pad(x, _torch_pad(self.pads))
        mean = F.avg_pool2d(padded, self.kernel, self.stride)
        if self.include_pad:
            return mean
        # Divide by the in-window element count instead of the pool area.
        ones = F.pad(torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device),
                     _torch_pad(self.pads))
        return mean / F.avg_pool2d(ones, self.kernel, self.stride)

    def extra_repr(self):
        return (f"kernel={self.kernel}, stride={self.stride}, pads(t, l, b, r)={self.pads}, "
                f"count_include_pad={self.include_pad}")


class BatchNormLayer(LoomLayer):
    def __init__(self, channels, rank, momentum, epsilon):
        super().__init__()
        cls = nn.BatchNorm2d if rank == 4 else nn.BatchNorm1d
        self.bn = cls(channels, eps=epsilon, momentum=momentum)

    def forward(self, x):
        return self.bn(x)

    def loom_params(self):
        b = self.bn
        c = (b.num_features,)
        return OrderedDict(gamma=(b.weight, c), beta=(b.bias, c), running_mean=(b.running_mean, c),
                           running_var=(b.running_var, c))


class FunctionLayer(LoomLayer):
    """A parameter-free node computed by `fn(*inputs)`; `text` is shown by print()."""

    def __init__(self, fn, text):
        super().__init__()
        self.fn, self.text = fn, text

    def forward(self, *xs):
        return self.fn(*xs)

    def extra_repr(self):
        return self.text


class ModuleLayer(LoomLayer):
    def __init__(self, module):
        super().__init__()
        self.m = module

    def forward(self, x):
        return self.m(x)


def _sum(*xs):
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


# ---------------------------------------------------------------------------------------
# The network
# ---------------------------------------------------------------------------------------

class LoomNet(nn.Module):
    """A LoomModel as a torch.nn.Module. forward(x) takes the batch for the single Input
    node (or a dict {input name: batch} when there are several) and returns the output node.

    dense_as_conv: compute Dense layers as convolutions (see DenseLayer), which PyTorch runs
    in oneDNN instead of libblas; the parameters keep Loom's names and dims either way.
    """

    def __init__(self, model, batch_dims=None, dense_as_conv=False):
        super().__init__()
        self.model = model
        self.layers = nn.ModuleDict()
        self._keys = {}      # node name -> ModuleDict key (node names may contain dots)
        self._steps = []     # (node name, [input names])
        self.inputs = []
        shapes = {}          # node name -> per-sample output dims
        producers = {n.name: n for n in model.nodes}
        for n in model.nodes:
            ins = [shapes[i] for i in n.inputs]
            layer, shapes[n.name] = self._translate(n, ins, producers, shapes, dense_as_conv)
            key = re.sub(r"\W", "_", n.name)
            while key in self.layers:
                key += "_"
            self._keys[n.name] = key
            self.layers[key] = layer
            self._steps.append((n.name, list(n.inputs)))
            if n.op == "Input":
                self.inputs.append(n.name)
        self.sample_shapes = shapes

    @staticmethod
    def _translate(n, ins, producers, shapes, dense_as_conv):
        a, op, where = n.attrs, n.op, f"node {n.name!r} ({n.op})"
        count = {"Input": (0, 0), "Add": (1, None), "Concat": (2, None)}.get(op, (1, 1))
        if len(ins) < count[0] or (count[1] is not None and len(ins) > count[1]):
            raise ValueError(f"{where}: has {len(ins)} inputs")
        x = ins[0] if ins else None

        def need_rank(r):
            if len(x) + 1 != r:
                raise ValueError(f"{where}: input has per-sample shape {list(x)}, needs rank {r}")

        if op == "Input":
            return InputLayer(a["shape"]), tuple(a["shape"])
        if op == "Conv2D":
            need_rank(4)
            pads = window_pads(x[1:], a["kernel_size"], a["stride"], a["dilation"], a["padding"], a["pads"])
            oh, ow = window_output(x[1:], a["kernel_size"], a["stride"], a["dilation"], pads)
            return Conv2DLayer(x[0], a, pads), (a["filters"], oh, ow)
        if op in ("MaxPool2D", "AvgPool2D"):
            need_rank(4)
            k = tuple(a["pool_size"])
            s = tuple(st if st > 0 else kk for st, kk in zip(a["stride"], k))
            pads = window_pads(x[1:], k, s, (1, 1), a["padding"], a["pads"])
            oh, ow = window_output(x[1:], k, s, (1, 1), pads)
            layer = (MaxPool2DLayer(k, s, pads) if op == "MaxPool2D"
                     else AvgPool2DLayer(k, s, pads, a["count_include_pad"]))
            return layer, (x[0], oh, ow)
        if op == "Dense":
            need_rank(2)
            conv_input = None
            if dense_as_conv:
                src = producers[n.inputs[0]]
                pre = shapes[src.inputs[0]] if src.op == "Flatten" else ()
                conv_input = tuple(pre) if len(pre) == 3 else (x[0], 1, 1)
            return DenseLayer(x[0], a["units"], a["use_bias"], conv_input), (a["units"],)
        if op == "BatchNorm":
            if len(x) not in (1, 3):
                raise ValueError(f"{where}: needs [N, C] or [N, C, H, W], got [N] + {list(x)}")
            return BatchNormLayer(x[0], len(x) + 1, a["momentum"], a["epsilon"]), x
        if op == "Dropout":
            return ModuleLayer(nn.Dropout(a["rate"])), x
        if op == "ReLU":
            return ModuleLayer(nn.ReLU()), x
        if op == "Sigmoid":
            return ModuleLayer(nn.Sigmoid()), x
        if op == "Tanh":
            return ModuleLayer(nn.Tanh()), x
        if op == "ELU":
            return ModuleLayer(nn.ELU(a["alpha"])), x
        if op == "LeakyReLU":
            return ModuleLayer(nn.LeakyReLU(a["alpha"])), x
        if op == "Softmax":
            axis = a["axis"]
            return ModuleLayer(nn.Softmax(dim=axis)), x
        if op == "Flatten":
            return FunctionLayer(lambda t: t.flatten(1), "flatten(1)"), (int(np.prod(x)),)
        if op == "Reshape":
            shape = tuple(a["shape"])
            total = int(np.prod(x))
            known = int(np.prod([d for d in shape if d != -1]))
            out = tuple(total // known if d == -1 else d for d in shape)
            if int(np.prod(out)) != total:
                raise ValueError(f"{where}: cannot reshape {list(x)} to {list(shape)}")
            return FunctionLayer(lambda t: t.reshape(t.shape[0], *shape), f"shape={shape}"), out
        if op == "GlobalAvgPool":
            need_rank(4)
            return FunctionLayer(lambda t: t.mean(dim=(2, 3)), "mean(2, 3)"), (x[0],)
        if op == "Add":
            if any(tuple(i) != tuple(x) for i in ins):
                raise ValueError(f"{where}: inputs differ in shape: {[list(i) for i in ins]}")
            return FunctionLayer(_sum, "sum"), x
        if op == "Concat":
            axis = a["axis"]
            rank = len(x) + 1
            ax = axis if axis >= 0 else axis + rank
            if not 1 <= ax < rank:
                raise ValueError(f"{where}: axis {axis} out of range for rank {rank}")
            out = list(x)
            out[ax - 1] = sum(i[ax - 1] for i in ins)
            return FunctionLayer(lambda *ts: torch.cat(ts, dim=ax), f"dim={ax}"), tuple(out)
        raise ValueError(f"{where}: no PyTorch translation")

    def forward(self, x):
        values = {}
        feeds = x if isinstance(x, dict) else {self.inputs[0]: x}
        for name, inputs in self._steps:
            layer = self.layers[self._keys[name]]
            if name in feeds:
                values[name] = layer(feeds[name])
            else:
                values[name] = layer(*[values[i] for i in inputs])
        return values[self.model.output]

    def loom_params(self):
        """"<node>.<param>" -> (tensor, Loom dims, trainable), in Loom's ParameterSet order."""
        out = OrderedDict()
        for n in self.model.nodes:
            for short, (t, dims) in self.layers[self._keys[n.name]].loom_params().items():
                out[f"{n.name}.{short}"] = (t, dims, isinstance(t, nn.Parameter))
        return out

    def load_loom_parameters(self, arrays, strict=True):
        """Copies values (numpy arrays or tensors with Loom's dims) into the module.
        strict: every Loom parameter must be given and no unknown name may appear."""
        params = self.loom_params()
        unknown = sorted(set(arrays) - set(params))
        missing = sorted(set(params) - set(arrays))
        if strict and (unknown or missing):
            raise ValueError(f"parameters: missing {missing}, unknown {unknown}")
        with torch.no_grad():
            for name, value in arrays.items():
                if name not in params:
                    continue
                t, dims, _ = params[name]
                v = torch.as_tensor(np.asarray(value))
                if tuple(v.shape) != tuple(dims):
                    raise ValueError(f"parameter {name!r}: got shape {list(v.shape)}, expected {list(dims)}")
                t.copy_(v.reshape(t.shape).to(t.dtype))

    def loom_parameter_values(self):
        """"<node>.<param>" -> numpy array with Loom's dims (parameters and buffers)."""
        return OrderedDict((name, t.detach().reshape(dims).cpu().numpy())
                           for name, (t, dims, _) in self.loom_params().items())


# ---------------------------------------------------------------------------------------
# Training configuration: loss and optimizer (engine/ops/losses.h, engine/optim/optimizer.h)
# ---------------------------------------------------------------------------------------

def make_loss(training):
    """loss(logits, labels) for a TrainingConfig message (labels: int64 class indices).
    MSE and BCE regress one-hot targets, as Loom's trainer does."""
    cfg = training.get1("loss")
    kind, smoothing = cfg.get1("type"), float(cfg.get1("label_smoothing", 0.0))
    if kind == "softmax_cross_entropy":
        return lambda logits, y: F.cross_entropy(logits, y, label_smoothing=smoothing)
    if kind in ("mse", "binary_cross_entropy"):
        fn = F.mse_loss if kind == "mse" else F.binary_cross_entropy_with_logits

        def loss(logits, y):
            return fn(logits, F.one_hot(y, logits.shape[1]).to(logits.dtype))
        return loss
    raise ValueError(f"loss {kind!r} is not one of: softmax_cross_entropy, mse, binary_cross_entropy")


def make_optimizer(params, training, learning_rate=None):
    """The torch.optim optimizer for a TrainingConfig message (same hyper-parameters as
    Loom's; learning_rate overrides the configured one, e.g. with a schedule's value)."""
    o = training.get1("optimizer")
    kind = o.get1("type")
    lr = float(learning_rate if learning_rate is not None else o.get1("learning_rate"))
    wd, mom = float(o.get1("weight_decay")), float(o.get1("momentum"))
    eps = float(o.get1("epsilon"))
    betas = (float(o.get1("beta1")), float(o.get1("beta2")))
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=mom, nesterov=bool(o.get1("nesterov")),
                               weight_decay=wd)
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, eps=eps, weight_decay=wd)
    if kind == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=betas, eps=eps, weight_decay=wd)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=float(o.get1("rho")), eps=eps,
                                   weight_decay=wd, momentum=mom)
    raise ValueError(f"optimizer {kind!r} is not one of: sgd, adam, adamw, rmsprop")


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------

def ancestors(model, node):
    """`node` and every node it depends on (towards the inputs)."""
    inputs = {n.name: n.inputs for n in model.nodes}
    seen, todo = {node}, [node]
    while todo:
        for i in inputs[todo.pop()]:
            if i not in seen:
                seen.add(i)
                todo.append(i)
    return seen


def frozen_nodes(model):
    """training.freeze_until and every node it depends on (empty when unset)."""
    until = model.training.get1("freeze_until", "") or ""
    return ancestors(model, until) if until else set()


def run_step(directory):
    """One training step in float64 as DIR/manifest.json describes:
      {"model": ".loom path" or "model_text": "...", "batch": N, "sample": [C, H, W],
       "learning_rate": lr, "params": [{"name", "dims", "trainable"}, ...]}
    Inputs (little-endian): init/<name>.f32 initial values, x.f32 the batch, y.i64 labels.
    Outputs: grad/<name>.f64 gradients (trainable), after/<name>.f64 values after the step
    (buffers too), result.json {"loss": ...}."""
    manifest = exchange.manifest(directory)
    torch.manual_seed(0)
    model = (parse_loom(manifest["model_text"], "manifest") if "model_text" in manifest
             else load_loom(manifest["model"]))
    net = LoomNet(model).double()
    net.train()

    def read(name, dtype, shape):
        return exchange.load_raw(directory, name, dtype, shape)

    net.load_loom_parameters({p["name"]: read(f"init/{p['name']}.f32", "<f4", p["dims"])
                              for p in manifest["params"]})
    n = manifest["batch"]
    x = torch.from_numpy(read("x.f32", "<f4", [n] + manifest["sample"]).astype(np.float64))
    y = torch.from_numpy(read("y.i64", "<i8", [n]))
    # Transfer learning (training.freeze_until): the node and its ancestors, computed here from
    # the graph, run in eval mode and their parameters take no gradient (requires_grad=False).
    frozen = frozen_nodes(model)
    for name in frozen:
        net.layers[net._keys[name]].eval()
    params = net.loom_params()
    for name, (t, _, train) in params.items():
        if train and name.rsplit(".", 1)[0] in frozen:
            t.requires_grad_(False)
    params = OrderedDict((name, (t, dims, train and name.rsplit(".", 1)[0] not in frozen))
                         for name, (t, dims, train) in params.items())
    trainable = [t for t, _, train in params.values() if train]
    opt = make_optimizer(trainable, model.training, manifest["learning_rate"])
    opt.zero_grad()
    loss = make_loss(model.training)(net(x), y)
    loss.backward()
    clip = float(model.training.get1("clip_grad_norm"))
    for name, (t, dims, train) in params.items():
        if train:
            exchange.save(directory, os.path.join("grad", name + ".f64"), t.grad.reshape(dims), "<f8")
    if clip > 0:
        torch.nn.utils.clip_grad_norm_(trainable, clip)
    opt.step()
    for name, value in net.loom_parameter_values().items():
        exchange.save(directory, os.path.join("after", name + ".f64"), value, "<f8")
    with open(os.path.join(directory, "result.json"), "w", encoding="utf-8") as f:
        json.dump({"loss": float(loss)}, f)


def main(argv):
    if len(argv) == 3 and argv[1] == "step":
        run_step(argv[2])
        return 0
    if len(argv) == 3 and argv[1] == "print":
        print(LoomNet(load_loom(argv[2])))
        return 0
    print(__doc__.split("\n\n")[0] + "\nusage: loom_to_torch.py step DIR | print MODEL.loom",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
