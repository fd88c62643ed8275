"""Inputs and expected outputs of Inputs/npu-segment.mlir: int8 x [1,16,8,32]
(NCHW) and y = x with its channels rotated (channel c of y is channel c + 1
mod 16 of x), the segment's weights."""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
x = rng.integers(-128, 128, size=(1, 16, 8, 32), dtype=np.int8)
np.save(os.path.join(out, "x.npy"), x)
np.save(os.path.join(out, "y.npy"), np.roll(x, -1, axis=1))
