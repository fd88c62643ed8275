"""Turns ONNX's node test NAME (onnx/backend/test/data/node) into a model
tessera-lower-qdq can lower and the files check_qdq_model.py reads: every
input but the first becomes an initializer; the first arrives as floats
through QuantizeLinear with its own scale and zero point (exact:
q(dq(a)) = a); the output is dequantized with its scale and zero point.
Writes DIR/model.onnx, DIR/x.npy, DIR/y.npy and prints the output scale."""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

name, out = sys.argv[1], sys.argv[2]
root = os.path.join(os.path.dirname(onnx.__file__), "backend/test/data/node",
                    name)
model = onnx.load(os.path.join(root, "model.onnx"))
data = os.path.join(root, "test_data_set_0")
inputs = [numpy_helper.to_array(onnx.load_tensor(os.path.join(data, f"input_{i}.pb")))
          for i in range(len(model.graph.input))]
expected = numpy_helper.to_array(onnx.load_tensor(os.path.join(data, "output_0.pb")))

graph = model.graph
node = graph.node[0]
names = [i.name for i in graph.input]
# QLinearConv / QLinearMatMul: x, x_scale, x_zero_point, ... y_scale, y_zero_point.
scale, zp = inputs[1], inputs[2]
y_scale, y_zp = inputs[names.index(node.input[6])], inputs[names.index(node.input[7])]
inits = [numpy_helper.from_array(a, n) for n, a in zip(names[1:], inputs[1:])]
x = ((inputs[0].astype(np.int32) - zp.astype(np.int32)) * scale).astype(np.float32)
# Scalar copies for the added QuantizeLinear / DequantizeLinear (the
# QLinearMatMul tests give 1-element 1-D parameters).
inits += [numpy_helper.from_array(a.reshape(()), n) for n, a in
          [("xs", scale), ("xz", zp), ("ys", y_scale), ("yz", y_zp)]]
nodes = [helper.make_node("QuantizeLinear", ["xf", "xs", "xz"], [names[0]])]
nodes += list(graph.node)
nodes.append(helper.make_node("DequantizeLinear",
                              [graph.output[0].name, "ys", "yz"], ["yf"]))
new = helper.make_graph(
    nodes, name, [helper.make_tensor_value_info("xf", onnx.TensorProto.FLOAT, list(x.shape))],
    [helper.make_tensor_value_info("yf", onnx.TensorProto.FLOAT, list(expected.shape))],
    inits)
onnx.save(helper.make_model(new, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "model.onnx"))
np.save(os.path.join(out, "x.npy"), x)
y = ((expected.astype(np.int32) - y_zp.astype(np.int32)) * y_scale).astype(np.float32)
np.save(os.path.join(out, "y.npy"), y)
print(float(y_scale))
