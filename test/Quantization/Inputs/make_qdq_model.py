"""Writes a small pre-quantized ONNX model (QDQ format, as ONNX Runtime's
quantizer emits it: uint8 activations, int8 weights per output channel and
per tensor, int32 biases), an input, and the output under ONNX semantics
computed here in numpy (float ops between the QDQ pairs, QLinearConv's float
requantize rounding ties to even).

x -> Q/DQ -> Conv(3x3, per-channel w, bias) -> Relu -> Q/DQ -> MaxPool -> Q/DQ
  -> QLinearConv(1x1) -> DQ -> Flatten -> Q/DQ -> Gemm(per-tensor w, bias)
  -> Q/DQ -> y
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(7)
inits = []


def const(name, array):
    inits.append(numpy_helper.from_array(np.asarray(array), name))
    return name


nodes = []


def node(op, inputs, outputs, name, **attrs):
    nodes.append(helper.make_node(op, inputs, outputs, name=name, **attrs))


def qdq(x, scale, zp, tag):
    s = const(f"{tag}_s", np.float32(scale))
    z = const(f"{tag}_z", np.uint8(zp))
    node("QuantizeLinear", [x, s, z], [f"{tag}_q"], f"{tag}_Q")
    node("DequantizeLinear", [f"{tag}_q", s, z], [f"{tag}_d"], f"{tag}_DQ")
    return f"{tag}_d"


sx = 0.031
x = qdq("x", sx, 128, "in")
# Conv 3 -> 8, 3x3, per-channel symmetric int8 weights, int32 bias.
w = rng.integers(-127, 128, size=(8, 3, 3, 3)).astype(np.int8)
ws = (rng.uniform(0.5, 2.0, size=8) * 2e-3).astype(np.float32)
b = rng.integers(-3000, 3000, size=8).astype(np.int32)
node("DequantizeLinear", [const("w1", w), const("w1_s", ws),
                          const("w1_z", np.zeros(8, np.int8))], ["w1_d"],
     "w1_DQ", axis=0)
node("DequantizeLinear", [const("b1", b),
                          const("b1_s", (np.float32(sx) * ws).astype(np.float32)),
                          const("b1_z", np.zeros(8, np.int32))], ["b1_d"],
     "b1_DQ", axis=0)
node("Conv", [x, "w1_d", "b1_d"], ["c1"], "conv1", pads=[1, 1, 1, 1])
node("Relu", ["c1"], ["r1"], "relu1")
s1 = 0.023
y1 = qdq("r1", s1, 0, "act1")
node("MaxPool", [y1], ["p1"], "pool1", kernel_shape=[2, 2], strides=[2, 2])
y2 = qdq("p1", s1, 0, "act2")
# QLinearConv 8 -> 4, 1x1, per-tensor uint8 weights (zero point 120).
w2 = rng.integers(0, 256, size=(4, 8, 1, 1)).astype(np.uint8)
inits_b2 = rng.integers(-500, 500, 4).astype(np.int32)
node("QLinearConv", ["act2_q", "act2_s", "act2_z", const("w2", w2),
                     const("w2_s", np.float32(4e-3)),
                     const("w2_z", np.uint8(120)), const("y2_s", np.float32(0.017)),
                     const("y2_z", np.uint8(131)),
                     const("b2", inits_b2)],
     ["qc"], "qconv2")
node("DequantizeLinear", ["qc", "y2_s", "y2_z"], ["qc_d"], "qc_DQ")
node("Flatten", ["qc_d"], ["f"], "flatten")
y3 = qdq("f", 0.017, 131, "act3")
# Gemm 256 -> 10, per-tensor int8 weights, transB.
w3 = rng.integers(-127, 128, size=(10, 256)).astype(np.int8)
s3 = np.float32(3e-3)
node("DequantizeLinear", [const("w3", w3), const("w3_s", s3),
                          const("w3_z", np.int8(0))], ["w3_d"], "w3_DQ")
b3 = rng.integers(-2000, 2000, 10).astype(np.int32)
node("DequantizeLinear", [const("b3", b3),
                          const("b3_s", np.float32(np.float32(0.017) * s3)),
                          const("b3_z", np.int32(0))], ["b3_d"], "b3_DQ")
node("Gemm", [y3, "w3_d", "b3_d"], ["g"], "fc", transB=1)
y = qdq("g", 0.05, 128, "out")
node("Identity", [y], ["y"], "output")
node("Identity", [y1], ["a1"], "output_a1")
node("Identity", ["qc_d"], ["a2"], "output_a2")

graph = helper.make_graph(
    nodes, "qdq", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10]),
     helper.make_tensor_value_info("a1", TensorProto.FLOAT, [1, 8, 16, 16]),
     helper.make_tensor_value_info("a2", TensorProto.FLOAT, [1, 4, 8, 8])],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)
onnx.save(model, f"{out}/model.onnx")

xs = rng.normal(0, 1.2, size=(1, 3, 16, 16)).astype(np.float32)
np.save(f"{out}/x.npy", xs)


def quant(v, scale, zp):
    q = np.rint(v.astype(np.float32) / np.float32(scale)) + zp
    return np.clip(q, 0, 255)


def dequant(q, scale, zp):
    return ((q - zp) * np.float32(scale)).astype(np.float32)


def conv(v, weight, pad):
    v = np.pad(v.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k = weight.shape[2]
    h, wd = v.shape[2] - k + 1, v.shape[3] - k + 1
    res = np.zeros((1, weight.shape[0], h, wd))
    for i in range(k):
        for j in range(k):
            res += np.einsum("nchw,oc->nohw", v[:, :, i:i + h, j:j + wd],
                             weight[:, :, i, j].astype(np.float64))
    return res


a = dequant(quant(xs, sx, 128), sx, 128)
c1 = conv(a, w.astype(np.float64) * ws[:, None, None, None], 1)
c1 += (b * (np.float32(sx) * ws))[None, :, None, None]
a = dequant(quant(np.maximum(c1, 0), s1, 0), s1, 0)
np.save(f"{out}/a1.npy", a)
p = a.reshape(1, 8, 8, 2, 8, 2).max(axis=(3, 5))
q2 = quant(p, s1, 0)
acc = conv(q2, w2.astype(np.int64) - 120, 0) + inits_b2[None, :, None, None]
m = np.float32(np.float32(s1) * np.float32(4e-3)) / np.float32(0.017)
qc = np.clip(np.rint((acc * m).astype(np.float32)) + 131, 0, 255)
np.save(f"{out}/a2.npy", dequant(qc, 0.017, 131))
f = dequant(qc, 0.017, 131).reshape(1, 256)
a = dequant(quant(f, 0.017, 131), 0.017, 131)
g = a.astype(np.float64) @ (w3.astype(np.float64) * s3).T
g += b3 * np.float64(np.float32(np.float32(0.017) * s3))
ref = dequant(quant(g, 0.05, 128), 0.05, 128)
np.save(f"{out}/y.npy", ref.astype(np.float32))
