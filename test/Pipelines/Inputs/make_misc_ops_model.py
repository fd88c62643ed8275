#!/usr/bin/env python3
# ===- make_misc_ops_model.py - the smaller operators against numpy -----------===#
#
# Usage: make_misc_ops_model.py DIR
# Writes DIR/model.onnx (one graph of the smaller operators, on the cases the
# ONNX node tests miss), its inputs DIR/<name>.npy and numpy's results
# DIR/<output>.npy (references written from the ONNX definitions).
#
# ===-------------------------------------------------------------------------===#
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(7)
    F, I32, I64, U8, B = (TensorProto.FLOAT, TensorProto.INT32, TensorProto.INT64,
                          TensorProto.UINT8, TensorProto.BOOL)
    inputs = {
        "ia": np.array([-7, 7, -7, 7, 5, -5, 0, -128, 127, 9], np.int32),
        "ib": np.array([3, -3, -3, 3, 5, 5, 4, -1, -2, 0], np.int32),
        "fa": np.array([-7.5, 7.5, -7.5, 7.5, 1e-3, -0.0], np.float32),
        "fb": np.array([2.0, -2.0, -2.0, 2.0, 3.0, 2.0], np.float32),
        "x3": rng.standard_normal((2, 5, 3)).astype(np.float32),
        "ties": np.array([[1, 3, 3, 2, 3, 0], [5, 5, 5, 5, 5, 5], [0, -1, 2, 2, -1, 7]],
                         np.float32),
        "big": np.array([[1000, 1000.5, 999], [-1e30, -1e30, -1e30]], np.float32),
        "ineg": np.array([[-3, 4, -5], [7, -8, 0]], np.int32),
        "xl": rng.standard_normal((2, 6, 3, 2)).astype(np.float32),
        "seq": np.arange(24, dtype=np.float32).reshape(4, 3, 2),
        "sh": np.array([1, 2, 255, 128], np.uint8),
        "sa": np.array([0, 3, 7, 1], np.uint8),
        "special": np.array([np.inf, -np.inf, np.nan, 1.0, -2.0], np.float32),
        "axis": np.array(-2, np.int64),
    }
    inits = [
        numpy_helper.from_array(np.array(1, np.int64), "a1"),
        numpy_helper.from_array(np.array([3], np.int64), "k3"),
        numpy_helper.from_array(np.array([3, 1, 4, 2, 0][:3], np.int64), "lens"),
        numpy_helper.from_array(np.array(5000, np.int64), "wn"),
    ]
    n = helper.make_node
    nodes = [
        n("Mod", ["ia", "ib"], ["mod_int"]),
        n("Mod", ["ia", "ib"], ["fmod_int"], fmod=1),
        n("Mod", ["fa", "fb"], ["fmod_float"], fmod=1),
        n("CumSum", ["x3", "a1"], ["cumsum_ex_rev"], exclusive=1, reverse=1),
        n("CumSum", ["x3", "axis"], ["cumsum_runtime"]),
        n("TopK", ["ties", "k3"], ["top_v", "top_i"]),
        n("TopK", ["ties", "k3"], ["bot_v", "bot_i"], largest=0),
        n("ReduceLogSumExp", ["big"], ["lse"], axes=[1], keepdims=0),
        n("ReduceL1", ["ineg"], ["l1"], axes=[1]),
        n("ReduceSumSquare", ["ineg"], ["ss"], keepdims=0),
        n("Hardmax", ["ties"], ["hardmax"]),
        n("LRN", ["xl"], ["lrn"], size=4, alpha=0.5, beta=0.6, bias=2.0),
        n("LpNormalization", ["x3"], ["lp1"], p=1, axis=0),
        n("MeanVarianceNormalization", ["xl"], ["mvn"], axes=[1]),
        n("ReverseSequence", ["seq", "lens"], ["revseq"], batch_axis=1, time_axis=0),
        n("BitShift", ["sh", "sa"], ["shl"], direction="LEFT"),
        n("BitShift", ["sh", "sa"], ["shr"], direction="RIGHT"),
        n("HannWindow", ["wn"], ["hann"], periodic=0),
        n("IsInf", ["special"], ["isinf_pos"], detect_negative=0),
        n("IsNaN", ["special"], ["isnan"]),
        n("Celu", ["fa"], ["celu"], alpha=2.0),
    ]

    x = inputs
    ref = {}
    ref["mod_int"] = np.mod(x["ia"], np.where(x["ib"] == 0, 1, x["ib"])) * (x["ib"] != 0)
    ref["mod_int"] = ref["mod_int"].astype(np.int32)
    safe = np.where((x["ib"] == 0) | (x["ib"] == -1), 1, x["ib"])
    ref["fmod_int"] = np.fmod(x["ia"], safe).astype(np.int32)
    ref["fmod_float"] = np.fmod(x["fa"], x["fb"])
    c = np.flip(np.cumsum(np.flip(x["x3"], 1), 1), 1)
    ref["cumsum_ex_rev"] = (c - x["x3"]).astype(np.float32)
    ref["cumsum_runtime"] = np.cumsum(x["x3"], axis=-2).astype(np.float32)
    order = np.argsort(-x["ties"], axis=1, kind="stable")[:, :3]
    ref["top_v"], ref["top_i"] = np.take_along_axis(x["ties"], order, 1), order
    order = np.argsort(x["ties"], axis=1, kind="stable")[:, :3]
    ref["bot_v"], ref["bot_i"] = np.take_along_axis(x["ties"], order, 1), order
    b64 = x["big"].astype(np.float64)
    m = b64.max(1, keepdims=True)
    ref["lse"] = (np.log(np.exp(b64 - m).sum(1)) + m[:, 0]).astype(np.float32)
    ref["l1"] = np.abs(x["ineg"]).sum(1, keepdims=True).astype(np.int32)
    ref["ss"] = np.array((x["ineg"] ** 2).sum(), np.int32)
    hm = np.zeros_like(x["ties"])
    hm[np.arange(3), np.argmax(x["ties"], 1)] = 1
    ref["hardmax"] = hm
    xl = x["xl"].astype(np.float64)
    sq = np.zeros_like(xl)
    C = xl.shape[1]
    for ch in range(C):
        lo, hi = max(0, ch - 1), min(C - 1, ch + 2)  # floor(3/2)=1, ceil(3/2)=2
        sq[:, ch] = (xl[:, lo:hi + 1] ** 2).sum(1)
    ref["lrn"] = (xl / (2.0 + 0.5 / 4 * sq) ** 0.6).astype(np.float32)
    ref["lp1"] = (x["x3"] / np.abs(x["x3"]).sum(0, keepdims=True)).astype(np.float32)
    mean = xl.mean(1, keepdims=True)
    std = np.sqrt(((xl - mean) ** 2).mean(1, keepdims=True))
    ref["mvn"] = ((xl - mean) / (std + 1e-9)).astype(np.float32)
    rs = x["seq"].copy()
    for bi, L in enumerate([3, 1, 4]):
        rs[:L, bi] = x["seq"][:L, bi][::-1]
    ref["revseq"] = rs
    ref["shl"] = (x["sh"] << x["sa"]).astype(np.uint8)
    ref["shr"] = (x["sh"] >> x["sa"]).astype(np.uint8)
    N = 5000
    ref["hann"] = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N) / (N - 1))).astype(np.float32)
    ref["isinf_pos"] = np.isposinf(x["special"])
    ref["isnan"] = np.isnan(x["special"])
    fa = x["fa"].astype(np.float64)
    ref["celu"] = (np.maximum(0, fa) + np.minimum(0, 2.0 * np.expm1(fa / 2.0))).astype(np.float32)

    dtype = {np.dtype(np.float32): F, np.dtype(np.int32): I32, np.dtype(np.int64): I64,
             np.dtype(np.uint8): U8, np.dtype(np.bool_): B}
    outputs = ["mod_int", "fmod_int", "fmod_float", "cumsum_ex_rev", "cumsum_runtime",
               "top_v", "top_i", "bot_v", "bot_i", "lse", "l1", "ss", "hardmax", "lrn",
               "lp1", "mvn", "revseq", "shl", "shr", "hann", "isinf_pos", "isnan", "celu"]
    graph = helper.make_graph(
        nodes, "misc",
        [helper.make_tensor_value_info(k, dtype[v.dtype], v.shape) for k, v in inputs.items()],
        [helper.make_tensor_value_info(o, dtype[ref[o].dtype], ref[o].shape) for o in outputs],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(out, "model.onnx"))
    for k, v in list(inputs.items()) + list(ref.items()):
        np.save(os.path.join(out, k + ".npy"), v)


if __name__ == "__main__":
    main()
