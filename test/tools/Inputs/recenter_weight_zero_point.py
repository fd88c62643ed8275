"""Sets the weight zero point of a QLinearConv model (uint8 weights) to 128,
where every uint8 weight minus the zero point is an int8: argv[1] ->
argv[2]."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

model = onnx.load(sys.argv[1])
node = next(n for n in model.graph.node if n.op_type == "QLinearConv")
inits = {i.name: i for i in model.graph.initializer}
old = numpy_helper.to_array(inits[node.input[5]])
zp = np.full(old.shape, 128, np.uint8)
inits[node.input[5]].CopyFrom(numpy_helper.from_array(zp, node.input[5]))
onnx.save(model, sys.argv[2])
