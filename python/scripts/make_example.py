#!/usr/bin/env python3
# ===- make_example.py - the bundled example model ----------------------------===#
#
# Writes tiny_cnn.onnx: a small image classifier with the shape of a real one
# (Conv-BN-ReLU, max pool, a residual block, global average pool, a
# PyTorch-style flatten through Shape/Gather/Concat/Reshape, Gemm) and a
# dynamic batch dim, with fixed-seed random weights. Generated rather than
# checked in, so the repository holds no binary model.
#
# Usage: /usr/bin/python3 make_example.py OUT.onnx
#
# ===-------------------------------------------------------------------------===#
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main(out):
    rng = np.random.default_rng(2026)
    inits = []

    def w(name, *shape, scale=0.1):
        inits.append(numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name))
        return name

    def i64(name, values):
        inits.append(numpy_helper.from_array(np.array(values, dtype=np.int64), name))
        return name

    nodes = []

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    x = node("Conv", ["input", w("stem.w", 16, 3, 3, 3), w("stem.b", 16)], "stem.conv",
             kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])
    inits.append(numpy_helper.from_array(np.full(16, 0.5, np.float32), "bn.var"))
    x = node("BatchNormalization", [x, w("bn.scale", 16, scale=1.0), w("bn.bias", 16),
                                    w("bn.mean", 16), "bn.var"], "stem.bn")
    x = node("Relu", [x], "stem.relu")
    x = node("MaxPool", [x], "pool", kernel_shape=[2, 2], strides=[2, 2])
    y = node("Conv", [x, w("block.conv1.w", 16, 16, 3, 3), w("block.conv1.b", 16)], "block.conv1",
             kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    y = node("Relu", [y], "block.relu1")
    y = node("Conv", [y, w("block.conv2.w", 16, 16, 3, 3), w("block.conv2.b", 16)], "block.conv2",
             kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    x = node("Add", [x, y], "block.add")
    x = node("Relu", [x], "block.relu2")
    x = node("GlobalAveragePool", [x], "gap")
    shape = node("Shape", [x], "flatten.shape")
    batch = node("Gather", [shape, i64("zero", 0)], "flatten.batch", axis=0)
    batch = node("Unsqueeze", [batch, i64("axes0", [0])], "flatten.unsqueeze")
    target = node("Concat", [batch, i64("minus1", [-1])], "flatten.concat", axis=0)
    x = node("Reshape", [x, target], "flatten.reshape")
    x = node("Gemm", [x, w("fc.w", 10, 16), w("fc.b", 10)], "fc", transB=1)
    nodes[-1].output[0] = "logits"
    graph = helper.make_graph(
        nodes, "tiny_cnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 32, 32])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, out)


if __name__ == "__main__":
    main(sys.argv[1])
