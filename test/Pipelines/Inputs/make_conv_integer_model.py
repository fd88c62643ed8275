"""ConvInteger models for conv-integer-exact.test: x (float) is quantized to
int8 by QuantizeLinear, then convolved by int8 ConvIntegers (3x3 padded,
1x1 strided, 7x7 stem-like, depthwise, grouped, and one with a weight zero
point, which takes the generic path); the int32 results are computed exactly
in numpy (int64, then checked to fit int32)."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(7)
SCALE, ZP = 0.05, 5


def quantize(x):
    q = np.rint(x / np.float32(SCALE)) + ZP
    return np.clip(q, -128, 127).astype(np.int8)


def conv(x, w, x_zp, w_zp, pads, strides, group):
    x = x.astype(np.int64) - x_zp
    w = w.astype(np.int64) - w_zp
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (x.shape[2] - kh) // strides[0] + 1
    ow = (x.shape[3] - kw) // strides[1] + 1
    y = np.zeros((n, m, oh, ow), np.int64)
    mg = m // group
    for g in range(group):
        xs = x[:, g * cg:(g + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i:i + strides[0] * oh:strides[0],
                           j:j + strides[1] * ow:strides[1]]
                y[:, g * mg:(g + 1) * mg] += np.einsum(
                    "nchw,mc->nmhw", patch, w[g * mg:(g + 1) * mg, :, i, j])
    assert np.abs(y).max() < 2**31
    return y.astype(np.int32)


x = rng.uniform(-7, 7, (1, 32, 14, 14)).astype(np.float32)
stem_x = rng.uniform(-7, 7, (1, 3, 32, 32)).astype(np.float32)
xq, stem_xq = quantize(x), quantize(stem_x)
cases = [
    # name, input, weight shape, x zero point, w zero point, pads, strides, group
    ("c3x3", "xq", (64, 32, 3, 3), -7, None, [1, 1, 1, 1], [1, 1], 1),
    ("c1x1s2", "xq", (32, 32, 1, 1), 3, None, [0, 0, 0, 0], [2, 2], 1),
    ("stem", "sq", (32, 3, 7, 7), 11, None, [3, 3, 3, 3], [2, 2], 1),
    ("dw", "xq", (32, 1, 3, 3), -128, None, [1, 1, 1, 1], [1, 1], 32),
    ("grouped", "xq", (32, 16, 3, 3), 0, None, [1, 1, 1, 1], [1, 1], 2),
    ("wzp", "xq", (32, 32, 3, 3), 2, 4, [1, 1, 1, 1], [1, 1], 1),
]
nodes = [
    helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"], name="qx"),
    helper.make_node("QuantizeLinear", ["sx", "s", "z"], ["sq"], name="qs"),
]
inits = [numpy_helper.from_array(np.array(SCALE, np.float32), "s"),
         numpy_helper.from_array(np.array(ZP, np.int8), "z")]
outputs, expected = [], {}
quantized = {"xq": xq, "sq": stem_xq}
for name, src, wshape, xzp, wzp, pads, strides, group in cases:
    w = rng.integers(-128, 128, wshape).astype(np.int8)
    # Extreme values: every weight of filter 0 is -128, input extremes
    # come from the saturating quantize.
    w[0] = -128
    inits.append(numpy_helper.from_array(w, name + "_w"))
    inits.append(numpy_helper.from_array(np.array(xzp, np.int8),
                                         name + "_xzp"))
    ins = [src, name + "_w", name + "_xzp"]
    if wzp is not None:
        inits.append(numpy_helper.from_array(np.array(wzp, np.int8),
                                             name + "_wzp"))
        ins.append(name + "_wzp")
    nodes.append(helper.make_node("ConvInteger", ins, [name], name=name,
                                  pads=pads, strides=strides, group=group))
    y = conv(quantized[src], w, xzp, wzp or 0, pads, strides, group)
    expected[name] = y
    outputs.append(helper.make_tensor_value_info(name, TensorProto.INT32,
                                                 list(y.shape)))
graph = helper.make_graph(
    nodes, "conv_integer",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape)),
     helper.make_tensor_value_info("sx", TensorProto.FLOAT,
                                   list(stem_x.shape))],
    outputs, inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, f"{out}/model.onnx")
np.save(f"{out}/x.npy", x)
np.save(f"{out}/sx.npy", stem_x)
for name, y in expected.items():
    np.save(f"{out}/{name}.npy", y)
