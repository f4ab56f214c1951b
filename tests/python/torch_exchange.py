"""The Python half of tests/engine/support/torch_exchange.h: how a reference script reads
what an engine test wrote and writes its answers back.

A test writes DIR/manifest.json and raw little-endian tensor files; a tensor entry in the
manifest is {"file": name, "shape": [dims], "dtype": "float32" | "int64" | "uint8"}. The script
(run as `LOOM_PYTHON script.py [args] DIR`) writes its results next to them.

PyTorch and numpy are references the README installs (python3-torch, python3-numpy), so a
missing one ends the script with a message naming the package; the C++ test then fails.
"""
import importlib
import json
import os
import sys

_PACKAGES = {"torch": "python3-torch", "numpy": "python3-numpy"}


def require(module):
    """Imports `module`, or exits with a message naming the Debian package that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        package = _PACKAGES.get(module.split(".")[0], module)
        sys.exit(f"{sys.executable} cannot import {module} ({e}); the reference tests need "
                 f"{package} (packaging/install-deps.sh installs it)")


np = require("numpy")

_DTYPES = {"float32": "<f4", "int64": "<i8", "uint8": "u1"}  # loom::dtypeName()


def manifest(d):
    """DIR/manifest.json as a dict."""
    with open(os.path.join(d, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def load(d, entry):
    """The numpy array of a manifest tensor entry."""
    a = np.fromfile(os.path.join(d, entry["file"]), dtype=_DTYPES[entry.get("dtype", "float32")])
    return a.reshape(entry["shape"])


def load_raw(d, name, dtype, shape=None):
    """DIR/name as a flat (or `shape`d) array of `dtype` ("<f4", "<i8", "<f8")."""
    a = np.fromfile(os.path.join(d, name), dtype=dtype)
    return a if shape is None else a.reshape(shape)


def save(d, name, value, dtype="<f4"):
    """Writes a numpy array or torch tensor as DIR/name in `dtype` (the C++ side reads it)."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    path = os.path.join(d, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.ascontiguousarray(np.asarray(value).astype(dtype)).tofile(path)
