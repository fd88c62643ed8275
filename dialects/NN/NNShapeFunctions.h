//===- NNShapeFunctions.h - shape functions of nn ops -----------*- C++ -*-===//
//
// Part of Tessera. One shape function per family of ONNX operators. Each
// computes the result types of an op from its operands, attributes and
// constant operand values, with dynamic dims where a size cannot be known, and
// emits a located error when the op is inconsistent.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_NN_NNSHAPEFUNCTIONS_H
#define TESSERA_DIALECT_NN_NNSHAPEFUNCTIONS_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"

namespace tessera::nn {

/// Runs the op's shape function and checks that every declared result type
/// is compatible with (equal to, or less static than) the inferred one.
llvm::LogicalResult verifyInferredResultTypes(mlir::Operation *op);

/// Returns the inferred result types of an nn op, or failure (without
/// diagnostics) when the op has no shape function or it fails.
llvm::FailureOr<llvm::SmallVector<mlir::Type>>
inferResultTypesQuietly(mlir::Operation *op);

/// Runs the shape function `fn` of `op` within bounds: operand and declared
/// result types are checked first and the inferred types afterwards, so no
/// shape function sees, and no op gets, a size that cannot be represented.
llvm::LogicalResult inferResultTypesBounded(
    mlir::Operation *op, llvm::SmallVectorImpl<mlir::Type> &types,
    llvm::LogicalResult (*fn)(mlir::Operation *,
                              llvm::SmallVectorImpl<mlir::Type> &));

#define TESSERA_NN_SHAPE_FN(NAME)                                              \
  llvm::LogicalResult infer##NAME##Shape(                                      \
      mlir::Operation *op, llvm::SmallVectorImpl<mlir::Type> &types);
// Elementwise (NNShapesElementwise.cpp).
TESSERA_NN_SHAPE_FN(SameAsFirst)
/// The first operand's shape with the declared result's element type (the
/// integer quantization ops, which change only the element type).
TESSERA_NN_SHAPE_FN(ConvertElement)
TESSERA_NN_SHAPE_FN(Broadcast)
TESSERA_NN_SHAPE_FN(Compare)
TESSERA_NN_SHAPE_FN(Where)
TESSERA_NN_SHAPE_FN(Cast)
TESSERA_NN_SHAPE_FN(Dropout)
TESSERA_NN_SHAPE_FN(Quantize)
TESSERA_NN_SHAPE_FN(Dequantize)
/// DynamicQuantizeLinear: y (x's shape, ui8), a scalar f32 y_scale and a
/// scalar ui8 y_zero_point.
TESSERA_NN_SHAPE_FN(DynamicQuantize)
// Compute ops (NNShapesCompute.cpp).
TESSERA_NN_SHAPE_FN(Conv)
TESSERA_NN_SHAPE_FN(ConvTranspose)
TESSERA_NN_SHAPE_FN(Pool)
TESSERA_NN_SHAPE_FN(GlobalPool)
TESSERA_NN_SHAPE_FN(Gemm)
TESSERA_NN_SHAPE_FN(MatMul)
TESSERA_NN_SHAPE_FN(Einsum)
TESSERA_NN_SHAPE_FN(BatchNorm)
TESSERA_NN_SHAPE_FN(LayerNorm)
TESSERA_NN_SHAPE_FN(Reduce)
TESSERA_NN_SHAPE_FN(ArgReduce)
// Data movement and shape ops (NNShapesData.cpp).
TESSERA_NN_SHAPE_FN(Reshape)
TESSERA_NN_SHAPE_FN(Flatten)
TESSERA_NN_SHAPE_FN(Transpose)
TESSERA_NN_SHAPE_FN(Concat)
TESSERA_NN_SHAPE_FN(Split)
TESSERA_NN_SHAPE_FN(Slice)
TESSERA_NN_SHAPE_FN(Gather)
TESSERA_NN_SHAPE_FN(Squeeze)
TESSERA_NN_SHAPE_FN(Unsqueeze)
TESSERA_NN_SHAPE_FN(Expand)
TESSERA_NN_SHAPE_FN(Tile)
TESSERA_NN_SHAPE_FN(Pad)
TESSERA_NN_SHAPE_FN(Resize)
TESSERA_NN_SHAPE_FN(DepthToSpace)
TESSERA_NN_SHAPE_FN(SpaceToDepth)
TESSERA_NN_SHAPE_FN(Shape)
TESSERA_NN_SHAPE_FN(ConstantOfShape)
TESSERA_NN_SHAPE_FN(Range)
// The smaller operators (NNShapesMisc.cpp).
/// Mod: Broadcast, with fmod in {0, 1} and fmod = 1 for floats.
TESSERA_NN_SHAPE_FN(Mod)
/// BitShift: Broadcast, with direction "LEFT" or "RIGHT".
TESSERA_NN_SHAPE_FN(BitShift)
/// CastLike: the input's shape with target_type's element type.
TESSERA_NN_SHAPE_FN(CastLike)
/// IsInf, IsNaN: the input's shape, i1.
TESSERA_NN_SHAPE_FN(FloatPredicate)
/// SameAsFirst with an `axis` attribute (default -1) in range (Hardmax).
TESSERA_NN_SHAPE_FN(AxisSameAsFirst)
TESSERA_NN_SHAPE_FN(LpNorm)
TESSERA_NN_SHAPE_FN(LRN)
TESSERA_NN_SHAPE_FN(MeanVarianceNorm)
TESSERA_NN_SHAPE_FN(CumSum)
/// TopK: the input's shape with K (dynamic unless constant) along axis.
TESSERA_NN_SHAPE_FN(TopK)
/// Size: a 0-d i64.
TESSERA_NN_SHAPE_FN(Size)
TESSERA_NN_SHAPE_FN(ReverseSequence)
/// Blackman/Hamming/HannWindow: 1-D of `size` elements of output_datatype.
TESSERA_NN_SHAPE_FN(Window)
// Recurrent ops (NNShapesRecurrent.cpp).
/// LSTM, GRU and RNN: Y, Y_h (and LSTM's Y_c) from X, W, R and the states.
TESSERA_NN_SHAPE_FN(Recurrent)
// Indexing, scatter/gather and losses (NNShapesIndexing.cpp).
TESSERA_NN_SHAPE_FN(GatherElements)
TESSERA_NN_SHAPE_FN(ScatterElements)
TESSERA_NN_SHAPE_FN(GatherND)
TESSERA_NN_SHAPE_FN(ScatterND)
TESSERA_NN_SHAPE_FN(OneHot)
TESSERA_NN_SHAPE_FN(Trilu)
/// EyeLike: the input's shape with the element type of the `dtype`
/// attribute (an ONNX TensorProto data type), the input's when absent.
TESSERA_NN_SHAPE_FN(EyeLike)
/// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: the loss (the
/// target's shape for reduction 'none', a scalar otherwise) and, for the
/// latter, log_prob (the scores' shape).
TESSERA_NN_SHAPE_FN(Loss)
// Detection and image ops (NNShapesDetection.cpp).
TESSERA_NN_SHAPE_FN(GridSample)
TESSERA_NN_SHAPE_FN(RoiAlign)
TESSERA_NN_SHAPE_FN(Det)
TESSERA_NN_SHAPE_FN(MaxUnpool)
TESSERA_NN_SHAPE_FN(NonZero)
#undef TESSERA_NN_SHAPE_FN

} // namespace tessera::nn

#endif // TESSERA_DIALECT_NN_NNSHAPEFUNCTIONS_H
