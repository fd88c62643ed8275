#!/usr/bin/env python3
# ===- make_bounds_tensors.py - oversized tensors for tessera-run ------------===#
#
# Usage: make_bounds_tensors.py DIR. Writes tensor files whose declared sizes
# are huge (or overflow int64) while they hold only a few bytes: tessera-run
# must refuse each before allocating anything from the declared size.
#
# ===-------------------------------------------------------------------------===#
import os
import sys

from onnx import TensorProto, helper

d = sys.argv[1]
os.makedirs(d, exist_ok=True)


def write_pb(name, dims, **fields):
    t = TensorProto(name="x", data_type=TensorProto.FLOAT, dims=dims, **fields)
    with open(os.path.join(d, name), "wb") as f:
        f.write(t.SerializeToString())


# 1 x 2^31 x 32 x 32 float32 (8 TiB) with 16 bytes of raw data, with 4 typed
# values, and dims whose product overflows int64.
write_pb("huge_raw.pb", [1, 2**31, 32, 32], raw_data=b"\0" * 16)
write_pb("huge_typed.pb", [1, 2**31, 32, 32], float_data=[0.0] * 4)
write_pb("overflow.pb", [2**62, 2**62], raw_data=b"\0" * 16)


def write_npy(name, shape, data):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(os.path.join(d, name), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00")
        f.write(len(header).to_bytes(2, "little"))
        f.write(header.encode())
        f.write(data)


write_npy("huge.npy", "(1, 2147483648, 32, 32)", b"\0" * 16)
write_npy("overflow.npy", "(4611686018427387904, 4611686018427387904)", b"\0" * 16)
write_npy("short.npy", "(1000,)", b"\0" * 16)
write_npy("deep.npy", "(" + "1, " * 200 + ")", b"\0" * 4)
