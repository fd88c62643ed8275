#!/usr/bin/env python3
# ===- gen_nn_ods.py - generate NNOps.td from the ONNX operator schemas -------===#
#
# The `nn` dialect mirrors ONNX operators one to one. Their operands, results,
# attributes, defaults, element-type constraints and documentation are taken
# from libonnx's schemas (python3-onnx, opset OPSET), so the ODS of 143 ops
# stays consistent with ONNX. Only shape functions, verifiers of cross-operand
# facts, folders and lowerings are hand-written (NNShapes*.cpp, NNFolds.cpp).
#
# Usage: /usr/bin/python3 gen_nn_ods.py DIR           writes DIR/NNOnnxOps.td and
#                                                      DIR/NNOnnxNames.def
#        /usr/bin/python3 gen_nn_ods.py --check DIR   fails if they are stale
#
# ===-------------------------------------------------------------------------===#
import re
import sys

import onnx
import onnx.defs as defs
from onnx import helper

OPSET = 17

# ONNX op -> (shape function, extra traits). The shape functions live in
# dialects/NN/NNShapes*.cpp; every op's verifier runs its shape function and
# checks the declared result types against what it infers.
OPS = {
    # Convolutions and matrix products.
    "Conv": "Conv", "ConvTranspose": "ConvTranspose", "ConvInteger": "Conv",
    "QLinearConv": "Conv", "Gemm": "Gemm", "MatMul": "MatMul",
    "MatMulInteger": "MatMul", "QLinearMatMul": "MatMul", "Einsum": "Einsum",
    # Normalizations.
    "BatchNormalization": "BatchNorm", "InstanceNormalization": "SameAsFirst",
    "LayerNormalization": "LayerNorm",
    # Activations and unary math.
    "Relu": "SameAsFirst", "LeakyRelu": "SameAsFirst", "PRelu": "Broadcast",
    "Elu": "SameAsFirst", "Selu": "SameAsFirst", "Clip": "SameAsFirst",
    "Sigmoid": "SameAsFirst", "HardSigmoid": "SameAsFirst",
    "HardSwish": "SameAsFirst", "Tanh": "SameAsFirst", "Softplus": "SameAsFirst",
    "Erf": "SameAsFirst", "Exp": "SameAsFirst", "Log": "SameAsFirst",
    "Sqrt": "SameAsFirst", "Reciprocal": "SameAsFirst", "Abs": "SameAsFirst",
    "Neg": "SameAsFirst", "Floor": "SameAsFirst", "Ceil": "SameAsFirst",
    "Round": "SameAsFirst", "Not": "SameAsFirst", "Identity": "SameAsFirst",
    "Softmax": "SameAsFirst", "LogSoftmax": "SameAsFirst", "Dropout": "Dropout",
    "Cast": "Cast", "Sin": "SameAsFirst", "Cos": "SameAsFirst",
    "Tan": "SameAsFirst", "Asin": "SameAsFirst", "Acos": "SameAsFirst",
    "Atan": "SameAsFirst", "Sinh": "SameAsFirst", "Cosh": "SameAsFirst",
    "Asinh": "SameAsFirst", "Acosh": "SameAsFirst", "Atanh": "SameAsFirst",
    "Sign": "SameAsFirst", "Softsign": "SameAsFirst", "Shrink": "SameAsFirst",
    "ThresholdedRelu": "SameAsFirst", "Celu": "SameAsFirst",
    "CastLike": "CastLike", "IsInf": "FloatPredicate",
    "IsNaN": "FloatPredicate", "Hardmax": "AxisSameAsFirst",
    "LpNormalization": "LpNorm", "LRN": "LRN",
    "MeanVarianceNormalization": "MeanVarianceNorm",
    # Broadcasting elementwise.
    "Add": "Broadcast", "Sub": "Broadcast", "Mul": "Broadcast",
    "Div": "Broadcast", "Pow": "Broadcast", "Max": "Broadcast",
    "Min": "Broadcast", "Sum": "Broadcast", "Mean": "Broadcast",
    "Equal": "Compare", "Less": "Compare", "Greater": "Compare",
    "And": "Compare", "Or": "Compare", "Xor": "Compare",
    "GreaterOrEqual": "Compare", "LessOrEqual": "Compare", "Where": "Where",
    "Mod": "Mod", "BitShift": "BitShift",
    # Pooling and reductions.
    "MaxPool": "Pool", "AveragePool": "Pool", "GlobalAveragePool": "GlobalPool",
    "GlobalMaxPool": "GlobalPool", "ReduceMean": "Reduce", "ReduceSum": "Reduce",
    "ReduceMax": "Reduce", "ReduceMin": "Reduce", "ReduceProd": "Reduce",
    "ReduceL2": "Reduce", "ReduceL1": "Reduce", "ReduceLogSum": "Reduce",
    "ReduceLogSumExp": "Reduce", "ReduceSumSquare": "Reduce",
    "ArgMax": "ArgReduce", "ArgMin": "ArgReduce", "CumSum": "CumSum",
    "TopK": "TopK",
    # Data movement and shapes.
    "Reshape": "Reshape", "Flatten": "Flatten", "Transpose": "Transpose",
    "Concat": "Concat", "Split": "Split", "Slice": "Slice", "Gather": "Gather",
    "Squeeze": "Squeeze", "Unsqueeze": "Unsqueeze", "Expand": "Expand",
    "Tile": "Tile", "Pad": "Pad", "Resize": "Resize",
    "DepthToSpace": "DepthToSpace", "SpaceToDepth": "SpaceToDepth",
    "Shape": "Shape", "ConstantOfShape": "ConstantOfShape", "Range": "Range",
    "Size": "Size", "ReverseSequence": "ReverseSequence",
    # Window functions.
    "BlackmanWindow": "Window", "HammingWindow": "Window",
    "HannWindow": "Window",
    # Indexing, scatter/gather and the losses.
    "GatherElements": "GatherElements", "GatherND": "GatherND",
    "ScatterElements": "ScatterElements", "ScatterND": "ScatterND",
    "OneHot": "OneHot", "Trilu": "Trilu", "EyeLike": "EyeLike",
    "NegativeLogLikelihoodLoss": "Loss", "SoftmaxCrossEntropyLoss": "Loss",
    # Quantization.
    "QuantizeLinear": "Quantize", "DequantizeLinear": "Dequantize",
    "DynamicQuantizeLinear": "DynamicQuantize",
    # Recurrent networks.
    "LSTM": "Recurrent", "GRU": "Recurrent", "RNN": "Recurrent",
    # Detection and image ops.
    "GridSample": "GridSample", "RoiAlign": "RoiAlign", "Det": "Det",
    "MaxUnpool": "MaxUnpool", "NonZero": "NonZero",
}

# Ops with a hand-written folder in NNFolds.cpp.
FOLDERS = {
    "Shape", "Gather", "Concat", "Unsqueeze", "Squeeze", "Reshape", "Cast",
    "Slice", "Identity", "ConstantOfShape", "Range", "Add", "Sub", "Mul",
    "Div", "Equal", "Where", "Expand", "Flatten", "Transpose", "Less",
    "Greater", "Not", "Neg", "Abs", "Max", "Min", "Tile", "ReduceProd",
    "Dropout", "Size", "BlackmanWindow", "HammingWindow", "HannWindow",
    "Dropout", "NonZero",
}

# Names that would collide with accessors every MLIR op already has.
RESERVED = {"result", "results", "operands", "type", "loc", "context",
            "operation", "properties", "attributes", "name", "kind"}

ONNX_TO_ODS = {
    "tensor(float16)": "F16", "tensor(float)": "F32", "tensor(double)": "F64",
    "tensor(bfloat16)": "BF16", "tensor(int8)": "I8", "tensor(int16)": "I16",
    "tensor(int32)": "I32", "tensor(int64)": "I64", "tensor(uint8)": "UI8",
    "tensor(uint16)": "UI16", "tensor(uint32)": "UI32",
    "tensor(uint64)": "UI64", "tensor(bool)": "I1",
}

SPECIAL_MNEMONICS = {"MatMul": "matmul", "MatMulInteger": "matmul_integer",
                     "QLinearMatMul": "qlinear_matmul",
                     "QLinearConv": "qlinear_conv", "PRelu": "prelu",
                     "ReduceL2": "reduce_l2", "IsNaN": "is_nan"}


def mnemonic(name):
    if name in SPECIAL_MNEMONICS:
        return SPECIAL_MNEMONICS[name]
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def ident(name):
    return name + "_" if name.lower() in RESERVED else name


def type_constraint(schema, type_str):
    allowed = None
    for tc in schema.type_constraints:
        if tc.type_param_str == type_str:
            allowed = tc.allowed_type_strs
    if allowed is None:
        allowed = [type_str]
    ods = [ONNX_TO_ODS[t] for t in allowed if t in ONNX_TO_ODS]
    if not ods:
        return "AnyTensor"
    return "TensorOf<[%s]>" % ", ".join(ods)


def cpp_float(v):
    s = repr(float(v))
    return s


def attr_decl(name, attr):
    A = defs.OpSchema.AttrType
    has_default = bool(attr.default_value.name)
    value = helper.get_attribute_value(attr.default_value) if has_default else None
    t = attr.type
    if t == A.INT:
        base = "I64Attr"
        if has_default:
            return 'DefaultValuedAttr<I64Attr, "%d">' % value
    elif t == A.FLOAT:
        base = "F32Attr"
        if has_default:
            return 'DefaultValuedAttr<F32Attr, "%s">' % cpp_float(value)
    elif t == A.STRING:
        base = "StrAttr"
        if has_default:
            return 'DefaultValuedStrAttr<StrAttr, "%s">' % value.decode()
    elif t == A.INTS:
        base = "DenseI64ArrayAttr"
    elif t == A.FLOATS:
        base = "DenseF32ArrayAttr"
    elif t == A.STRINGS:
        base = "StrArrayAttr"
    elif t == A.TENSOR:
        base = "ElementsAttr"
    else:
        return None  # graphs, sparse tensors, type protos: not part of nn
    if attr.required:
        return base
    return "OptionalAttr<%s>" % base


def td_escape(text):
    return text.replace("}]", "} ]").strip()


def gen_op(name):
    schema = defs.get_schema(name, OPSET, "")
    shape_fn = OPS[name]
    mn = mnemonic(name)
    traits = ["Pure"]
    args, results = [], []
    operand_names, n_variadic = [], 0
    for inp in schema.inputs:
        opt = inp.option
        tc = type_constraint(schema, inp.typeStr)
        n = ident(inp.name)
        operand_names.append(n)
        if opt == defs.OpSchema.FormalParameterOption.Variadic:
            args.append("Variadic<%s>:$%s" % (tc, n))
            n_variadic += 1
        elif opt == defs.OpSchema.FormalParameterOption.Optional:
            args.append("NN_Optional<%s>:$%s" % (tc, n))
        else:
            args.append("%s:$%s" % (tc, n))
    for aname, attr in sorted(schema.attributes.items()):
        if name == "Cast" and aname == "to":
            args.append("TypeAttr:$to")
            continue
        decl = attr_decl(aname, attr)
        if decl is None:
            continue
        args.append("%s:$%s" % (decl, ident(aname)))
    for out in schema.outputs:
        tc = type_constraint(schema, out.typeStr)
        n = ident(out.name)
        if out.option == defs.OpSchema.FormalParameterOption.Variadic:
            results.append("Variadic<%s>:$%s" % (tc, n))
        else:
            # Optional outputs are always materialized; unused ones are dead.
            results.append("%s:$%s" % (tc, n))
    assert n_variadic <= 1, name
    doc = td_escape(schema.doc or "")
    example_ops = ", ".join("%%%s" % o.lower() for o in operand_names)
    lines = []
    lines.append("def NN_%sOp : NN_Op<\"%s\", [%s]> {" % (name, mn, ", ".join(traits)))
    lines.append("  let summary = \"ONNX %s (opset %d semantics)\";" % (name, schema.since_version))
    lines.append("  let description = [{")
    lines.append("    Tensor op with the semantics of ONNX `%s` as of opset %d (the" % (name, schema.since_version))
    lines.append("    schema current at opset %d). Absent optional operands are `nn.none`" % OPSET)
    lines.append("    values; optional results are always present and may be unused.")
    lines.append("")
    lines.append("    Example:")
    lines.append("    ```mlir")
    lines.append("    %%r = nn.%s %s : (...) -> ..." % (mn, example_ops))
    lines.append("    ```")
    lines.append("")
    lines.append("    ONNX documentation:")
    lines.append("")
    for l in doc.splitlines():
        lines.append(("    " + l).rstrip())
    lines.append("  }];")
    lines.append("  let arguments = (ins")
    lines.append("    " + ",\n    ".join(args))
    lines.append("  );")
    lines.append("  let results = (outs")
    lines.append("    " + ",\n    ".join(results))
    lines.append("  );")
    lines.append("  let shapeFunction = \"infer%sShape\";" % shape_fn)
    if name in FOLDERS:
        lines.append("  let hasFolder = 1;")
    lines.append("}")
    return "\n".join(lines)


def generate():
    out = []
    out.append("//===- NNOnnxOps.td - ONNX-mirroring nn ops (GENERATED) ---*- tablegen -*-===//")
    out.append("//")
    out.append("// Generated by dialects/NN/gen/gen_nn_ods.py from the ONNX %s schemas at" % onnx.__version__)
    out.append("// opset %d. Do not edit by hand: change the generator and re-run it." % OPSET)
    out.append("//")
    out.append("//===----------------------------------------------------------------------===//")
    out.append("")
    out.append("#ifndef TESSERA_DIALECT_NN_NNONNXOPS_TD")
    out.append("#define TESSERA_DIALECT_NN_NNONNXOPS_TD")
    out.append("")
    out.append("include \"NN/NNBase.td\"")
    out.append("")
    for name in sorted(OPS):
        out.append(gen_op(name))
        out.append("")
    out.append("#endif // TESSERA_DIALECT_NN_NNONNXOPS_TD")
    return "\n".join(out) + "\n"


def generate_names():
    """The importer's table: ONNX op type, nn op name, operand/result counts."""
    out = ["// ===- NNOnnxNames.def - ONNX op types of nn ops (GENERATED) ---*- C++ -*-===//",
           "//",
           "// Generated by dialects/NN/gen/gen_nn_ods.py. NN_ONNX_OP(onnx type, nn op,",
           "// number of inputs, last input variadic, number of outputs, outputs variadic).",
           "//",
           "// ===----------------------------------------------------------------------===//",
           "",
           "#ifndef NN_ONNX_OP",
           "#error define NN_ONNX_OP before including NNOnnxNames.def",
           "#endif",
           ""]
    V = defs.OpSchema.FormalParameterOption.Variadic
    for name in sorted(OPS):
        schema = defs.get_schema(name, OPSET, "")
        var_in = any(i.option == V for i in schema.inputs)
        var_out = any(o.option == V for o in schema.outputs)
        out.append('NN_ONNX_OP("%s", "nn.%s", %d, %s, %d, %s)' % (
            name, mnemonic(name), len(schema.inputs), str(var_in).lower(),
            len(schema.outputs), str(var_out).lower()))
    out.append("")
    out.append("#undef NN_ONNX_OP")
    return "\n".join(out) + "\n"


def main():
    import os
    files = {"NNOnnxOps.td": generate(), "NNOnnxNames.def": generate_names()}
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        stale = 0
        for name, text in files.items():
            path = os.path.join(sys.argv[2], name)
            with open(path) as f:
                if f.read() != text:
                    sys.stderr.write("error: %s is stale; re-run gen_nn_ods.py\n" % path)
                    stale = 1
        return stale
    if len(sys.argv) != 2:
        sys.stderr.write("usage: gen_nn_ods.py [--check] DIR\n")
        return 2
    for name, text in files.items():
        with open(os.path.join(sys.argv[1], name), "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
