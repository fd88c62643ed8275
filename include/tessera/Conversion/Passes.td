//===- Passes.td - Tessera conversion passes -------------*- tablegen -*-===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CONVERSION_PASSES_TD
#define TESSERA_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertNNToLinalg : Pass<"convert-nn-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower nn ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Lowers every nn op to named linalg ops where they exist (matmul,
    convolutions, pooling, transpose, fill) and to `linalg.generic`, `tensor`
    and `arith`/`math` ops otherwise. Unsigned element types become signless;
    the patterns keep the signedness by reading the original nn types. An nn
    op without a lowering is reported at its location (its ONNX node).

    Example:
    ```mlir
    %y = nn.relu %x : (tensor<4xf32>) -> tensor<4xf32>
    // becomes
    %e = tensor.empty() : tensor<4xf32>
    %y = linalg.generic {...} ins(%x) outs(%e) { arith.maximumf ... }
    ```
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect", "::mlir::func::FuncDialect"
  ];
}

#endif // TESSERA_CONVERSION_PASSES_TD
