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
    [Pure, Terminator, HasParent<"FusedOp">]> {
  let summary = "Returns the results of an `nn.fused` body";
  let description = [{
    Terminates the body of `nn.fused`; its operands are the group's results.

    Example:
    ```mlir
    nn.yield %2 : tensor<1x8x8x8xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
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
