#!/usr/bin/env python3
# ===- make_capi_model.py - the model of the C API tests -------------------===#
#
# Usage: make_capi_model.py DIR. The model of the C API tests (test/Runtime):
# z = Relu(x @ W + b) + y and its transpose zt, with x float32 [4,8] and
# y float32 [4,16]. Writes DIR/model.onnx and, as raw little-endian bytes, an
# input pair and numpy's outputs (x.bin, y.bin, z.bin, zt.bin).
#
# ===-----------------------------------------------------------------------===#
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
w = rng.standard_normal((8, 16)).astype(np.float32)
b = rng.standard_normal(16).astype(np.float32)
nodes = [
    helper.make_node("MatMul", ["x", "w"], ["xw"]),
    helper.make_node("Add", ["xw", "b"], ["xwb"]),
    helper.make_node("Relu", ["xwb"], ["r"]),
    helper.make_node("Add", ["r", "y"], ["z"]),
    helper.make_node("Transpose", ["z"], ["zt"], perm=[1, 0]),
]
graph = helper.make_graph(
    nodes, "capi",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 8]),
     helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 16])],
    [helper.make_tensor_value_info("z", TensorProto.FLOAT, [4, 16]),
     helper.make_tensor_value_info("zt", TensorProto.FLOAT, [16, 4])],
    [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.save(model, os.path.join(out, "model.onnx"))

x = rng.standard_normal((4, 8)).astype(np.float32)
y = rng.standard_normal((4, 16)).astype(np.float32)
z = (np.maximum(x.astype(np.float64) @ w + b, 0) + y).astype(np.float32)
for name, value in [("x", x), ("y", y), ("z", z), ("zt", z.T.copy())]:
    value.tofile(os.path.join(out, name + ".bin"))
