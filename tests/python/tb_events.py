"""An independent reader and writer of TensorBoard event files, for Loom's interop tests.

Uses Python's protobuf (Debian python3-protobuf, /usr/bin/python3) with TensorBoard's field
numbers written out below (from tensorboard/compat/proto/{event,summary,histogram,tensor,
tensor_shape}.proto and plugins/hparams/plugin_data.proto; FORMATS.md section 1), its own
CRC-32C, and PIL to decode PNGs. Nothing here comes from Loom.

  tb_events.py read FILE...   prints JSON: every record of every file, decoded
  tb_events.py write DIR      writes one event file of known values (see write())
"""
import io
import json
import struct
import sys
import time

from crc32c import crc32c  # noqa: E402  (tests/python, beside this file)
from google.protobuf import descriptor_pb2, descriptor_pool, struct_pb2  # noqa: F401

try:
    from google.protobuf import message_factory
except ImportError:  # pragma: no cover
    message_factory = None

F = descriptor_pb2.FieldDescriptorProto




def masked(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


# (name, number, type, label, type_name or None, packed)
OPT, REP = F.LABEL_OPTIONAL, F.LABEL_REPEATED
MESSAGES = {
    "Event": [("wall_time", 1, F.TYPE_DOUBLE, OPT, None), ("step", 2, F.TYPE_INT64, OPT, None),
              ("file_version", 3, F.TYPE_STRING, OPT, None),
              ("graph_def", 4, F.TYPE_BYTES, OPT, None),
              ("summary", 5, F.TYPE_MESSAGE, OPT, "Summary"),
              ("source_metadata", 10, F.TYPE_MESSAGE, OPT, "SourceMetadata")],
    "SourceMetadata": [("writer", 1, F.TYPE_STRING, OPT, None)],
    "Summary": [("value", 1, F.TYPE_MESSAGE, REP, "Value")],
    "Value": [("tag", 1, F.TYPE_STRING, OPT, None), ("simple_value", 2, F.TYPE_FLOAT, OPT, None),
              ("image", 4, F.TYPE_MESSAGE, OPT, "Image"),
              ("histo", 5, F.TYPE_MESSAGE, OPT, "HistogramProto"),
              ("tensor", 8, F.TYPE_MESSAGE, OPT, "TensorProto"),
              ("metadata", 9, F.TYPE_MESSAGE, OPT, "SummaryMetadata")],
    "Image": [("height", 1, F.TYPE_INT32, OPT, None), ("width", 2, F.TYPE_INT32, OPT, None),
              ("colorspace", 3, F.TYPE_INT32, OPT, None),
              ("encoded_image_string", 4, F.TYPE_BYTES, OPT, None)],
    "SummaryMetadata": [("plugin_data", 1, F.TYPE_MESSAGE, OPT, "PluginData"),
                        ("data_class", 4, F.TYPE_INT32, OPT, None)],
    "PluginData": [("plugin_name", 1, F.TYPE_STRING, OPT, None),
                   ("content", 2, F.TYPE_BYTES, OPT, None)],
    "HistogramProto": [("min", 1, F.TYPE_DOUBLE, OPT, None), ("max", 2, F.TYPE_DOUBLE, OPT, None),
                       ("num", 3, F.TYPE_DOUBLE, OPT, None), ("sum", 4, F.TYPE_DOUBLE, OPT, None),
                       ("sum_squares", 5, F.TYPE_DOUBLE, OPT, None),
                       ("bucket_limit", 6, F.TYPE_DOUBLE, REP, None),
                       ("bucket", 7, F.TYPE_DOUBLE, REP, None)],
    "TensorProto": [("dtype", 1, F.TYPE_INT32, OPT, None),
                    ("tensor_shape", 2, F.TYPE_MESSAGE, OPT, "TensorShapeProto"),
                    ("tensor_content", 4, F.TYPE_BYTES, OPT, None),
                    ("float_val", 5, F.TYPE_FLOAT, REP, None),
                    ("double_val", 6, F.TYPE_DOUBLE, REP, None),
                    ("string_val", 8, F.TYPE_BYTES, REP, None)],
    "TensorShapeProto": [("dim", 2, F.TYPE_MESSAGE, REP, "Dim")],
    "Dim": [("size", 1, F.TYPE_INT64, OPT, None)],
    "HParamsPluginData": [("version", 1, F.TYPE_INT32, OPT, None),
                          ("session_start_info", 3, F.TYPE_MESSAGE, OPT, "SessionStartInfo"),
                          ("session_end_info", 4, F.TYPE_MESSAGE, OPT, "SessionEndInfo")],
    "SessionStartInfo": [("hparams", 1, F.TYPE_MESSAGE, REP, "SessionStartInfo.HparamsEntry"),
                         ("group_name", 4, F.TYPE_STRING, OPT, None),
                         ("start_time_secs", 5, F.TYPE_DOUBLE, OPT, None)],
    "SessionEndInfo": [("status", 1, F.TYPE_INT32, OPT, None),
                       ("end_time_secs", 2, F.TYPE_DOUBLE, OPT, None)],
}


def _build():
    fdp = descriptor_pb2.FileDescriptorProto(name="tbref_events.proto", package="tbref",
                                             syntax="proto2",
                                             dependency=["google/protobuf/struct.proto"])
    for name, fields in MESSAGES.items():
        m = fdp.message_type.add(name=name)
        for fname, number, ftype, label, tname in fields:
            f = m.field.add(name=fname, number=number, type=ftype, label=label)
            if tname:
                f.type_name = ".tbref." + tname
            if label == REP and ftype in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
                f.options.packed = True
        if name == "SessionStartInfo":
            entry = m.nested_type.add(name="HparamsEntry")
            entry.options.map_entry = True
            entry.field.add(name="key", number=1, type=F.TYPE_STRING, label=OPT)
            entry.field.add(name="value", number=2, type=F.TYPE_MESSAGE, label=OPT,
                            type_name=".google.protobuf.Value")
    pool = descriptor_pool.Default()
    pool.Add(fdp)
    classes = {}
    for name in MESSAGES:
        desc = pool.FindMessageTypeByName("tbref." + name)
        if hasattr(message_factory, "GetMessageClass"):
            classes[name] = message_factory.GetMessageClass(desc)
        else:
            classes[name] = message_factory.MessageFactory(pool).GetPrototype(desc)
    return classes


M = _build()


def records(data):
    """Yields (offset, payload) of every whole record; raises on a bad CRC."""
    at = 0
    while at + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, at)
        (length_crc,) = struct.unpack_from("<I", data, at + 8)
        if masked(data[at:at + 8]) != length_crc:
            raise ValueError("bad length CRC at %d" % at)
        end = at + 12 + length + 4
        if end > len(data):
            break
        payload = data[at + 12:at + 12 + length]
        (data_crc,) = struct.unpack_from("<I", data, at + 12 + length)
        if masked(payload) != data_crc:
            raise ValueError("bad data CRC at %d" % at)
        yield at, payload
        at = end


def decode_png(blob):
    from PIL import Image
    img = Image.open(io.BytesIO(blob))
    img.load()
    return {"format": img.format, "mode": img.mode, "width": img.size[0],
            "height": img.size[1], "pixels": list(img.tobytes())}


def describe_value(v):
    out = {"tag": v.tag}
    if v.HasField("metadata"):
        out["plugin"] = v.metadata.plugin_data.plugin_name
        if v.metadata.HasField("data_class"):
            out["data_class"] = v.metadata.data_class
    if v.HasField("simple_value"):
        out["simple_value"] = v.simple_value
    if v.HasField("histo"):
        h = v.histo
        out["histo"] = {"min": h.min, "max": h.max, "num": h.num, "sum": h.sum,
                        "sum_squares": h.sum_squares, "bucket_limit": list(h.bucket_limit),
                        "bucket": list(h.bucket)}
    if v.HasField("image"):
        out["image"] = {"width": v.image.width, "height": v.image.height,
                        "colorspace": v.image.colorspace,
                        "png": decode_png(v.image.encoded_image_string)}
    if v.HasField("tensor"):
        t = v.tensor
        out["tensor"] = {"dtype": t.dtype, "float_val": list(t.float_val),
                         "dims": [d.size for d in t.tensor_shape.dim],
                         "string_val": [s.decode("utf-8", "replace") for s in t.string_val]}
    if out.get("plugin") == "hparams":
        data = M["HParamsPluginData"]()
        data.ParseFromString(v.metadata.plugin_data.content)
        hp = {}
        if data.HasField("session_start_info"):
            s = data.session_start_info
            values = {}
            for key, val in s.hparams.items():
                kind = val.WhichOneof("kind")
                values[key] = getattr(val, kind)
            hp["start"] = {"hparams": values, "group_name": s.group_name,
                           "start_time_secs": s.start_time_secs}
        if data.HasField("session_end_info"):
            hp["end"] = {"status": data.session_end_info.status,
                         "end_time_secs": data.session_end_info.end_time_secs}
        out["hparams"] = hp
    return out


def read(paths):
    files = []
    for path in paths:
        data = open(path, "rb").read()
        events = []
        for offset, payload in records(data):
            e = M["Event"]()
            e.ParseFromString(payload)
            ev = {"offset": offset, "wall_time": e.wall_time, "step": e.step}
            if e.HasField("file_version"):
                ev["file_version"] = e.file_version
            if e.HasField("source_metadata"):
                ev["writer"] = e.source_metadata.writer
            if e.HasField("summary"):
                ev["values"] = [describe_value(v) for v in e.summary.value]
            events.append(ev)
        files.append({"path": path, "bytes": len(data), "events": events})
    print(json.dumps({"files": files}))


def frame(payload):
    header = struct.pack("<Q", len(payload))
    return (header + struct.pack("<I", masked(header)) + payload +
            struct.pack("<I", masked(payload)))


def write(directory):
    """Known values (the C++ test checks them by these formulas):
    py/loss      simple_value 1/(step+1), steps 0..9
    py/tensor    DT_FLOAT rank-0 tensor in tensor_content, plugin scalars, 0.5*step, steps 0..9
    py/hist      HistogramProto min -1 max 2 num 6 sum 3 sum_squares 9, limits [0,1,2],
                 counts [1,2,3], step 5
    py/image     PNG 4x3 RGB, pixel (x,y) = (10*x, 20*y, 7), step 3
    py/text      text plugin string tensor "hello *loom*", step 2
    hparams      lr 0.01, optimizer "adam", augment true; end status 1 (success)"""
    from PIL import Image
    now = time.time()
    out = []

    def event(step, fill=None, **kw):
        e = M["Event"](wall_time=now + step, step=step, **kw)
        if fill:
            fill(e.summary.value.add())
        out.append(frame(e.SerializeToString()))

    event(0, file_version="brain.Event:2")
    for step in range(10):
        def loss(v, step=step):
            v.tag = "py/loss"
            v.simple_value = 1.0 / (step + 1)
        event(step, loss)

        def tensor(v, step=step):
            v.tag = "py/tensor"
            v.metadata.plugin_data.plugin_name = "scalars"
            v.tensor.dtype = 1
            v.tensor.tensor_content = struct.pack("<f", 0.5 * step)
        event(step, tensor)

    def hist(v):
        v.tag = "py/hist"
        v.histo.min, v.histo.max, v.histo.num = -1.0, 2.0, 6.0
        v.histo.sum, v.histo.sum_squares = 3.0, 9.0
        v.histo.bucket_limit.extend([0.0, 1.0, 2.0])
        v.histo.bucket.extend([1.0, 2.0, 3.0])
    event(5, hist)

    def image(v):
        img = Image.new("RGB", (4, 3))
        for y in range(3):
            for x in range(4):
                img.putpixel((x, y), (10 * x, 20 * y, 7))
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        v.tag = "py/image"
        v.image.width, v.image.height, v.image.colorspace = 4, 3, 3
        v.image.encoded_image_string = buf.getvalue()
    event(3, image)

    def text(v):
        v.tag = "py/text"
        v.metadata.plugin_data.plugin_name = "text"
        v.tensor.dtype = 7
        v.tensor.string_val.append(b"hello *loom*")
    event(2, text)

    def start(v):
        data = M["HParamsPluginData"](version=0)
        s = data.session_start_info
        s.hparams["lr"].number_value = 0.01
        s.hparams["optimizer"].string_value = "adam"
        s.hparams["augment"].bool_value = True
        s.start_time_secs = now
        v.tag = "_hparams_/session_start_info"
        v.metadata.plugin_data.plugin_name = "hparams"
        v.metadata.plugin_data.content = data.SerializeToString()
    event(0, start)

    def end(v):
        data = M["HParamsPluginData"](version=0)
        data.session_end_info.status = 1
        data.session_end_info.end_time_secs = now + 10
        v.tag = "_hparams_/session_end_info"
        v.metadata.plugin_data.plugin_name = "hparams"
        v.metadata.plugin_data.content = data.SerializeToString()
    event(0, end)

    path = "%s/events.out.tfevents.%010d.pyref" % (directory, int(now))
    with open(path, "wb") as f:
        f.write(b"".join(out))
    print(path)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "read":
        read(sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        sys.exit(__doc__)
