//===- NNInterfaces.td - nn op interfaces ----------------*- tablegen -*-===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_NN_NNINTERFACES_TD
#define TESSERA_DIALECT_NN_NNINTERFACES_TD

include "mlir/IR/OpBase.td"

def NN_ShapeInferenceOpInterface : OpInterface<"ShapeInferenceOpInterface"> {
  let cppNamespace = "::tessera::nn";
  let description = [{
    Computes the result types of an op from its operand types, attributes and
    constant operand values. Dimensions that cannot be known are dynamic.
    Fails (emitting an error at the op) when operands and attributes are
    inconsistent, which is what makes it the op's verifier as well.
  }];
  let methods = [
    InterfaceMethod<"Infers the result types of this op.", "::llvm::LogicalResult",
      "inferResultTypes", (ins "::llvm::SmallVectorImpl<::mlir::Type> &":$types)>
  ];
}

#endif // TESSERA_DIALECT_NN_NNINTERFACES_TD
