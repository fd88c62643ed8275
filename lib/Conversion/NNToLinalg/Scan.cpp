//===- Scan.cpp - nn CumSum, TopK, ReverseSequence, Size, windows ---------===//
//
// Part of Tessera. Ops whose outputs depend on positions along an axis:
// CumSum and TopK are `linalg.generic`s with one extra reduction loop over the
// axis (O(n^2) per slice, simple and exact in order), ReverseSequence reads
// its input at computed indices, Size is a constant of the static element
// count and the window generators compute their formula per index.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace tessera;
using namespace tessera::nn_to_linalg;

namespace {

/// The float type that accumulates values of `type`: f32 for narrower
/// floats, `type` otherwise.
static Type accumulatorType(Type type) {
  auto floatType = dyn_cast<FloatType>(type);
  if (floatType && floatType.getWidth() < 32)
    return Float32Type::get(type.getContext());
  return type;
}

/// The maps of a generic over (d0 .. d{rank-1}, j) that reads `x` with `j` in
/// place of dim `axis` and writes the result at (d0 .. d{rank-1}).
static SmallVector<AffineMap> axisPairMaps(MLIRContext *ctx, int64_t rank,
                                           int64_t axis) {
  SmallVector<AffineExpr> read, write;
  for (int64_t i = 0; i < rank; ++i) {
    read.push_back(getAffineDimExpr(i == axis ? rank : i, ctx));
    write.push_back(getAffineDimExpr(i, ctx));
  }
  return {AffineMap::get(rank + 1, 0, read, ctx),
          AffineMap::get(rank + 1, 0, write, ctx)};
}

//===----------------------------------------------------------------------===//
// CumSum
//===----------------------------------------------------------------------===//

/// The cumulative sum of static `x` along `axis`: y[i] = sum of x[j] over
/// j <= i (j < i when exclusive; j >= i, j > i when reversed), accumulated in
/// f32 for narrower floats.
static Value buildCumSum(OpBuilder &b, Location loc, Value x, int64_t axis,
                         bool exclusive, bool reverse, bool isUnsigned) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  Type element = type.getElementType();
  Type acc = accumulatorType(element);
  bool isFloat = isa<FloatType>(element);
  RankedTensorType accType = type.clone(acc);
  Value init = createFilled(b, loc, accType, scalarConstant(b, loc, acc, 0.0));
  SmallVector<utils::IteratorType> iterators(rank + 1,
                                             utils::IteratorType::parallel);
  iterators[rank] = utils::IteratorType::reduction;
  using P = arith::CmpIPredicate;
  P predicate =
      reverse ? (exclusive ? P::ugt : P::uge) : (exclusive ? P::ult : P::ule);
  Value sum =
      linalg::GenericOp::create(
          b, loc, TypeRange{accType}, ValueRange{x}, ValueRange{init},
          axisPairMaps(ctx, rank, axis), iterators,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value i = linalg::IndexOp::create(nb, l, axis);
            Value j = linalg::IndexOp::create(nb, l, rank);
            Value take = arith::CmpIOp::create(nb, l, predicate, j, i);
            Value v = castScalar(nb, l, args[0], acc, isUnsigned, isUnsigned);
            Value added = isFloat
                              ? Value(arith::AddFOp::create(nb, l, args[1], v))
                              : Value(arith::AddIOp::create(nb, l, args[1], v));
            linalg::YieldOp::create(
                nb, l,
                Value(arith::SelectOp::create(nb, l, take, added, args[1])));
          })
          .getResult(0);
  if (acc == element)
    return sum;
  return buildElementwise(
      b, loc, type, sum, [&](OpBuilder &nb, Location l, ValueRange a) {
        return castScalar(nb, l, a[0], element, false, false);
      });
}

/// CumSum with a constant axis, or a runtime one: then an `scf.if` chain
/// picks among the sums along every axis (an out-of-range runtime axis, which
/// ONNX makes an error, takes the last axis).
static FailureOr<Value> lowerCumSum(nn::CumSumOp op,
                                    nn::CumSumOp::Adaptor adaptor,
                                    RankedTensorType type,
                                    ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value x = adaptor.getX();
  int64_t rank = type.getRank();
  if (rank == 0)
    return rewriter.notifyMatchFailure(op, "CumSum of a scalar");
  bool exclusive = op.getExclusive() != 0, reverse = op.getReverse() != 0;
  bool isUnsigned = isUnsignedElement(op.getX());
  std::optional<SmallVector<int64_t>> axes = nn::getConstantInts(op.getAxis());
  if (axes && axes->size() == 1) {
    int64_t axis = (*axes)[0];
    if (axis < -rank || axis >= rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    return buildCumSum(rewriter, loc, x, axis < 0 ? axis + rank : axis,
                       exclusive, reverse, isUnsigned);
  }
  // Runtime axis: normalized to [0, rank) as an i64.
  Value axisValue = extractScalar(rewriter, loc, adaptor.getAxis());
  Type i64 = rewriter.getI64Type();
  axisValue = castScalar(rewriter, loc, axisValue, i64, false, false);
  Value negative =
      arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt, axisValue,
                            scalarConstant(rewriter, loc, i64, 0));
  axisValue = arith::SelectOp::create(
      rewriter, loc, negative,
      arith::AddIOp::create(rewriter, loc, axisValue,
                            scalarConstant(rewriter, loc, i64, (double)rank)),
      axisValue);
  std::function<Value(OpBuilder &, Location, int64_t)> chain =
      [&](OpBuilder &b, Location l, int64_t axis) -> Value {
    if (axis == rank - 1)
      return buildCumSum(b, l, x, axis, exclusive, reverse, isUnsigned);
    Value match =
        arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, axisValue,
                              scalarConstant(b, l, i64, (double)axis));
    auto ifOp = scf::IfOp::create(
        b, l, match,
        [&](OpBuilder &nb, Location nl) {
          scf::YieldOp::create(
              nb, nl,
              buildCumSum(nb, nl, x, axis, exclusive, reverse, isUnsigned));
        },
        [&](OpBuilder &nb, Location nl) {
          scf::YieldOp::create(nb, nl, chain(nb, nl, axis + 1));
        });
    return ifOp.getResult(0);
  };
  return chain(rewriter, loc, 0);
}

//===----------------------------------------------------------------------===//
// TopK
//===----------------------------------------------------------------------===//

/// TopK along `axis` with K the static size of the results' axis (a K
/// operand that is not constant needs the result type to carry it). Each
/// element's rank is the number of elements that come before it: larger
/// (smaller when !largest) values, or equal values at lower indices, so ties
/// resolve to the lower index as ONNX specifies. Output position r takes the
/// element of rank r. The results are always sorted, which sorted = 0
/// permits.
struct TopKOpLowering : public OpConversionPattern<nn::TopKOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::TopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    const TypeConverter &converter = *getTypeConverter();
    RankedTensorType valuesType = getConvertedType(converter, op.getValues());
    RankedTensorType indicesType = getConvertedType(converter, op.getIndices());
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    if (!xType || !xType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "input shape is not static");
    int64_t rank = xType.getRank();
    int64_t axis = op.getAxis();
    if (rank == 0 || axis < -rank || axis >= rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    if (axis < 0)
      axis += rank;
    int64_t k = valuesType.getDimSize(axis);
    if (k > xType.getDimSize(axis))
      return rewriter.notifyMatchFailure(op, "K exceeds the axis size");
    if (std::optional<SmallVector<int64_t>> kValue =
            nn::getConstantInts(op.getK()))
      if (kValue->size() != 1 || (*kValue)[0] != k)
        return rewriter.notifyMatchFailure(op, "K does not match the result");
    bool largest = op.getLargest() != 0;
    bool isUnsigned = isUnsignedElement(op.getX());
    Type element = xType.getElementType();
    bool isFloat = isa<FloatType>(element);
    Type i64 = rewriter.getI64Type();

    // rank[i] = #{j : x[j] before x[i]}.
    RankedTensorType rankType = xType.clone(i64);
    Value rankInit = createFilled(rewriter, loc, rankType,
                                  scalarConstant(rewriter, loc, i64, 0));
    SmallVector<AffineMap> pairMaps = axisPairMaps(ctx, rank, axis);
    SmallVector<AffineMap> rankMaps = {pairMaps[1], pairMaps[0], pairMaps[1]};
    SmallVector<utils::IteratorType> iterators(rank + 1,
                                               utils::IteratorType::parallel);
    iterators[rank] = utils::IteratorType::reduction;
    Value ranks =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{rankType}, ValueRange{x, x},
            ValueRange{rankInit}, rankMaps, iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value xi = args[0], xj = args[1];
              Value i = linalg::IndexOp::create(b, l, axis);
              Value j = linalg::IndexOp::create(b, l, rank);
              Value better, equal;
              if (isFloat) {
                better =
                    arith::CmpFOp::create(b, l,
                                          largest ? arith::CmpFPredicate::OGT
                                                  : arith::CmpFPredicate::OLT,
                                          xj, xi);
                equal = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                              xj, xi);
              } else {
                using P = arith::CmpIPredicate;
                P pred = largest ? (isUnsigned ? P::ugt : P::sgt)
                                 : (isUnsigned ? P::ult : P::slt);
                better = arith::CmpIOp::create(b, l, pred, xj, xi);
                equal = arith::CmpIOp::create(b, l, P::eq, xj, xi);
              }
              Value earlier =
                  arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, j, i);
              Value before = arith::OrIOp::create(
                  b, l, better, arith::AndIOp::create(b, l, equal, earlier));
              Value one = arith::ExtUIOp::create(b, l, i64, before);
              linalg::YieldOp::create(
                  b, l, Value(arith::AddIOp::create(b, l, args[2], one)));
            })
            .getResult(0);

    // values[r], indices[r] = x[i], i for the i of rank r.
    SmallVector<AffineMap> gatherMaps = {pairMaps[0], pairMaps[0], pairMaps[1],
                                         pairMaps[1]};
    Value valuesInit = createFilled(
        rewriter, loc, valuesType, scalarConstant(rewriter, loc, element, 0.0));
    Value indicesInit = createFilled(rewriter, loc, indicesType,
                                     scalarConstant(rewriter, loc, i64, 0));
    auto gather = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valuesType, indicesType}, ValueRange{x, ranks},
        ValueRange{valuesInit, indicesInit}, gatherMaps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value r = arith::IndexCastOp::create(
              b, l, i64, linalg::IndexOp::create(b, l, axis));
          Value i = arith::IndexCastOp::create(
              b, l, i64, linalg::IndexOp::create(b, l, rank));
          Value hit =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, args[1], r);
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::SelectOp::create(b, l, hit, args[0], args[2]),
                         arith::SelectOp::create(b, l, hit, i, args[3])});
        });
    rewriter.replaceOp(op, gather.getResults());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// ReverseSequence, Size, windows
//===----------------------------------------------------------------------===//

/// y[b, t] = x[b, len[b] - 1 - t] for t < len[b], x[b, t] otherwise (with
/// batch/time as dims 0/1 in either order); lengths are clamped to the time
/// axis so that no read leaves the input.
static FailureOr<Value> lowerReverseSequence(
    nn::ReverseSequenceOp op, nn::ReverseSequenceOp::Adaptor adaptor,
    RankedTensorType type, ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  int64_t rank = type.getRank();
  int64_t batchAxis = op.getBatchAxis(), timeAxis = op.getTimeAxis();
  if (rank < 2 || batchAxis < 0 || batchAxis > 1 || timeAxis < 0 ||
      timeAxis > 1 || batchAxis == timeAxis)
    return rewriter.notifyMatchFailure(op, "unsupported batch/time axes");
  Value x = adaptor.getInput();
  Value lens = adaptor.getSequenceLens();
  auto lensType = dyn_cast<RankedTensorType>(lens.getType());
  if (!lensType || lensType.getRank() != 1 ||
      lensType.getDimSize(0) != type.getDimSize(batchAxis))
    return rewriter.notifyMatchFailure(op, "sequence_lens does not fit");
  int64_t timeSize = type.getDimSize(timeAxis);
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, getAffineDimExpr(batchAxis, ctx)),
      AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  Type i64 = rewriter.getI64Type();
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{type}, ValueRange{lens},
      ValueRange{createEmpty(rewriter, loc, type)}, maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value len = castScalar(b, l, args[0], i64, false, false);
        len = arith::MaxSIOp::create(b, l, len, scalarConstant(b, l, i64, 0));
        len = arith::MinSIOp::create(
            b, l, len, scalarConstant(b, l, i64, (double)timeSize));
        Value t = arith::IndexCastOp::create(
            b, l, i64, linalg::IndexOp::create(b, l, timeAxis));
        Value reversed =
            arith::SubIOp::create(b, l, arith::SubIOp::create(b, l, len, t),
                                  scalarConstant(b, l, i64, 1));
        Value inside =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, t, len);
        Value source = arith::SelectOp::create(b, l, inside, reversed, t);
        SmallVector<Value> indices;
        for (int64_t d = 0; d < rank; ++d)
          indices.push_back(d == timeAxis
                                ? Value(arith::IndexCastOp::create(
                                      b, l, b.getIndexType(), source))
                                : Value(linalg::IndexOp::create(b, l, d)));
        linalg::YieldOp::create(
            b, l, Value(tensor::ExtractOp::create(b, l, x, indices)));
      });
  return generic.getResult(0);
}

/// Size of a static input: its element count.
static FailureOr<Value> lowerSize(nn::SizeOp op, nn::SizeOp::Adaptor adaptor,
                                  RankedTensorType type,
                                  ConversionPatternRewriter &rewriter) {
  auto input = dyn_cast<RankedTensorType>(adaptor.getData().getType());
  if (!input || !input.hasStaticShape())
    return rewriter.notifyMatchFailure(op, "input shape is not static");
  return arith::ConstantOp::create(
             rewriter, op.getLoc(),
             DenseElementsAttr::get(
                 type, rewriter.getI64IntegerAttr(input.getNumElements())))
      .getResult();
}

/// A window of the static result's length N: sum_k a[k] cos(2 pi k n / N')
/// with N' = N (periodic) or N - 1, computed in f64 and converted to the
/// output type as a Cast would.
template <typename OpTy>
static FailureOr<Value> lowerWindow(OpTy op, typename OpTy::Adaptor,
                                    RankedTensorType type,
                                    ConversionPatternRewriter &rewriter) {
  SmallVector<double> a;
  if constexpr (std::is_same_v<OpTy, nn::HannWindowOp>)
    a = {0.5, -0.5};
  else if constexpr (std::is_same_v<OpTy, nn::HammingWindowOp>)
    a = {25.0 / 46.0, -(1.0 - 25.0 / 46.0)};
  else
    a = {0.42, -0.5, 0.08};
  int64_t n = type.getDimSize(0);
  double denominator = static_cast<double>(op.getPeriodic() != 0 ? n : n - 1);
  Type element = type.getElementType();
  bool isUnsigned = isUnsignedElement(op.getOutput());
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{type}, ValueRange{},
      ValueRange{createEmpty(rewriter, loc, type)},
      SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(1, ctx)},
      SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
      [&](OpBuilder &b, Location l, ValueRange) {
        Type f64 = b.getF64Type();
        Value index = arith::IndexCastOp::create(
            b, l, b.getI64Type(), linalg::IndexOp::create(b, l, 0));
        Value position = arith::SIToFPOp::create(b, l, f64, index);
        Value phase = arith::MulFOp::create(
            b, l, position,
            scalarConstant(b, l, f64, 2.0 * M_PI / denominator));
        Value sum = scalarConstant(b, l, f64, a[0]);
        for (size_t k = 1; k < a.size(); ++k) {
          Value angle = arith::MulFOp::create(
              b, l, phase, scalarConstant(b, l, f64, (double)k));
          sum = arith::AddFOp::create(
              b, l, sum,
              arith::MulFOp::create(b, l, math::CosOp::create(b, l, angle),
                                    scalarConstant(b, l, f64, a[k])));
        }
        linalg::YieldOp::create(
            b, l, castScalar(b, l, sum, element, false, isUnsigned));
      });
  return generic.getResult(0);
}

} // namespace

void tessera::populateNNScanToLinalgPatterns(const TypeConverter &converter,
                                             RewritePatternSet &patterns) {
  patterns.add<
      SingleResultLowering<nn::CumSumOp, lowerCumSum>, TopKOpLowering,
      SingleResultLowering<nn::ReverseSequenceOp, lowerReverseSequence>,
      SingleResultLowering<nn::SizeOp, lowerSize>,
      SingleResultLowering<nn::HannWindowOp, lowerWindow<nn::HannWindowOp>>,
      SingleResultLowering<nn::HammingWindowOp,
                           lowerWindow<nn::HammingWindowOp>>,
      SingleResultLowering<nn::BlackmanWindowOp,
                           lowerWindow<nn::BlackmanWindowOp>>>(
      converter, patterns.getContext());
}
