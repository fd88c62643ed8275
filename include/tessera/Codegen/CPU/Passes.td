//===- Passes.td - CPU code generation passes ------------*- tablegen -*-===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_CPU_PASSES_TD
#define TESSERA_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def CPUConvLayout : Pass<"tessera-cpu-conv-layout", "mlir::func::FuncOp"> {
  let summary = "Compute NCHW convolutions in NHWC with HWCF weights";
  let description = [{
    Rewrites `linalg.conv_2d_nchw_fchw` into transposes around
    `linalg.conv_2d_nhwc_hwcf`, the layout whose tiled, vectorized form is
    both fast and correct in MLIR 22 (the NCHW one miscompiles after
    decompose + vectorize: see docs/cpu.md). Constant weights are transposed
    at compile time into a new dense resource; a zero-filled init becomes a
    fill of the NHWC shape.

    The transposes back to NCHW are then sunk through elementwise
    `linalg.generic`s (all of whose full-size operands arrive through such a
    transpose), padding (fill + copy into a slice), crops, max/sum pooling,
    bias broadcasts, concatenations (slices of one NHWC tensor that the
    producers write into), channel slices (Split) and channel shuffles
    (expand, transpose of the channel groups, collapse: the same shuffle of
    the NHWC channels), and folded into reductions' indexing maps, until they meet
    the next convolution's transpose to NHWC and cancel: activations stay NHWC
    from the first convolution to the last, and only the graph's edges
    transpose.

    Example:
    ```mlir
    %y = linalg.conv_2d_nchw_fchw ins(%x, %w : ...) outs(%z : tensor<1x64x56x56xf32>)
    // becomes
    %xt = linalg.transpose ins(%x) permutation = [0, 2, 3, 1]
    %c = linalg.conv_2d_nhwc_hwcf ins(%xt, %w_hwcf) outs(%z_nhwc)
    %y = linalg.transpose ins(%c) permutation = [0, 3, 1, 2]
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CPUPadChannels : Pass<"tessera-cpu-pad-channels", "mlir::func::FuncOp"> {
  let summary = "Pad NHWC convolutions' output channels to a vector multiple";
  let description = [{
    A `linalg.conv_2d_nhwc_hwcf` with constant weights whose output channel
    count is no multiple of `multiple` (58, 116 and 232 in ShuffleNetV2) fits
    no register tile of `tessera-cpu-vectorize` and stayed scalar loops.
    Such a convolution computes the next multiple instead, with the filter
    (and a constant bias broadcast into its init) padded with zeros at
    compile time, and its consumers read the real channels through an
    `extract_slice` (a strided view after bufferization, no copy). Padding
    is done when it adds at most a quarter of the channels to a count no
    8-channel tile divides, at most an eighth to others.
    Depthwise convolutions (`linalg.depthwise_conv_2d_nhwc_hwc`) are padded
    the same way, their input too: a padding (insert_slice into a fill) is
    redone with the padded channel count, the producer writing straight into
    it; any other input is copied into the channels of a zero fill.

    Example:
    ```mlir
    %y = linalg.conv_2d_nhwc_hwcf ins(%x, %w : ..., tensor<1x1x24x58xf32>)
        outs(%b : tensor<1x28x28x58xf32>)
    // becomes
    %c = linalg.conv_2d_nhwc_hwcf ins(%x, %w64 : ..., tensor<1x1x24x64xf32>)
        outs(%b64 : tensor<1x28x28x64xf32>)
    %y = tensor.extract_slice %c[0, 0, 0, 0] [1, 28, 28, 58] [1, 1, 1, 1]
    ```
  }];
  let options = [
    Option<"multiple", "multiple", "int64_t", /*default=*/"16",
           "Pad output channels up to a multiple of this">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CPUPeelConvWidth : Pass<"tessera-cpu-peel-conv-width", "mlir::func::FuncOp"> {
  let summary = "Split NHWC convolutions' output columns into a tileable part and a rest";
  let description = [{
    `tessera-cpu-vectorize` tiles a convolution's output row into register
    tiles of a pixel count that divides the width (7, 6, 8, 4, 5, 3, 2, 1
    in that order); SqueezeNet's widths 55, 27 and 13 got tiles of 5, 3 and
    1 pixels, which load a weight vector for every one to five FMAs. A
    `linalg.conv_2d_nhwc_hwcf` whose output width (8 or more) is no multiple
    of 6, 7 or 8 becomes two convolutions on slices of the same input and
    init: the first `7 * (width / 7)` columns and the rest (1 to 6
    columns), each tiled on its own. The slices are views after
    bufferization; both write straight into the result.

    Example:
    ```mlir
    %y = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x13x13x64xf32>, ...)
        outs(%b : tensor<1x13x13x64xf32>)
    // becomes convolutions of 7 and 6 columns
    %x0 = tensor.extract_slice %x[0, 0, 0, 0] [1, 13, 7, 64] [1, 1, 1, 1]
    %b0 = tensor.extract_slice %b[0, 0, 0, 0] [1, 13, 7, 64] [1, 1, 1, 1]
    %y0 = linalg.conv_2d_nhwc_hwcf ins(%x0, %w) outs(%b0)
    %r0 = tensor.insert_slice %y0 into %b[0, 0, 0, 0] [1, 13, 7, 64] [1, 1, 1, 1]
    ...  // columns 7..12 into %r0
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CPUVectorize : Pass<"tessera-cpu-vectorize", "mlir::ModuleOp"> {
  let summary = "Tile and vectorize convolutions for the host CPU";
  let description = [{
    Tiles every `linalg.conv_2d_nhwc_hwcf` into register tiles (output
    pixels x 8 or 16 output channels, chosen per op so the tiles divide the
    shape), decomposes it to 1-D convolutions and vectorizes it into
    outer-product FMAs, with the accumulator kept in registers. Applied as a
    transform-dialect schedule built per module with the transform ops' C++
    builders (`TESSERA_DUMP_CPU_TRANSFORM=1` prints it). Ops whose shapes fit
    no tile stay scalar loops.

    Convolutions with constant weights and more output channels than the
    tile are first split into a loop over blocks of the tile's output
    channels, with the filter packed at compile time as
    `[F/block][KH][KW][C][block]`, so each block's register tiles stream one
    contiguous filter slice.

    The elementwise epilogue of a conv, depthwise conv or matmul (bias,
    activation, residual add: all-parallel f32 generics over its result
    whose intermediate results are used only inside the epilogue) is merged
    into one generic, tiled by the register tile with the op (and its fill
    or bias broadcast init) fused into the loop, so that the accumulator
    goes through the epilogue in registers before it is stored.

    A `vector-bits` other than 0, 128, 256 or 512, a negative `channel-tile` or
    `pixel-tile`, and a schedule that fails to apply are errors.
  }];
  let options = [
    Option<"vectorizeElementwise", "elementwise", "bool", /*default=*/"true",
           "Also tile and vectorize fills, copies and elementwise generics">,
    Option<"fuseEpilogues", "fuse-epilogues", "bool", /*default=*/"true",
           "Compute the elementwise consumers of convs, depthwise convs and "
           "matmuls in their register tiles, before the tile is written">,
    Option<"packFilter", "pack-filter", "bool", /*default=*/"true",
           "Pack constant conv weights by blocks of the register tile's "
           "output channels and loop over the blocks">,
    Option<"channelTile", "channel-tile", "int64_t", /*default=*/"0",
           "Output channels per conv register tile (0: chosen from the "
           "vector registers, see chooseConvTile)">,
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"0",
           "Vector ISA the register tiles are chosen for: 128 (SSE, 16 "
           "registers), 256 (AVX2, 16 registers) or 512 (AVX-512, 32 "
           "registers); 0: the host's">,
    Option<"pixelTile", "pixel-tile", "int64_t", /*default=*/"0",
           "Preferred output pixels per conv register tile when it divides "
           "the output width (0: chosen for the host)">
  ];
  let dependentDialects = ["::mlir::transform::TransformDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::scf::SCFDialect"];
}

def CPUUnshareInits : Pass<"tessera-cpu-unshare-inits", "mlir::func::FuncOp"> {
  let summary = "Give each destination its own copy of a computed-from-scratch init";
  let description = [{
    CSE merges identical fills and bias broadcasts (and, after tiling, their
    loop nests), so one tensor ends up as the destination of several
    convolutions or pads; one-shot bufferization then copies it for all but
    one of them. Run last before bufferization, this pass clones such a
    producer (an op whose operands are only constants and `tensor.empty`s)
    for each destination chain: a DPS init, an `scf.for` init, or an
    `insert_slice` destination together with the `extract_slice` of the same
    region that the inserted value was computed in.

    Example:
    ```mlir
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x58x58x64xf32>)
    %a = tensor.insert_slice %x into %f[0, 1, 1, 0] [1, 56, 56, 64] [1, 1, 1, 1]
    %b = tensor.insert_slice %y into %f[0, 1, 1, 0] [1, 56, 56, 64] [1, 1, 1, 1]
    // becomes two fills of two tensor.empty, one per insert_slice
    ```
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def CPUApproximateMath : Pass<"tessera-cpu-approximate-math",
                              "mlir::func::FuncOp"> {
  let summary = "Polynomial approximations of f32 exp, tanh, erf and log";
  let description = [{
    Rewrites f32 `math.exp`, `math.expm1`, `math.tanh`, `math.erf`,
    `math.log`, `math.log1p` and `math.log2` into upstream MLIR's polynomial
    approximations (arith and `math.fma`/`math.absf`/`math.floor` only), so
    the elementwise loops that hold them (Sigmoid, SiLU, softmax's exp, GELU)
    vectorize instead of calling libm once per element. Run before
    `tessera-cpu-vectorize`. Measured accuracy against libm: docs/cpu.md.
  }];
  let options = [
    Option<"erf", "erf", "bool", /*default=*/"true",
           "Also approximate math.erf (otherwise it stays a libm call)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def CPUFuseElementwise : Pass<"tessera-cpu-fuse-elementwise",
                              "mlir::func::FuncOp"> {
  let summary = "Fuse elementwise linalg.generic chains without recomputation";
  let description = [{
    Merges an elementwise `linalg.generic` into its elementwise consumer when
    both are all-parallel, the producer's one result has that consumer as its
    only use, and both read and write it element for element (identity
    indexing maps: nothing is recomputed or broadcast), with f32, i8 or i32
    tensors (the integer graph's cast/rescale/add chains) and
    projected-permutation maps only, so the fused loop still vectorizes.
    Never fuses into reductions, contractions or named ops (upstream
    `linalg-fuse-elementwise-ops` fused the Transformer's FFN bias + ReLU
    into the next matmul, recomputing it once per output column). The fused
    op's location is the `FusedLoc` of both ops' locations.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CPUFuseRows : Pass<"tessera-cpu-fuse-rows", "mlir::func::FuncOp"> {
  let summary = "Softmax / layer normalization chains as one vectorized row loop";
  let description = [{
    Finds chains of `linalg.generic`s that reduce along the innermost
    dimension and use the result elementwise (softmax: max, exp, sum,
    divide; layer normalization: mean, variance, normalize), all over the
    same outer "row" dimensions, with every intermediate used only inside
    the chain. Each chain becomes one loop over rows whose body computes
    each op once on its row (`[1, ..., 1, N]` slices) and is vectorized on
    the spot: the row stays in vector registers and the reductions become
    vector reductions (reassociated sums). The loop's location is the
    `FusedLoc` of all fused ops. Rows of more than `max-row` elements, or of
    a size that is not a multiple of 16, are left alone.
  }];
  let options = [
    Option<"maxRow", "max-row", "int64_t", /*default=*/"2048",
           "Largest row (product of the inner dimensions) to fuse">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // TESSERA_CODEGEN_CPU_PASSES_TD
