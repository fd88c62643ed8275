# ===- npu_e2e.py - the NPU partition's end-to-end bit-exactness check ----===#
#
# Subcommands of test/Codegen/NPU/bitexact-edge.test:
#   model DIR                 DIR/model.onnx: conv+relu, strided conv+relu,
#                             1x1 conv+relu, depthwise conv, matmul (float,
#                             fixed-seed weights), DIR/calib/*.npy, DIR/x.npy
#   model_pool DIR            the same for conv+relu, max pool, conv+relu,
#                             GlobalAveragePool, flatten, Gemm
#   model_isa2 DIR            the same for conv+relu, conv, the residual
#                             Add, Sigmoid, conv, HardSwish, AveragePool
#                             (the ISA v2 layers)
#   split PART.mlir DIR       one module per npu.program (DIR/<name>.mlir)
#   quantize Q.mlir X OUT     the host's nn.quantize of X, NCHW -> NHWC
#   nchw IN OUT               an NHWC tensor as NCHW
#   reshape IN OUT D0,D1,...  a tensor reshaped (a host nn.reshape)
#   compare Q.mlir REF NPU    the CPU int8 result (recovered from the float
#                             output through the final nn.dequantize) against
#                             the NPU's int8 output: prints the mismatches
#
# ===----------------------------------------------------------------------===#
import os
import re
import sys

import numpy as np


def model(out):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(7)
    inits = []

    def w(name, *shape, scale=0.2):
        inits.append(numpy_helper.from_array(
            (rng.standard_normal(shape) * scale).astype(np.float32), name))
        return name

    nodes = [
        helper.make_node("Conv", ["input", w("c1.w", 16, 3, 3, 3), w("c1.b", 16)], ["c1"],
                         name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", w("c2.w", 24, 16, 3, 3), w("c2.b", 24)], ["c2"],
                         name="conv2", kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("Conv", ["r2", w("c3.w", 24, 24, 1, 1), w("c3.b", 24)], ["c3"],
                         name="conv3", kernel_shape=[1, 1]),
        helper.make_node("Relu", ["c3"], ["r3"], name="relu3"),
        helper.make_node("Conv", ["r3", w("c4.w", 24, 1, 3, 3), w("c4.b", 24)], ["c4"],
                         name="conv4", kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=24),
        helper.make_node("MatMul", ["c4", w("fc.w", 4, 8)], ["output"], name="fc"),
    ]
    graph = helper.make_graph(
        nodes, "npu_e2e",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 24, 4, 8])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    os.makedirs(os.path.join(out, "calib"), exist_ok=True)
    onnx.save(m, os.path.join(out, "model.onnx"))
    for i in range(4):
        np.save(os.path.join(out, "calib", "%04d.npy" % i),
                rng.standard_normal((1, 3, 8, 8)).astype(np.float32))
    np.save(os.path.join(out, "x.npy"), rng.standard_normal((1, 3, 8, 8)).astype(np.float32))


def model_pool(out):
    """Conv+relu, max pool, conv+relu, GlobalAveragePool, flatten, Gemm."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(11)
    inits = [numpy_helper.from_array(np.array([1, -1], np.int64), "shape")]

    def w(name, *shape, scale=0.2):
        inits.append(numpy_helper.from_array(
            (rng.standard_normal(shape) * scale).astype(np.float32), name))
        return name

    nodes = [
        helper.make_node("Conv", ["input", w("c1.w", 16, 3, 3, 3), w("c1.b", 16)], ["c1"],
                         name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool", kernel_shape=[3, 3],
                         strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["p1", w("c2.w", 32, 16, 3, 3), w("c2.b", 32)], ["c2"],
                         name="conv2", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["r2"], ["g"], name="gap"),
        helper.make_node("Reshape", ["g", "shape"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", w("fc.w", 10, 32), w("fc.b", 10)], ["output"],
                         name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "npu_e2e_pool",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    os.makedirs(os.path.join(out, "calib"), exist_ok=True)
    onnx.save(m, os.path.join(out, "model.onnx"))
    for i in range(4):
        np.save(os.path.join(out, "calib", "%04d.npy" % i),
                rng.standard_normal((1, 3, 16, 16)).astype(np.float32))
    np.save(os.path.join(out, "x.npy"), rng.standard_normal((1, 3, 16, 16)).astype(np.float32))


def model_isa2(out):
    """Conv+relu, conv, Add (residual), Sigmoid, conv, HardSwish,
    AveragePool 3x3/2 pad 1."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(13)
    inits = []

    def w(name, *shape, scale=0.2):
        inits.append(numpy_helper.from_array(
            (rng.standard_normal(shape) * scale).astype(np.float32), name))
        return name

    nodes = [
        helper.make_node("Conv", ["input", w("c1.w", 16, 3, 3, 3), w("c1.b", 16)], ["c1"],
                         name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", w("c2.w", 16, 16, 3, 3), w("c2.b", 16)], ["c2"],
                         name="conv2", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["r1", "c2"], ["a"], name="add"),
        helper.make_node("Sigmoid", ["a"], ["s"], name="sig"),
        helper.make_node("Conv", ["s", w("c3.w", 32, 16, 1, 1), w("c3.b", 32)], ["c3"],
                         name="conv3", kernel_shape=[1, 1]),
        helper.make_node("HardSwish", ["c3"], ["h"], name="hswish"),
        helper.make_node("AveragePool", ["h"], ["output"], name="avg", kernel_shape=[3, 3],
                         strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1),
    ]
    graph = helper.make_graph(
        nodes, "npu_e2e_isa2",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 32, 8, 8])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    os.makedirs(os.path.join(out, "calib"), exist_ok=True)
    onnx.save(m, os.path.join(out, "model.onnx"))
    for i in range(4):
        np.save(os.path.join(out, "calib", "%04d.npy" % i),
                rng.standard_normal((1, 3, 16, 16)).astype(np.float32))
    np.save(os.path.join(out, "x.npy"), rng.standard_normal((1, 3, 16, 16)).astype(np.float32))


def reshape(src, out, shape):
    np.save(out, np.load(src).reshape([int(d) for d in shape.split(",")]))


def split(part, out):
    text = open(part).read()
    header = re.search(r"^module attributes \{npu\.hardware = [^\n]*\{$", text, re.M)
    resources = text[text.find("{-#"):] if "{-#" in text else ""
    lines = text.splitlines()
    count = 0
    for i, line in enumerate(lines):
        m = re.match(r"  npu\.program @(\w+)", line)
        if not m:
            continue
        end = next(j for j in range(i, len(lines)) if lines[j] == "  }")
        body = "\n".join(lines[i:end + 1])
        with open(os.path.join(out, m.group(1) + ".mlir"), "w") as f:
            f.write(header.group(0) + "\n" + body + "\n}\n" + resources)
        count += 1
    print("segments:", count)


def attr_array(text, op, name):
    m = re.search(r"nn\." + op + r" [^\n]*?" + name + r" = array<(?:f32|i32): ([^>]*)>", text)
    return m.group(1)


def quantize(qmlir, x, out):
    text = open(qmlir).read()
    scale = np.float32(float(attr_array(text, "quantize", "scale")))
    zp = int(attr_array(text, "quantize", "zero_point"))
    v = np.load(x).astype(np.float32)
    q = np.clip(np.rint(v / scale) + zp, -128, 127).astype(np.int8)
    np.save(out, np.ascontiguousarray(q.transpose(0, 2, 3, 1)))


def nchw(src, out):
    np.save(out, np.ascontiguousarray(np.load(src).transpose(0, 3, 1, 2)))


def compare(qmlir, ref, npu):
    text = open(qmlir).read()
    scale = np.float32(float(attr_array(text, "dequantize", "scale")))
    zp = int(attr_array(text, "dequantize", "zero_point"))
    y = np.load(ref).astype(np.float32)
    expected = (np.rint(y / scale) + zp).astype(np.int64)
    got = np.load(npu).astype(np.int64)
    assert expected.shape == got.shape, (expected.shape, got.shape)
    print("elements:", got.size)
    print("mismatches:", int(np.count_nonzero(expected != got)))
    print("distinct values:", len(np.unique(got)))


if __name__ == "__main__":
    globals()[sys.argv[1]](*sys.argv[2:])
