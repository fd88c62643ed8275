#!/usr/bin/env python3
# ===- make_dql_model.py - a DynamicQuantizeLinear model and its cases -------===#
#
# Writes DIR/model.onnx (one DynamicQuantizeLinear, x: 3 x 4 float) and, per
# case, DIR/<case>.x.npy with the ONNX reference outputs DIR/<case>.{y,
# scale,zp}.npy (the formula of the ONNX node tests, in float32): mixed
# signs, only positive values (lo = 0), only negative values (hi = 0), exact
# rounding ties of x / scale and of the zero point, and an all-zero input,
# whose scale is 0 and whose y and zero point Tessera defines as 0.
#
# ===-------------------------------------------------------------------------===#
import os
import sys

import numpy as np
from onnx import TensorProto, helper


def reference(x):
    lo = np.minimum(np.float32(0), x.min())
    hi = np.maximum(np.float32(0), x.max())
    scale = np.float32((hi - lo) / np.float32(255))
    if scale == 0:
        return np.zeros(x.shape, np.uint8), scale, np.uint8(0)
    zp = np.uint8(np.clip(np.round((np.float32(0) - lo) / scale), 0, 255))
    y = np.clip(np.round(x / scale) + zp, 0, 255).astype(np.uint8)
    return y, scale, zp


def main():
    out = sys.argv[1]
    node = helper.make_node("DynamicQuantizeLinear", ["x"], ["y", "scale", "zp"], name="dql0")
    graph = helper.make_graph(
        [node], "dql", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 4])],
        [helper.make_tensor_value_info("y", TensorProto.UINT8, [3, 4]),
         helper.make_tensor_value_info("scale", TensorProto.FLOAT, []),
         helper.make_tensor_value_info("zp", TensorProto.UINT8, [])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    open(os.path.join(out, "model.onnx"), "wb").write(model.SerializeToString())
    rng = np.random.default_rng(0)
    # Range [-1.5, 1.0]: scale 2.5 / 255, zero point 1.5 / scale = 153 exactly;
    # k * scale / 2 for odd k are ties of x / scale (up to float rounding).
    s = np.float32(2.5) / np.float32(255)
    ties = np.array([-1.5, 1.0, 0.5 * s, 1.5 * s, 2.5 * s, -0.5 * s, -2.5 * s, 100.5 * s,
                     -100.5 * s, 0.0, 3.5 * s, -3.5 * s], np.float32).reshape(3, 4)
    cases = {
        "mixed": rng.uniform(-2, 3, (3, 4)).astype(np.float32),
        "positive": rng.uniform(0.5, 4, (3, 4)).astype(np.float32),
        "negative": rng.uniform(-4, -0.5, (3, 4)).astype(np.float32),
        "ties": ties,
        "zeros": np.zeros((3, 4), np.float32),
    }
    for name, x in cases.items():
        y, scale, zp = reference(x)
        np.save(os.path.join(out, name + ".x.npy"), x)
        np.save(os.path.join(out, name + ".y.npy"), y)
        np.save(os.path.join(out, name + ".scale.npy"), np.array(scale, np.float32))
        np.save(os.path.join(out, name + ".zp.npy"), np.array(zp, np.uint8))


if __name__ == "__main__":
    main()
