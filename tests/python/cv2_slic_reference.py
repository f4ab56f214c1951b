#!/usr/bin/python3
"""OpenCV's own SLIC (python cv2, contrib ximgproc) as the reference for engine/explain's
superpixels: the same call, so the labels must be identical.

    cv2_slic_reference.py DIR

DIR/manifest.json: {"cases": [{"image": tensor entry U8 [C, H, W], "algorithm": 100|101|102,
"region_size": int, "ruler": float, "iterations": int, "min_element_size": int}]}
Writes labels_<i>.i32 (int32, H x W) and count_<i>.txt for each case.
The image is handed to OpenCV as H x W (grey) or H x W x 3 (taken as BGR), as the C++ side does.
"""
import os
import sys

import torch_exchange as exchange

np = exchange.np
try:
    import cv2
    cv2.ximgproc  # contrib
except (ImportError, AttributeError) as e:
    sys.exit(f"{sys.executable} cannot use cv2.ximgproc ({e}); the SLIC reference test needs "
             "python3-opencv (Debian's build includes the contrib modules)")


def main(directory):
    manifest = exchange.manifest(directory)
    for i, case in enumerate(manifest["cases"]):
        img = exchange.load(directory, case["image"])
        img = img[0] if img.shape[0] == 1 else np.ascontiguousarray(img.transpose(1, 2, 0))
        slic = cv2.ximgproc.createSuperpixelSLIC(img, algorithm=case["algorithm"],
                                                 region_size=case["region_size"],
                                                 ruler=float(case["ruler"]))
        slic.iterate(case["iterations"])
        if case["min_element_size"] > 0:
            slic.enforceLabelConnectivity(case["min_element_size"])
        labels = slic.getLabels().astype("<i4")
        labels.tofile(os.path.join(directory, f"labels_{i}.i32"))
        with open(os.path.join(directory, f"count_{i}.txt"), "w") as f:
            f.write(str(slic.getNumberOfSuperpixels()))


if __name__ == "__main__":
    main(sys.argv[-1])
