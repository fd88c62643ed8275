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
/// GridSample, RoiAlign, Det, MaxUnpool.
void populateNNDetectionToLinalgPatterns(const mlir::TypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);

} // namespace tessera

#endif // TESSERA_CONVERSION_NNTOLINALG_NNTOLINALG_H
