#!/usr/bin/env python3
# ===- make_gpu_models.py - small models for the GPU back end's tests ---------===#
#
# Usage: make_gpu_models.py cnn|transformer|copy OUT.onnx
# Tiny models covering what the GPU code generator handles: a CNN (conv
# + bias + relu, maxpool, a residual Add, a strided 1x1 conv, a depthwise
# conv, global average pool, MatMul + bias, Softmax) and a transformer block
# (MatMuls with constant weights, Q.K^T as a batched MatMul of two
# activations, Softmax, LayerNormalization, GELU through Erf, residual Adds),
# and a model without arithmetic (a Reshape: the artifact only copies).
#
# ===-------------------------------------------------------------------------===#
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def const(name, shape, rng, scale=0.3):
    data = (rng.standard_normal(shape) * scale).astype(np.float32)
    return numpy_helper.from_array(data, name)


def scalar(name, value):
    return numpy_helper.from_array(np.array(value, np.float32), name)


def node(op, ins, outs, **attrs):
    return helper.make_node(op, ins, outs, name=outs[0], **attrs)


def cnn():
    rng = np.random.default_rng(1)
    inits = [
        const("w0", [8, 3, 3, 3], rng), const("b0", [8], rng),
        const("w1", [8, 8, 3, 3], rng), const("b1", [8], rng),
        const("w2", [16, 8, 1, 1], rng), const("b2", [16], rng),
        const("wd", [16, 1, 3, 3], rng), const("bd", [16], rng),
        const("wf", [16, 10], rng), const("bf", [10], rng),
        numpy_helper.from_array(np.array([1, 16], np.int64), "flat"),
    ]
    nodes = [
        node("Conv", ["x", "w0", "b0"], ["c0"], kernel_shape=[3, 3],
             pads=[1, 1, 1, 1]),
        node("Relu", ["c0"], ["r0"]),
        node("MaxPool", ["r0"], ["p0"], kernel_shape=[2, 2], strides=[2, 2]),
        node("Conv", ["p0", "w1", "b1"], ["c1"], kernel_shape=[3, 3],
             pads=[1, 1, 1, 1]),
        node("Relu", ["c1"], ["r1"]),
        node("Add", ["r1", "p0"], ["res"]),
        node("Conv", ["res", "w2", "b2"], ["c2"], kernel_shape=[1, 1],
             strides=[2, 2]),
        node("Relu", ["c2"], ["r2"]),
        node("Conv", ["r2", "wd", "bd"], ["cd"], kernel_shape=[3, 3],
             pads=[1, 1, 1, 1], group=16),
        node("Relu", ["cd"], ["rd"]),
        node("GlobalAveragePool", ["rd"], ["gap"]),
        node("Reshape", ["gap", "flat"], ["f"]),
        node("MatMul", ["f", "wf"], ["mm"]),
        node("Add", ["mm", "bf"], ["logits"]),
        node("Softmax", ["logits"], ["y"], axis=-1),
    ]
    return graph(nodes, [("x", [1, 3, 16, 16])], [("y", [1, 10])], inits)


def transformer():
    rng = np.random.default_rng(2)
    s, d, f = 8, 16, 32
    inits = [
        const("wq", [d, d], rng), const("wk", [d, d], rng),
        const("wv", [d, d], rng), const("wo", [d, d], rng),
        const("bo", [d], rng),
        numpy_helper.from_array(np.ones(d, np.float32), "gamma"),
        numpy_helper.from_array(np.zeros(d, np.float32), "beta"),
        const("w1", [d, f], rng), const("b1", [f], rng),
        const("w2", [f, d], rng), const("b2", [d], rng),
        scalar("scale", 1.0 / np.sqrt(d)),
        scalar("sqrt2", np.sqrt(2.0)), scalar("one", 1.0), scalar("half", 0.5),
    ]
    nodes = [
        node("MatMul", ["x", "wq"], ["q"]),
        node("MatMul", ["x", "wk"], ["k"]),
        node("MatMul", ["x", "wv"], ["v"]),
        node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
        node("MatMul", ["q", "kt"], ["qk"]),
        node("Mul", ["qk", "scale"], ["qks"]),
        node("Softmax", ["qks"], ["attn"], axis=-1),
        node("MatMul", ["attn", "v"], ["av"]),
        node("MatMul", ["av", "wo"], ["o"]),
        node("Add", ["o", "bo"], ["ob"]),
        node("Add", ["ob", "x"], ["h"]),
        node("LayerNormalization", ["h", "gamma", "beta"], ["ln"], axis=-1,
             epsilon=1e-5),
        node("MatMul", ["ln", "w1"], ["u"]),
        node("Add", ["u", "b1"], ["ub"]),
        # GELU: 0.5 * u * (1 + erf(u / sqrt(2))).
        node("Div", ["ub", "sqrt2"], ["ud"]),
        node("Erf", ["ud"], ["ue"]),
        node("Add", ["ue", "one"], ["ue1"]),
        node("Mul", ["ub", "ue1"], ["um"]),
        node("Mul", ["um", "half"], ["g"]),
        node("MatMul", ["g", "w2"], ["dn"]),
        node("Add", ["dn", "b2"], ["dnb"]),
        node("Add", ["dnb", "ln"], ["y"]),
    ]
    return graph(nodes, [("x", [2, s, d])], [("y", [2, s, d])], inits)


def copy():
    # No arithmetic: the GPU artifact only copies (no kernel, no PTX).
    shape = numpy_helper.from_array(np.array([2, 6], np.int64), "shape")
    nodes = [node("Reshape", ["x", "shape"], ["y"])]
    return graph(nodes, [("x", [3, 4])], [("y", [2, 6])], [shape])


def graph(nodes, inputs, outputs, inits):
    vi = lambda n, s: helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
    g = helper.make_graph(nodes, "g", [vi(*i) for i in inputs],
                          [vi(*o) for o in outputs], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)])
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    return m


MODELS = {"cnn": cnn, "transformer": transformer, "copy": copy}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in MODELS:
        sys.exit("usage: make_gpu_models.py cnn|transformer|copy OUT.onnx")
    onnx.save(MODELS[sys.argv[1]](), sys.argv[2])
