//===- Reduction.cpp - nn reductions and normalizations to linalg ---------===//
//
// Part of Tessera. Reduce*, ArgMax/ArgMin, Softmax/LogSoftmax and the
// inference forms of Batch/Instance/LayerNormalization. Every reduction is a
// `linalg.generic` with reduction iterators writing a filled init of the
// reduced shape with the reduced dims dropped; keepdims results are a
// `tensor.expand_shape` of it. Sums, means and normalizations of f16/bf16
// accumulate in f32.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/bit.h"

#include <limits>

using namespace mlir;
using namespace tessera;
using namespace tessera::nn_to_linalg;

namespace {

/// The body of a reduction: folds element `x` into accumulator `acc`.
using CombineFn =
    function_ref<Value(OpBuilder &, Location, Value x, Value acc)>;

/// The body of an elementwise generic.
using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// The float type that accumulates values of `type`: f32 for narrower floats,
/// `type` otherwise.
static Type accumulatorType(Type type) {
  auto floatType = dyn_cast<FloatType>(type);
  if (floatType && floatType.getWidth() < 32)
    return Float32Type::get(type.getContext());
  return type;
}

/// Converts float or integer scalar `v` to `to` (same kind), if needed.
static Value convertFloat(OpBuilder &b, Location loc, Value v, Type to) {
  return castScalar(b, loc, v, to, /*fromUnsigned=*/false,
                    /*toUnsigned=*/false);
}

/// The largest (or smallest) value of an integer or float type; floats use
/// infinities.
static Value extremeConstant(OpBuilder &b, Location loc, Type type,
                             bool largest, bool isUnsigned) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics(),
                                                  /*Negative=*/!largest)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt value = isUnsigned ? (largest ? APInt::getMaxValue(width)
                                      : APInt::getMinValue(width))
                           : (largest ? APInt::getSignedMaxValue(width)
                                      : APInt::getSignedMinValue(width));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

/// Marks the dims of a rank-`rank` tensor that `axes` (ONNX, may be negative)
/// reduce; empty `axes` reduce everything.
static FailureOr<SmallVector<bool>>
getReducedDims(Operation *op, ArrayRef<int64_t> axes, int64_t rank,
               ConversionPatternRewriter &rewriter) {
  SmallVector<bool> reduced(rank, axes.empty());
  for (int64_t axis : axes) {
    if (axis < -rank || axis >= rank)
      return rewriter.notifyMatchFailure(op, "reduction axis out of range");
    reduced[axis < 0 ? axis + rank : axis] = true;
  }
  return reduced;
}

/// The map from the full loop space to the dims that are not reduced.
static AffineMap keptDimsMap(MLIRContext *ctx, ArrayRef<bool> reduced) {
  SmallVector<AffineExpr> exprs;
  for (auto [i, isReduced] : llvm::enumerate(reduced))
    if (!isReduced)
      exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(reduced.size(), 0, exprs, ctx);
}

/// The map reading an operand of type `operand` broadcast (numpy rules) into
/// an iteration space shaped like `result`.
static AffineMap broadcastMap(MLIRContext *ctx, RankedTensorType result,
                              RankedTensorType operand) {
  int64_t rank = result.getRank();
  int64_t offset = rank - operand.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < operand.getRank(); ++i) {
    if (operand.getDimSize(i) == 1 && result.getDimSize(i + offset) != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(i + offset, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// The shape of `type` without its reduced dims, with element type `element`.
static RankedTensorType droppedType(RankedTensorType type,
                                    ArrayRef<bool> reduced, Type element) {
  SmallVector<int64_t> shape;
  for (auto [i, isReduced] : llvm::enumerate(reduced))
    if (!isReduced)
      shape.push_back(type.getDimSize(i));
  return RankedTensorType::get(shape, element);
}

/// The number of elements that one output of a reduction folds together.
static int64_t reducedCount(RankedTensorType type, ArrayRef<bool> reduced) {
  int64_t count = 1;
  for (auto [i, isReduced] : llvm::enumerate(reduced))
    if (isReduced)
      count *= type.getDimSize(i);
  return count;
}

/// Reduces `input` over the `reduced` dims into a tensor of the kept dims
/// whose elements start at `identity` (which sets the accumulator type).
static Value buildReduction(OpBuilder &b, Location loc, Value input,
                            ArrayRef<bool> reduced, Value identity,
                            CombineFn combine) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(input.getType());
  RankedTensorType outType = droppedType(type, reduced, identity.getType());
  Value init = createFilled(b, loc, outType, identity);
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(type.getRank(), ctx),
      keptDimsMap(ctx, reduced)};
  SmallVector<utils::IteratorType> iterators;
  for (bool isReduced : reduced)
    iterators.push_back(isReduced ? utils::IteratorType::reduction
                                  : utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{outType}, ValueRange{input}, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, combine(nb, nloc, args[0], args[1]));
      });
  return generic.getResult(0);
}

/// An elementwise generic over the shape of `full` (element type `element`)
/// reading `full` and each of `dropped` (tensors of the kept dims of a
/// reduction over `reduced`).
static Value buildWithReduced(OpBuilder &b, Location loc, Value full,
                              ValueRange dropped, ArrayRef<bool> reduced,
                              Type element, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(full.getType());
  RankedTensorType outType = type.clone(element);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(type.getRank(), ctx);
  SmallVector<AffineMap> maps = {identity};
  SmallVector<Value> inputs = {full};
  for (Value v : dropped) {
    maps.push_back(keptDimsMap(ctx, reduced));
    inputs.push_back(v);
  }
  maps.push_back(identity);
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{outType}, inputs,
      ValueRange{createEmpty(b, loc, outType)}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args.drop_back()));
      });
  return generic.getResult(0);
}

/// Reshapes `value` (a tensor of the kept dims) to `type`, which re-inserts
/// the reduced dims with size 1 (or is already its type).
static Value restoreReducedDims(OpBuilder &b, Location loc, Value value,
                                RankedTensorType type) {
  auto valueType = cast<RankedTensorType>(value.getType());
  if (valueType == type)
    return value;
  std::optional<SmallVector<ReassociationIndices>> reassociation =
      getReassociationIndicesForReshape(valueType, type);
  if (!reassociation)
    return nullptr;
  return tensor::ExpandShapeOp::create(b, loc, type, value, *reassociation);
}

/// Mean and 1/sqrt(variance + epsilon) over the `reduced` dims of `x`,
/// computed in float type `compute` in two passes (as the ONNX references).
static std::pair<Value, Value>
buildMeanInvStdDev(OpBuilder &b, Location loc, Value x, ArrayRef<bool> reduced,
                   Type compute, double epsilon) {
  auto type = cast<RankedTensorType>(x.getType());
  double count = static_cast<double>(reducedCount(type, reduced));
  auto sum = [&](Value input,
                 function_ref<Value(OpBuilder &, Location, Value)> map) {
    return buildReduction(
        b, loc, input, reduced, scalarConstant(b, loc, compute, 0.0),
        [&](OpBuilder &nb, Location nloc, Value v, Value acc) -> Value {
          return arith::AddFOp::create(nb, nloc, acc, map(nb, nloc, v));
        });
  };
  auto byCount = [&](Value total,
                     function_ref<Value(OpBuilder &, Location, Value)> post) {
    auto totalType = cast<RankedTensorType>(total.getType());
    return buildElementwise(
        b, loc, totalType, total,
        [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
          Value mean = arith::DivFOp::create(
              nb, nloc, a[0], scalarConstant(nb, nloc, compute, count));
          return post(nb, nloc, mean);
        });
  };
  Value mean = byCount(
      sum(x, [&](OpBuilder &nb, Location nloc,
                 Value v) { return convertFloat(nb, nloc, v, compute); }),
      [](OpBuilder &, Location, Value v) { return v; });
  // Squared deviations, then their mean.
  Value squares = buildWithReduced(
      b, loc, x, mean, reduced, compute,
      [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
        Value d = arith::SubFOp::create(
            nb, nloc, convertFloat(nb, nloc, a[0], compute), a[1]);
        return arith::MulFOp::create(nb, nloc, d, d);
      });
  Value invStdDev =
      byCount(sum(squares, [](OpBuilder &, Location, Value v) { return v; }),
              [&](OpBuilder &nb, Location nloc, Value var) -> Value {
                Value eps = scalarConstant(nb, nloc, compute, epsilon);
                Value std = math::SqrtOp::create(
                    nb, nloc, arith::AddFOp::create(nb, nloc, var, eps));
                return arith::DivFOp::create(
                    nb, nloc, scalarConstant(nb, nloc, compute, 1.0), std);
              });
  return {mean, invStdDev};
}

//===----------------------------------------------------------------------===//
// Reduce*
//===----------------------------------------------------------------------===//

enum class ReduceKind {
  Sum,
  Mean,
  Max,
  Min,
  Prod,
  L2,
  L1,
  SumSquare,
  LogSum,
  LogSumExp
};

/// The ONNX axes of a reduction: the `axes` attribute, or for ReduceSum the
/// `axes` operand when it is constant (nullopt when it is not).
template <typename OpTy>
static std::optional<SmallVector<int64_t>> getReduceAxes(OpTy op) {
  if constexpr (std::is_same_v<OpTy, nn::ReduceSumOp>) {
    if (nn::isNone(op.getAxes()))
      return SmallVector<int64_t>();
    return nn::getConstantInts(op.getAxes());
  } else {
    std::optional<ArrayRef<int64_t>> axes = op.getAxes();
    if (!axes)
      return SmallVector<int64_t>();
    return SmallVector<int64_t>(axes->begin(), axes->end());
  }
}

/// The masks of `count` distinct reduced dims that turn shape `in` into
/// `out`. Masks that differ only in which size-1 dims they reduce give the
/// same values, so only one of each such class is kept.
static SmallVector<SmallVector<bool>> candidateMasks(ArrayRef<int64_t> in,
                                                     ArrayRef<int64_t> out,
                                                     int64_t count,
                                                     bool keepDims) {
  SmallVector<SmallVector<bool>> masks;
  size_t rank = in.size();
  if (rank > 16)
    return masks;
  llvm::SmallDenseSet<uint64_t> seen;
  for (uint64_t bits = 0; bits < (uint64_t(1) << rank); ++bits) {
    if (llvm::popcount(bits) != count)
      continue;
    SmallVector<int64_t> shape;
    SmallVector<bool> mask(rank, false);
    uint64_t key = 0;
    for (size_t d = 0; d < rank; ++d) {
      mask[d] = (bits >> d) & 1;
      if (mask[d] && in[d] != 1)
        key |= uint64_t(1) << d;
      if (!mask[d])
        shape.push_back(in[d]);
      else if (keepDims)
        shape.push_back(1);
    }
    if (ArrayRef<int64_t>(shape) != out || !seen.insert(key).second)
      continue;
    masks.push_back(std::move(mask));
  }
  return masks;
}

/// An i1 that is true when the runtime `axes` (a 1-D i64 tensor of valid,
/// distinct axes) reduce exactly the dims of `mask` that are not size 1.
static Value matchesAxes(OpBuilder &b, Location loc, Value axes,
                         ArrayRef<int64_t> shape, ArrayRef<bool> mask) {
  Type i64 = b.getI64Type();
  int64_t rank = shape.size();
  int64_t count = cast<RankedTensorType>(axes.getType()).getDimSize(0);
  SmallVector<Value> normalized;
  for (int64_t j = 0; j < count; ++j) {
    Value index = arith::ConstantIndexOp::create(b, loc, j);
    Value a = tensor::ExtractOp::create(b, loc, axes, index);
    Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, a,
                                           scalarConstant(b, loc, i64, 0));
    Value wrapped = arith::AddIOp::create(
        b, loc, a, scalarConstant(b, loc, i64, static_cast<double>(rank)));
    normalized.push_back(arith::SelectOp::create(b, loc, negative, wrapped, a));
  }
  Value all = scalarConstant(b, loc, b.getI1Type(), 1);
  for (int64_t d = 0; d < rank; ++d) {
    if (shape[d] == 1)
      continue;
    Value in = scalarConstant(b, loc, b.getI1Type(), 0);
    for (Value a : normalized)
      in = arith::OrIOp::create(
          b, loc, in,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, a,
                                scalarConstant(b, loc, i64, d)));
    if (!mask[d])
      in = arith::XOrIOp::create(b, loc, in,
                                 scalarConstant(b, loc, b.getI1Type(), 1));
    all = arith::AndIOp::create(b, loc, all, in);
  }
  return all;
}

/// log(sum(exp(x - m))) + m over the `reduced` dims of `input`, with m the
/// maximum (0 when it is infinite, so all -inf gives -inf and any +inf gives
/// +inf), in float type `acc`; integers convert to `acc` first.
static Value buildLogSumExp(OpBuilder &b, Location loc, Value input,
                            ArrayRef<bool> reduced, Type acc, bool isUnsigned) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(input.getType());
  auto toAcc = [&](OpBuilder &nb, Location l, Value v) {
    return castScalar(nb, l, v, acc, isUnsigned, /*toUnsigned=*/false);
  };
  Value max = buildReduction(
      b, loc, input, reduced, extremeConstant(b, loc, acc, false, false),
      [&](OpBuilder &nb, Location l, Value v, Value m) -> Value {
        return arith::MaximumFOp::create(nb, l, m, toAcc(nb, l, v));
      });
  auto maxType = cast<RankedTensorType>(max.getType());
  Value shift = buildElementwise(
      b, loc, maxType, max, [&](OpBuilder &nb, Location l, ValueRange a) {
        Value inf =
            scalarConstant(nb, l, acc, std::numeric_limits<double>::infinity());
        Value isInf =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                  math::AbsFOp::create(nb, l, a[0]), inf);
        return arith::SelectOp::create(nb, l, isInf,
                                       scalarConstant(nb, l, acc, 0.0), a[0]);
      });
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(type.getRank(), ctx),
      keptDimsMap(ctx, reduced), keptDimsMap(ctx, reduced)};
  SmallVector<utils::IteratorType> iterators;
  for (bool isReduced : reduced)
    iterators.push_back(isReduced ? utils::IteratorType::reduction
                                  : utils::IteratorType::parallel);
  Value init = createFilled(b, loc, maxType, scalarConstant(b, loc, acc, 0.0));
  Value sum =
      linalg::GenericOp::create(
          b, loc, TypeRange{maxType}, ValueRange{input, shift},
          ValueRange{init}, maps, iterators,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value e = math::ExpOp::create(
                nb, l,
                arith::SubFOp::create(nb, l, toAcc(nb, l, args[0]), args[1]));
            linalg::YieldOp::create(
                nb, l, Value(arith::AddFOp::create(nb, l, args[2], e)));
          })
          .getResult(0);
  return buildElementwise(
      b, loc, maxType, ValueRange{sum, shift},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        return arith::AddFOp::create(nb, l, math::LogOp::create(nb, l, a[0]),
                                     a[1]);
      });
}

/// The reduction of `input` (unsigned integers when `isUnsigned`) over the
/// `reduced` dims, shaped as `resultType`; null when the shapes do not fit.
static Value buildReduce(OpBuilder &rewriter, Location loc, ReduceKind kind,
                         bool isUnsigned, Value input, ArrayRef<bool> reduced,
                         RankedTensorType resultType) {
  auto inputType = cast<RankedTensorType>(input.getType());
  Type element = inputType.getElementType();
  bool isFloat = isa<FloatType>(element);
  bool isExtreme = kind == ReduceKind::Max || kind == ReduceKind::Min;
  Type acc = isExtreme ? element : accumulatorType(element);
  if (kind == ReduceKind::LogSum || kind == ReduceKind::LogSumExp) {
    // Logarithms of integers are taken in f64 and converted back.
    Type logAcc = isFloat ? acc : rewriter.getF64Type();
    Value total;
    if (kind == ReduceKind::LogSumExp) {
      total = buildLogSumExp(rewriter, loc, input, reduced, logAcc, isUnsigned);
    } else {
      Value sum = buildReduction(
          rewriter, loc, input, reduced,
          scalarConstant(rewriter, loc, logAcc, 0),
          [&](OpBuilder &b, Location l, Value x, Value a) -> Value {
            return arith::AddFOp::create(
                b, l, a, castScalar(b, l, x, logAcc, isUnsigned, false));
          });
      total = buildElementwise(
          rewriter, loc, cast<RankedTensorType>(sum.getType()), sum,
          [](OpBuilder &b, Location l, ValueRange a) -> Value {
            return math::LogOp::create(b, l, a[0]);
          });
    }
    if (logAcc != element) {
      auto totalType = cast<RankedTensorType>(total.getType());
      total = buildElementwise(
          rewriter, loc, totalType.clone(element), total,
          [&](OpBuilder &b, Location l, ValueRange a) -> Value {
            return castScalar(b, l, a[0], element, false, isUnsigned);
          });
    }
    return restoreReducedDims(rewriter, loc, total, resultType);
  }
  Value identity =
      isExtreme
          ? extremeConstant(rewriter, loc, acc,
                            /*largest=*/kind == ReduceKind::Min, isUnsigned)
          : scalarConstant(rewriter, loc, acc,
                           kind == ReduceKind::Prod ? 1.0 : 0.0);
  Value total = buildReduction(
      rewriter, loc, input, reduced, identity,
      [&](OpBuilder &b, Location l, Value x, Value a) -> Value {
        x = convertFloat(b, l, x, acc);
        switch (kind) {
        case ReduceKind::Sum:
        case ReduceKind::Mean:
          return isFloat ? Value(arith::AddFOp::create(b, l, a, x))
                         : Value(arith::AddIOp::create(b, l, a, x));
        case ReduceKind::L1:
          return isFloat
                     ? Value(arith::AddFOp::create(
                           b, l, a, math::AbsFOp::create(b, l, x)))
                     : Value(arith::AddIOp::create(
                           b, l, a,
                           isUnsigned ? x
                                      : Value(math::AbsIOp::create(b, l, x))));
        case ReduceKind::LogSum:
        case ReduceKind::LogSumExp:
          return a;
        case ReduceKind::SumSquare:
        case ReduceKind::L2:
          return isFloat ? Value(arith::AddFOp::create(
                               b, l, a, arith::MulFOp::create(b, l, x, x)))
                         : Value(arith::AddIOp::create(
                               b, l, a, arith::MulIOp::create(b, l, x, x)));
        case ReduceKind::Prod:
          return isFloat ? Value(arith::MulFOp::create(b, l, a, x))
                         : Value(arith::MulIOp::create(b, l, a, x));
        case ReduceKind::Max:
          if (isFloat)
            return arith::MaximumFOp::create(b, l, a, x);
          return isUnsigned ? Value(arith::MaxUIOp::create(b, l, a, x))
                            : Value(arith::MaxSIOp::create(b, l, a, x));
        case ReduceKind::Min:
          if (isFloat)
            return arith::MinimumFOp::create(b, l, a, x);
          return isUnsigned ? Value(arith::MinUIOp::create(b, l, a, x))
                            : Value(arith::MinSIOp::create(b, l, a, x));
        }
        return a;
      });

  // Mean divides, L2 takes the root, narrow floats go back to their type.
  bool needsPost =
      kind == ReduceKind::Mean || kind == ReduceKind::L2 || acc != element;
  if (needsPost) {
    int64_t count = reducedCount(inputType, reduced);
    auto totalType = cast<RankedTensorType>(total.getType());
    total = buildElementwise(
        rewriter, loc, totalType.clone(element), total,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value v = a[0];
          if (kind == ReduceKind::Mean) {
            Value n = scalarConstant(b, l, acc, static_cast<double>(count));
            if (isFloat)
              v = arith::DivFOp::create(b, l, v, n);
            else if (isUnsigned)
              v = arith::DivUIOp::create(b, l, v, n);
            else
              v = arith::DivSIOp::create(b, l, v, n);
          }
          if (kind == ReduceKind::L2) {
            if (isFloat)
              return convertFloat(b, l, math::SqrtOp::create(b, l, v), element);
            Value wide = castScalar(b, l, v, b.getF64Type(), isUnsigned,
                                    /*toUnsigned=*/false);
            return castScalar(b, l, math::SqrtOp::create(b, l, wide), element,
                              /*fromUnsigned=*/false, isUnsigned);
          }
          return convertFloat(b, l, v, element);
        });
  }
  return restoreReducedDims(rewriter, loc, total, resultType);
}

/// `scf.if` on the runtime axes over the reductions of `masks` (the last is
/// the fallback).
static Value buildCandidates(OpBuilder &b, Location loc, ReduceKind kind,
                             bool isUnsigned, Value input, Value axes,
                             ArrayRef<SmallVector<bool>> masks,
                             RankedTensorType resultType) {
  if (masks.size() == 1)
    return buildReduce(b, loc, kind, isUnsigned, input, masks.front(),
                       resultType);
  auto shape = cast<RankedTensorType>(input.getType()).getShape();
  Value cond = matchesAxes(b, loc, axes, shape, masks.front());
  auto ifOp = scf::IfOp::create(
      b, loc, cond,
      [&](OpBuilder &nb, Location l) {
        scf::YieldOp::create(nb, l,
                             buildReduce(nb, l, kind, isUnsigned, input,
                                         masks.front(), resultType));
      },
      [&](OpBuilder &nb, Location l) {
        scf::YieldOp::create(nb, l,
                             buildCandidates(nb, l, kind, isUnsigned, input,
                                             axes, masks.drop_front(),
                                             resultType));
      });
  return ifOp.getResult(0);
}

template <typename OpTy, ReduceKind Kind>
static FailureOr<Value> lowerReduce(OpTy op, typename OpTy::Adaptor adaptor,
                                    RankedTensorType resultType,
                                    ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value input = adaptor.getData();
  auto inputType = dyn_cast<RankedTensorType>(input.getType());
  if (!inputType || !inputType.hasStaticShape())
    return rewriter.notifyMatchFailure(op, "input shape is not static");
  bool isUnsigned = isUnsignedElement(op.getData());
  std::optional<SmallVector<int64_t>> axes = getReduceAxes(op);
  bool noopWithEmptyAxes = false;
  if constexpr (std::is_same_v<OpTy, nn::ReduceSumOp>) {
    noopWithEmptyAxes = op.getNoopWithEmptyAxes() != 0;
    // Runtime axes of statically known count: none reduces all (or
    // nothing); otherwise the shapes select the reduced dims, and a
    // runtime test picks among the masks they leave possible.
    auto axesType = dyn_cast<RankedTensorType>(adaptor.getAxes().getType());
    if (!axes && axesType && axesType.getRank() == 1 &&
        axesType.getDimSize(0) == 0)
      axes = SmallVector<int64_t>();
    if (!axes) {
      if (!axesType || axesType.getRank() != 1 || !axesType.hasStaticShape())
        return rewriter.notifyMatchFailure(
            op, "runtime axes without a static count");
      SmallVector<SmallVector<bool>> masks =
          candidateMasks(inputType.getShape(), resultType.getShape(),
                         axesType.getDimSize(0), op.getKeepdims() != 0);
      if (masks.empty())
        return rewriter.notifyMatchFailure(
            op, "no axes turn the input shape into the result shape");
      if (masks.size() > 8)
        return rewriter.notifyMatchFailure(
            op, "runtime axes leave too many possible reductions");
      return buildCandidates(rewriter, loc, Kind, isUnsigned, input,
                             adaptor.getAxes(), masks, resultType);
    }
  }
  if (axes->empty() && noopWithEmptyAxes)
    return input;
  FailureOr<SmallVector<bool>> reduced =
      getReducedDims(op, *axes, inputType.getRank(), rewriter);
  if (failed(reduced))
    return failure();
  Value result =
      buildReduce(rewriter, loc, Kind, isUnsigned, input, *reduced, resultType);
  if (!result)
    return rewriter.notifyMatchFailure(op, "result shape does not match axes");
  return result;
}

//===----------------------------------------------------------------------===//
// ArgMax / ArgMin
//===----------------------------------------------------------------------===//

/// Reduces (value, index) pairs along `axis`: the first (or, with
/// select_last_index, the last) position of the extreme value wins. NaN is
/// the extreme value of a float input, as in numpy.
template <typename OpTy>
static FailureOr<Value> lowerArg(OpTy op, typename OpTy::Adaptor adaptor,
                                 RankedTensorType resultType,
                                 ConversionPatternRewriter &rewriter) {
  constexpr bool isMax = std::is_same_v<OpTy, nn::ArgMaxOp>;
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  Value input = adaptor.getData();
  auto inputType = dyn_cast<RankedTensorType>(input.getType());
  if (!inputType || !inputType.hasStaticShape() || inputType.getRank() == 0)
    return rewriter.notifyMatchFailure(op, "input is not a static tensor");
  int64_t rank = inputType.getRank();
  int64_t axis = op.getAxis();
  if (axis < -rank || axis >= rank)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  if (axis < 0)
    axis += rank;
  if (inputType.getDimSize(axis) == 0)
    return rewriter.notifyMatchFailure(op, "reduction over an empty axis");
  SmallVector<bool> reduced(rank, false);
  reduced[axis] = true;

  Type element = inputType.getElementType();
  Type i64 = rewriter.getI64Type();
  bool isFloat = isa<FloatType>(element);
  bool isUnsigned = isUnsignedElement(op.getData());
  bool last = op.getSelectLastIndex() != 0;
  RankedTensorType valueType = droppedType(inputType, reduced, element);
  RankedTensorType indexType = droppedType(inputType, reduced, i64);
  Value valueInit = createFilled(
      rewriter, loc, valueType,
      extremeConstant(rewriter, loc, element, /*largest=*/!isMax, isUnsigned));
  Value indexInit = createFilled(rewriter, loc, indexType,
                                 scalarConstant(rewriter, loc, i64, 0));
  AffineMap kept = keptDimsMap(ctx, reduced);
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 kept, kept};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[axis] = utils::IteratorType::reduction;
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{valueType, indexType}, ValueRange{input},
      ValueRange{valueInit, indexInit}, maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value x = args[0], best = args[1], bestIndex = args[2];
        Value index = arith::IndexCastOp::create(
            b, l, i64, linalg::IndexOp::create(b, l, axis));
        Value take;
        if (isFloat) {
          using P = arith::CmpFPredicate;
          P pred = isMax ? (last ? P::OGE : P::OGT) : (last ? P::OLE : P::OLT);
          take = arith::CmpFOp::create(b, l, pred, x, best);
          Value xNaN = arith::CmpFOp::create(b, l, P::UNO, x, x);
          if (!last) {
            Value bestOrdered = arith::CmpFOp::create(b, l, P::ORD, best, best);
            xNaN = arith::AndIOp::create(b, l, xNaN, bestOrdered);
          }
          take = arith::OrIOp::create(b, l, take, xNaN);
        } else {
          using P = arith::CmpIPredicate;
          P pred = isMax ? (last ? (isUnsigned ? P::uge : P::sge)
                                 : (isUnsigned ? P::ugt : P::sgt))
                         : (last ? (isUnsigned ? P::ule : P::sle)
                                 : (isUnsigned ? P::ult : P::slt));
          take = arith::CmpIOp::create(b, l, pred, x, best);
        }
        Value newBest = arith::SelectOp::create(b, l, take, x, best);
        Value newIndex = arith::SelectOp::create(b, l, take, index, bestIndex);
        linalg::YieldOp::create(b, l, ValueRange{newBest, newIndex});
      });
  Value result =
      restoreReducedDims(rewriter, loc, generic.getResult(1), resultType);
  if (!result)
    return rewriter.notifyMatchFailure(op, "result shape does not match axis");
  return result;
}

//===----------------------------------------------------------------------===//
// Softmax / LogSoftmax
//===----------------------------------------------------------------------===//

/// exp(x - max) / sum(exp(x - max)) along `axis` (opset 13), or its log as
/// (x - max) - log(sum).
template <typename OpTy>
static FailureOr<Value> lowerSoftmax(OpTy op, typename OpTy::Adaptor adaptor,
                                     RankedTensorType resultType,
                                     ConversionPatternRewriter &rewriter) {
  constexpr bool isLog = std::is_same_v<OpTy, nn::LogSoftmaxOp>;
  Location loc = op.getLoc();
  Value x = adaptor.getInput();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  int64_t axis = op.getAxis();
  if (rank == 0 || axis < -rank || axis >= rank)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  if (axis < 0)
    axis += rank;
  SmallVector<bool> reduced(rank, false);
  reduced[axis] = true;
  Type element = type.getElementType();
  Type compute = accumulatorType(element);

  Value max = buildReduction(
      rewriter, loc, x, reduced,
      extremeConstant(rewriter, loc, element, /*largest=*/false, false),
      [](OpBuilder &b, Location l, Value v, Value acc) -> Value {
        return arith::MaximumFOp::create(b, l, acc, v);
      });
  auto shifted = [&](OpBuilder &b, Location l, ValueRange a) -> Value {
    return arith::SubFOp::create(b, l, convertFloat(b, l, a[0], compute),
                                 convertFloat(b, l, a[1], compute));
  };
  Value exps =
      buildWithReduced(rewriter, loc, x, max, reduced, compute,
                       [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                         return math::ExpOp::create(b, l, shifted(b, l, a));
                       });
  Value sum = buildReduction(
      rewriter, loc, exps, reduced, scalarConstant(rewriter, loc, compute, 0),
      [](OpBuilder &b, Location l, Value v, Value acc) -> Value {
        return arith::AddFOp::create(b, l, acc, v);
      });
  Value result;
  if constexpr (isLog) {
    result = buildWithReduced(
        rewriter, loc, x, ValueRange{max, sum}, reduced, element,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value logSum = math::LogOp::create(b, l, a[2]);
          Value y = arith::SubFOp::create(b, l, shifted(b, l, a), logSum);
          return convertFloat(b, l, y, element);
        });
  } else {
    result =
        buildWithReduced(rewriter, loc, exps, sum, reduced, element,
                         [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                           Value y = arith::DivFOp::create(b, l, a[0], a[1]);
                           return convertFloat(b, l, y, element);
                         });
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Normalizations
//===----------------------------------------------------------------------===//

/// Inference BatchNormalization: (x - mean) / sqrt(var + eps) * scale + B
/// with the 1-D statistics and parameters read along channel dim 1. The
/// running statistics (training-only outputs) forward the inputs.
struct BatchNormalizationOpLowering
    : public OpConversionPattern<nn::BatchNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(nn::BatchNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    if (op.getTrainingMode() != 0)
      return rewriter.notifyMatchFailure(op, "training mode is not supported");
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType type = getConvertedType(*getTypeConverter(), op.getY());
    int64_t rank = type.getRank();
    if (rank < 2)
      return rewriter.notifyMatchFailure(op, "input must have rank >= 2");
    SmallVector<Value> params = {adaptor.getScale(), adaptor.getB(),
                                 adaptor.getInputMean(), adaptor.getInputVar()};
    for (Value p : params) {
      auto pType = dyn_cast<RankedTensorType>(p.getType());
      if (!pType || pType.getRank() != 1 ||
          pType.getDimSize(0) != type.getDimSize(1))
        return rewriter.notifyMatchFailure(
            op, "parameters must be 1-D with one value per channel");
    }
    Type element = type.getElementType();
    Type compute = accumulatorType(element);
    double epsilon = op.getEpsilon().convertToDouble();

    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap channel = AffineMap::get(rank, 0, getAffineDimExpr(1, ctx));
    SmallVector<Value> inputs = {adaptor.getX()};
    inputs.append(params);
    SmallVector<AffineMap> maps = {identity, channel, channel,
                                   channel,  channel, identity};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, inputs,
        ValueRange{createEmpty(rewriter, loc, type)}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> v;
          for (Value arg : args.drop_back())
            v.push_back(convertFloat(b, l, arg, compute));
          Value x = v[0], scale = v[1], bias = v[2], mean = v[3], var = v[4];
          Value eps = scalarConstant(b, l, compute, epsilon);
          Value std =
              math::SqrtOp::create(b, l, arith::AddFOp::create(b, l, var, eps));
          Value norm = arith::DivFOp::create(
              b, l, arith::SubFOp::create(b, l, x, mean), std);
          Value y = arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, scale, norm), bias);
          linalg::YieldOp::create(b, l, convertFloat(b, l, y, element));
        });
    rewriter.replaceOp(op, {generic.getResult(0), adaptor.getInputMean(),
                            adaptor.getInputVar()});
    return success();
  }
};

/// InstanceNormalization: per (n, c) statistics over the spatial dims, then
/// scale[c] * (x - mean) * invStdDev + B[c].
static FailureOr<Value>
lowerInstanceNormalization(nn::InstanceNormalizationOp op,
                           nn::InstanceNormalizationOp::Adaptor adaptor,
                           RankedTensorType type,
                           ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  int64_t rank = type.getRank();
  if (rank < 2)
    return rewriter.notifyMatchFailure(op, "input must have rank >= 2");
  for (Value p : {adaptor.getScale(), adaptor.getB()}) {
    auto pType = dyn_cast<RankedTensorType>(p.getType());
    if (!pType || pType.getRank() != 1 ||
        pType.getDimSize(0) != type.getDimSize(1))
      return rewriter.notifyMatchFailure(
          op, "scale and B must be 1-D with one value per channel");
  }
  Type element = type.getElementType();
  Type compute = accumulatorType(element);
  SmallVector<bool> reduced(rank, true);
  reduced[0] = reduced[1] = false;
  auto [mean, invStdDev] =
      buildMeanInvStdDev(rewriter, loc, adaptor.getInput(), reduced, compute,
                         op.getEpsilon().convertToDouble());

  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap channel = AffineMap::get(rank, 0, getAffineDimExpr(1, ctx));
  AffineMap kept = keptDimsMap(ctx, reduced);
  SmallVector<AffineMap> maps = {identity, kept,    kept,
                                 channel,  channel, identity};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{type},
      ValueRange{adaptor.getInput(), mean, invStdDev, adaptor.getScale(),
                 adaptor.getB()},
      ValueRange{createEmpty(rewriter, loc, type)}, maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value x = convertFloat(b, l, args[0], compute);
        Value scale = convertFloat(b, l, args[3], compute);
        Value bias = convertFloat(b, l, args[4], compute);
        Value norm = arith::MulFOp::create(
            b, l, arith::SubFOp::create(b, l, x, args[1]), args[2]);
        Value y = arith::AddFOp::create(
            b, l, arith::MulFOp::create(b, l, scale, norm), bias);
        linalg::YieldOp::create(b, l, convertFloat(b, l, y, element));
      });
  return generic.getResult(0);
}

/// LayerNormalization (opset 17): statistics over dims [axis, rank) in the
/// stash type (f32), Y = (x - mean) * invStdDev * Scale + B with Scale and B
/// broadcast against X. Mean and InvStdDev are produced too.
struct LayerNormalizationOpLowering
    : public OpConversionPattern<nn::LayerNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(nn::LayerNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    if (op.getStashType() != 1)
      return rewriter.notifyMatchFailure(op, "stash_type must be 1 (float)");
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    const TypeConverter &converter = *getTypeConverter();
    RankedTensorType type = getConvertedType(converter, op.getY());
    RankedTensorType meanType = getConvertedType(converter, op.getMean());
    RankedTensorType invStdType =
        getConvertedType(converter, op.getInvStdDev());
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis();
    if (rank == 0 || axis < -rank || axis >= rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    if (axis < 0)
      axis += rank;
    Type stash = rewriter.getF32Type();
    if (meanType.getElementType() != stash ||
        invStdType.getElementType() != stash)
      return rewriter.notifyMatchFailure(op, "Mean/InvStdDev must be f32");

    SmallVector<Value> params = {adaptor.getScale()};
    bool hasBias = !nn::isNone(op.getB());
    if (hasBias)
      params.push_back(adaptor.getB());
    for (Value p : params) {
      auto pType = dyn_cast<RankedTensorType>(p.getType());
      if (!pType || pType.getRank() > rank)
        return rewriter.notifyMatchFailure(op, "Scale/B do not broadcast to X");
      for (int64_t i = 0; i < pType.getRank(); ++i) {
        int64_t d = pType.getDimSize(i);
        if (d != 1 && d != type.getDimSize(rank - pType.getRank() + i))
          return rewriter.notifyMatchFailure(op,
                                             "Scale/B do not broadcast to X");
      }
    }
    Type element = type.getElementType();
    SmallVector<bool> reduced(rank, false);
    for (int64_t i = axis; i < rank; ++i)
      reduced[i] = true;
    auto [mean, invStdDev] =
        buildMeanInvStdDev(rewriter, loc, adaptor.getX(), reduced, stash,
                           op.getEpsilon().convertToDouble());

    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap kept = keptDimsMap(ctx, reduced);
    SmallVector<Value> inputs = {adaptor.getX(), mean, invStdDev};
    SmallVector<AffineMap> maps = {identity, kept, kept};
    for (Value p : params) {
      inputs.push_back(p);
      maps.push_back(
          broadcastMap(ctx, type, cast<RankedTensorType>(p.getType())));
    }
    maps.push_back(identity);
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, inputs,
        ValueRange{createEmpty(rewriter, loc, type)}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = convertFloat(b, l, args[0], stash);
          Value norm = arith::MulFOp::create(
              b, l, arith::SubFOp::create(b, l, x, args[1]), args[2]);
          Value y = arith::MulFOp::create(b, l, norm,
                                          convertFloat(b, l, args[3], stash));
          if (hasBias)
            y = arith::AddFOp::create(b, l, y,
                                      convertFloat(b, l, args[4], stash));
          linalg::YieldOp::create(b, l, convertFloat(b, l, y, element));
        });
    Value meanResult = restoreReducedDims(rewriter, loc, mean, meanType);
    Value invStdResult =
        restoreReducedDims(rewriter, loc, invStdDev, invStdType);
    if (!meanResult || !invStdResult)
      return rewriter.notifyMatchFailure(op, "unexpected Mean/InvStdDev shape");
    rewriter.replaceOp(op, {generic.getResult(0), meanResult, invStdResult});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Hardmax, LpNormalization, MeanVarianceNormalization, LRN
//===----------------------------------------------------------------------===//

/// The ONNX `axis` of `op` normalized for `rank`, or a match failure.
static FailureOr<int64_t> normalizedAxis(Operation *op, int64_t axis,
                                         int64_t rank,
                                         ConversionPatternRewriter &rewriter) {
  if (rank == 0 || axis < -rank || axis >= rank)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  return axis < 0 ? axis + rank : axis;
}

/// Hardmax: 1 at the first position of the maximum along `axis`, 0
/// elsewhere (a NaN is the maximum, as in numpy's argmax).
static FailureOr<Value> lowerHardmax(nn::HardmaxOp op,
                                     nn::HardmaxOp::Adaptor adaptor,
                                     RankedTensorType type,
                                     ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  Value x = adaptor.getInput();
  int64_t rank = type.getRank();
  FailureOr<int64_t> axis = normalizedAxis(op, op.getAxis(), rank, rewriter);
  if (failed(axis))
    return failure();
  SmallVector<bool> reduced(rank, false);
  reduced[*axis] = true;
  Type element = type.getElementType();
  Value max = buildReduction(
      rewriter, loc, x, reduced,
      extremeConstant(rewriter, loc, element, /*largest=*/false, false),
      [](OpBuilder &b, Location l, Value v, Value acc) -> Value {
        return arith::MaximumFOp::create(b, l, acc, v);
      });
  Type i64 = rewriter.getI64Type();
  RankedTensorType indexType = droppedType(type, reduced, i64);
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 keptDimsMap(ctx, reduced),
                                 keptDimsMap(ctx, reduced)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[*axis] = utils::IteratorType::reduction;
  Value init = createFilled(
      rewriter, loc, indexType,
      scalarConstant(rewriter, loc, i64, (double)type.getDimSize(*axis)));
  Value first =
      linalg::GenericOp::create(
          rewriter, loc, TypeRange{indexType}, ValueRange{x, max},
          ValueRange{init}, maps, iterators,
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value index = arith::IndexCastOp::create(
                b, l, i64, linalg::IndexOp::create(b, l, *axis));
            // Equal, or both NaN.
            Value same = arith::OrIOp::create(
                b, l,
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, args[0],
                                      args[1]),
                arith::AndIOp::create(
                    b, l,
                    arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO,
                                          args[0], args[0]),
                    arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO,
                                          args[1], args[1])));
            Value candidate =
                arith::SelectOp::create(b, l, same, index, args[2]);
            linalg::YieldOp::create(
                b, l, Value(arith::MinSIOp::create(b, l, candidate, args[2])));
          })
          .getResult(0);
  return buildWithReduced(
      rewriter, loc, x, first, reduced, element,
      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        Value index = arith::IndexCastOp::create(
            b, l, i64, linalg::IndexOp::create(b, l, *axis));
        Value hit =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, index, a[1]);
        return arith::SelectOp::create(b, l, hit,
                                       scalarConstant(b, l, element, 1.0),
                                       scalarConstant(b, l, element, 0.0));
      });
}

/// LpNormalization: x / ||x||_p along `axis` (p = 1 or 2), in f32 for
/// narrower floats.
static FailureOr<Value> lowerLpNormalization(
    nn::LpNormalizationOp op, nn::LpNormalizationOp::Adaptor adaptor,
    RankedTensorType type, ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  int64_t p = op.getP();
  if (p != 1 && p != 2)
    return rewriter.notifyMatchFailure(op, "p must be 1 or 2");
  FailureOr<int64_t> axis =
      normalizedAxis(op, op.getAxis(), type.getRank(), rewriter);
  if (failed(axis))
    return failure();
  SmallVector<bool> reduced(type.getRank(), false);
  reduced[*axis] = true;
  Type element = type.getElementType();
  Type compute = accumulatorType(element);
  Value x = adaptor.getInput();
  Value total = buildReduction(
      rewriter, loc, x, reduced, scalarConstant(rewriter, loc, compute, 0.0),
      [&](OpBuilder &b, Location l, Value v, Value acc) -> Value {
        v = convertFloat(b, l, v, compute);
        Value term = p == 1 ? Value(math::AbsFOp::create(b, l, v))
                            : Value(arith::MulFOp::create(b, l, v, v));
        return arith::AddFOp::create(b, l, acc, term);
      });
  return buildWithReduced(
      rewriter, loc, x, total, reduced, element,
      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        Value norm = p == 1 ? a[1] : Value(math::SqrtOp::create(b, l, a[1]));
        Value y = arith::DivFOp::create(b, l, convertFloat(b, l, a[0], compute),
                                        norm);
        return convertFloat(b, l, y, element);
      });
}

/// MeanVarianceNormalization: (x - mean) / sqrt(variance + 1e-18) over
/// `axes`; ONNX divides by (sqrt(variance) + 1e-9), which agrees to within
/// rounding except for variances near 1e-18, and both give 0 for a constant
/// slice.
static FailureOr<Value>
lowerMeanVarianceNormalization(nn::MeanVarianceNormalizationOp op,
                               nn::MeanVarianceNormalizationOp::Adaptor adaptor,
                               RankedTensorType type,
                               ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  int64_t rank = type.getRank();
  SmallVector<int64_t> axes = {0, 2, 3};
  if (std::optional<ArrayRef<int64_t>> attr = op.getAxes())
    axes.assign(attr->begin(), attr->end());
  SmallVector<bool> reduced(rank, false);
  for (int64_t a : axes) {
    FailureOr<int64_t> axis = normalizedAxis(op, a, rank, rewriter);
    if (failed(axis))
      return failure();
    reduced[*axis] = true;
  }
  Type element = type.getElementType();
  Type compute = accumulatorType(element);
  Value x = adaptor.getX();
  auto [mean, invStdDev] =
      buildMeanInvStdDev(rewriter, loc, x, reduced, compute, 1e-18);
  return buildWithReduced(
      rewriter, loc, x, ValueRange{mean, invStdDev}, reduced, element,
      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        Value d = arith::SubFOp::create(b, l, convertFloat(b, l, a[0], compute),
                                        a[1]);
        return convertFloat(b, l, arith::MulFOp::create(b, l, d, a[2]),
                            element);
      });
}

/// LRN: x / (bias + alpha / size * sum of squares over the channel window
/// [c - floor((size - 1) / 2), c + ceil((size - 1) / 2)]) ^ beta. The squares
/// are padded with zeros along the channels and summed by a generic with one
/// extra reduction dim over the window.
static FailureOr<Value> lowerLRN(nn::LRNOp op, nn::LRNOp::Adaptor adaptor,
                                 RankedTensorType type,
                                 ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  int64_t rank = type.getRank();
  int64_t size = op.getSize();
  if (rank < 3 || size < 1)
    return rewriter.notifyMatchFailure(op, "LRN needs rank >= 3 and size >= 1");
  Type element = type.getElementType();
  Type compute = accumulatorType(element);
  Value x = adaptor.getX();
  Value squares =
      buildElementwise(rewriter, loc, type.clone(compute), x,
                       [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                         Value v = convertFloat(b, l, a[0], compute);
                         return arith::MulFOp::create(b, l, v, v);
                       });
  int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
  SmallVector<int64_t> low(rank, 0), high(rank, 0);
  low[1] = lo;
  high[1] = hi;
  SmallVector<int64_t> paddedShape(type.getShape());
  paddedShape[1] += size - 1;
  auto paddedType = RankedTensorType::get(paddedShape, compute);
  Value padded = tensor::PadOp::create(
      rewriter, loc, paddedType, squares, getAsIndexOpFoldResult(ctx, low),
      getAsIndexOpFoldResult(ctx, high),
      scalarConstant(rewriter, loc, compute, 0.0), /*nofold=*/false);
  // Loops (d0 .. d{rank-1}, k): padded[d0, d1 + k, ...] summed over k.
  SmallVector<AffineExpr> readExprs, writeExprs;
  for (int64_t i = 0; i < rank; ++i) {
    AffineExpr d = getAffineDimExpr(i, ctx);
    readExprs.push_back(i == 1 ? d + getAffineDimExpr(rank, ctx) : d);
    writeExprs.push_back(d);
  }
  SmallVector<AffineMap> maps = {AffineMap::get(rank + 1, 0, readExprs, ctx),
                                 AffineMap::get(rank + 1, 0, {}, ctx),
                                 AffineMap::get(rank + 1, 0, writeExprs, ctx)};
  SmallVector<utils::IteratorType> iterators(rank + 1,
                                             utils::IteratorType::parallel);
  iterators[rank] = utils::IteratorType::reduction;
  // The window's extent enters as a 1-D operand of `size` elements read by
  // no index (a shape carrier for the extra loop).
  Value window =
      createEmpty(rewriter, loc, RankedTensorType::get({size}, compute));
  maps[1] = AffineMap::get(rank + 1, 0, {getAffineDimExpr(rank, ctx)}, ctx);
  Value init = createFilled(rewriter, loc, type.clone(compute),
                            scalarConstant(rewriter, loc, compute, 0.0));
  Value sums =
      linalg::GenericOp::create(
          rewriter, loc, TypeRange{type.clone(compute)},
          ValueRange{padded, window}, ValueRange{init}, maps, iterators,
          [&](OpBuilder &b, Location l, ValueRange args) {
            linalg::YieldOp::create(
                b, l, Value(arith::AddFOp::create(b, l, args[2], args[0])));
          })
          .getResult(0);
  double alpha = op.getAlpha().convertToDouble();
  double beta = op.getBeta().convertToDouble();
  double bias = op.getBias().convertToDouble();
  return buildElementwise(
      rewriter, loc, type, ValueRange{x, sums},
      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        Value scaled = arith::MulFOp::create(
            b, l, a[1],
            scalarConstant(b, l, compute, alpha / static_cast<double>(size)));
        Value base = arith::AddFOp::create(
            b, l, scalarConstant(b, l, compute, bias), scaled);
        Value denominator = math::PowFOp::create(
            b, l, base, scalarConstant(b, l, compute, beta));
        Value y = arith::DivFOp::create(b, l, convertFloat(b, l, a[0], compute),
                                        denominator);
        return convertFloat(b, l, y, element);
      });
}

} // namespace

void tessera::populateNNReductionToLinalgPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<
      SingleResultLowering<nn::ReduceSumOp,
                           lowerReduce<nn::ReduceSumOp, ReduceKind::Sum>>,
      SingleResultLowering<nn::ReduceMeanOp,
                           lowerReduce<nn::ReduceMeanOp, ReduceKind::Mean>>,
      SingleResultLowering<nn::ReduceMaxOp,
                           lowerReduce<nn::ReduceMaxOp, ReduceKind::Max>>,
      SingleResultLowering<nn::ReduceMinOp,
                           lowerReduce<nn::ReduceMinOp, ReduceKind::Min>>,
      SingleResultLowering<nn::ReduceProdOp,
                           lowerReduce<nn::ReduceProdOp, ReduceKind::Prod>>,
      SingleResultLowering<nn::ReduceL2Op,
                           lowerReduce<nn::ReduceL2Op, ReduceKind::L2>>,
      SingleResultLowering<nn::ReduceL1Op,
                           lowerReduce<nn::ReduceL1Op, ReduceKind::L1>>,
      SingleResultLowering<
          nn::ReduceSumSquareOp,
          lowerReduce<nn::ReduceSumSquareOp, ReduceKind::SumSquare>>,
      SingleResultLowering<nn::ReduceLogSumOp,
                           lowerReduce<nn::ReduceLogSumOp, ReduceKind::LogSum>>,
      SingleResultLowering<
          nn::ReduceLogSumExpOp,
          lowerReduce<nn::ReduceLogSumExpOp, ReduceKind::LogSumExp>>,
      SingleResultLowering<nn::ArgMaxOp, lowerArg<nn::ArgMaxOp>>,
      SingleResultLowering<nn::ArgMinOp, lowerArg<nn::ArgMinOp>>,
      SingleResultLowering<nn::SoftmaxOp, lowerSoftmax<nn::SoftmaxOp>>,
      SingleResultLowering<nn::LogSoftmaxOp, lowerSoftmax<nn::LogSoftmaxOp>>,
      SingleResultLowering<nn::InstanceNormalizationOp,
                           lowerInstanceNormalization>,
      SingleResultLowering<nn::HardmaxOp, lowerHardmax>,
      SingleResultLowering<nn::LpNormalizationOp, lowerLpNormalization>,
      SingleResultLowering<nn::MeanVarianceNormalizationOp,
                           lowerMeanVarianceNormalization>,
      SingleResultLowering<nn::LRNOp, lowerLRN>, BatchNormalizationOpLowering,
      LayerNormalizationOpLowering>(converter, ctx);
}
