#!/usr/bin/env python3
# ===- make_fusion_model.py - a small model for the fusion report tests ------===#
#
# Usage: make_fusion_model.py DIR
# Writes DIR/model.onnx (conv + bias + residual + relu, a conv whose output
# has two uses, a squeeze-and-excitation style scale, data movement, gemm +
# relu) and DIR/x.npy, DIR/y.npy: an input and the output numpy computes.
#
# ===-------------------------------------------------------------------------===#
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)


def arr(*shape):
    return rng.standard_normal(shape).astype(np.float32) * 0.5


w0, b0, bias = arr(4, 4, 3, 3), arr(4), arr(4, 1, 1)
w1, b1 = arr(4, 4, 1, 1), arr(4)
wg, bg = arr(10, 256), arr(10)
inits = [numpy_helper.from_array(v, n) for n, v in
         [("w0", w0), ("b0", b0), ("bias", bias), ("w1", w1), ("b1", b1),
          ("wg", wg), ("bg", bg)]]
shape = helper.make_node("Constant", [], ["shape"], name="shape_const",
                         value=numpy_helper.from_array(
                             np.array([1, 256], np.int64)))
nodes = [
    helper.make_node("Identity", ["x"], ["xi"], name="ident"),
    helper.make_node("Conv", ["xi", "w0", "b0"], ["c0"], name="conv0",
                     kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    helper.make_node("Add", ["c0", "bias"], ["a0"], name="bias0"),
    helper.make_node("Add", ["a0", "xi"], ["s0"], name="residual0"),
    helper.make_node("Relu", ["s0"], ["r0"], name="relu0"),
    helper.make_node("Conv", ["r0", "w1", "b1"], ["c1"], name="conv1",
                     kernel_shape=[1, 1]),
    helper.make_node("ReduceMean", ["c1"], ["m1"], name="pool1",
                     axes=[2, 3], keepdims=1),
    helper.make_node("Sigmoid", ["m1"], ["g1"], name="gate1"),
    helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
    helper.make_node("Mul", ["r1", "g1"], ["e1"], name="scale1"),
    shape,
    helper.make_node("Reshape", ["e1", "shape"], ["f"], name="flatten"),
    helper.make_node("Gemm", ["f", "wg", "bg"], ["g"], name="fc", transB=1),
    helper.make_node("Relu", ["g"], ["y"], name="fc_relu"),
]
graph = helper.make_graph(
    nodes, "fusion", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                    [1, 4, 8, 8])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
model = helper.make_model(graph,
                          opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "model.onnx"))



def conv2d(x, w, b, pad):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    kh, kw = w.shape[2:]
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), (2, 3))
    return np.einsum("nchwij,fcij->nfhw", windows, w) + b.reshape(1, -1, 1, 1)


def relu(v):
    return np.maximum(v, 0)


x = arr(1, 4, 8, 8)
r0 = relu(conv2d(x, w0, b0, 1) + bias + x)
c1 = conv2d(r0, w1, b1, 0)
e1 = relu(c1) / (1 + np.exp(-c1.mean(axis=(2, 3), keepdims=True)))
y = relu(e1.reshape(1, 256) @ wg.T + bg)
np.save(os.path.join(out, "x.npy"), x)
np.save(os.path.join(out, "y.npy"), y.astype(np.float32))
