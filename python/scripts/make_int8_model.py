#!/usr/bin/env python3
# ===- make_int8_model.py - an int8 nn-dialect model from a float ONNX CNN --===#
#
# Writes the integer graph of the quantization contract (docs/cpu.md, "int8")
# for a float ONNX CNN built of Conv, Relu, Clip, Add, MaxPool,
# GlobalAveragePool, Flatten and Gemm (ResNet-50, say) as `nn` MLIR:
#
#   nn.quantize at the input; per conv
#   nn.conv_integer(x_i8, w_i8 per-channel symmetric, x_zp) -> i32
#   nn.add(i32 bias [1, C, 1, 1]) -> nn.requantize(per channel, axis 1,
#   ReLU/Clip as the clamp) -> i8; MaxPool on i8; the residual Add in float
#   between nn.dequantize and nn.quantize; global average pool in float; the
#   classifier as nn.matmul_integer + i32 bias + requantize; nn.dequantize at
#   the output.
#
# The requantize cannot be written in ONNX, hence MLIR. Weights are the
# model's own, quantized per output channel; activation scales are not
# calibrated (every activation gets ACT_SCALE), so the outputs are only
# good for timing and for integer bit-exactness checks, not for accuracy.
#
#   /usr/bin/python3 python/scripts/make_int8_model.py IN.onnx OUT.mlir \
#       [--input-shape 1,3,224,224]
#
# Compile and time it with bench/int8_bench.py.
# ===----------------------------------------------------------------------===#
import argparse
import math
import sys

import numpy as np
import onnx
from onnx import numpy_helper

ACT_SCALE = 0.05


def encode_scale(real):
    """(multiplier, shift) with real ~= multiplier * 2^-shift, multiplier a
    normalized Q31 value and shift in [0, 63] (encodeRequantizeScale)."""
    if real <= 0:
        return 0, 0
    m, e = math.frexp(real)  # real = m * 2^e, m in [0.5, 1)
    mult = int(round(m * (1 << 31)))
    shift = 31 - e
    if mult == 1 << 31:
        mult //= 2
        shift -= 1
    while shift > 63:
        mult >>= 1
        shift -= 1
    if shift < 0:
        mult, shift = (1 << 31) - 1, 0
    return mult, shift


def dense(array, dtype):
    data = np.ascontiguousarray(array.astype(dtype)).tobytes()
    return 'dense<"0x' + data.hex().upper() + '">'


def ttype(shape, elem):
    return "tensor<" + "x".join(str(d) for d in shape) + "x" + elem + ">"


def conv_out(shape, w, attrs):
    n, _, h, wd = shape
    k = w.shape[2:]
    s = attrs.get("strides", [1, 1])
    p = attrs.get("pads", [0, 0, 0, 0])
    d = attrs.get("dilations", [1, 1])
    oh = (h + p[0] + p[2] - (d[0] * (k[0] - 1) + 1)) // s[0] + 1
    ow = (wd + p[1] + p[3] - (d[1] * (k[1] - 1) + 1)) // s[1] + 1
    return [n, w.shape[0], oh, ow]


def i64s(values):
    return "array<i64: " + ", ".join(str(int(v)) for v in values) + ">"


def i32s(values):
    return "array<i32: " + ", ".join(str(int(v)) for v in values) + ">"


class Emitter:
    def __init__(self):
        self.lines = []
        self.count = 0

    def value(self):
        self.count += 1
        return "%v" + str(self.count)

    def emit(self, text, name):
        self.lines.append("    " + text + ' loc("' + name + '")')


def main():
    ap = argparse.ArgumentParser(description="int8 nn MLIR of a float ONNX CNN")
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--input-shape", default="1,3,224,224")
    args = ap.parse_args()

    model = onnx.load(args.input)
    graph = model.graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            inits[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
        if node.op_type == "Identity" and node.input[0] in inits:
            inits[node.output[0]] = inits[node.input[0]]
    consumers = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    e = Emitter()
    in_shape = [int(d) for d in args.input_shape.split(",")]
    in_name = graph.input[0].name
    # tensor name -> (ssa value, shape, kind) with kind "i8" (scale
    # ACT_SCALE, zero point zp) or "f32".
    values = {}
    x = e.value()
    e.emit(f"{x} = nn.quantize %arg0 {{scale = array<f32: {ACT_SCALE}>, "
           f"zero_point = array<i32: 0>}} : ({ttype(in_shape, 'f32')}) -> "
           f"{ttype(in_shape, 'i8')}", in_name + "_quantize")
    values[in_name] = (x, in_shape, "i8", 0)

    def as_i8(name, node_name):
        v, shape, kind, zp = values[name]
        if kind == "i8":
            return v, zp
        q = e.value()
        e.emit(f"{q} = nn.quantize {v} {{scale = array<f32: {ACT_SCALE}>, "
               f"zero_point = array<i32: 0>}} : ({ttype(shape, 'f32')}) -> "
               f"{ttype(shape, 'i8')}", node_name)
        return q, 0

    def as_f32(name, node_name):
        v, shape, kind, zp = values[name]
        if kind == "f32":
            return v
        d = e.value()
        e.emit(f"{d} = nn.dequantize {v} {{scale = array<f32: {ACT_SCALE}>, "
               f"zero_point = array<i32: {zp}>}} : ({ttype(shape, 'i8')}) -> "
               f"{ttype(shape, 'f32')}", node_name)
        return d

    def single_consumer(name, op_types):
        users = consumers.get(name, [])
        if len(users) == 1 and users[0].op_type in op_types:
            return users[0]
        return None

    def clamp_of(node):
        """(lo, hi) i8 clamp and zero point for a fused activation."""
        if node is None:
            return -128, 127, 0
        if node.op_type == "Relu":
            return -128, 127, -128
        lo = float(inits.get(node.input[1], np.float32(0)))
        hi = float(inits.get(node.input[2], np.float32(6)))
        zp = -128
        qlo = max(-128, int(round(lo / ACT_SCALE)) + zp)
        qhi = min(127, int(round(hi / ACT_SCALE)) + zp)
        return qlo, qhi, zp

    skip = set()
    for node in graph.node:
        if node.name in skip or node.op_type == "Constant":
            continue
        if node.op_type == "Identity":
            if node.input[0] in values:
                values[node.output[0]] = values[node.input[0]]
            continue
        name = node.name or node.output[0]
        if node.op_type == "Conv":
            attrs = {a.name: list(a.ints) for a in node.attribute
                     if a.type == onnx.AttributeProto.INTS}
            group = [a.i for a in node.attribute if a.name == "group"]
            group = group[0] if group else 1
            w = inits[node.input[1]].astype(np.float32)
            b = (inits[node.input[2]].astype(np.float32)
                 if len(node.input) > 2 and node.input[2] else
                 np.zeros(w.shape[0], np.float32))
            xq, xzp = as_i8(node.input[0], name + "_quantize")
            shape = values[node.input[0]][1]
            out = conv_out(shape, w, attrs)
            c = w.shape[0]
            wmax = np.maximum(np.abs(w.reshape(c, -1)).max(axis=1), 1e-8)
            sw = wmax / 127.0
            wq = np.clip(np.round(w / sw[:, None, None, None]), -127, 127)
            act = single_consumer(node.output[0], ("Relu", "Clip"))
            lo, hi, yzp = clamp_of(act)
            mults, shifts = zip(*(encode_scale(ACT_SCALE * s / ACT_SCALE)
                                  for s in sw))
            bias = np.round(b / (ACT_SCALE * sw)).astype(np.int64)
            bias = np.clip(bias, -(1 << 31), (1 << 31) - 1)
            wv, zpv, bv, acc, accb, y = (e.value() for _ in range(6))
            e.emit(f"{wv} = nn.constant {dense(wq, np.int8)} : "
                   f"{ttype(w.shape, 'i8')}", name + "_w")
            e.emit(f"{zpv} = nn.constant dense<{xzp}> : tensor<i8>",
                   name + "_xzp")
            none = e.value()
            e.emit(f"{none} = nn.none", name)
            conv_attrs = [f"dilations = {i64s(attrs.get('dilations', [1, 1]))}",
                          f"pads = {i64s(attrs.get('pads', [0, 0, 0, 0]))}",
                          f"strides = {i64s(attrs.get('strides', [1, 1]))}"]
            if group != 1:
                conv_attrs.append(f"group = {group} : i64")
            e.emit(f"{acc} = nn.conv_integer {xq}, {wv}, {zpv}, {none} "
                   f"{{{', '.join(conv_attrs)}}} : ({ttype(shape, 'i8')}, "
                   f"{ttype(w.shape, 'i8')}, tensor<i8>, none) -> "
                   f"{ttype(out, 'i32')}", name)
            e.emit(f"{bv} = nn.constant "
                   f"{dense(bias.reshape(1, c, 1, 1), np.int32)} : "
                   f"{ttype([1, c, 1, 1], 'i32')}", name + "_bias")
            e.emit(f"{accb} = nn.add {acc}, {bv} : ({ttype(out, 'i32')}, "
                   f"{ttype([1, c, 1, 1], 'i32')}) -> {ttype(out, 'i32')}",
                   name)
            locname = name if act is None else name + '", "' + act.name
            e.lines.append(
                f"    {y} = nn.requantize {accb} {{axis = 1 : i64, "
                f"clamp_hi = {hi} : i32, clamp_lo = {lo} : i32, "
                f"multiplier = {i32s(mults)}, shift = {i32s(shifts)}, "
                f"zero_point = {yzp} : i32}} : ({ttype(out, 'i32')}) -> "
                f"{ttype(out, 'i8')} loc(fused[\"{locname}\"])")
            if act is not None:
                skip.add(act.name)
                values[act.output[0]] = (y, out, "i8", yzp)
            else:
                values[node.output[0]] = (y, out, "i8", yzp)
        elif node.op_type == "MaxPool":
            attrs = {a.name: list(a.ints) for a in node.attribute
                     if a.type == onnx.AttributeProto.INTS}
            xq, zp = as_i8(node.input[0], name + "_quantize")
            shape = values[node.input[0]][1]
            k, s = attrs["kernel_shape"], attrs.get("strides", [1, 1])
            p = attrs.get("pads", [0, 0, 0, 0])
            out = [shape[0], shape[1],
                   (shape[2] + p[0] + p[2] - k[0]) // s[0] + 1,
                   (shape[3] + p[1] + p[3] - k[1]) // s[1] + 1]
            y, idx = e.value(), e.value()
            e.emit(f"{y}, {idx} = nn.max_pool {xq} {{kernel_shape = "
                   f"{i64s(k)}, pads = {i64s(p)}, strides = {i64s(s)}}} : "
                   f"({ttype(shape, 'i8')}) -> ({ttype(out, 'i8')}, "
                   f"{ttype(out, 'i64')})", name)
            values[node.output[0]] = (y, out, "i8", zp)
        elif node.op_type == "Add":
            a = as_f32(node.input[0], name + "_dequantize_a")
            b = as_f32(node.input[1], name + "_dequantize_b")
            shape = values[node.input[0]][1]
            y = e.value()
            e.emit(f"{y} = nn.add {a}, {b} : ({ttype(shape, 'f32')}, "
                   f"{ttype(shape, 'f32')}) -> {ttype(shape, 'f32')}", name)
            values[node.output[0]] = (y, shape, "f32", 0)
        elif node.op_type == "Relu":
            v, shape, kind, zp = values[node.input[0]]
            if kind == "f32":
                r, q = e.value(), e.value()
                e.emit(f"{r} = nn.relu {v} : ({ttype(shape, 'f32')}) -> "
                       f"{ttype(shape, 'f32')}", name)
                e.emit(f"{q} = nn.quantize {r} {{scale = array<f32: "
                       f"{ACT_SCALE}>, zero_point = array<i32: -128>}} : "
                       f"({ttype(shape, 'f32')}) -> {ttype(shape, 'i8')}",
                       name + "_quantize")
                values[node.output[0]] = (q, shape, "i8", -128)
            else:
                sys.exit(f"{name}: Relu of an int8 value without a conv")
        elif node.op_type == "GlobalAveragePool":
            x = as_f32(node.input[0], name + "_dequantize")
            shape = values[node.input[0]][1]
            out = shape[:2] + [1, 1]
            y = e.value()
            e.emit(f"{y} = nn.global_average_pool {x} : "
                   f"({ttype(shape, 'f32')}) -> {ttype(out, 'f32')}", name)
            values[node.output[0]] = (y, out, "f32", 0)
        elif node.op_type == "Flatten":
            v, shape, kind, zp = values[node.input[0]]
            out = [shape[0], int(np.prod(shape[1:]))]
            y = e.value()
            e.emit(f"{y} = nn.flatten {v} : ({ttype(shape, kind)}) -> "
                   f"{ttype(out, kind)}", name)
            values[node.output[0]] = (y, out, kind, zp)
        elif node.op_type == "Gemm":
            trans_b = [a.i for a in node.attribute if a.name == "transB"]
            w = inits[node.input[1]].astype(np.float32)
            if trans_b and trans_b[0]:
                w = w.T
            b = inits[node.input[2]].astype(np.float32)
            xq, xzp = as_i8(node.input[0], name + "_quantize")
            shape = values[node.input[0]][1]
            n = w.shape[1]
            sw = np.maximum(np.abs(w).max(axis=0), 1e-8) / 127.0
            wq = np.clip(np.round(w / sw[None, :]), -127, 127)
            mults, shifts = zip(*(encode_scale(s) for s in sw))
            bias = np.round(b / (ACT_SCALE * sw)).astype(np.int64)
            out = [shape[0], n]
            wv, zpv, none, acc, bv, accb, y = (e.value() for _ in range(7))
            e.emit(f"{wv} = nn.constant {dense(wq, np.int8)} : "
                   f"{ttype(w.shape, 'i8')}", name + "_w")
            e.emit(f"{zpv} = nn.constant dense<{xzp}> : tensor<i8>",
                   name + "_xzp")
            e.emit(f"{none} = nn.none", name)
            e.emit(f"{acc} = nn.matmul_integer {xq}, {wv}, {zpv}, {none} : "
                   f"({ttype(shape, 'i8')}, {ttype(w.shape, 'i8')}, "
                   f"tensor<i8>, none) -> {ttype(out, 'i32')}", name)
            e.emit(f"{bv} = nn.constant {dense(bias, np.int32)} : "
                   f"{ttype([n], 'i32')}", name + "_bias")
            e.emit(f"{accb} = nn.add {acc}, {bv} : ({ttype(out, 'i32')}, "
                   f"{ttype([n], 'i32')}) -> {ttype(out, 'i32')}", name)
            e.emit(f"{y} = nn.requantize {accb} {{axis = 1 : i64, "
                   f"multiplier = {i32s(mults)}, shift = {i32s(shifts)}, "
                   f"zero_point = 0 : i32}} : ({ttype(out, 'i32')}) -> "
                   f"{ttype(out, 'i8')}", name)
            values[node.output[0]] = (y, out, "i8", 0)
        else:
            sys.exit(f"{name}: unsupported op {node.op_type}")

    out_name = graph.output[0].name
    y = as_f32(out_name, out_name + "_dequantize")
    out_shape = values[out_name][1]
    with open(args.output, "w") as f:
        f.write("module {\n")
        f.write(f"  func.func @main(%arg0: {ttype(in_shape, 'f32')} "
                f"{{nn.name = \"{in_name}\"}}) -> ({ttype(out_shape, 'f32')} "
                f"{{nn.name = \"{out_name}\"}}) {{\n")
        f.write("\n".join(e.lines) + "\n")
        f.write(f"    return {y} : {ttype(out_shape, 'f32')}\n  }}\n}}\n")


if __name__ == "__main__":
    main()
