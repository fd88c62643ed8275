//===- NNDialect.td - the nn dialect ---------------------*- tablegen -*-===//
//
// Part of Tessera. The `nn` dialect: tensor operations with ONNX semantics.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_NN_NNDIALECT_TD
#define TESSERA_DIALECT_NN_NNDIALECT_TD

include "mlir/IR/OpBase.td"

def NN_Dialect : Dialect {
  let name = "nn";
  let summary = "Tensor operations with ONNX semantics";
  let description = [{
    The `nn` dialect is Tessera's graph-level IR. Each operation mirrors one
    ONNX operator (at the opset-17 schema) with typed operands, typed
    attributes and ONNX defaults, so passes never parse attribute protos.
    Shapes are static after import (dynamic dimensions are pinned with
    `--input-shape`); every op's verifier runs the op's shape function and
    checks the declared result types against it, and shape subgraphs
    (`Shape -> Gather -> Concat -> Reshape`) fold away through the op folders.
    Weights are `nn.constant` ops holding dense resources shared by all uses.
  }];
  let cppNamespace = "::tessera::nn";
  let hasConstantMaterializer = 1;
  let useDefaultTypePrinterParser = 0;
}

#endif // TESSERA_DIALECT_NN_NNDIALECT_TD
