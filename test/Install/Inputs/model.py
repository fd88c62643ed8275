#!/usr/bin/env python3
# ===- model.py - the model, inputs and check of the install tests ---------===#
#
# Usage: model.py make DIR     writes DIR/model.onnx (y = relu(a @ b + c),
#                              z = 2 * a), the inputs DIR/a.bin, DIR/b.bin
#                              (raw float32, numpy's tofile) and the expected
#                              outputs DIR/expected/{0,1}.bin
#        model.py check DIR OUT  compares OUT/{0,1}.bin with DIR/expected
#
# ===-------------------------------------------------------------------------===#
import os
import sys

import numpy as np


def make(out):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(19)
    c = rng.standard_normal(4).astype(np.float32)
    two = np.array(2.0, dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "b"], ["ab"]),
         helper.make_node("Add", ["ab", "c"], ["abc"]),
         helper.make_node("Relu", ["abc"], ["y"]),
         helper.make_node("Mul", ["a", "two"], ["z"])],
        "install_test",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, [3, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4]),
         helper.make_tensor_value_info("z", TensorProto.FLOAT, [2, 3])],
        [numpy_helper.from_array(c, "c"), numpy_helper.from_array(two, "two")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, "model.onnx"))
    a = rng.standard_normal((2, 3)).astype(np.float32)
    b = rng.standard_normal((3, 4)).astype(np.float32)
    a.tofile(os.path.join(out, "a.bin"))
    b.tofile(os.path.join(out, "b.bin"))
    os.makedirs(os.path.join(out, "expected"), exist_ok=True)
    np.maximum(a @ b + c, 0).astype(np.float32).tofile(
        os.path.join(out, "expected", "0.bin"))
    (2 * a).astype(np.float32).tofile(os.path.join(out, "expected", "1.bin"))


def check(out, got):
    for i in range(2):
        expected = np.fromfile(os.path.join(out, "expected", "%d.bin" % i), np.float32)
        actual = np.fromfile(os.path.join(got, "%d.bin" % i), np.float32)
        if actual.shape != expected.shape or not np.allclose(actual, expected, rtol=1e-5, atol=1e-6):
            print("output %d differs: got %s, expected %s" % (i, actual, expected))
            return 1
        print("output %d: %d values match" % (i, actual.size))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3]))
    sys.exit("usage: model.py make DIR | model.py check DIR OUT")
