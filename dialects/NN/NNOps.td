//===- NNOps.td - nn dialect operations ------------------*- tablegen -*-===//
//
// Part of Tessera. The hand-written nn ops (constants and the absent-value
// marker) and, through NNOnnxOps.td, the generated ONNX-mirroring ops.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_NN_NNOPS_TD
#define TESSERA_DIALECT_NN_NNOPS_TD

include "NN/NNBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

def NN_ConstantOp : Op<NN_Dialect, "constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "output"]>]> {
  let summary = "A constant tensor (ONNX initializers and Constant nodes)";
  let description = [{
    Holds a tensor value. Initializers larger than a few elements are imported
    as `dense_resource` blobs, so every use shares one copy of the weights.

    Example:
    ```mlir
    %w = nn.constant dense_resource<conv1.weight> : tensor<64x3x7x7xf32>
    %s = nn.constant dense<[1, -1]> : tensor<2xi64>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyTensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

def NN_NoneOp : Op<NN_Dialect, "none", [ConstantLike, Pure]> {
  let summary = "The absent value of an optional ONNX input";
  let description = [{
    ONNX optional inputs that a node leaves empty are operands produced by
    `nn.none`, so every nn op has a fixed operand list.

    Example:
    ```mlir
    %none = nn.none
    %y = nn.conv %x, %w, %none : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<1x4x6x6xf32>
    ```
  }];
  let results = (outs NoneType:$none);
  let assemblyFormat = "attr-dict";
  let hasFolder = 1;
}

include "NN/NNOnnxOps.td"

#endif // TESSERA_DIALECT_NN_NNOPS_TD
