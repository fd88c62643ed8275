//===- Passes.td - Tessera target-independent passes -----*- tablegen -*-===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TRANSFORMS_PASSES_TD
#define TESSERA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def ShapeInference : Pass<"tessera-shape-inference", "mlir::func::FuncOp"> {
  let summary = "Refine nn result types from shape functions and fold shape subgraphs";
  let description = [{
    Alternates folding (so `Shape -> Gather -> Concat -> Reshape` chains
    become constants once input shapes are known) with refining every nn op's
    result type to what its shape function infers, until nothing changes, then
    updates the function's result types. With `require-static`, every dynamic
    dimension left behind is an error located at the op that produced it.

    Example: after pinning `x` to `1x3x224x224`, a PyTorch-style
    `nn.reshape %x, (nn.concat (nn.gather (nn.shape %x)), -1)` becomes a
    reshape with a constant shape and a static result type.
  }];
  let options = [
    Option<"requireStatic", "require-static", "bool", /*default=*/"false",
           "Fail on any tensor whose shape is still dynamic afterwards">
  ];
  let dependentDialects = ["::tessera::nn::NNDialect"];
}

#endif // TESSERA_TRANSFORMS_PASSES_TD
