//===- NNOps.td - nn dialect operations ------------------*- tablegen -*-===//
//
// Part of Tessera. The hand-written nn ops (constants, the absent-value
// marker, and the activations pattern recognition forms) and, through
// NNOnnxOps.td, the generated ONNX-mirroring ops.
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

//===----------------------------------------------------------------------===//
// Ops that tessera-recognize-patterns forms from decomposed exporter output.
//===----------------------------------------------------------------------===//

def NN_SiluOp : NN_Op<"silu", [Pure]> {
  let summary = "SiLU (Swish): x * sigmoid(x)";
  let description = [{
    Elementwise `y = x * sigmoid(x) = x / (1 + exp(-x))`. Not an ONNX op at
    opset 17: `tessera-recognize-patterns` forms it from the
    `Mul(x, Sigmoid(x))` exporters emit.

    Example:
    ```mlir
    %y = nn.silu %x : (tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
    ```
  }];
  let arguments = (ins TensorOf<[F16, F32, F64, BF16]>:$X);
  let results = (outs TensorOf<[F16, F32, F64, BF16]>:$Y);
  let shapeFunction = "inferSameAsFirstShape";
}

def NN_GeluApproximateAttr : StringBasedAttr<
    CPred<"::llvm::isa<::mlir::StringAttr>($_self) && "
          "(::llvm::cast<::mlir::StringAttr>($_self).getValue() == \"none\" || "
          "::llvm::cast<::mlir::StringAttr>($_self).getValue() == \"tanh\")">,
    "string attribute \"none\" or \"tanh\"">;

def NN_GeluOp : NN_Op<"gelu", [Pure]> {
  let summary = "Gelu with the semantics of ONNX Gelu (opset 20)";
  let description = [{
    Elementwise `y = 0.5 * x * (1 + erf(x / sqrt(2)))` when `approximate` is
    `"none"`, and `y = 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 *
    x^3)))` when it is `"tanh"`. ONNX has Gelu from opset 20 only:
    `tessera-recognize-patterns` forms it from the decomposed forms that
    exporters emit at earlier opsets.

    Example:
    ```mlir
    %y = nn.gelu %x {approximate = "tanh"} : (tensor<1x128x256xf32>) -> tensor<1x128x256xf32>
    ```
  }];
  let arguments = (ins
    TensorOf<[F16, F32, F64, BF16]>:$X,
    DefaultValuedStrAttr<NN_GeluApproximateAttr, "none">:$approximate
  );
  let results = (outs TensorOf<[F16, F32, F64, BF16]>:$Y);
  let shapeFunction = "inferSameAsFirstShape";
}

//===----------------------------------------------------------------------===//
// Fusion groups (tessera-fuse-epilogues)
//===----------------------------------------------------------------------===//

def NN_FusedOp : Op<NN_Dialect, "fused",
    [IsolatedFromAbove, SingleBlock, RecursiveMemoryEffects]> {
  let summary = "A fusion group: nn ops that a back end runs as one kernel";
  let description = [{
    A graph-level fusion group (like an XLA fusion or an IREE dispatch
    region). The single block of the body holds nn ops and ends in
    `nn.yield`; the body's arguments are the group's operands and the yielded
    values its results. `kind` names the anchor, the body's first op that is
    not `nn.constant`/`nn.none`: "conv", "conv_transpose", "gemm", "matmul",
    or "elementwise" for a chain of elementwise ops without an anchor.

    Constants: weights and other values from outside are operands (dense
    resources stay shared by every use); `nn.none` and inline `dense<...>`
    constants of at most 16 elements (clip bounds, slopes, scalars) live
    inside the body.
    The op's location is a `FusedLoc` of the grouped ops' locations, and the
    body ops keep their own, so each ONNX node stays findable.

    Example:
    ```mlir
    %r = nn.fused "conv" (%x, %w, %b, %res) : (tensor<1x8x8x8xf32>,
        tensor<8x8x3x3xf32>, tensor<8xf32>, tensor<1x8x8x8xf32>)
        -> tensor<1x8x8x8xf32> {
    ^bb0(%a0: tensor<1x8x8x8xf32>, %a1: tensor<8x8x3x3xf32>,
         %a2: tensor<8xf32>, %a3: tensor<1x8x8x8xf32>):
      %0 = nn.conv %a0, %a1, %a2 {pads = [1, 1, 1, 1]} : (...) -> ...
      %1 = nn.add %0, %a3 : (...) -> ...
      %2 = nn.relu %1 : (...) -> ...
      nn.yield %2 : tensor<1x8x8x8xf32>
    }
    ```
  }];
  let arguments = (ins StrAttr:$kind, Variadic<AnyType>:$inputs);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $kind ` ` `(` $inputs `)` attr-dict `:` functional-type($inputs, results)
    $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The body's first op that is not a constant; null for "elementwise".
    ::mlir::Operation *getAnchor();
    /// The kind `op` anchors ("conv", ...), or empty when it is no anchor.
    static ::llvm::StringRef getAnchorKind(::mlir::Operation *op);
  }];
}

def NN_YieldOp : Op<NN_Dialect, "yield",
    [Pure, Terminator, ParentOneOf<["FusedOp", "IfOp", "LoopOp", "ScanOp"]>]> {
  let summary = "Returns the results of an `nn.fused` body or a subgraph";
  let description = [{
    Terminates the body of `nn.fused` (its operands are the group's results)
    and the regions of `nn.if`, `nn.loop` and `nn.scan` (the outputs of the
    ONNX subgraph, in order).

    Example:
    ```mlir
    nn.yield %2 : tensor<1x8x8x8xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
}

//===----------------------------------------------------------------------===//
// Control flow: ONNX If, Loop and Scan with their subgraphs as regions
//===----------------------------------------------------------------------===//

def NN_IfOp : Op<NN_Dialect, "if", [RecursiveMemoryEffects, NoRegionArguments,
    DeclareOpInterfaceMethods<NN_ShapeInferenceOpInterface>]> {
  let summary = "ONNX If: runs one of two subgraphs";
  let description = [{
    Yields the outputs of `then_branch` when the one-element boolean `cond` is
    true and those of `else_branch` otherwise. The branches are the ONNX
    subgraphs: blocks without arguments ending in `nn.yield`; they use values
    of the enclosing graph directly (outer-scope references). Each result
    has the type both branches agree on: a dim on which their static sizes
    differ is dynamic. An `nn.if` whose condition is a constant is replaced
    by the taken branch (canonicalization).

    Example:
    ```mlir
    %r = nn.if %c : tensor<i1> -> tensor<2xf32> {
      nn.yield %a : tensor<2xf32>
    } else {
      %n = nn.neg %a : (tensor<2xf32>) -> tensor<2xf32>
      nn.yield %n : tensor<2xf32>
    }
    ```
  }];
  let arguments = (ins AnyTensor:$cond);
  let results = (outs Variadic<AnyType>:$outputs);
  let regions = (region SizedRegion<1>:$then_branch,
                        SizedRegion<1>:$else_branch);
  let assemblyFormat = [{
    $cond `:` type($cond) (`->` type($outputs)^)? attr-dict-with-keyword
    $then_branch `else` $else_branch
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let hasCanonicalizer = 1;
}

def NN_LoopOp : Op<NN_Dialect, "loop", [RecursiveMemoryEffects,
    DeclareOpInterfaceMethods<NN_ShapeInferenceOpInterface>]> {
  let summary = "ONNX Loop: a subgraph run while a count and a condition allow";
  let description = [{
    ONNX Loop. Operands: the trip count `M` (a one-element int64 tensor, or
    `nn.none` for no limit), the condition `cond` (a one-element boolean, or
    `nn.none` for true) and the N loop-carried initial values. The body's
    arguments are the iteration number (`tensor<i64>`), the condition and the
    N carried values; it yields the next condition, the N next carried values
    and K scan outputs. The results are the N final carried values and the K
    scan outputs stacked along a new first dim (one row per iteration). The
    body uses values of the enclosing graph directly.

    Example:
    ```mlir
    %y, %s = nn.loop %m, %c, %y0 : (tensor<i64>, tensor<i1>, tensor<2xf32>)
        -> (tensor<2xf32>, tensor<3x2xf32>) {
    ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<2xf32>):
      %n = nn.add %yi, %x : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
      nn.yield %ci, %n, %n : tensor<i1>, tensor<2xf32>, tensor<2xf32>
    }
    ```
  }];
  let arguments = (ins AnyType:$M, AnyType:$cond,
                       Variadic<AnyTensor>:$v_initial);
  let results = (outs Variadic<AnyTensor>:$outputs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    operands attr-dict-with-keyword `:` functional-type(operands, results)
    $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of loop-carried values (N).
    unsigned getNumCarried() { return getVInitial().size(); }
    /// The number of scan outputs (K).
    unsigned getNumScanOutputs() {
      return getNumResults() - getNumCarried();
    }
  }];
}

def NN_ScanOp : Op<NN_Dialect, "scan", [RecursiveMemoryEffects,
    DeclareOpInterfaceMethods<NN_ShapeInferenceOpInterface>]> {
  let summary = "ONNX Scan (opset 9+): a subgraph run on slices of its inputs";
  let description = [{
    ONNX Scan. The operands are N state variables followed by the M =
    `num_scan_inputs` scan inputs. Iteration `t` gives the body the current
    states and slice `t` of each scan input along its axis
    (`scan_input_axes`, default 0; read from the end where
    `scan_input_directions` is 1); the body yields the N next states and K
    scan output slices. The results are the N final states and the K scan
    outputs, whose slices are stacked along `scan_output_axes` (default 0),
    in reverse order where `scan_output_directions` is 1. Every scan input
    has the same length along its axis: the number of iterations.

    Example:
    ```mlir
    %s, %z = nn.scan %s0, %x {num_scan_inputs = 1 : i64}
        : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
    ^bb0(%si: tensor<2xf32>, %xi: tensor<2xf32>):
      %n = nn.add %si, %xi : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
      nn.yield %n, %n : tensor<2xf32>, tensor<2xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<AnyTensor>:$initial_state_and_scan_inputs,
                       I64Attr:$num_scan_inputs,
                       OptionalAttr<DenseI64ArrayAttr>:$scan_input_axes,
                       OptionalAttr<DenseI64ArrayAttr>:$scan_input_directions,
                       OptionalAttr<DenseI64ArrayAttr>:$scan_output_axes,
                       OptionalAttr<DenseI64ArrayAttr>:$scan_output_directions);
  let results = (outs Variadic<AnyTensor>:$outputs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    operands attr-dict-with-keyword `:` functional-type(operands, results)
    $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of state variables (N).
    unsigned getNumStates() {
      return getInitialStateAndScanInputs().size() - getNumScanInputs();
    }
    /// The M scan inputs.
    ::mlir::OperandRange getScanInputs() {
      return getInitialStateAndScanInputs().drop_front(getNumStates());
    }
    /// The number of scan outputs (K).
    unsigned getNumScanOutputs() { return getNumResults() - getNumStates(); }
    /// Axis of scan input `i` (normalized), direction of scan input `i`, and
    /// the same for scan output `k`.
    int64_t getInputAxis(unsigned i);
    bool isInputReversed(unsigned i);
    int64_t getOutputAxis(unsigned k);
    bool isOutputReversed(unsigned k);
  }];
}

//===----------------------------------------------------------------------===//
// Integer quantization ops
//===----------------------------------------------------------------------===//

/// An nn op whose verifier also checks its attributes (`verifyAttributes`)
/// after the shape function.
class NN_QuantOp<string mnemonic, list<Trait> traits = []>
    : NN_Op<mnemonic, traits> {
  let extraClassDeclaration = [{
    ::llvm::LogicalResult verifyAttributes();
  }];
  let extraClassDefinition = !strconcat([{
    ::llvm::LogicalResult $cppClass::inferResultTypes(
        ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::tessera::nn::inferResultTypesBounded(getOperation(), types,
          &::tessera::nn::}], shapeFunction, [{);
    }
    ::llvm::LogicalResult $cppClass::verify() {
      if (::mlir::failed(
              ::tessera::nn::verifyInferredResultTypes(getOperation())))
        return ::mlir::failure();
      return verifyAttributes();
    }
  }]);
  let shapeFunction = "inferConvertElementShape";
}

def NN_RequantizeOp : NN_QuantOp<"requantize", [Pure]> {
  let summary = "The NPU's fixed-point requantization of an int32 accumulator";
  let description = [{
    Maps each int32 accumulator value to int8 (or to int32 holding the same
    value, the NPU's `dst_mem=acc` mode) with exactly the integer formula of
    `tessera::npu::requantize` (docs/npu/numerics.md):

    ```
    p = acc * multiplier                        64-bit, exact
    r = p                                       if shift = 0
    r = floor(p / 2^shift) + bit(shift-1) of p  if shift >= 1
    q = clamp(r + zero_point, clamp_lo, clamp_hi)
    ```

    i.e. `(p + 2^(shift-1)) >> shift` (rounding half toward +infinity: 1.5
    -> 2, -1.5 -> -1) computed without overflow at shift 63. No floating
    point is involved, so the CPU result is bit-exact with the NPU's.

    `multiplier` (any int32) and `shift` (0 to 63) hold one value (per
    tensor) or, with `axis`, one value per slice along `axis` (per channel).
    `zero_point`, `clamp_lo` and `clamp_hi` are per tensor, with
    `clamp_lo <= clamp_hi`; a narrower clamp fuses ReLU/ReLU6. For an int8
    result they are int8 values; for an int32 result any int32 values (the
    defaults still clamp to -128..127: an i32 rescale that must not saturate,
    as the operands of an integer Add, sets `clamp_lo = -2147483648` and
    `clamp_hi = 2147483647`).

    Example:
    ```mlir
    %q = nn.requantize %acc {multiplier = array<i32: 1690499128>,
        shift = array<i32: 37>, zero_point = 5 : i32}
        : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8>
    %r = nn.requantize %acc {multiplier = array<i32: 1073741824, 1610612736>,
        shift = array<i32: 31, 31>, axis = 1 : i64, clamp_lo = 0 : i32}
        : (tensor<4x2xi32>) -> tensor<4x2xi8>
    ```
  }];
  let arguments = (ins
    TensorOf<[I32]>:$X,
    DenseI32ArrayAttr:$multiplier,
    DenseI32ArrayAttr:$shift,
    DefaultValuedAttr<I32Attr, "0">:$zero_point,
    DefaultValuedAttr<I32Attr, "-128">:$clamp_lo,
    DefaultValuedAttr<I32Attr, "127">:$clamp_hi,
    OptionalAttr<I64Attr>:$axis
  );
  let results = (outs TensorOf<[I8, I32]>:$Y);
}

def NN_QuantizeOp : NN_QuantOp<"quantize", [Pure]> {
  let summary = "f32 to int8: saturate(round_half_to_even(x / scale) + zp)";
  let description = [{
    `q = saturate_int8(round_half_to_even(x / scale) + zero_point)`, with the
    division in f32 and ties rounded to even (2.5 -> 2, 3.5 -> 4, -2.5 -> -2),
    as ONNX QuantizeLinear. `scale` (positive, finite) and `zero_point`
    (int8 values) hold one value, or with `axis` one value per slice along
    `axis`.

    `nn.dequantize(nn.quantize(x))` is not the identity (it rounds and
    saturates) and never folds away.

    Example:
    ```mlir
    %q = nn.quantize %x {scale = array<f32: 0.05>, zero_point = array<i32: 3>}
        : (tensor<1x8xf32>) -> tensor<1x8xi8>
    ```
  }];
  let arguments = (ins
    TensorOf<[F32]>:$X,
    DenseF32ArrayAttr:$scale,
    DenseI32ArrayAttr:$zero_point,
    OptionalAttr<I64Attr>:$axis
  );
  let results = (outs TensorOf<[I8]>:$Y);
}

def NN_DequantizeOp : NN_QuantOp<"dequantize", [Pure]> {
  let summary = "int8 to f32: (q - zero_point) * scale";
  let description = [{
    `x = f32(q - zero_point) * scale`: the difference is exact in int32, the
    product rounds once in f32 (as ONNX DequantizeLinear). `scale` (positive,
    finite) and `zero_point` (int8 values) hold one value, or with `axis` one
    value per slice along `axis`.

    Example:
    ```mlir
    %x = nn.dequantize %q {scale = array<f32: 0.1, 0.2>,
        zero_point = array<i32: 0, -4>, axis = 0 : i64}
        : (tensor<2x8xi8>) -> tensor<2x8xf32>
    ```
  }];
  let arguments = (ins
    TensorOf<[I8]>:$X,
    DenseF32ArrayAttr:$scale,
    DenseI32ArrayAttr:$zero_point,
    OptionalAttr<I64Attr>:$axis
  );
  let results = (outs TensorOf<[F32]>:$Y);
}

def NN_LookupTableOp : NN_QuantOp<"lookup_table", [Pure]> {
  let summary = "An int8 activation as a 256-entry table: y = table[x + 128]";
  let description = [{
    Maps each int8 element `x` to `table[x + 128]`: `table` holds the 256
    int8 results of every possible input, from -128 to 127.
    `tessera-quantize` makes it from a one-input float activation (Sigmoid,
    HardSwish, ...) between two int8 tensors: entry `i` is
    `quantize(f(dequantize(i - 128)))`, computed at compile time, so the
    integer graph never leaves int8 for the activation and the CPU result is
    bit-exact with the NPU's `vec lut` (ISA v2).

    Example:
    ```mlir
    %y = nn.lookup_table %x {table = dense<[-128, ..., 127]> : tensor<256xi8>}
        : (tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi8>
    ```
  }];
  let arguments = (ins TensorOf<[I8]>:$X, AnyIntElementsAttr:$table);
  let results = (outs TensorOf<[I8]>:$Y);
  let assemblyFormat =
      "$X attr-dict `:` functional-type(operands, results)";
  let shapeFunction = "inferSameAsFirstShape";
}

#endif // TESSERA_DIALECT_NN_NNOPS_TD
