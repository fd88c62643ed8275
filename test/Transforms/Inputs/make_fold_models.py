#!/usr/bin/env python3
# ===- make_fold_models.py - models for the fold and recognize tests ---------===#
#
# Usage: make_fold_models.py CASE OUTDIR
# Writes OUTDIR/model.onnx, OUTDIR/x.npy and OUTDIR/y.npy: a small ONNX model
# (onnx.helper, opset 13) whose graph holds the patterns tessera-fold-graph
# and tessera-recognize-patterns rewrite, its input, and the expected output
# computed with torch.
#
# ===-------------------------------------------------------------------------===#
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(0)


def rand(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def const(name, value):
    return numpy_helper.from_array(np.asarray(value), name)


def node(op, ins, outs, **attrs):
    return helper.make_node(op, ins, outs, name=outs[0] + "_node", **attrs)


def save(out, nodes, inits, x, y, opset=13):
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(y.shape))],
        inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    os.makedirs(out, exist_ok=True)
    onnx.save(m, os.path.join(out, "model.onnx"))
    np.save(os.path.join(out, "x.npy"), x)
    np.save(os.path.join(out, "y.npy"), y.astype(np.float32))


def fold(out):
    """Pad -> Conv -> BN -> Mul/Add per channel -> Relu -> Pad(-inf) ->
    MaxPool -> Transpose pair -> Flatten -> Gemm with a transposed constant
    weight -> BN."""
    x = rand(1, 3, 8, 8)
    w, b = rand(4, 3, 3, 3), rand(4)
    bn = [rand(4), rand(4), rand(4), np.abs(rand(4)) + 0.5]
    s, t = rand(4, 1, 1), rand(1, 4, 1, 1)
    gw = rand(10, 4 * 4 * 4)  # stored N x K, transposed in the graph
    gc = rand(10)
    bn2 = [rand(10), rand(10), rand(10), np.abs(rand(10)) + 0.5]
    ninf = np.array(-np.inf, dtype=np.float32)
    nodes = [
        node("Pad", ["x", "pads1"], ["p1"]),
        node("Conv", ["p1", "w", "b"], ["c1"], kernel_shape=[3, 3]),
        node("BatchNormalization", ["c1", "s1", "b1", "m1", "v1"], ["n1"]),
        node("Mul", ["n1", "scale"], ["m1x"]),
        node("Add", ["shift", "m1x"], ["a1"]),
        node("Relu", ["a1"], ["r1"]),
        node("Pad", ["r1", "pads1", "ninf"], ["p2"]),
        node("MaxPool", ["p2"], ["mp"], kernel_shape=[3, 3], strides=[2, 2]),
        node("Transpose", ["mp"], ["t1"], perm=[0, 2, 3, 1]),
        node("Transpose", ["t1"], ["t2"], perm=[0, 3, 1, 2]),
        node("Identity", ["t2"], ["id"]),
        node("Flatten", ["id"], ["f"]),
        node("Transpose", ["gw"], ["gwt"], perm=[1, 0]),
        node("Gemm", ["f", "gwt", "gc"], ["g"], beta=0.5),
        node("BatchNormalization", ["g", "s2", "b2", "m2", "v2"], ["y"]),
    ]
    inits = [const("pads1", np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64)),
             const("w", w), const("b", b), const("scale", s),
             const("shift", t), const("ninf", ninf), const("gw", gw),
             const("gc", gc)]
    for name, v in zip(["s1", "b1", "m1", "v1"], bn):
        inits.append(const(name, v))
    for name, v in zip(["s2", "b2", "m2", "v2"], bn2):
        inits.append(const(name, v))
    T = torch.from_numpy
    with torch.no_grad():
        h = F.conv2d(F.pad(T(x), (1, 1, 1, 1)), T(w), T(b))
        h = F.batch_norm(h, T(bn[2]), T(bn[3]), T(bn[0]), T(bn[1]), eps=1e-5)
        h = F.relu(h * T(s) + T(t))
        h = F.max_pool2d(F.pad(h, (1, 1, 1, 1), value=-np.inf), 3, 2)
        h = h.reshape(1, -1) @ T(gw).T + 0.5 * T(gc)
        y = F.batch_norm(h, T(bn2[2]), T(bn2[3]), T(bn2[0]), T(bn2[1]),
                         eps=1e-5)
    save(out, nodes, inits, x, y.numpy())


def convt(out):
    """Grouped ConvTranspose (weights C x M/group x k x k) -> BN -> Mul."""
    x = rand(1, 4, 5, 5)
    w, b = rand(4, 3, 3, 3), rand(6)
    bn = [rand(6), rand(6), rand(6), np.abs(rand(6)) + 0.5]
    s = rand(6, 1, 1)
    nodes = [
        node("ConvTranspose", ["x", "w", "b"], ["c"], group=2, strides=[2, 2],
             pads=[1, 1, 1, 1]),
        node("BatchNormalization", ["c", "s1", "b1", "m1", "v1"], ["n"]),
        node("Mul", ["n", "scale"], ["y"]),
    ]
    inits = [const("w", w), const("b", b), const("scale", s)]
    for name, v in zip(["s1", "b1", "m1", "v1"], bn):
        inits.append(const(name, v))
    T = torch.from_numpy
    with torch.no_grad():
        h = F.conv_transpose2d(T(x), T(w), T(b), stride=2, padding=1, groups=2)
        h = F.batch_norm(h, T(bn[2]), T(bn[3]), T(bn[0]), T(bn[1]), eps=1e-5)
        y = h * T(s)
    save(out, nodes, inits, x, y.numpy())


def recognize(out):
    """LayerNorm (decomposed) -> MatMul -> Gelu (erf) -> Gelu (tanh) ->
    SiLU -> HardSwish (clip form) -> Softmax (decomposed, stabilized)."""
    x = rand(2, 16, 32)
    gamma, beta, w = rand(32), rand(32), rand(32, 32, scale=0.3)
    f = lambda v: np.array(v, dtype=np.float32)
    nodes = [
        node("ReduceMean", ["x"], ["mu"], axes=[-1]),
        node("Sub", ["x", "mu"], ["d"]),
        node("Pow", ["d", "two"], ["d2"]),
        node("ReduceMean", ["d2"], ["var"], axes=[-1]),
        node("Add", ["var", "eps"], ["ve"]),
        node("Sqrt", ["ve"], ["sd"]),
        node("Div", ["d", "sd"], ["nrm"]),
        node("Mul", ["nrm", "gamma"], ["ng"]),
        node("Add", ["ng", "beta"], ["ln"]),
        node("MatMul", ["ln", "w"], ["h"]),
        # Gelu, erf form: (h * (erf(h / sqrt 2) + 1)) * 0.5
        node("Div", ["h", "sqrt2"], ["g1"]),
        node("Erf", ["g1"], ["g2"]),
        node("Add", ["g2", "one"], ["g3"]),
        node("Mul", ["h", "g3"], ["g4"]),
        node("Mul", ["g4", "half"], ["ge"]),
        # Gelu, tanh form.
        node("Pow", ["ge", "three"], ["k1"]),
        node("Mul", ["k1", "c044"], ["k2"]),
        node("Add", ["ge", "k2"], ["k3"]),
        node("Mul", ["k3", "c079"], ["k4"]),
        node("Tanh", ["k4"], ["k5"]),
        node("Add", ["k5", "one"], ["k6"]),
        node("Mul", ["ge", "half"], ["k7"]),
        node("Mul", ["k7", "k6"], ["gt"]),
        # SiLU.
        node("Sigmoid", ["gt"], ["s1"]),
        node("Mul", ["gt", "s1"], ["si"]),
        # HardSwish: x * clip(x + 3, 0, 6) / 6
        node("Add", ["si", "three"], ["h1"]),
        node("Clip", ["h1", "zero", "six"], ["h2"]),
        node("Mul", ["si", "h2"], ["h3"]),
        node("Div", ["h3", "six"], ["hs"]),
        # Softmax over the last axis.
        node("ReduceMax", ["hs"], ["mx"], axes=[-1]),
        node("Sub", ["hs", "mx"], ["z"]),
        node("Exp", ["z"], ["e"]),
        node("ReduceSum", ["e", "axis"], ["se"]),
        node("Div", ["e", "se"], ["y"]),
    ]
    inits = [const("two", f(2)), const("eps", f(1e-5)), const("gamma", gamma),
             const("beta", beta), const("w", w), const("sqrt2", f(1.4142135)),
             const("one", f(1)), const("half", f(0.5)), const("three", f(3)),
             const("c044", f(0.044715)), const("c079", f(0.7978846)),
             const("zero", f(0)), const("six", f(6)),
             const("axis", np.array([-1], np.int64))]
    T = torch.from_numpy
    with torch.no_grad():
        h = F.layer_norm(T(x), (32,), T(gamma), T(beta), eps=1e-5) @ T(w)
        h = F.gelu(F.gelu(h), approximate="tanh")
        h = F.hardswish(F.silu(h))
        y = torch.softmax(h, -1)
    save(out, nodes, inits, x, y.numpy())


if __name__ == "__main__":
    {"fold": fold, "convt": convt, "recognize": recognize}[sys.argv[1]](sys.argv[2])
