#!/usr/bin/env python3
# ===- matmul_ref.py - inputs and reference of the acceptance programs ---=== #
#
# Writes random int8 a, b (256 x 256) and the expected c = relu(requant(a @ b))
# computed independently of the simulator: a plain numpy int32 matmul and the
# requantization formula of docs/npu/numerics.md evaluated in numpy int64:
#   q = clamp(((acc * multiplier) + 2^(shift-1)) >> shift + zero_point, -128, 127)
# then ReLU in the quantized domain, max(q, zero_point) (the program applies
# it to the int32 accumulator before requantizing, which is the same since
# requantization is monotonic and maps 0 to the zero point).
#
# Usage: matmul_ref.py OUTDIR [SEED]
#
# ===----------------------------------------------------------------------=== #
import os
import sys

import numpy as np

MULTIPLIER, SHIFT, ZERO_POINT = 1011514241, 41, -3  # as in gen_matmul.py


def main():
    outdir = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    os.makedirs(outdir, exist_ok=True)
    rng = np.random.default_rng(seed)
    a = rng.integers(-128, 128, size=(256, 256), dtype=np.int8)
    b = rng.integers(-128, 128, size=(256, 256), dtype=np.int8)
    acc = a.astype(np.int32) @ b.astype(np.int32)
    product = acc.astype(np.int64) * np.int64(MULTIPLIER)
    q = ((product + (np.int64(1) << (SHIFT - 1))) >> SHIFT) + ZERO_POINT
    q = np.clip(q, -128, 127)
    c = np.maximum(q, ZERO_POINT).astype(np.int8)
    # The constants must make the test meaningful: outputs spread over the
    # range, some saturated, some cut by the ReLU.
    assert len(np.unique(c)) > 100 and (c == 127).any() and (c == ZERO_POINT).any()
    np.save(os.path.join(outdir, "a.npy"), a)
    np.save(os.path.join(outdir, "b.npy"), b)
    np.save(os.path.join(outdir, "c.npy"), c)


if __name__ == "__main__":
    main()
