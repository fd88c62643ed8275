#!/usr/bin/env python3
# ===- make_models.py - small ONNX models for the importer tests --------------===#
#
# Usage: make_models.py CASE OUT.onnx
# Each case builds one small model with onnx.helper, so no binary model is
# checked in. Some cases write deliberately broken files.
#
# ===-------------------------------------------------------------------------===#
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def model(nodes, inputs, outputs, inits=(), opset=OPSET, name="g"):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def vi(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def weights(name, shape, seed=0):
    rng = np.random.default_rng(seed)
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def conv_relu():
    return model(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv0",
                          kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c"], ["y"], name="relu0")],
        [vi("x", [1, 3, 8, 8])], [vi("y", [1, 16, 8, 8])],
        [weights("w", [16, 3, 3, 3]), weights("b", [16], 1)])


def dynamic_reshape():
    # The PyTorch flatten pattern: x.view(x.size(0), -1).
    shape_of = helper.make_node("Shape", ["x"], ["s"], name="shape0")
    zero = numpy_helper.from_array(np.array(0, dtype=np.int64), "zero")
    axes = numpy_helper.from_array(np.array([0], dtype=np.int64), "axes")
    minus1 = numpy_helper.from_array(np.array([-1], dtype=np.int64), "minus1")
    return model(
        [shape_of,
         helper.make_node("Gather", ["s", "zero"], ["n"], name="gather0", axis=0),
         helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], name="unsqueeze0"),
         helper.make_node("Concat", ["n1", "minus1"], ["target"], name="concat0", axis=0),
         helper.make_node("Reshape", ["x", "target"], ["y"], name="reshape0")],
        [vi("x", ["batch", 3, 4, 4])], [vi("y", ["batch", 48])],
        [zero, axes, minus1])


def unsupported_ops():
    m = model(
        [helper.make_node("Relu", ["x"], ["a"], name="relu0"),
         helper.make_node("NonMaxSuppression", ["a", "a"], ["b"], name="nms0"),
         helper.make_node("FancyOp", ["b"], ["c"], name="fancy0", domain="com.example"),
         helper.make_node("Gelu", ["c"], ["y"], name="gelu0", domain="com.microsoft")],
        [vi("x", [1, 4, 4])], [vi("y", [1, 4, 4])])
    m.opset_import.extend([helper.make_opsetid("com.example", 1),
                           helper.make_opsetid("com.microsoft", 1)])
    return m


def bad_kernel():
    # kernel_shape has one value for a 2-D convolution.
    return model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv_bad", kernel_shape=[3])],
        [vi("x", [1, 3, 8, 8])], [vi("y", ["n", "c", "h", "w"])], [weights("w", [4, 3, 3, 3])])


def bad_transpose():
    # perm is not a permutation; ONNX shape inference does not catch it.
    return model(
        [helper.make_node("Transpose", ["x"], ["y"], name="transpose_bad", perm=[0, 0, 1])],
        [vi("x", [2, 3, 4])], [vi("y", ["a", "b", "c"])])


def bad_pad_mode():
    # ONNX 1.12's shape inference accepts any mode; nn's verifier does not.
    pads = numpy_helper.from_array(np.array([0, 1, 0, 1], dtype=np.int64), "pads")
    return model(
        [helper.make_node("Pad", ["x", "pads"], ["y"], name="pad_wrap", mode="wrap")],
        [vi("x", [2, 3])], [vi("y", ["a", "b"])], [pads])


def bad_grid_sample_mode():
    # ONNX 1.12's shape inference accepts any mode; nn's verifier does not.
    return model(
        [helper.make_node("GridSample", ["x", "g"], ["y"], name="gs_bad",
                          mode="linear")],
        [vi("x", [1, 1, 4, 4]), vi("g", [1, 2, 2, 2])], [vi("y", [1, 1, 2, 2])],
        opset=16)


def bad_roi_batch_index():
    # A constant batch index past the end of the batch.
    idx = numpy_helper.from_array(np.array([0, 3], dtype=np.int64), "idx")
    return model(
        [helper.make_node("RoiAlign", ["x", "rois", "idx"], ["y"],
                          name="roi_bad", output_height=2, output_width=2)],
        [vi("x", [2, 1, 8, 8]), vi("rois", [2, 4])], [vi("y", [2, 1, 2, 2])],
        [idx], opset=16)


def det_not_square():
    return model([helper.make_node("Det", ["x"], ["y"], name="det_bad")],
                 [vi("x", [2, 3, 4])], [vi("y", ["n"])])


def dynamic_rank():
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu0")],
                 [helper.make_tensor_value_info("x", TensorProto.FLOAT, None)],
                 [vi("y", ["n"])])


def _external(out, write_data):
    m = conv_relu()
    w = m.graph.initializer[0]
    data = w.raw_data
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "conv_weights.bin"), ("offset", "0"), ("length", str(len(data)))):
        e = w.external_data.add()
        e.key, e.value = k, v
    if write_data:
        with open(os.path.join(os.path.dirname(os.path.abspath(out)), "conv_weights.bin"), "wb") as f:
            f.write(data)
    return m


def bad_raw_data():
    m = conv_relu()
    w = m.graph.initializer[0]
    w.raw_data = w.raw_data[:-4]
    return m


def bad_typed_data():
    m = conv_relu()
    b = m.graph.initializer[1]
    values = numpy_helper.to_array(b).tolist()
    b.ClearField("raw_data")
    b.float_data.extend(values[:-1])
    return m


def external_bad_length(out):
    m = _external(out, write_data=True)
    for e in m.graph.initializer[0].external_data:
        if e.key == "length":
            e.value = str(int(e.value) - 4)
    return m


def upgrade():
    # Opset 9: Slice takes attributes and BatchNormalization has no
    # training_mode; both are upgraded to opset 17.
    c = 4
    inits = [numpy_helper.from_array(np.ones(c, np.float32), n) for n in ("scale", "bias", "mean")]
    inits.append(numpy_helper.from_array(np.full(c, 2.0, np.float32), "var"))
    return model(
        [helper.make_node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["bn"],
                          name="bn0", epsilon=1e-5),
         helper.make_node("Slice", ["bn"], ["y"], name="slice0", starts=[1], ends=[3], axes=[1])],
        [vi("x", [1, c, 5, 5])], [vi("y", [1, 2, 5, 5])], inits, opset=9)


def upgrade_computed_reshape():
    # Opset 9, as PaddlePaddle's exporter writes a classifier head: the
    # Reshape's target shape is computed (Shape, Slice, Cast, Concat), so
    # libonnx infers no rank for it, and the Softmax 12->13 adapter needs its
    # input's rank. The input's dims are dynamic until --input-shape pins them.
    return model(
        [helper.make_node("GlobalAveragePool", ["x"], ["pool"], name="gap0"),
         helper.make_node("Shape", ["pool"], ["shape"], name="shape0"),
         helper.make_node("Slice", ["shape"], ["batch"], name="slice0", starts=[0], ends=[1],
                          axes=[0]),
         helper.make_node("Constant", [], ["minus_one"], name="const0",
                          value=numpy_helper.from_array(np.array([-1], np.int64))),
         helper.make_node("Concat", ["batch", "minus_one"], ["target"], name="concat0", axis=0),
         helper.make_node("Reshape", ["pool", "target"], ["flat"], name="reshape0"),
         helper.make_node("MatMul", ["flat", "w"], ["logits"], name="fc0"),
         helper.make_node("Softmax", ["logits"], ["y"], name="softmax0", axis=1)],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4, "h", "w"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])],
        [weights("w", [4, 2])], opset=9)


def add_bcast():
    return model([helper.make_node("Add", ["x", "y"], ["z"], name="add0")],
                 [vi("x", [2, 3]), vi("y", [3])], [vi("z", [2, 3])])


def bad_broadcast():
    # Shapes that do not broadcast, feeding Shape: libonnx 1.12's data
    # propagation crashed on this.
    return model([helper.make_node("Add", ["x", "y"], ["s"], name="add_bad"),
                  helper.make_node("Shape", ["s"], ["z"], name="shape0")],
                 [vi("x", [4, 3]), vi("y", [2, 3])], [vi("z", [2], TensorProto.INT64)])


def dup_output():
    # The same value as two graph outputs.
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu0")],
                 [vi("x", [3])], [vi("y", [3]), vi("y", [3])])


def empty_output():
    starts = numpy_helper.from_array(np.array([5], dtype=np.int64), "starts")
    ends = numpy_helper.from_array(np.array([5], dtype=np.int64), "ends")
    return model([helper.make_node("Slice", ["x", "starts", "ends"], ["y"], name="slice0")],
                 [vi("x", [4])], [vi("y", [0])], [starts, ends])


def too_new():
    # Opsets 18 to 21 are adapted (import-adapted.test); 22 is not.
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu0")],
                 [vi("x", [2])], [vi("y", [2])], opset=22)


# Malformed models (import-malformed.test): each crashed libonnx 1.12 before
# Tessera's own checks existed.


def _int64(name, values, raw_bytes=None, dims=None):
    t = numpy_helper.from_array(np.array(values, dtype=np.int64), name)
    if dims is not None:
        del t.dims[:]
        t.dims.extend(dims)
    if raw_bytes is not None:
        t.raw_data = t.raw_data[:raw_bytes].ljust(raw_bytes, b"\0")
    return t


def unproduced_output():
    # No nodes, and an output nothing produces (the version converter).
    return model([], [vi("x", [2])], [vi("y", [2])], opset=13)


def short_squeeze_axes():
    return model([helper.make_node("Squeeze", ["x", "axes"], ["y"], name="squeeze0")],
                 [vi("x", [1, 3, 1])], [vi("y", [3])], [_int64("axes", [0, 2], raw_bytes=8)])


def short_expand_shape():
    return model([helper.make_node("Expand", ["x", "shape"], ["y"], name="expand0")],
                 [vi("x", [3])], [vi("y", [2, 3])], [_int64("shape", [2, 3], raw_bytes=12)])


def reshape_30_bytes():
    return model([helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape0")],
                 [vi("x", [6])], [vi("y", [1, 2, 3])], [_int64("shape", [1, 2, 3], raw_bytes=30)])


def convtranspose_scalar_weight():
    w = numpy_helper.from_array(np.array(1.0, dtype=np.float32), "w")
    return model([helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="deconv0")],
                 [vi("x", [1, 1, 4, 4])], [vi("y", ["n", "c", "h", "w"])], [w])


def convtranspose_huge_weight():
    w = weights("w", [1, 1, 3, 3])
    del w.dims[:]
    w.dims.extend([1 << 20, 1 << 20, 3, 3])
    return model([helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="deconv0")],
                 [vi("x", [1, 1 << 20, 4, 4])], [vi("y", ["n", "c", "h", "w"])], [w])


def layernorm_big_axis():
    scale = numpy_helper.from_array(np.ones(4, np.float32), "scale")
    return model([helper.make_node("LayerNormalization", ["x", "scale"], ["y"], name="ln0",
                                   axis=1 << 31)],
                 [vi("x", [2, 4])], [vi("y", [2, 4])], [scale])


def range_external_empty():
    start = numpy_helper.from_array(np.array(0, dtype=np.int64), "start")
    limit = numpy_helper.from_array(np.array(4, dtype=np.int64), "limit")
    delta = numpy_helper.from_array(np.array(1, dtype=np.int64), "delta")
    start.ClearField("raw_data")
    start.data_location = TensorProto.EXTERNAL
    e = start.external_data.add()
    e.key, e.value = "location", ""
    return model([helper.make_node("Range", ["start", "limit", "delta"], ["y"], name="range0")],
                 [], [vi("y", [4], TensorProto.INT64)], [start, limit, delta])


def maxpool_stride0():
    return model([helper.make_node("MaxPool", ["x"], ["y"], name="pool0", kernel_shape=[2, 2],
                                   strides=[0, 1])],
                 [vi("x", [1, 1, 4, 4])], [vi("y", ["n", "c", "h", "w"])])


def conv_stride0():
    return model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv0", strides=[1, 0])],
                 [vi("x", [1, 3, 8, 8])], [vi("y", ["n", "c", "h", "w"])],
                 [weights("w", [4, 3, 3, 3])])


def depthtospace_big_block():
    return model([helper.make_node("DepthToSpace", ["x"], ["y"], name="d2s0",
                                   blocksize=1 << 62)],
                 [vi("x", [1, 4, 2, 2])], [vi("y", ["n", "c", "h", "w"])])


def many_problems():
    # Several problems at once: all are reported.
    return model([helper.make_node("MaxPool", ["x"], ["p"], name="pool0", kernel_shape=[0, 2]),
                  helper.make_node("Add", ["p", "ghost"], ["y"], name="add0")],
                 [vi("x", [1, 1, 4, 4])], [vi("y", ["n", "c", "h", "w"]), vi("z", [1])],
                 [_int64("shape", [1, 2, 3], raw_bytes=20)])



# Located errors of the smaller operators (import-errors.test): nn's
# verifiers reject what ONNX's shape inference lets through.


def mod_float_fmod0():
    return model([helper.make_node("Mod", ["a", "b"], ["y"], name="mod0")],
                 [vi("a", [4]), vi("b", [4])], [vi("y", [4])])


def bitshift_up():
    u8 = TensorProto.UINT8
    return model([helper.make_node("BitShift", ["a", "b"], ["y"], name="shift0",
                                   direction="UP")],
                 [vi("a", [4], u8), vi("b", [4], u8)], [vi("y", [4], u8)])


def cumsum_bad_axis():
    return model([helper.make_node("CumSum", ["x", "axis"], ["y"], name="cumsum0")],
                 [vi("x", [2, 3])], [vi("y", [2, 3])], [_int64("axis", 2)])


def topk_big_k():
    return model([helper.make_node("TopK", ["x", "k"], ["v", "i"], name="topk0")],
                 [vi("x", [2, 5])], [vi("v", [2, "k"]), vi("i", [2, "k"], TensorProto.INT64)],
                 [_int64("k", [7])])


def window_string():
    return model([helper.make_node("HannWindow", ["n"], ["y"], name="hann0",
                                   output_datatype=TensorProto.STRING)],
                 [], [vi("y", ["n"])], [_int64("n", 8)])


def lpnorm_p3():
    return model([helper.make_node("LpNormalization", ["x"], ["y"], name="lpnorm0", p=3)],
                 [vi("x", [2, 3])], [vi("y", [2, 3])])


def reversesequence_long():
    return model([helper.make_node("ReverseSequence", ["x", "lens"], ["y"], name="revseq0",
                                   batch_axis=1, time_axis=0)],
                 [vi("x", [3, 2])], [vi("y", [3, 2])], [_int64("lens", [1, 4])])


def hardmax_axis():
    return model([helper.make_node("Hardmax", ["x"], ["y"], name="hardmax0", axis=2)],
                 [vi("x", [2, 3])], [vi("y", [2, 3])])

def _recurrent(op, name, gates=4, x_shape=(5, 2, 3), w_rows=None, lens=None,
               out_names=("y", "yh"), **attrs):
    # One LSTM/GRU/RNN node with hidden size 2 and constant weights.
    hidden = 2
    rows = gates * hidden if w_rows is None else w_rows
    inits = [weights("w", [1, rows, x_shape[-1]]),
             weights("r", [1, gates * hidden, hidden], 1)]
    inputs = ["x", "w", "r"]
    if lens is not None:
        inits.append(numpy_helper.from_array(np.array(lens, dtype=np.int32), "lens"))
        inputs += ["", "lens"]
    return model([helper.make_node(op, inputs, list(out_names), name=name, **attrs)],
                 [vi("x", list(x_shape))],
                 [vi(out_names[0], ["s", "d", "b", "h"]), vi(out_names[1], ["d", "b", "h"])],
                 inits)


def lstm_bad_direction():
    return _recurrent("LSTM", "lstm_dir", direction="backward")


def gru_bad_activation():
    return _recurrent("GRU", "gru_act", gates=3, activations=["Sigmoid", "Gelu"])


def lstm_bad_lens():
    # sequence_lens is a constant beyond seq_length (5).
    return _recurrent("LSTM", "lstm_lens", lens=[6, 1])


def rnn_bad_weight():
    return _recurrent("RNN", "rnn_w", gates=1, w_rows=3)


def gru_bad_reset():
    return _recurrent("GRU", "gru_lbr", gates=3, linear_before_reset=2)


def lstm_bad_layout():
    return _recurrent("LSTM", "lstm_layout", layout=2)
def _idx(values, dtype=np.int64, name="idx"):
    return numpy_helper.from_array(np.array(values, dtype=dtype), name)


def gather_elements_oob():
    # A constant index past its axis (dim 1 has 4 elements).
    return model([helper.make_node("GatherElements", ["x", "idx"], ["y"], name="ge0", axis=1)],
                 [vi("x", [3, 4])], [vi("y", [1, 2])], [_idx([[0, 4]])])


def gather_elements_rank():
    return model([helper.make_node("GatherElements", ["x", "i"], ["y"], name="ge1")],
                 [vi("x", [3, 4]), vi("i", [2], TensorProto.INT64)], [vi("y", [2])])


def gathernd_tuple():
    # Index tuples longer than the data's rank.
    return model([helper.make_node("GatherND", ["x", "i"], ["y"], name="gnd0")],
                 [vi("x", [2, 3]), vi("i", [4, 3], TensorProto.INT64)], [vi("y", [4])])


def gathernd_batch_dims():
    # The batch dims of data and indices differ.
    return model([helper.make_node("GatherND", ["x", "i"], ["y"], name="gnd1", batch_dims=1)],
                 [vi("x", [2, 3]), vi("i", [3, 1], TensorProto.INT64)], [vi("y", [3])])


def scatter_elements_max():
    # 'max' arrived with opset 18.
    return model([helper.make_node("ScatterElements", ["x", "i", "u"], ["y"], name="se0",
                                   reduction="max")],
                 [vi("x", [3, 4]), vi("i", [1, 4], TensorProto.INT64), vi("u", [1, 4])],
                 [vi("y", [3, 4])])


def scatternd_oob():
    return model([helper.make_node("ScatterND", ["x", "idx", "u"], ["y"], name="snd0")],
                 [vi("x", [4, 3]), vi("u", [2, 3])], [vi("y", [4, 3])], [_idx([[0], [-5]])])


def scatternd_reduction():
    return model([helper.make_node("ScatterND", ["x", "i", "u"], ["y"], name="snd1",
                                   reduction="avg")],
                 [vi("x", [4, 3]), vi("i", [2, 1], TensorProto.INT64), vi("u", [2, 3])],
                 [vi("y", [4, 3])])


def onehot_runtime_depth():
    # The depth is an input and the output's size along it is not declared.
    return model([helper.make_node("OneHot", ["i", "d", "v"], ["y"], name="oh0")],
                 [vi("i", [3], TensorProto.INT64), vi("d", [], TensorProto.INT64), vi("v", [2])],
                 [vi("y", [3, "depth"])])


def onehot_depth0():
    return model([helper.make_node("OneHot", ["i", "d", "v"], ["y"], name="oh1")],
                 [vi("i", [3], TensorProto.INT64), vi("v", [2])], [vi("y", [3, "depth"])],
                 [_idx(0, name="d")])


def trilu_rank1():
    return model([helper.make_node("Trilu", ["x"], ["y"], name="trilu0")],
                 [vi("x", [4])], [vi("y", [4])])


def eyelike_rank3():
    return model([helper.make_node("EyeLike", ["x"], ["y"], name="eye0")],
                 [vi("x", [2, 3, 4])], [vi("y", [2, 3, 4])])


def nll_reduction():
    return model([helper.make_node("NegativeLogLikelihoodLoss", ["x", "t"], ["y"], name="nll0",
                                   reduction="avg")],
                 [vi("x", [3, 5]), vi("t", [3], TensorProto.INT64)], [vi("y", [])])


def nll_target_oob():
    # A constant target that names no class and is not the ignored index.
    return model([helper.make_node("NegativeLogLikelihoodLoss", ["x", "t"], ["y"], name="nll1",
                                   ignore_index=-1)],
                 [vi("x", [3, 5])], [vi("y", [])], [_idx([1, -1, 7], name="t")])


def sce_target_rank():
    return model([helper.make_node("SoftmaxCrossEntropyLoss", ["x", "t"], ["y"], name="sce0")],
                 [vi("x", [3, 5, 2]), vi("t", [3], TensorProto.INT64)], [vi("y", [])])


CASES = {
    "lstm_bad_direction": lstm_bad_direction,
    "gru_bad_activation": gru_bad_activation, "lstm_bad_lens": lstm_bad_lens,
    "rnn_bad_weight": rnn_bad_weight, "gru_bad_reset": gru_bad_reset,
    "lstm_bad_layout": lstm_bad_layout,
    "conv_relu": conv_relu, "dynamic_reshape": dynamic_reshape,
    "unsupported_ops": unsupported_ops, "bad_kernel": bad_kernel,
    "bad_transpose": bad_transpose, "bad_pad_mode": bad_pad_mode,
    "bad_grid_sample_mode": bad_grid_sample_mode,
    "bad_roi_batch_index": bad_roi_batch_index, "det_not_square": det_not_square, "dynamic_rank": dynamic_rank,
    "upgrade": upgrade, "upgrade_computed_reshape": upgrade_computed_reshape,
    "too_new": too_new, "add_bcast": add_bcast,
    "bad_broadcast": bad_broadcast, "dup_output": dup_output,
    "empty_output": empty_output, "bad_raw_data": bad_raw_data,
    "bad_typed_data": bad_typed_data,
    "unproduced_output": unproduced_output, "short_squeeze_axes": short_squeeze_axes,
    "short_expand_shape": short_expand_shape, "reshape_30_bytes": reshape_30_bytes,
    "convtranspose_scalar_weight": convtranspose_scalar_weight,
    "convtranspose_huge_weight": convtranspose_huge_weight,
    "layernorm_big_axis": layernorm_big_axis, "range_external_empty": range_external_empty,
    "maxpool_stride0": maxpool_stride0, "conv_stride0": conv_stride0,
    "depthtospace_big_block": depthtospace_big_block, "many_problems": many_problems,
    "mod_float_fmod0": mod_float_fmod0, "bitshift_up": bitshift_up,
    "cumsum_bad_axis": cumsum_bad_axis, "topk_big_k": topk_big_k,
    "window_string": window_string, "lpnorm_p3": lpnorm_p3,
    "reversesequence_long": reversesequence_long, "hardmax_axis": hardmax_axis,
    "gather_elements_oob": gather_elements_oob, "gather_elements_rank": gather_elements_rank,
    "gathernd_tuple": gathernd_tuple, "gathernd_batch_dims": gathernd_batch_dims,
    "scatter_elements_max": scatter_elements_max, "scatternd_oob": scatternd_oob,
    "scatternd_reduction": scatternd_reduction, "onehot_runtime_depth": onehot_runtime_depth,
    "onehot_depth0": onehot_depth0, "trilu_rank1": trilu_rank1, "eyelike_rank3": eyelike_rank3,
    "nll_reduction": nll_reduction, "nll_target_oob": nll_target_oob,
    "sce_target_rank": sce_target_rank,
}


def main():
    case, out = sys.argv[1], sys.argv[2]
    if case == "truncated":
        data = conv_relu().SerializeToString()
        open(out, "wb").write(data[: len(data) // 2])
    elif case == "not_onnx":
        open(out, "w").write("This is a README, not an ONNX model.\n" * 4)
    elif case in ("external", "external_missing"):
        m = _external(out, write_data=case == "external")
        open(out, "wb").write(m.SerializeToString())
    elif case == "external_bad_length":
        open(out, "wb").write(external_bad_length(out).SerializeToString())
    else:
        open(out, "wb").write(CASES[case]().SerializeToString())


if __name__ == "__main__":
    main()
