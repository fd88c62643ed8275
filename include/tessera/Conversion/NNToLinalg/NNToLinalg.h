//===- NNToLinalg.h - nn to linalg conversion -------------------*- C++ -*-===//
//
// Part of Tessera. One populate function per op family; each family lives in
// its own file under lib/Conversion/NNToLinalg/.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CONVERSION_NNTOLINALG_NNTOLINALG_H
#define TESSERA_CONVERSION_NNTOLINALG_NNTOLINALG_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace tessera {

/// Converts nn's tensor types for linalg: unsigned integers become signless
/// (patterns read signedness from the original nn types); `none` is kept for
/// the optional operands that patterns inspect and then drop.
class NNToLinalgTypeConverter : public mlir::TypeConverter {
public:
  NNToLinalgTypeConverter();
};

/// All nn -> linalg/tensor/arith/math patterns.
void populateNNToLinalgConversionPatterns(const mlir::TypeConverter &converter,
                                          mlir::RewritePatternSet &patterns);

/// Constants, none, elementwise math, comparisons, casts, where, clip.
void populateNNElementwiseToLinalgPatterns(const mlir::TypeConverter &converter,
                                           mlir::RewritePatternSet &patterns);
/// Conv, ConvTranspose, Gemm, MatMul, Einsum and their integer forms.
void populateNNContractionToLinalgPatterns(const mlir::TypeConverter &converter,
                                           mlir::RewritePatternSet &patterns);
/// Max/average/global pooling.
void populateNNPoolingToLinalgPatterns(const mlir::TypeConverter &converter,
                                       mlir::RewritePatternSet &patterns);
/// Reductions, arg reductions, softmax, normalizations.
void populateNNReductionToLinalgPatterns(const mlir::TypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);
/// Reshapes, transposes, slicing, gather, concat, split, pad, tile, resize...
void populateNNDataMovementToLinalgPatterns(
    const mlir::TypeConverter &converter, mlir::RewritePatternSet &patterns);
/// QuantizeLinear, DequantizeLinear, QLinearConv/MatMul, ConvInteger,
/// MatMulInteger.
void populateNNQuantizationToLinalgPatterns(
    const mlir::TypeConverter &converter, mlir::RewritePatternSet &patterns);
/// CumSum, TopK, ReverseSequence, Size and the window generators.
void populateNNScanToLinalgPatterns(const mlir::TypeConverter &converter,
                                    mlir::RewritePatternSet &patterns);

/// True for nn.if, nn.loop and nn.scan, which `lowerNNControlFlow` rewrites.
bool isNNControlFlowOp(mlir::Operation *op);

/// Rewrites every nn.if/nn.loop/nn.scan under `root` into scf ops whose
/// regions keep the nn ops of the subgraphs (then converted with the rest);
/// emits an error at the op it cannot lower (a data-dependent shape).
llvm::LogicalResult lowerNNControlFlow(mlir::Operation *root);
/// LSTM, GRU and RNN (scf.for over the time steps).
void populateNNRecurrentToLinalgPatterns(const mlir::TypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);
/// GatherElements, GatherND, ScatterElements, ScatterND, OneHot, Trilu,
/// EyeLike, NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss.
void populateNNIndexingToLinalgPatterns(const mlir::TypeConverter &converter,
                                        mlir::RewritePatternSet &patterns);
/// GridSample, RoiAlign, Det, MaxUnpool.
void populateNNDetectionToLinalgPatterns(const mlir::TypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);

} // namespace tessera

#endif // TESSERA_CONVERSION_NNTOLINALG_NNTOLINALG_H
