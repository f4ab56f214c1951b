#!/usr/bin/python3
"""Reads a trained model's parameter file independently of Loom and checks it.

usage: check_parameter_file.py MODEL.loom CHECKPOINT

The parameter file is decoded from its layout (docs/formats.md#parameter-files) by
loom_to_torch.read_parameter_file, with the CRC-32C of tests/python/crc32c.py always verified;
the checkpoint by tests/dist/compare_checkpoints.py's reader. Every parameter must equal the
checkpoint's param/<name> tensor byte for byte (the trained model is the final state), and the
model text must hold no values of its own.
"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "dist"))
import compare_checkpoints  # noqa: E402
import loom_to_torch as l2t  # noqa: E402


def main():
    model_path, ckpt_path = sys.argv[1:3]
    text = open(model_path, encoding="utf-8").read()
    if "values" in text:
        sys.exit(f"FAIL: {model_path} holds parameter values as text")
    msg = l2t.parse_text_format(text)
    reference = msg.get1("parameter_file")
    if reference is None:
        sys.exit(f"FAIL: {model_path} has no parameter_file reference")
    params = l2t.read_parameter_file(reference, os.path.dirname(os.path.abspath(model_path)),
                                     model_path, verify_crc=True)
    _, tensors, _ = compare_checkpoints.read_checkpoint(ckpt_path)
    expected = {k[len("param/"):]: v for k, v in tensors.items() if k.startswith("param/")}
    if set(params) != set(expected):
        sys.exit(f"FAIL: names differ: {sorted(set(params) ^ set(expected))}")
    values = 0
    for name, array in params.items():
        want, raw = expected[name]
        if array.shape != want.shape or array.tobytes() != raw:
            sys.exit(f"FAIL: {name}: {array.shape} vs {want.shape}, or the bytes differ")
        values += array.size
    size = os.path.getsize(os.path.join(os.path.dirname(os.path.abspath(model_path)),
                                        reference.get1("path")))
    print(f"PASS: {len(params)} parameters ({values} values) in {reference.get1('path')} "
          f"({size} bytes, CRC-32C verified) equal the checkpoint byte for byte; the text is "
          f"{len(text)} bytes")


if __name__ == "__main__":
    main()
