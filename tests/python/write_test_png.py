#!/usr/bin/python3
"""Writes small 8-bit PNG files for the `loom explain` command-line tests, with the standard
library only (zlib + struct), so the tests need no image package.

    write_test_png.py PATH WIDTH HEIGHT CHANNELS PATTERN

CHANNELS: 1 (grey) or 3 (RGB). PATTERN: "black" (all 0) or "ramp" (a diagonal gradient).
"""
import struct
import sys
import zlib


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def main(path, width, height, channels, pattern):
    width, height, channels = int(width), int(height), int(channels)
    rows = b""
    for y in range(height):
        rows += b"\0"  # filter: none
        for x in range(width):
            v = 0 if pattern == "black" else (x * 7 + y * 5) % 256
            rows += bytes([v] * channels)
    color_type = 0 if channels == 1 else 2
    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)


if __name__ == "__main__":
    main(*sys.argv[1:6])
