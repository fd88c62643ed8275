#!/usr/bin/env python3
# Usage: compare_npy.py GOT.npy WANT.npy; prints dtype and shape, exits 1
# when the arrays differ in dtype, shape or any element.
import sys

import numpy as np

got, want = np.load(sys.argv[1]), np.load(sys.argv[2])
print(f"{got.dtype} {list(got.shape)}")
if got.dtype != want.dtype or got.shape != want.shape or not (got == want).all():
    sys.exit(f"{sys.argv[1]} differs from {sys.argv[2]}")
