//===- Utils.h - helpers shared by the nn -> linalg patterns ----*- C++ -*-===//
//
// Part of Tessera. Internal to lib/Conversion/NNToLinalg.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CONVERSION_NNTOLINALG_UTILS_H
#define TESSERA_LIB_CONVERSION_NNTOLINALG_UTILS_H

#include "NN/NNOps.h"
#include "NN/NNShapeUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace tessera::nn_to_linalg {

/// `tensor.empty` of a static type.
mlir::Value createEmpty(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type);

/// `tensor.empty` filled with `value`.
mlir::Value createFilled(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type, mlir::Value value);

/// An elementwise `linalg.generic` producing `resultType` that reads each of
/// `inputs` with numpy broadcasting (missing leading dims and dims of size 1
/// read index 0). `body` maps the scalar inputs to the scalar result.
mlir::Value buildElementwise(
    mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType resultType,
    mlir::ValueRange inputs,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                   mlir::ValueRange)>
        body);

/// A scalar constant of an integer or float type.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type type, double value);

/// The element of a 0-d or one-element tensor.
mlir::Value extractScalar(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value tensor);

/// The converted (signless, static) type of an original nn value; null when
/// the value is not a statically shaped tensor.
mlir::RankedTensorType getConvertedType(const mlir::TypeConverter &converter,
                                        mlir::Value original);

/// True when an original nn value has an unsigned integer element type.
bool isUnsignedElement(mlir::Value original);

/// Converts scalar `v` of type `from` (as nn sees it: signedness from
/// `fromUnsigned`) to `to` with ONNX Cast semantics.
mlir::Value castScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                       mlir::Type to, bool fromUnsigned, bool toUnsigned);

/// Reshapes `value` to the static `type` with the same element count:
/// one collapse_shape or expand_shape when the dims group directly, else a
/// collapse to 1-D and an expand (pure views once bufferized).
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                      mlir::RankedTensorType type);

/// Fails the match when any result of `op` is not statically shaped.
llvm::LogicalResult
requireStaticResults(mlir::Operation *op,
                     mlir::ConversionPatternRewriter &rewriter);

/// Replaces the one result of `op` by the value `lower` builds for its
/// converted static type, once every result of `op` is statically shaped.
/// `lower` reports its own match failures.
llvm::LogicalResult lowerSingleResult(
    mlir::Operation *op, const mlir::TypeConverter &converter,
    mlir::ConversionPatternRewriter &rewriter,
    llvm::function_ref<llvm::FailureOr<mlir::Value>(mlir::RankedTensorType)>
        lower);

/// Lowers `op` to a value of `type`, the converted static type of its one
/// result; reports its own match failures.
template <typename OpTy>
using LowerFn = llvm::FailureOr<mlir::Value> (*)(
    OpTy op, typename OpTy::Adaptor adaptor, mlir::RankedTensorType type,
    mlir::ConversionPatternRewriter &rewriter);

/// `x` (N, C, spatial...) with its spatial dims spread by `strides` and
/// padded by `lo`/`hi` with `padValue` (a negative pad crops); defined with
/// the convolutions (Contraction.cpp).
mlir::Value padConvInput(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                         llvm::ArrayRef<int64_t> lo, llvm::ArrayRef<int64_t> hi,
                         llvm::ArrayRef<int64_t> strides, mlir::Value padValue);

/// Convolves padded `x` (N, C, in...) with `w` (M, C/group, k...) into
/// `init` (N, M, out...) with the named linalg conv that fits (the named
/// ops widen mixed element types to the accumulator's, signed).
mlir::Value buildNamedConv(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value x, mlir::Value w, mlir::Value init,
                           llvm::ArrayRef<int64_t> strides,
                           llvm::ArrayRef<int64_t> dilations, int64_t group);

/// The pattern of an op with one result: `Lower` builds the replacement
/// (see lowerSingleResult).
template <typename OpTy, LowerFn<OpTy> Lower>
struct SingleResultLowering : public mlir::OpConversionPattern<OpTy> {
  using mlir::OpConversionPattern<OpTy>::OpConversionPattern;
  llvm::LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  mlir::ConversionPatternRewriter &rewriter) const override {
    return lowerSingleResult(op, *this->getTypeConverter(), rewriter,
                             [&](mlir::RankedTensorType type) {
                               return Lower(op, adaptor, type, rewriter);
                             });
  }
};

/// `Lower`, except that results without elements short-circuit to
/// `tensor.empty` (no data to move, no index arithmetic on empty ranges).
template <typename OpTy, LowerFn<OpTy> Lower>
llvm::FailureOr<mlir::Value>
lowerUnlessEmpty(OpTy op, typename OpTy::Adaptor adaptor,
                 mlir::RankedTensorType type,
                 mlir::ConversionPatternRewriter &rewriter) {
  if (type.getNumElements() == 0)
    return createEmpty(rewriter, op.getLoc(), type);
  return Lower(op, adaptor, type, rewriter);
}

/// A `linalg.generic` with no inputs producing `type`; `body` maps the loop
/// indices (`linalg.index` values) to the element.
mlir::Value buildIndexGeneric(
    mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                   mlir::ValueRange)>
        body);

/// The statically shaped converted operand, or a match failure.
llvm::FailureOr<mlir::RankedTensorType>
staticOperandType(mlir::Operation *op, mlir::Value v,
                  mlir::ConversionPatternRewriter &rewriter);

} // namespace tessera::nn_to_linalg

#endif // TESSERA_LIB_CONVERSION_NNTOLINALG_UTILS_H
