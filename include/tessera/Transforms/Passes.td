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

def FuseEpilogues : Pass<"tessera-fuse-epilogues", "mlir::func::FuncOp"> {
  let summary = "Group anchors with their epilogues, and elementwise chains, "
                "into nn.fused";
  let description = [{
    Each Conv, ConvTranspose, Gemm or MatMul (the anchor) takes the chain of
    single-use ops after it that are epilogue ops into one `nn.fused` group:
    a bias Add (a constant broadcast along the channel or last dim), a
    per-channel constant Mul, an inference BatchNormalization with constant
    parameters, activations (`isEpilogueActivation`: Relu, LeakyRelu, Clip
    with constant bounds, Sigmoid, HardSigmoid, HardSwish, Tanh, Elu, Selu,
    Softplus, PRelu with a constant slope, `nn.silu`, `nn.gelu`), a residual
    Add (the other operand of the output's shape, any producer) followed by
    an activation, a squeeze-and-excitation Mul by a `[N, C, 1, 1]` tensor
    computed elsewhere, and the gate `x * sigmoid(x)` (decomposed SiLU,
    HardSwish) as two ops. The chain stops at the first op that is none of
    these or whose input has several uses. Then maximal chains of two or
    more single-use elementwise ops (unary math, activations, binary
    arithmetic that does not broadcast the chain's value) become
    "elementwise" groups. Reductions, softmax, normalizations and data
    movement never join a group.

    Values from outside a group are its operands, weights included;
    `nn.none` and inline `dense<...>` constants of at most 16 elements are
    cloned into the body.
    A group's location is the `FusedLoc` of its ops' locations.

    Example: `nn.conv -> nn.add %bias -> nn.add %residual -> nn.relu`
    becomes `nn.fused "conv" (%x, %w, %bias, %residual) {...}`.
  }];
  let options = [
    Option<"fuseElementwise", "fuse-elementwise", "bool", /*default=*/"true",
           "Also group chains of elementwise ops without an anchor">
  ];
  let dependentDialects = ["::tessera::nn::NNDialect"];
}

#endif // TESSERA_TRANSFORMS_PASSES_TD
