#!/usr/bin/env python3
"""Writes the quantization tests' models and input sets into DIR.

model.onnx: Conv+Relu, Flatten, Gemm (input 'input' [1,3,8,8], output [1,10]);
relu.onnx: a single Relu (nothing to quantize);
calib/: 4 sets, one .npy per set; evalsets/: 2 sets, one subdirectory each
(input.npy and input_0.pb); the bad directories of the error tests.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
shape = [1, 3, 8, 8]


def save_model(nodes, inits, name, out_shape):
    graph = helper.make_graph(
        nodes, "m",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT,
                                       out_shape)],
        [numpy_helper.from_array(a, n) for n, a in inits.items()])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, os.path.join(out, name))


save_model([
    helper.make_node("Conv", ["input", "W", "B"], ["c"], name="conv1",
                     pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c"], ["r"], name="relu1"),
    helper.make_node("Flatten", ["r"], ["f"], name="flat"),
    helper.make_node("Gemm", ["f", "G", "GB"], ["output"], name="fc",
                     transB=1)
], {
    "W": rng.standard_normal((4, 3, 3, 3)).astype(np.float32) * 0.3,
    "B": rng.standard_normal(4).astype(np.float32) * 0.1,
    "G": rng.standard_normal((10, 256)).astype(np.float32) * 0.05,
    "GB": rng.standard_normal(10).astype(np.float32) * 0.1,
}, "model.onnx", [1, 10])
save_model([helper.make_node("Relu", ["input"], ["output"], name="only")],
           {}, "relu.onnx", shape)


def image():
    return rng.standard_normal(shape).astype(np.float32)


def mkdir(*parts):
    path = os.path.join(out, *parts)
    os.makedirs(path, exist_ok=True)
    return path


calib = mkdir("calib")
for i in range(4):
    np.save(os.path.join(calib, "set%d.npy" % i), image())
for i in range(2):
    d = mkdir("evalsets", "set%d" % i)
    if i == 0:
        np.save(os.path.join(d, "input.npy"), image())
    else:
        with open(os.path.join(d, "input_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(image(), "input")
                    .SerializeToString())
# The inputs and expected output of the int8 artifact's run.
np.save(os.path.join(out, "x.npy"), image())

mkdir("empty")
np.save(os.path.join(mkdir("badshape"), "set0.npy"),
        rng.standard_normal([1, 3, 4, 4]).astype(np.float32))
np.save(os.path.join(mkdir("baddtype"), "set0.npy"),
        np.zeros(shape, np.int64))
with open(os.path.join(mkdir("unreadable"), "set0.npy"), "wb") as f:
    f.write(b"not a numpy file")
d = mkdir("missing", "set0")
np.save(os.path.join(d, "other.npy"), image())
