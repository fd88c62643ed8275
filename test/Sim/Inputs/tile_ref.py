#!/usr/bin/env python3
# ===- tile_ref.py - inputs and reference for tile.s ----------------------=== #
#
# Usage: tile_ref.py OUTDIR. Writes a.npy (seeded random int8 16x16), the
# expected c.npy and acc.npy (numpy int32 matmul with tile.s's weights, requantized by
# the formula of docs/npu/numerics.md in int64, clamped to [0, 127]) and a few
# deliberately wrong files for the error tests.
#
# ===----------------------------------------------------------------------=== #
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
row0 = list(range(1, 17)) + [x - 256 for x in range(0xf1, 0x100)] + [0]
row1 = [0x7f, -0x80] * 16
w = np.array((row0 + row1) * 4, dtype=np.int8).reshape(16, 16)
a = np.random.default_rng(3).integers(-128, 128, size=(16, 16), dtype=np.int8)
acc = a.astype(np.int32) @ w.astype(np.int32)
q = ((acc.astype(np.int64) * 0x40000000 + (1 << 37)) >> 38)
c = np.clip(q, 0, 127).astype(np.int8)
np.save(os.path.join(out, "a.npy"), a)
np.save(os.path.join(out, "c.npy"), c)
np.save(os.path.join(out, "acc.npy"), acc)
wrong = c.copy()
wrong[2, 5] += 1
np.save(os.path.join(out, "c_wrong.npy"), wrong)
np.save(os.path.join(out, "a_i32.npy"), a.astype(np.int32))
np.save(os.path.join(out, "a_shape.npy"), a.reshape(8, 32))
