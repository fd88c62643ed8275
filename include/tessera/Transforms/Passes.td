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

def FoldGraph : Pass<"tessera-fold-graph", "mlir::func::FuncOp"> {
  let summary = "Fold BatchNorm, constant scales, Pads and layout chains into their neighbours";
  let description = [{
    Greedy rewrites on the nn dialect, each only where it is exact:

    - An inference BatchNormalization (constant scale, B, mean and var; its
      running statistics unused) after a Conv, ConvTranspose or Gemm with
      constant weights (and constant or absent bias) whose result has no
      other use scales the weights per output channel and becomes the bias.
    - Mul, Div, Add and Sub of such a result by a constant that varies only
      over the output channels (shape `[C,1,1]`, `[1,C,1,1]`, a scalar; `[N]`
      or `[1,N]` after Gemm) likewise scale the weights and bias or shift the
      bias.
    - A single-use constant-mode Pad of zeros on the spatial dims only joins
      the `pads` of the Conv (auto_pad NOTSET) or AveragePool
      (count_include_pad=1) after it; a Pad of -inf, those of a MaxPool.
    - Transpose of Transpose composes (and vanishes when the identity); a
      chain of Reshape/Flatten/Squeeze/Unsqueeze of static shapes becomes one
      Reshape, or nothing when it restores its input type. Identity and
      inference Dropout vanish through their folders.
    - Float elementwise ops, Transpose, the reshape-like ops and Cast whose
      operands are constants become one constant of any size (up to 2^26
      elements; the dialect's folders stop at 4096), stored as a
      `dense_resource` blob when large.

    The op that absorbs others, and every constant built, gets the FusedLoc
    of all the ops merged, so each ONNX node name stays findable.
  }];
  let dependentDialects = ["::tessera::nn::NNDialect"];
}

def RecognizePatterns : Pass<"tessera-recognize-patterns", "mlir::func::FuncOp"> {
  let summary = "Turn the decomposed activations and normalizations exporters emit into single ops";
  let description = [{
    Matches, with constants equal within a relative 1e-4 and every
    intermediate used only inside the pattern:

    - `x * sigmoid(x)` -> `nn.silu`;
    - `x * hard_sigmoid(x)` (alpha 1/6, beta 0.5) and
      `x * clip(x + 3, 0, 6) / 6` (or `* (1/6)`, in either grouping) ->
      `nn.hard_swish`;
    - `0.5 * x * (1 + erf(x / sqrt(2)))` -> `nn.gelu`, and
      `0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))` ->
      `nn.gelu {approximate = "tanh"}`, in any order and grouping of the
      products (`x^3` as Pow or products, `/ c` as `* (1/c)`);
    - `(x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps)` over the trailing
      axes, optionally `* gamma + beta` with constants over those axes ->
      `nn.layer_normalization`;
    - `exp(x - max(x)) / sum(exp(x - max(x)))` (or without the max) over one
      axis with keepdims -> `nn.softmax`.

    The new op gets the FusedLoc of every op matched.
  }];
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
    Add (the other operand of the output's shape, any producer) with the
    activation after it if any, a squeeze-and-excitation Mul by a `[N, C, 1, 1]` tensor
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

def LowerQDQ : Pass<"tessera-lower-qdq", "mlir::func::FuncOp"> {
  let summary = "Lower a pre-quantized ONNX graph (QDQ, QLinear ops) to the integer graph";
  let description = [{
    Opt-in (`buildNNStagePipeline(..., lowerQDQ)`, `tessera-nn-stage{lower-qdq}`).
    With constant scales and zero points, on the nn ops the ONNX importer
    produces:

    - `Q(act?(op(DQ(x), DQ(w), bias?)))` for Conv, Gemm (alpha = beta = 1,
      A not transposed) and MatMul with constant int8/uint8 weights, per
      tensor or per output channel, becomes `nn.conv_integer` /
      `nn.matmul_integer`, `nn.add` of an int32 bias (a DQ'd int32 bias at
      scale s_x * s_w is used as is; a float one is rounded to that scale),
      and `nn.requantize` with the fixed-point multiplier/shift of
      s_x * s_w[c] / s_y (`tessera::npu::encodeRequantizeScale`); a Relu or
      Clip with constant bounds becomes the requantize clamp.
    - QLinearConv and QLinearMatMul (constant weights and parameters) become
      the same integer graph.
    - `Q(op(DQ(x)))` with equal parameters for MaxPool, Reshape, Flatten,
      Squeeze, Unsqueeze, Transpose and Concat runs `op` on int8; `Q(DQ(x))`
      with equal parameters is x (exact: q(dq(a)) = a).
    - Every other QuantizeLinear / DequantizeLinear becomes `nn.quantize` /
      `nn.dequantize`; `nn.dequantize(nn.quantize(x))` never folds away.

    uint8 tensors become int8 with the zero point lowered by 128 (exact).
    The fixed-point requantize rounds half toward +infinity where ONNX rounds
    half to even, so single outputs can differ by one step at ties
    (docs/npu/numerics.md). Each op built has the FusedLoc of the ops it
    replaces.
  }];
  let dependentDialects = ["::tessera::nn::NNDialect"];
}

#endif // TESSERA_TRANSFORMS_PASSES_TD
