#!/usr/bin/env python3
"""check_bf16.py INPUT.pb OUTPUT.npy: the .npy holds uint16 bfloat16 bit
patterns equal to float32 INPUT rounded to nearest, ties to even."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

x = numpy_helper.to_array(onnx.load_tensor(sys.argv[1])).astype(np.float32)
y = np.load(sys.argv[2])
bits = x.view(np.uint32).astype(np.uint64)
rne = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
nan = np.isnan(x).reshape(y.shape)
rne = rne.reshape(y.shape)
# NaN may be any NaN pattern: exponent all ones, mantissa not zero.
nan_ok = np.all(((y[nan] & 0x7F80) == 0x7F80) & ((y[nan] & 0x7F) != 0))
print(y.dtype, y.shape, end=": ")
print("equal to round-to-nearest-even" if y.dtype == np.uint16 and nan_ok and
      np.array_equal(y[~nan], rne[~nan]) else "DIFFERENT")
