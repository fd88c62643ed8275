#!/usr/bin/env python3
# ===- make_cf_models.py - ONNX If/Loop/Scan models and numpy references ----===#
#
# Usage: make_cf_models.py CASE OUTDIR
# Writes OUTDIR/model.onnx and, for the numeric cases, the inputs and the
# expected outputs as .npy files computed with numpy (ONNX semantics).
#
# ===-------------------------------------------------------------------------===#
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def model(nodes, inputs, outputs, inits=(), opset=OPSET):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def vi(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def graph(nodes, name, inputs, outputs, inits=()):
    return helper.make_graph(nodes, name, inputs, outputs, list(inits))


X = np.array([[1.5, -2.0, 3.0], [-0.5, 4.0, -6.0]], dtype=np.float32)
W = np.array([0.5, -1.0, 2.0], dtype=np.float32)


def if_dynamic():
    # y = c ? x * w + 1 : (c2 ? relu(top half of split x) stacked : clip(x, max=1))
    # The branches read x, w (an initializer) and c2 from the enclosing
    # scopes; the nested If reads x from two levels up; Split has two
    # results, Clip a missing optional input.
    then_g = graph(
        [helper.make_node("Mul", ["x", "w"], ["xw"], name="then_mul"),
         helper.make_node("Add", ["xw", "one"], ["t_out"], name="then_add")],
        "then_g", [], [vi("t_out", [2, 3])], [const("one", np.float32(1))])
    inner_then = graph(
        [helper.make_node("Split", ["x"], ["s0", "s1"], name="split0", axis=0),
         helper.make_node("Relu", ["s0"], ["r0"], name="relu0"),
         helper.make_node("Neg", ["s1"], ["n1"], name="neg0"),
         helper.make_node("Concat", ["r0", "n1"], ["it_out"], name="concat0",
                          axis=0)],
        "inner_then", [], [vi("it_out", [2, 3])])
    inner_else = graph(
        [helper.make_node("Clip", ["x", "", "cmax"], ["ie_out"], name="clip0")],
        "inner_else", [], [vi("ie_out", [2, 3])],
        [const("cmax", np.float32(1))])
    else_g = graph(
        [helper.make_node("If", ["c2"], ["e_out"], name="inner_if",
                          then_branch=inner_then, else_branch=inner_else)],
        "else_g", [], [vi("e_out", [2, 3])])
    m = model(
        [helper.make_node("If", ["c"], ["y"], name="outer_if",
                          then_branch=then_g, else_branch=else_g)],
        [vi("x", [2, 3]), vi("c", [], TensorProto.BOOL),
         vi("c2", [], TensorProto.BOOL)],
        [vi("y", [2, 3])], [const("w", W)])
    data = {"x": X}
    expected = {}
    for c in (True, False):
        for c2 in (True, False):
            if c:
                y = X * W + 1
            elif c2:
                y = np.concatenate([np.maximum(X[:1], 0), -X[1:]])
            else:
                y = np.minimum(X, 1)
            key = "%d%d" % (c, c2)
            data["c" + key] = np.array(c)
            data["c2" + key] = np.array(c2)
            expected["y" + key] = y.astype(np.float32)
    return m, data, expected


def if_const():
    # The condition compares a pinned dim: it folds and the If disappears.
    then_g = graph([helper.make_node("Relu", ["x"], ["t"], name="then_relu")],
                   "then_g", [], [vi("t", None)])
    else_g = graph([helper.make_node("Neg", ["x"], ["e"], name="else_neg")],
                   "else_g", [], [vi("e", None)])
    m = model(
        [helper.make_node("Shape", ["x"], ["s"], name="shape0"),
         helper.make_node("Gather", ["s", "zero"], ["d0"], name="gather0",
                          axis=0),
         helper.make_node("Equal", ["d0", "two"], ["c"], name="equal0"),
         helper.make_node("If", ["c"], ["y"], name="if_const",
                          then_branch=then_g, else_branch=else_g)],
        [vi("x", ["n", 3])], [vi("y", ["n", 3])],
        [const("zero", np.int64(0)), const("two", np.int64(2))])
    return m, {"x": X}, {"y": np.maximum(X, 0)}


def loop_scan():
    # for i in range(4): y = y * 0.5 + x[0] * i; scan out y; cond passes
    # through (the loop runs exactly 4 times).
    body = graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"], name="b_cond"),
         helper.make_node("Cast", ["i"], ["fi"], name="b_cast",
                          to=TensorProto.FLOAT),
         helper.make_node("Gather", ["x", "zero"], ["x0"], name="b_gather",
                          axis=0),
         helper.make_node("Mul", ["x0", "fi"], ["xi"], name="b_mul"),
         helper.make_node("Mul", ["y_in", "half"], ["yh"], name="b_half"),
         helper.make_node("Add", ["yh", "xi"], ["y_out"], name="b_add"),
         helper.make_node("Identity", ["y_out"], ["scan"], name="b_scan")],
        "body", [vi("i", [], TensorProto.INT64),
                 vi("cond_in", [], TensorProto.BOOL), vi("y_in", [3])],
        [vi("cond_out", [], TensorProto.BOOL), vi("y_out", [3]),
         vi("scan", [3])], [const("half", np.float32(0.5))])
    m = model(
        [helper.make_node("Loop", ["m", "", "y0"], ["y", "ys"], name="loop0",
                          body=body)],
        [vi("x", [2, 3]), vi("y0", [3])], [vi("y", [3]), vi("ys", [4, 3])],
        [const("m", np.int64(4)), const("zero", np.int64(0))])
    y0 = np.array([1.0, 2.0, -4.0], dtype=np.float32)
    y, rows = y0.copy(), []
    for i in range(4):
        y = y * np.float32(0.5) + X[0] * np.float32(i)
        rows.append(y)
    return m, {"x": X, "y0": y0}, {"y": y, "ys": np.stack(rows)}


def loop_while():
    # while s < 20 (and at most m times): s = s + x.sum(); k = k + 1
    body = graph(
        [helper.make_node("ReduceSum", ["x"], ["xs"], name="b_sum",
                          keepdims=0),
         helper.make_node("Add", ["s_in", "xs"], ["s_out"], name="b_add"),
         helper.make_node("Add", ["k_in", "one"], ["k_out"], name="b_inc"),
         helper.make_node("Less", ["s_out", "limit"], ["cond_out"],
                          name="b_less")],
        "body", [vi("i", [], TensorProto.INT64),
                 vi("cond_in", [], TensorProto.BOOL), vi("s_in", []),
                 vi("k_in", [], TensorProto.INT64)],
        [vi("cond_out", [], TensorProto.BOOL), vi("s_out", []),
         vi("k_out", [], TensorProto.INT64)],
        [const("one", np.int64(1)), const("limit", np.float32(20))])
    m = model(
        [helper.make_node("Loop", ["m", "c", "s0", "k0"], ["s", "k"],
                          name="loop_while", body=body)],
        [vi("x", [2, 3]), vi("m", [], TensorProto.INT64),
         vi("c", [], TensorProto.BOOL)],
        [vi("s", []), vi("k", [], TensorProto.INT64)],
        [const("s0", np.float32(0)), const("k0", np.int64(0))])
    xp = np.abs(X)
    data = {"x": xp, "m": np.array(100, dtype=np.int64), "c": np.array(True),
            "m2": np.array(2, dtype=np.int64)}
    expected = {}
    for name, m_val in (("", 100), ("2", 2)):
        s, k, i, c = np.float32(0), 0, 0, True
        while c and i < m_val:
            s = np.float32(s + xp.sum(dtype=np.float32))
            k += 1
            c = s < 20
            i += 1
        expected["s" + name] = np.array(s, dtype=np.float32)
        expected["k" + name] = np.array(k, dtype=np.int64)
    return m, data, expected


def scan_axes():
    # Two scan inputs (columns of a read backward, rows of b), a state, and
    # two scan outputs: one stacked along axis 1, one in reverse.
    body = graph(
        [helper.make_node("Add", ["s_in", "a_t"], ["s1"], name="b_add"),
         helper.make_node("Mul", ["s1", "b_t"], ["s_out"], name="b_mul"),
         helper.make_node("Identity", ["s_out"], ["o1"], name="b_o1"),
         helper.make_node("Neg", ["a_t"], ["o2"], name="b_o2")],
        "body", [vi("s_in", [2]), vi("a_t", [2]), vi("b_t", [2])],
        [vi("s_out", [2]), vi("o1", [2]), vi("o2", [2])])
    m = model(
        [helper.make_node("Scan", ["s0", "a", "b"], ["s", "z1", "z2"],
                          name="scan0", body=body, num_scan_inputs=2,
                          scan_input_axes=[1, 0], scan_input_directions=[1, 0],
                          scan_output_axes=[1, 0],
                          scan_output_directions=[0, 1])],
        [vi("s0", [2]), vi("a", [2, 3]), vi("b", [3, 2])],
        [vi("s", [2]), vi("z1", [2, 3]), vi("z2", [3, 2])])
    s0 = np.array([1.0, -1.0], dtype=np.float32)
    a = X
    b = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.25]], dtype=np.float32)
    s, o1, o2 = s0.copy(), [], []
    for t in range(3):
        at = a[:, 2 - t]
        s = (s + at) * b[t]
        o1.append(s)
        o2.append(-at)
    z1 = np.stack(o1, axis=1)
    z2 = np.stack(o2[::-1], axis=0)
    return m, {"s0": s0, "a": a, "b": b}, {"s": s, "z1": z1, "z2": z2}


def loop_if():
    # for i in range(3): acc = (i < 1) ? acc + x : acc * x; scan out acc.
    # The If inside the body reads the loop-carried value and the iteration
    # number (values of the enclosing subgraph) and x (of the main graph).
    then_g = graph([helper.make_node("Add", ["acc_in", "x"], ["t"],
                                     name="li_add")],
                   "then_g", [], [vi("t", [2])])
    else_g = graph([helper.make_node("Mul", ["acc_in", "x"], ["e"],
                                     name="li_mul")],
                   "else_g", [], [vi("e", [2])])
    body = graph(
        [helper.make_node("Less", ["i", "one"], ["first"], name="b_less"),
         helper.make_node("If", ["first"], ["acc_out"], name="b_if",
                          then_branch=then_g, else_branch=else_g),
         helper.make_node("Identity", ["acc_out"], ["scan"], name="b_scan")],
        "body", [vi("i", [], TensorProto.INT64),
                 vi("cond_in", [], TensorProto.BOOL), vi("acc_in", [2])],
        [vi("cond_in", [], TensorProto.BOOL), vi("acc_out", [2]),
         vi("scan", [2])], [const("one", np.int64(1))])
    m = model(
        [helper.make_node("Loop", ["m", "", "acc0"], ["acc", "accs"],
                          name="loop_if", body=body)],
        [vi("x", [2]), vi("acc0", [2])], [vi("acc", [2]), vi("accs", [3, 2])],
        [const("m", np.int64(3))])
    x = np.array([2.0, -0.5], dtype=np.float32)
    acc0 = np.array([1.0, 3.0], dtype=np.float32)
    acc, rows = acc0.copy(), []
    for i in range(3):
        acc = acc + x if i < 1 else acc * x
        rows.append(acc)
    return m, {"x": x, "acc0": acc0}, {"acc": acc, "accs": np.stack(rows)}


def if_unsupported():
    then_g = graph(
        [helper.make_node("NonMaxSuppression", ["x", "x"], ["t"],
                          name="nms_in_branch")],
        "then_g", [], [vi("t", None, TensorProto.INT64)])
    else_g = graph([helper.make_node("Shape", ["x"], ["e"], name="else_shape")],
                   "else_g", [], [vi("e", None, TensorProto.INT64)])
    m = model(
        [helper.make_node("If", ["c"], ["y"], name="if_nms",
                          then_branch=then_g, else_branch=else_g)],
        [vi("x", [1, 2, 4]), vi("c", [], TensorProto.BOOL)],
        [vi("y", None, TensorProto.INT64)])
    return m, {}, {}


def if_mismatch():
    then_g = graph(
        [helper.make_node("Constant", [], ["t"], name="then_c",
                          value=const("tv", np.zeros(2, np.float32)))],
        "then_g", [], [vi("t", [2])])
    else_g = graph(
        [helper.make_node("Constant", [], ["e"], name="else_c",
                          value=const("ev", np.zeros(3, np.float32)))],
        "else_g", [], [vi("e", [3])])
    m = model(
        [helper.make_node("If", ["c"], ["y"], name="if_shapes",
                          then_branch=then_g, else_branch=else_g)],
        [vi("c", [], TensorProto.BOOL)], [vi("y", ["d"])])
    return m, {}, {}


def loop_dynamic_scan():
    body = graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"], name="b_cond"),
         helper.make_node("Identity", ["y_in"], ["scan"], name="b_scan")],
        "body", [vi("i", [], TensorProto.INT64),
                 vi("cond_in", [], TensorProto.BOOL), vi("y_in", [3])],
        [vi("cond_out", [], TensorProto.BOOL), vi("y_in", [3]),
         vi("scan", [3])])
    m = model(
        [helper.make_node("Loop", ["m", "", "y0"], ["y", "ys"],
                          name="loop_dyn", body=body)],
        [vi("m", [], TensorProto.INT64), vi("y0", [3])],
        [vi("y", [3]), vi("ys", ["n", 3])])
    return m, {}, {}


def scan_bad_axis():
    body = graph(
        [helper.make_node("Add", ["s_in", "a_t"], ["s_out"], name="b_add")],
        "body", [vi("s_in", [2]), vi("a_t", [2])], [vi("s_out", [2])])
    m = model(
        [helper.make_node("Scan", ["s0", "a"], ["s"], name="scan_axis",
                          body=body, num_scan_inputs=1, scan_input_axes=[5])],
        [vi("s0", [2]), vi("a", [3, 2])], [vi("s", [2])])
    return m, {}, {}


CASES = {f.__name__: f for f in (
    if_dynamic, if_const, loop_scan, loop_while, scan_axes, loop_if,
    if_unsupported,
    if_mismatch, loop_dynamic_scan, scan_bad_axis)}


def main():
    case, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    m, data, expected = CASES[case]()
    open(os.path.join(out, "model.onnx"), "wb").write(m.SerializeToString())
    for name, value in list(data.items()) + list(expected.items()):
        np.save(os.path.join(out, name + ".npy"), value)


if __name__ == "__main__":
    main()
