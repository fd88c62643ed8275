#!/usr/bin/env python3
# ===- check_calibration_set.py - describe make_calibration_set.py's sets ----===#
#
# Usage: check_calibration_set.py CALIB_DIR EVAL_DIR|- N,C,H,W
#
# ===-------------------------------------------------------------------------===#
import glob
import json
import os
import sys

import numpy as np


def describe(label, directory, shape):
    files = sorted(glob.glob(os.path.join(directory, "*.npy")))
    arrays = [np.load(f) for f in files]
    assert all(a.shape == shape and a.dtype == np.float32 for a in arrays)
    manifest = json.load(open(os.path.join(directory, "manifest.json")))
    sources = sorted({f["source"] for f in manifest["files"]})
    print("%s: %d files, shape %s, float32, sources %s"
          % (label, len(files), shape, " ".join(sources)))
    return arrays, manifest, set(sources)


def main():
    shape = tuple(int(d) for d in sys.argv[3].split(","))
    arrays, manifest, calib = describe("calib", sys.argv[1], shape)
    if sys.argv[2] != "-":
        _, _, evaluation = describe("eval", sys.argv[2], shape)
        print("disjoint: %s" % ("yes" if not calib & evaluation else "no"))
        return
    labels = open(os.path.join(sys.argv[1], "labels.txt")).read().split()
    rows = all(f["rows"][0] >= 0.6 for f in manifest["files"])
    # The test page's lines are narrower than 192:48, so the right part of
    # each input is the padding (0 after normalization).
    padded = all(np.all(a[..., -8:] == 0) for a in arrays)
    print("labels: %d, rows >= 0.6: %s, right padding 0: %s"
          % (len(labels) // 2, "yes" if rows else "no", "yes" if padded else "no"))


if __name__ == "__main__":
    main()
