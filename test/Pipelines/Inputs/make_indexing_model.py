#!/usr/bin/env python3
# ===- make_indexing_model.py - indexing and loss ops against numpy --------===#
#
# Writes OUT/model.onnx, a model of the cases of the indexing, scatter/gather
# and loss ops that ONNX's node tests do not cover (duplicate scatter indices
# with reductions, partial ScatterND tuples, GatherND batch_dims with pairs,
# negative and out-of-range runtime indices, OneHot indices outside the depth,
# int32 targets, negative ignore_index, N-d losses), its inputs OUT/<name>.npy
# and numpy's outputs OUT/<output>.npy.
#
# Usage: /usr/bin/python3 make_indexing_model.py OUT
#
# ===-----------------------------------------------------------------------===#
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

rng = np.random.default_rng(7)
out_dir = sys.argv[1]
inputs, outputs, nodes, inits, arrays, expected = [], [], [], [], {}, {}

NP_TO_ONNX = {np.dtype(np.float32): TensorProto.FLOAT,
              np.dtype(np.int64): TensorProto.INT64,
              np.dtype(np.int32): TensorProto.INT32}


def add_input(name, value):
    inputs.append(helper.make_tensor_value_info(
        name, NP_TO_ONNX[value.dtype], value.shape))
    arrays[name] = value
    return name


def add_const(name, value):
    inits.append(numpy_helper.from_array(value, name))
    return name


def add_node(op, ins, outs, ref, **attrs):
    nodes.append(helper.make_node(op, ins, list(outs), **attrs))
    for name, value in zip(outs, ref):
        value = np.asarray(value)
        outputs.append(helper.make_tensor_value_info(
            name, NP_TO_ONNX[value.dtype], value.shape))
        expected[name] = value


def scatter_elements(data, idx, upd, axis, red):
    out = data.copy()
    for pos in np.ndindex(idx.shape):
        tgt = list(pos)
        tgt[axis] = idx[pos] % data.shape[axis]
        tgt = tuple(tgt)
        if red == "add":
            out[tgt] += upd[pos]
        elif red == "mul":
            out[tgt] *= upd[pos]
        else:
            out[tgt] = upd[pos]
    return out


def scatter_nd(data, idx, upd, red):
    out = data.copy()
    for pos in np.ndindex(idx.shape[:-1]):
        tgt = tuple(int(i) % data.shape[d] for d, i in enumerate(idx[pos]))
        if red == "add":
            out[tgt] += upd[pos]
        elif red == "mul":
            out[tgt] *= upd[pos]
        else:
            out[tgt] = upd[pos]
    return out


def gather_nd(data, idx, b):
    out_shape = idx.shape[:-1] + data.shape[b + idx.shape[-1]:]
    out = np.zeros(out_shape, data.dtype)
    for pos in np.ndindex(idx.shape[:-1]):
        tup = tuple(int(i) % data.shape[b + d] for d, i in enumerate(idx[pos]))
        out[pos] = data[pos[:b] + tup]
    return out


def nll(x, t, w, ii, red):
    n, c = x.shape[:2]
    loss = np.zeros(t.shape, x.dtype)
    weight = np.zeros(t.shape, x.dtype)
    for pos in np.ndindex(t.shape):
        if ii is not None and t[pos] == ii:
            continue
        k = int(t[pos])
        weight[pos] = 1 if w is None else w[k]
        loss[pos] = -x[(pos[0], k) + pos[1:]] * weight[pos]
    if red == "none":
        return loss
    if red == "sum":
        return np.array(loss.sum(), x.dtype)
    return np.array(loss.sum() / weight.sum(), x.dtype)


def log_softmax(x):
    m = x.max(axis=1, keepdims=True)
    e = np.exp(x - m)
    return (x - m - np.log(e.sum(axis=1, keepdims=True))).astype(x.dtype)


f32 = np.float32
# ScatterElements, duplicates combine in order ('add', 'mul', int32 indices
# that are negative), and 'none' where the last duplicate wins.
d = add_input("se_data", rng.standard_normal((3, 5)).astype(f32))
i = np.array([[0, -1, 0, 4], [2, 2, -5, 1]], np.int32)
u = add_input("se_upd", rng.standard_normal((2, 4)).astype(f32))
add_input("se_idx", i)
for red in ["none", "add", "mul"]:
    add_node("ScatterElements", [d, "se_idx", u], ["se_" + red],
             [scatter_elements(arrays[d], i, arrays[u], 1, red)], axis=1,
             reduction=red)
# ScatterND with partial tuples (m = 1 of rank 3) and duplicates.
d = add_input("snd_data", rng.standard_normal((4, 2, 3)).astype(f32))
i = np.array([[[1], [-1]], [[1], [0]]], np.int64)
u = add_input("snd_upd", rng.standard_normal((2, 2, 2, 3)).astype(f32))
add_input("snd_idx", i)
for red in ["none", "add", "mul"]:
    add_node("ScatterND", [d, "snd_idx", u], ["snd_" + red],
             [scatter_nd(arrays[d], i, arrays[u], red)], reduction=red)
# ScatterND of single elements (m = rank), constant indices.
i = np.array([[3, 1, 2], [0, 0, -1], [3, 1, 2]], np.int64)
u2 = add_input("snd_upd2", rng.standard_normal((3,)).astype(f32))
add_node("ScatterND", [d, add_const("snd_cidx", i), u2], ["snd_elems"],
         [scatter_nd(arrays[d], i, arrays[u2], "add")], reduction="add")
# GatherND with batch_dims 1 and index pairs, negative indices.
d = add_input("gnd_data", rng.standard_normal((2, 3, 4, 5)).astype(f32))
i = np.array([[[0, -1], [1, 2]], [[-2, 0], [1, -3]]], np.int64)
add_input("gnd_idx", i)
add_node("GatherND", [d, "gnd_idx"], ["gnd_b1"], [gather_nd(arrays[d], i, 1)],
         batch_dims=1)
add_node("GatherND", [d, "gnd_idx"], ["gnd_b0"], [gather_nd(arrays[d], i, 0)])
# GatherElements with fewer indices than data, negative ones, and an
# out-of-range one (7 on a dim of 4) that the lowering clamps to 3.
d = add_input("ge_data", rng.standard_normal((3, 4)).astype(f32))
i = np.array([[-1, 0, 3], [2, 7, -4]], np.int64)
add_input("ge_idx", i)
ref = np.take_along_axis(arrays[d][:2], np.clip(np.where(i < 0, i + 4, i), 0, 3),
                        axis=1)
add_node("GatherElements", [d, "ge_idx"], ["ge_axis1"], [ref], axis=1)
# OneHot on axis 0, int32 indices: negatives wrap, ones outside [-depth,
# depth) give all-off columns.
i = np.array([[1, -1, 5], [-6, 0, 9]], np.int32)
add_input("oh_idx", i)
vals = np.array([-2.0, 3.5], f32)
ref = np.full((5, 2, 3), vals[0], f32)
for pos in np.ndindex(i.shape):
    if -5 <= i[pos] < 5:
        ref[(i[pos] % 5,) + pos] = vals[1]
add_node("OneHot", ["oh_idx", add_const("oh_depth", np.array(5, np.int64)),
                    add_const("oh_vals", vals)], ["oh_axis0"], [ref], axis=0)
# Trilu on a batch: upper with k = -1, lower with k absent.
d = add_input("tr_data", rng.standard_normal((2, 3, 5)).astype(f32))
add_node("Trilu", [d, add_const("tr_k", np.array(-1, np.int64))],
         ["tr_upper"], [np.triu(arrays[d], -1)])
add_node("Trilu", [d], ["tr_lower"], [np.tril(arrays[d])], upper=0)
# EyeLike of a non-square input with k = -1 and an int32 dtype.
e = add_input("eye_in", np.zeros((3, 5), f32))
add_node("EyeLike", [e], ["eye"], [np.eye(3, 5, -1, np.int32)], dtype=6, k=-1)
# Losses over (N, C, d1, d2) with int32 targets, weights, and a negative
# ignore_index.
x = add_input("loss_x", rng.standard_normal((3, 4, 2, 2)).astype(f32))
t = rng.integers(0, 4, (3, 2, 2)).astype(np.int32)
t[0, 1, 0] = -3
t[2, 0, 1] = -3
add_input("loss_t", t)
w = add_input("loss_w", rng.uniform(0.5, 2, (4,)).astype(f32))
for red in ["none", "sum", "mean"]:
    add_node("NegativeLogLikelihoodLoss", [x, "loss_t", w], ["nll_" + red],
             [nll(arrays[x], t, arrays[w], -3, red)], reduction=red,
             ignore_index=-3)
lp = log_softmax(arrays[x])
add_node("SoftmaxCrossEntropyLoss", [x, "loss_t"], ["sce_mean", "sce_logp"],
         [nll(lp, t, None, -3, "mean"), lp], ignore_index=-3)
add_node("SoftmaxCrossEntropyLoss", [x, "loss_t", w], ["sce_none"],
         [nll(lp, t, arrays[w], -3, "none")], ignore_index=-3,
         reduction="none")

graph = helper.make_graph(nodes, "indexing", inputs, outputs, inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
os.makedirs(out_dir, exist_ok=True)
save(model, os.path.join(out_dir, "model.onnx"))
for name, value in list(arrays.items()) + list(expected.items()):
    np.save(os.path.join(out_dir, name + ".npy"), value)
