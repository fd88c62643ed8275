#!/usr/bin/env python3
# ===- make_tensors.py - tensors for the tessera-run tests --------------------===#
#
# Usage: make_tensors.py DIR. Writes inputs and expectations for
# `z = x + y` (x: 2x3, y: 3, float32) as .npy and TensorProto .pb files, plus
# wrong and corrupt ones.
#
# ===-------------------------------------------------------------------------===#
import os
import sys

import numpy as np
from onnx import numpy_helper

d = sys.argv[1]
os.makedirs(d, exist_ok=True)
x = np.arange(6, dtype=np.float32).reshape(2, 3)
y = np.array([0.5, -1.0, 2.0], dtype=np.float32)
np.save(os.path.join(d, "x.npy"), x)
np.save(os.path.join(d, "y.npy"), y)
np.save(os.path.join(d, "z.npy"), x + y)
np.save(os.path.join(d, "z_wrong.npy"), x + y + np.float32(0.1))
for name, value in (("x", x), ("y", y), ("z", x + y)):
    with open(os.path.join(d, name + ".pb"), "wb") as f:
        f.write(numpy_helper.from_array(value, name).SerializeToString())
np.save(os.path.join(d, "x_shape.npy"), np.zeros((3, 2), np.float32))
np.save(os.path.join(d, "x_int.npy"), np.zeros((2, 3), np.int32))
data = open(os.path.join(d, "x.npy"), "rb").read()
open(os.path.join(d, "x_truncated.npy"), "wb").write(data[: len(data) - 5])
open(os.path.join(d, "x_corrupt.pb"), "wb").write(b"\xff\xff\xff\xff garbage")
