"""Runs `qdq_model` of the shared library argv[1] (the CPU path's C ABI:
bare pointers, the input then the outputs) on x.npy of directory argv[2] and
compares each output NAME:SCALE of argv[3:] with NAME.npy there (ONNX
semantics), counting the differences in steps of the output's scale."""
import ctypes
import sys

import numpy as np

lib = ctypes.CDLL(sys.argv[1])
x = np.ascontiguousarray(np.load(f"{sys.argv[2]}/x.npy"))
outputs = [arg.split(":") for arg in sys.argv[3:]]
expected = [np.load(f"{sys.argv[2]}/{name}.npy") for name, _ in outputs]
results = [np.zeros(e.shape, np.float32) for e in expected]
lib.qdq_model(*[a.ctypes.data_as(ctypes.c_void_p) for a in [x] + results])
for (name, scale), y, e in zip(outputs, results, expected):
    steps = np.rint(np.abs(y - e) / np.float32(scale)).astype(int)
    differing = np.count_nonzero(steps)
    print(f"{name}: {y.size} elements, {np.count_nonzero(y)} nonzero, "
          f"max difference {steps.max()} steps, {differing} differing "
          f"({differing / y.size:.4f})")
