#!/usr/bin/env python3
# ===- make_epilogue_model.py - convs and matmuls with epilogues --------------===#
#
# Usage: make_epilogue_model.py OUT_DIR
# Writes OUT_DIR/model.onnx and inputs/outputs as .npy (x, a, b -> y, m, n): a
# residual Conv + Add + Relu, a Conv + Sigmoid * x (SiLU) with more output
# channels than one register tile (packed weights), a depthwise Conv + Clip
# and a MatMul + Add + Relu on 2-D and 3-D (Transformer-like) inputs, the
# epilogues tessera-cpu-vectorize computes in
# the register tiles. Expected outputs from PyTorch.
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


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def main():
    out = sys.argv[1]
    x, a, b = rand(1, 16, 14, 14), rand(24, 32), rand(1, 24, 32)
    w = {"w1": rand(32, 16, 3, 3) * 0.2, "b1": rand(32),
         "w2": rand(32, 16, 1, 1) * 0.2, "b2": rand(32),
         "w3": rand(128, 32, 1, 1) * 0.2, "b3": rand(128),
         "w4": rand(128, 1, 3, 3), "b4": rand(128),
         "wm": rand(32, 48) * 0.2, "bm": rand(48)}
    lo = numpy_helper.from_array(np.array(0, np.float32), "lo")
    hi = numpy_helper.from_array(np.array(6, np.float32), "hi")
    node = helper.make_node
    nodes = [
        node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        node("Conv", ["x", "w2", "b2"], ["c2"], name="conv2"),
        node("Add", ["c1", "c2"], ["s12"], name="add12"),
        node("Relu", ["s12"], ["r1"], name="relu1"),
        node("Conv", ["r1", "w3", "b3"], ["c3"], name="conv3"),
        node("Sigmoid", ["c3"], ["g3"], name="sigmoid3"),
        node("Mul", ["c3", "g3"], ["s3"], name="mul3"),
        node("Conv", ["s3", "w4", "b4"], ["c4"], name="dwconv4", group=128,
             pads=[1, 1, 1, 1]),
        node("Clip", ["c4", "lo", "hi"], ["y"], name="clip4"),
        node("MatMul", ["a", "wm"], ["mm"], name="matmul5"),
        node("Add", ["mm", "bm"], ["am"], name="add5"),
        node("Relu", ["am"], ["m"], name="relu5"),
        node("MatMul", ["b", "wm"], ["bmm"], name="matmul6"),
        node("Add", ["bmm", "bm"], ["ab"], name="add6"),
        node("Relu", ["ab"], ["n"], name="relu6"),
    ]
    inits = [numpy_helper.from_array(v, k) for k, v in w.items()] + [lo, hi]
    vi = helper.make_tensor_value_info
    graph = helper.make_graph(
        nodes, "epilogues",
        [vi("x", TensorProto.FLOAT, [1, 16, 14, 14]),
         vi("a", TensorProto.FLOAT, [24, 32]),
         vi("b", TensorProto.FLOAT, [1, 24, 32])],
        [vi("y", TensorProto.FLOAT, [1, 128, 14, 14]),
         vi("m", TensorProto.FLOAT, [24, 48]),
         vi("n", TensorProto.FLOAT, [1, 24, 48])], inits)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, "model.onnx"))

    t = {k: torch.from_numpy(v) for k, v in w.items()}
    tx = torch.from_numpy(x)
    r1 = F.relu(F.conv2d(tx, t["w1"], t["b1"], padding=1) +
                F.conv2d(tx, t["w2"], t["b2"]))
    c3 = F.conv2d(r1, t["w3"], t["b3"])
    y = torch.clamp(F.conv2d(c3 * torch.sigmoid(c3), t["w4"], t["b4"],
                             padding=1, groups=128), 0, 6)
    m = F.relu(torch.from_numpy(a) @ t["wm"] + t["bm"])
    n = F.relu(torch.from_numpy(b) @ t["wm"] + t["bm"])
    for name, value in [("x", x), ("a", a), ("b", b), ("y", y.numpy()),
                        ("m", m.numpy()), ("n", n.numpy())]:
        np.save(os.path.join(out, name + ".npy"), value)


if __name__ == "__main__":
    main()
