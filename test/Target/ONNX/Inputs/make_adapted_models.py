#!/usr/bin/env python3
# ===- make_adapted_models.py - models libonnx 1.12 cannot read as they are ---===#
#
# Usage: make_adapted_models.py CASE OUT.onnx
#        make_adapted_models.py --e2e DIR
# Models of opsets 18 to 22 and IR version 10, written field by field (onnx
# 1.12's helper knows neither, and its checker is never run here), and models
# whose nodes are not in topological order. --e2e writes the models that
# import, with a seeded input and numpy's reference outputs, into DIR.
#
# ===-------------------------------------------------------------------------===#
import math
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def model(nodes, inputs, outputs, inits=(), opset=18, ir=10):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = ir
    return m


def vi(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def const(name, values):
    return helper.make_node("Constant", [], [name], name=name + "_const",
                            value=ints(name, values))


# Models that import: (model, {input: array}, {output: reference}).

def reduce18():
    # Opset 18 Reduce* ops take their axes as an input: an initializer, a
    # Constant node, none at all with noop_with_empty_axes (the identity).
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    m = model(
        [const("axes_c", [2]),
         helper.make_node("ReduceMean", ["x", "axes_i"], ["mean"], name="mean0", keepdims=1),
         helper.make_node("ReduceMax", ["x", "axes_c"], ["max"], name="max0", keepdims=0),
         helper.make_node("ReduceL2", ["x"], ["l2"], name="l2_0", keepdims=0),
         helper.make_node("ReduceSumSquare", ["x"], ["same"], name="noop0",
                          noop_with_empty_axes=1),
         helper.make_node("ReduceMin", ["x", "axes_n"], ["min"], name="min0", keepdims=1)],
        [vi("x", [2, 3, 4])],
        [vi("mean", [2, 1, 4]), vi("max", [2, 3]), vi("l2", []), vi("same", [2, 3, 4]),
         vi("min", [2, 3, 1])],
        [ints("axes_i", [1]), ints("axes_n", [-1])])
    refs = {"mean": x.mean(axis=1, keepdims=True), "max": x.max(axis=2),
            "l2": np.sqrt((x * x).sum()).astype(np.float32), "same": x,
            "min": x.min(axis=-1, keepdims=True)}
    return m, {"x": x}, refs


def split_mish18():
    # Split with num_outputs, Mish (added at 18, decomposed), Pad with every
    # axis listed.
    x = np.random.default_rng(1).standard_normal((2, 6)).astype(np.float32)
    m = model(
        [helper.make_node("Split", ["x"], ["a", "b", "c"], name="split0", axis=1,
                          num_outputs=3),
         helper.make_node("Mish", ["b"], ["mish"], name="mish0"),
         helper.make_node("Pad", ["x", "pads", "", "axes"], ["padded"], name="pad0")],
        [vi("x", [2, 6])], [vi("a", [2, 2]), vi("mish", [2, 2]), vi("c", [2, 2]),
                            vi("padded", [3, 9])],
        [ints("pads", [0, 1, 1, 2]), ints("axes", [0, 1])])
    b = x[:, 2:4]
    refs = {"a": x[:, 0:2], "mish": b * np.tanh(np.log1p(np.exp(b))),
            "c": x[:, 4:6], "padded": np.pad(x, [(0, 1), (1, 2)])}
    return m, {"x": x}, refs


def gelu20():
    x = np.linspace(-4, 4, 24, dtype=np.float32).reshape(2, 12)
    m = model(
        [helper.make_node("Gelu", ["x"], ["exact"], name="gelu0"),
         helper.make_node("Gelu", ["x"], ["tanh"], name="gelu1", approximate="tanh"),
         helper.make_node("Cast", ["x"], ["casted"], name="cast0", to=TensorProto.INT64,
                          saturate=1)],
        [vi("x", [2, 12])],
        [vi("exact", [2, 12]), vi("tanh", [2, 12]), vi("casted", [2, 12], TensorProto.INT64)],
        opset=21)
    erf = np.vectorize(math.erf)
    xd = x.astype(np.float64)
    refs = {"exact": (0.5 * xd * (1 + erf(xd / math.sqrt(2)))).astype(np.float32),
            "tanh": (0.5 * xd * (1 + np.tanh(math.sqrt(2 / math.pi) *
                                             (xd + 0.044715 * xd ** 3)))).astype(np.float32),
            "casted": x.astype(np.int64)}
    return m, {"x": x}, refs


def unsorted():
    # Nodes listed consumers first, as some hand-edited files are: ONNX
    # Runtime runs them, the checker refuses them.
    x = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    m = model(
        [helper.make_node("Mul", ["r", "s"], ["y"], name="mul0"),
         helper.make_node("Add", ["x", "x"], ["s"], name="add0"),
         helper.make_node("Relu", ["x"], ["r"], name="relu0"),
         helper.make_node("Neg", ["y"], ["z"], name="neg0")],
        [vi("x", [3, 4])], [vi("z", [3, 4])], opset=17, ir=8)
    return m, {"x": x}, {"z": -(np.maximum(x, 0) * (x + x))}


def softmax_unranked11():
    # Opset 11: the Reshape's shape operand has a length libonnx cannot infer
    # (a Slice ending at a computed index), so the Softmax/LogSoftmax inputs
    # have no rank and libonnx's 12->13 adapters fail; Tessera's own adapter
    # writes Flatten -> op on axis 1 -> Reshape back.
    x = np.random.default_rng(3).standard_normal((2, 3, 4)).astype(np.float32)
    m = model(
        [helper.make_node("Shape", ["x"], ["s"], name="shape0"),
         helper.make_node("Shape", ["s"], ["n"], name="shape1"),
         const("one", [1]), const("zero", [0]), const("minus_one", [-1]),
         helper.make_node("Sub", ["n", "one"], ["end"], name="sub0"),
         helper.make_node("Slice", ["s", "zero", "end"], ["lead"], name="slice0"),
         helper.make_node("Concat", ["lead", "minus_one"], ["target"], name="concat0", axis=0),
         helper.make_node("Reshape", ["x", "target"], ["r"], name="reshape0"),
         helper.make_node("Softmax", ["r"], ["y"], name="softmax0", axis=1),
         helper.make_node("LogSoftmax", ["r"], ["ly"], name="logsoftmax0", axis=2)],
        [vi("x", [2, 3, 4])], [vi("y", [2, 3, 4]), vi("ly", [2, 3, 4])], opset=11, ir=6)

    def softmax(a):
        e = np.exp(a - a.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return m, {"x": x}, {"y": softmax(x.reshape(2, 12)).reshape(2, 3, 4),
                         "ly": np.log(softmax(x.reshape(6, 4))).reshape(2, 3, 4)}


def _resize_asymmetric(x, scales, mode):
    # Opsets before 11: input coordinate x / scale, nearest rounds down.
    out = x
    for axis, scale in enumerate(scales):
        n = out.shape[axis]
        m = int(math.floor(n * scale))
        pos = np.arange(m) / scale
        if mode == "nearest":
            out = np.take(out, np.minimum(np.floor(pos).astype(int), n - 1), axis=axis)
        else:
            lo = np.minimum(np.floor(pos).astype(int), n - 1)
            hi = np.minimum(lo + 1, n - 1)
            w = (pos - lo).reshape([-1 if a == axis else 1 for a in range(x.ndim)])
            out = np.take(out, lo, axis=axis) * (1 - w) + np.take(out, hi, axis=axis) * w
    return out.astype(np.float32)


def legacy_resize():
    # Upsample (opset 9, scales as an input) and Resize (opset 10) become
    # opset-11 Resize nodes, with the older coordinate mapping spelled out.
    x = np.random.default_rng(4).standard_normal((1, 2, 3, 4)).astype(np.float32)
    scales = numpy_helper.from_array(np.array([1, 1, 2, 3], np.float32), "scales")
    scales2 = numpy_helper.from_array(np.array([1, 1, 2, 1.5], np.float32), "scales2")
    m9 = model([helper.make_node("Upsample", ["x", "scales"], ["nearest"], name="up0"),
                helper.make_node("Upsample", ["x", "scales2"], ["linear"], name="up1",
                                 mode="linear")],
               [vi("x", [1, 2, 3, 4])], [vi("nearest", [1, 2, 6, 12]), vi("linear", [1, 2, 6, 6])],
               [scales, scales2], opset=9, ir=4)
    m10 = model([helper.make_node("Resize", ["x", "scales"], ["nearest"], name="resize0"),
                 helper.make_node("Resize", ["x", "scales2"], ["linear"], name="resize1",
                                  mode="linear")],
                [vi("x", [1, 2, 3, 4])], [vi("nearest", [1, 2, 6, 12]), vi("linear", [1, 2, 6, 6])],
                [scales, scales2], opset=10, ir=5)
    refs = {"nearest": _resize_asymmetric(x, [1, 1, 2, 3], "nearest"),
            "linear": _resize_asymmetric(x, [1, 1, 2, 1.5], "linear")}
    return [("upsample9", m9), ("resize10", m10)], {"x": x}, refs


E2E = {"reduce18": reduce18, "split_mish18": split_mish18, "gelu20": gelu20,
       "unsorted": unsorted, "softmax_unranked11": softmax_unranked11,
       "legacy_resize": legacy_resize}


# Models that fail, with a located error.

def reduce_axes_input():
    return model([helper.make_node("ReduceMean", ["x", "axes"], ["y"], name="mean_dyn")],
                 [vi("x", [2, 3]), vi("axes", [1], TensorProto.INT64)], [vi("y", None)])


def resize_antialias():
    return model([helper.make_node("Resize", ["x", "", "scales"], ["y"], name="resize_aa",
                                   mode="linear", antialias=1)],
                 [vi("x", [1, 1, 4, 4])], [vi("y", None)],
                 [numpy_helper.from_array(np.array([1, 1, .5, .5], np.float32), "scales")])


def scatter_max():
    return model([helper.make_node("ScatterElements", ["x", "i", "u"], ["y"], name="scatter_max",
                                   reduction="max")],
                 [vi("x", [4]), vi("u", [2])], [vi("y", [4])], [ints("i", [0, 2])])


def group_norm():
    return model([helper.make_node("GroupNormalization", ["x", "s", "b"], ["y"], name="gn0",
                                   num_groups=2),
                  helper.make_node("Col2Im", ["x", "s", "b"], ["z"], name="col2im0")],
                 [vi("x", [1, 4, 2, 2]), vi("s", [2]), vi("b", [2])], [vi("y", None),
                                                                        vi("z", None)])


def pad_wrap():
    return model([helper.make_node("Pad", ["x", "pads"], ["y"], name="pad_wrap", mode="wrap")],
                 [vi("x", [4])], [vi("y", [6])], [ints("pads", [1, 1])], opset=19)


def pad_axes_partial():
    return model([helper.make_node("Pad", ["x", "pads", "", "axes"], ["y"], name="pad_axes")],
                 [vi("x", [2, 4])], [vi("y", [2, 6])], [ints("pads", [1, 1]), ints("axes", [1])])


def opset22():
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu0")],
                 [vi("x", [2])], [vi("y", [2])], opset=22)


def ir11():
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu0")],
                 [vi("x", [2])], [vi("y", [2])], opset=17, ir=11)


def ir9_opset17():
    # IR version 9 (float8 types) without using them: read as IR 8.
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu0")],
                 [vi("x", [2])], [vi("y", [2])], opset=17, ir=9)


def int4_weight():
    w = TensorProto(name="w4", data_type=22, dims=[2], raw_data=b"\x21")  # INT4 (IR 10)
    return model([helper.make_node("Add", ["x", "x"], ["y"], name="add0")],
                 [vi("x", [2])], [vi("y", [2])], [w], opset=21)


def overload():
    # NodeProto field 8 (overload), which onnx 1.12 does not know: appended
    # to the serialized node as an unknown field.
    node = helper.make_node("Relu", ["x"], ["y"], name="relu_overload")
    data = node.SerializeToString() + b"\x42\x02v2"
    node = helper.NodeProto()
    node.ParseFromString(data)
    return model([node], [vi("x", [2])], [vi("y", [2])], opset=21)


def cycle():
    return model([helper.make_node("Relu", ["x"], ["a"], name="relu0"),
                  helper.make_node("Add", ["a", "c"], ["b"], name="add_cycle"),
                  helper.make_node("Neg", ["b"], ["c"], name="neg_cycle"),
                  helper.make_node("Abs", ["c"], ["y"], name="abs0")],
                 [vi("x", [2])], [vi("y", [2])], opset=17, ir=8)


def _if(name, then_nodes, then_out, inputs=("cond",)):
    then_branch = helper.make_graph(then_nodes, "then", [], [vi(then_out, [2])])
    else_branch = helper.make_graph([helper.make_node("Identity", ["x"], ["e"], name="else_id")],
                                    "else", [], [vi("e", [2])])
    return helper.make_node("If", list(inputs), ["y"], name=name, then_branch=then_branch,
                            else_branch=else_branch)


def subgraph_unsorted():
    # The then branch lists its nodes backwards, and reads 'x2', which the
    # main graph computes after the If.
    return model([_if("if0", [helper.make_node("Neg", ["t1"], ["t2"], name="then_neg"),
                              helper.make_node("Relu", ["x2"], ["t1"], name="then_relu")], "t2"),
                  helper.make_node("Add", ["x", "x"], ["x2"], name="add0")],
                 [vi("cond", [], TensorProto.BOOL), vi("x", [2])], [vi("y", [2])],
                 opset=17, ir=8)


def subgraph_cycle():
    return model([_if("if0", [helper.make_node("Neg", ["t2"], ["t1"], name="then_neg"),
                              helper.make_node("Relu", ["t1"], ["t2"], name="then_relu")], "t2")],
                 [vi("cond", [], TensorProto.BOOL), vi("x", [2])], [vi("y", [2])],
                 opset=17, ir=8)


def subgraph_undefined():
    return model([_if("if0", [helper.make_node("Relu", ["ghost"], ["t1"], name="then_relu")],
                      "t1")],
                 [vi("cond", [], TensorProto.BOOL), vi("x", [2])], [vi("y", [2])],
                 opset=17, ir=8)


ERRORS = {f.__name__: f for f in (
    reduce_axes_input, resize_antialias, scatter_max, group_norm, pad_wrap, pad_axes_partial,
    opset22, ir11, ir9_opset17, int4_weight, overload, cycle, subgraph_unsorted, subgraph_cycle,
    subgraph_undefined)}


def main():
    if sys.argv[1] == "--e2e":
        out = sys.argv[2]
        os.makedirs(out, exist_ok=True)
        for name, make in E2E.items():
            m, inputs, refs = make()
            for model_name, proto in m if isinstance(m, list) else [(name, m)]:
                open(os.path.join(out, model_name + ".onnx"), "wb").write(proto.SerializeToString())
            for k, v in list(inputs.items()) + list(refs.items()):
                np.save(os.path.join(out, "%s.%s.npy" % (name, k)), np.asarray(v))
        return
    case, out = sys.argv[1], sys.argv[2]
    open(out, "wb").write(ERRORS[case]().SerializeToString())


if __name__ == "__main__":
    main()
