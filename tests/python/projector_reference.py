#!/usr/bin/python3
"""An independent reader and writer of TensorBoard's projector layout, for Loom's tests.

The ProjectorConfig schema is written here, in this file, from TensorBoard's field names and
numbers (tensorboard/plugins/projector/projector_config.proto) as a descriptor; python
protobuf parses the text format with it. Tensors, metadata and the sprite are read the way
TensorBoard's server and client read them (FORMATS.md section 1.8).

  projector_reference.py check DIR EXPECTED_DIR   # Loom's directory against expected .npy/.json
  projector_reference.py write DIR                # a directory in TensorBoard users' style
"""
import json
import os
import sys

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, text_format
from PIL import Image

try:
    from google.protobuf import message_factory
    def _message_class(desc):
        if hasattr(message_factory, "GetMessageClass"):
            return message_factory.GetMessageClass(desc)
        return message_factory.MessageFactory().GetPrototype(desc)
except ImportError:  # pragma: no cover
    raise

F = descriptor_pb2.FieldDescriptorProto


def projector_config_class():
    fd = descriptor_pb2.FileDescriptorProto(name="test_projector_config.proto",
                                            package="tensorboard", syntax="proto3")
    sprite = fd.message_type.add(name="SpriteMetadata")
    sprite.field.add(name="image_path", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    sprite.field.add(name="single_image_dim", number=2, type=F.TYPE_UINT32, label=F.LABEL_REPEATED)
    info = fd.message_type.add(name="EmbeddingInfo")
    info.field.add(name="tensor_name", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    info.field.add(name="metadata_path", number=2, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    info.field.add(name="bookmarks_path", number=3, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    info.field.add(name="tensor_shape", number=4, type=F.TYPE_UINT32, label=F.LABEL_REPEATED)
    info.field.add(name="sprite", number=5, type=F.TYPE_MESSAGE, label=F.LABEL_OPTIONAL,
                   type_name=".tensorboard.SpriteMetadata")
    info.field.add(name="tensor_path", number=6, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    cfg = fd.message_type.add(name="ProjectorConfig")
    cfg.field.add(name="model_checkpoint_path", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    cfg.field.add(name="embeddings", number=2, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED,
                  type_name=".tensorboard.EmbeddingInfo")
    cfg.field.add(name="model_checkpoint_dir", number=3, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    return _message_class(pool.FindMessageTypeByName("tensorboard.ProjectorConfig"))


def read_tensor(path, shape):
    """TensorBoard's server: TSV via float() unless the file is not UTF-8, then raw float32."""
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        assert len(shape) == 2, "binary tensor without tensor_shape"
        return np.frombuffer(raw, dtype="<f4").reshape(shape[0], shape[1]), "bytes"
    rows = [[float(c) for c in line.split("\t")] for line in text.split("\n") if line.strip()]
    widths = {len(r) for r in rows}
    assert len(widths) == 1, f"{path}: ragged rows {widths}"
    return np.array(rows, dtype=np.float32), "tsv"


def read_metadata(path):
    """TensorBoard's client (data-provider.ts parseMetadata): header iff a tab in line 1."""
    lines = [l for l in open(path, encoding="utf-8").read().split("\n") if l.strip()]
    if "\t" in lines[0]:
        return lines[0].split("\t"), [l.split("\t") for l in lines[1:]]
    return ["label"], [[l] for l in lines]


def check(directory, expected):
    Config = projector_config_class()
    config = text_format.Parse(open(os.path.join(directory, "projector_config.pbtxt")).read(),
                               Config())
    want = json.load(open(os.path.join(expected, "expected.json")))
    assert len(config.embeddings) == len(want["tensors"]), (len(config.embeddings), want)
    for info, name in zip(config.embeddings, want["tensors"]):
        assert info.tensor_name == name, (info.tensor_name, name)
        for p in (info.tensor_path, info.metadata_path, info.sprite.image_path):
            assert p and not os.path.isabs(p) and ".." not in p.split("/"), p
        values, kind = read_tensor(os.path.join(directory, info.tensor_path),
                                   list(info.tensor_shape))
        ref = np.load(os.path.join(expected, name + ".npy"))
        assert values.shape == ref.shape, (values.shape, ref.shape)
        assert kind == want["format"] or want["format"] == "any", (kind, want["format"])
        assert np.array_equal(values, ref), np.abs(values - ref).max()
        cols, rows = read_metadata(os.path.join(directory, info.metadata_path))
        assert cols == want["columns"], (cols, want["columns"])
        assert rows == want["rows"], "metadata rows differ"
        img = Image.open(os.path.join(directory, info.sprite.image_path))
        w, h = img.size
        cw, ch = info.sprite.single_image_dim
        assert w <= 8192 and h <= 8192, img.size
        n = ref.shape[0]
        per_row = w // cw
        assert per_row * (h // ch) >= n, (w, h, cw, ch, n)
        images = np.load(os.path.join(expected, "images.npy"))  # [N, H, W] uint8 as float
        px = np.asarray(img.convert("L"), dtype=np.float32)
        if (cw, ch) == (images.shape[2], images.shape[1]):
            for i in (0, n // 2, n - 1):
                r, c = divmod(i, per_row)
                cell = px[r * ch:(r + 1) * ch, c * cw:(c + 1) * cw]
                assert np.abs(cell - images[i]).max() <= 1, f"sprite cell {i} differs"
    print("ok", len(config.embeddings), "embeddings")


def write(directory):
    """A directory the way TensorBoard users write one: TSV tensor, single-column metadata
    without header, a sprite, and a second entry with raw float32 bytes and a 2-column table."""
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(7)
    n, d = 37, 5
    a = rng.standard_normal((n, d)).astype(np.float32)
    b = rng.standard_normal((n, 3)).astype(np.float32) + 1.5
    with open(os.path.join(directory, "a.tsv"), "w") as f:
        for row in a:
            f.write("\t".join(repr(float(v)) for v in row) + "\n")
    b.astype("<f4").tofile(os.path.join(directory, "b.bytes"))
    labels = [f"class {i % 4}" for i in range(n)]
    with open(os.path.join(directory, "labels.tsv"), "w") as f:
        f.write("\n".join(labels) + "\n")
    with open(os.path.join(directory, "table.tsv"), "w") as f:
        f.write("name\tindex\n")
        for i in range(n):
            f.write(f"p{i}\t{i}\n")
    side = 7
    sprite = np.zeros((side * 10, side * 12, 3), dtype=np.uint8)
    Image.fromarray(sprite).save(os.path.join(directory, "sprite.png"))
    Config = projector_config_class()
    c = Config()
    e = c.embeddings.add(tensor_name="alpha", tensor_path="a.tsv", metadata_path="labels.tsv")
    e.sprite.image_path = "sprite.png"
    e.sprite.single_image_dim.extend([12, 10])
    e = c.embeddings.add(tensor_path="b.bytes", metadata_path="table.tsv")
    e.tensor_shape.extend([n, 3])
    open(os.path.join(directory, "projector_config.pbtxt"), "w").write(text_format.MessageToString(c))
    np.save(os.path.join(directory, "alpha.expected.npy"), a)
    np.save(os.path.join(directory, "b.expected.npy"), b)
    print("ok wrote", directory)


if __name__ == "__main__":
    if sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        sys.exit("usage: projector_reference.py check DIR EXPECTED | write DIR")
