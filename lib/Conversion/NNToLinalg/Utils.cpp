//===- Utils.cpp - helpers shared by the nn -> linalg patterns ------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace tessera::nn_to_linalg {

Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType());
}

Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   Value value) {
  Value empty = createEmpty(b, loc, type);
  return linalg::FillOp::create(b, loc, value, empty).getResult(0);
}

Value buildElementwise(
    OpBuilder &b, Location loc, RankedTensorType resultType, ValueRange inputs,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value input : inputs) {
    auto type = cast<RankedTensorType>(input.getType());
    SmallVector<AffineExpr> exprs;
    int64_t offset = rank - type.getRank();
    for (int64_t i = 0; i < type.getRank(); ++i) {
      if (type.getDimSize(i) == 1 && resultType.getDimSize(i + offset) != 1)
        exprs.push_back(getAffineConstantExpr(0, ctx));
      else
        exprs.push_back(getAffineDimExpr(i + offset, ctx));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  Value init = createEmpty(b, loc, resultType);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value result = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(
      b, loc,
      b.getIntegerAttr(type, APInt(type.getIntOrFloatBitWidth(),
                                   (uint64_t)(int64_t)value,
                                   /*isSigned=*/true,
                                   /*implicitTrunc=*/true)));
}

Value extractScalar(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> indices(
      type.getRank(), arith::ConstantIndexOp::create(b, loc, 0).getResult());
  return tensor::ExtractOp::create(b, loc, tensor, indices);
}

RankedTensorType getConvertedType(const TypeConverter &converter,
                                  Value original) {
  auto type = dyn_cast_or_null<RankedTensorType>(
      converter.convertType(original.getType()));
  if (!type || !type.hasStaticShape())
    return nullptr;
  return type;
}

bool isUnsignedElement(Value original) {
  return getElementTypeOrSelf(original.getType()).isUnsignedInteger();
}

Value castScalar(OpBuilder &b, Location loc, Value v, Type to,
                 bool fromUnsigned, bool toUnsigned) {
  Type from = v.getType();
  if (from == to)
    return v;
  auto fromInt = dyn_cast<IntegerType>(from);
  auto toInt = dyn_cast<IntegerType>(to);
  if (fromInt && toInt) {
    if (toInt.getWidth() == 1)
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v,
                                   scalarConstant(b, loc, from, 0));
    if (toInt.getWidth() < fromInt.getWidth())
      return arith::TruncIOp::create(b, loc, to, v);
    if (fromUnsigned || fromInt.getWidth() == 1)
      return arith::ExtUIOp::create(b, loc, to, v);
    return arith::ExtSIOp::create(b, loc, to, v);
  }
  if (fromInt) {
    if (fromUnsigned || fromInt.getWidth() == 1)
      return arith::UIToFPOp::create(b, loc, to, v);
    return arith::SIToFPOp::create(b, loc, to, v);
  }
  if (toInt) {
    if (toInt.getWidth() == 1)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v,
                                   scalarConstant(b, loc, from, 0));
    if (toUnsigned)
      return arith::FPToUIOp::create(b, loc, to, v);
    return arith::FPToSIOp::create(b, loc, to, v);
  }
  if (to.getIntOrFloatBitWidth() > from.getIntOrFloatBitWidth())
    return arith::ExtFOp::create(b, loc, to, v);
  if (to.getIntOrFloatBitWidth() < from.getIntOrFloatBitWidth())
    return arith::TruncFOp::create(b, loc, to, v);
  // f16 <-> bf16: through f32.
  Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), v);
  return arith::TruncFOp::create(b, loc, to, wide);
}

Value reshapeTo(OpBuilder &b, Location loc, Value value,
                RankedTensorType type) {
  auto source = cast<RankedTensorType>(value.getType());
  if (source.getShape() == type.getShape())
    return value;
  // Rank 0 <-> all-ones shapes: an empty reassociation.
  if (source.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, loc, type, value,
                                         ArrayRef<ReassociationIndices>{});
  if (type.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, type, value,
                                           ArrayRef<ReassociationIndices>{});
  if (source.getRank() > type.getRank()) {
    if (std::optional<SmallVector<ReassociationIndices>> groups =
            getReassociationIndicesForReshape(source, type))
      return tensor::CollapseShapeOp::create(b, loc, type, value, *groups);
  } else if (source.getRank() < type.getRank()) {
    if (std::optional<SmallVector<ReassociationIndices>> groups =
            getReassociationIndicesForReshape(type, source))
      return tensor::ExpandShapeOp::create(b, loc, type, value, *groups);
  }
  Value flat = value;
  if (source.getRank() != 1) {
    ReassociationIndices all =
        llvm::to_vector(llvm::seq<int64_t>(0, source.getRank()));
    auto flatType = RankedTensorType::get({source.getNumElements()},
                                          source.getElementType());
    flat = tensor::CollapseShapeOp::create(b, loc, flatType, value,
                                           ArrayRef<ReassociationIndices>{all});
  }
  if (type.getRank() == 1)
    return flat;
  ReassociationIndices all =
      llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
  return tensor::ExpandShapeOp::create(b, loc, type, flat,
                                       ArrayRef<ReassociationIndices>{all});
}

LogicalResult requireStaticResults(Operation *op,
                                   ConversionPatternRewriter &rewriter) {
  for (Type type : op->getResultTypes()) {
    auto ranked = dyn_cast<RankedTensorType>(type);
    if (!ranked || !ranked.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "result shape is not static");
  }
  return success();
}

LogicalResult
lowerSingleResult(Operation *op, const TypeConverter &converter,
                  ConversionPatternRewriter &rewriter,
                  function_ref<FailureOr<Value>(RankedTensorType)> lower) {
  if (failed(requireStaticResults(op, rewriter)))
    return failure();
  RankedTensorType type = getConvertedType(converter, op->getResult(0));
  if (!type)
    return rewriter.notifyMatchFailure(op, "result is not a static tensor");
  FailureOr<Value> result = lower(type);
  if (failed(result))
    return failure();
  rewriter.replaceOp(op, *result);
  return success();
}

/// A `linalg.generic` with no inputs producing `type`; `body` maps the loop
/// indices (`linalg.index` values) to the element.
Value buildIndexGeneric(
    OpBuilder &b, Location loc, RankedTensorType type,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{},
      ValueRange{createEmpty(b, loc, type)}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange) {
        SmallVector<Value> indices;
        for (int64_t d = 0; d < rank; ++d)
          indices.push_back(linalg::IndexOp::create(nb, nloc, d));
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, indices));
      });
  return generic.getResult(0);
}

/// The statically shaped converted operand, or a match failure.
FailureOr<RankedTensorType>
staticOperandType(Operation *op, Value v, ConversionPatternRewriter &rewriter) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape())
    return rewriter.notifyMatchFailure(op, "operand shape is not static");
  return type;
}

} // namespace tessera::nn_to_linalg
