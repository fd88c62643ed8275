//===- Indexing.cpp - nn indexing, scatter/gather and loss ops to linalg --===//
//
// Part of Tessera. GatherElements and GatherND are `linalg.generic`s that
// read the data with `tensor.extract`; ScatterElements and ScatterND are one
// sequential `scf.for` over the updates on a tensor iter_arg (duplicate
// indices: the last update wins, or they combine in order for 'add'/'mul');
// OneHot, Trilu and EyeLike are index-computing generics; the losses are a
// per-element generic and a reduction (SoftmaxCrossEntropyLoss adds an
// `nn.log_softmax` over the classes first).
//
// Index values read at run time follow ONNX: negative ones count from the
// end of their axis. Out-of-range ones (an invalid model; constant ones are
// refused by the op's verifier) are clamped into the axis, so no read or
// write leaves its tensor. OneHot's out-of-range indices give all-off rows.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::nn_to_linalg;

namespace {

static Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Normalizes `axis` into [0, rank); nullopt when out of range.
static std::optional<int64_t> normalize(int64_t axis, int64_t rank) {
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return std::nullopt;
  return axis;
}

/// An integer index value `v` (any integer type) as an `index` into an axis
/// of `size` elements: negative values wrap once, then the result is clamped
/// into [0, size - 1].
static Value wrapIndex(OpBuilder &b, Location loc, Value v, int64_t size) {
  Value k = arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  Value zero = indexConstant(b, loc, 0);
  Value isNeg =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, k, zero);
  Value wrapped = arith::AddIOp::create(b, loc, k, indexConstant(b, loc, size));
  k = arith::SelectOp::create(b, loc, isNeg, wrapped, k);
  k = arith::MaxSIOp::create(b, loc, k, zero);
  return arith::MinSIOp::create(b, loc, k, indexConstant(b, loc, size - 1));
}

/// The loop indices (`linalg.index`) of dims [begin, end).
static SmallVector<Value> loopIndices(OpBuilder &b, Location loc, int64_t begin,
                                      int64_t end) {
  SmallVector<Value> indices;
  for (int64_t d = begin; d < end; ++d)
    indices.push_back(linalg::IndexOp::create(b, loc, d));
  return indices;
}

/// A `linalg.generic` over `type` whose inputs are read through `inputMaps`;
/// `body` maps the loop indices and the input elements to the element.
static Value buildGeneric(
    OpBuilder &b, Location loc, RankedTensorType type, ValueRange inputs,
    ArrayRef<AffineMap> inputMaps,
    function_ref<Value(OpBuilder &, Location, ValueRange, ValueRange)> body) {
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps(inputMaps.begin(), inputMaps.end());
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, inputs, ValueRange{createEmpty(b, loc, type)},
      maps, iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> idx = loopIndices(nb, nloc, 0, rank);
        linalg::YieldOp::create(nb, nloc,
                                body(nb, nloc, idx, args.drop_back()));
      });
  return generic.getResult(0);
}

/// The coordinates of row-major linear index `i` in `shape`.
static SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value i,
                                      ArrayRef<int64_t> shape) {
  SmallVector<Value> coords(shape.size());
  for (int64_t d = shape.size() - 1; d >= 0; --d) {
    Value size = indexConstant(b, loc, shape[d]);
    coords[d] = arith::RemUIOp::create(b, loc, i, size);
    if (d > 0)
      i = arith::DivUIOp::create(b, loc, i, size);
  }
  return coords;
}

/// Combines an existing element with an update per a scatter reduction.
static Value combine(OpBuilder &b, Location loc, StringRef reduction, Value old,
                     Value update) {
  Type t = update.getType();
  if (reduction == "add") {
    if (isa<FloatType>(t))
      return arith::AddFOp::create(b, loc, old, update);
    if (t.isInteger(1))
      return arith::OrIOp::create(b, loc, old, update);
    return arith::AddIOp::create(b, loc, old, update);
  }
  if (isa<FloatType>(t))
    return arith::MulFOp::create(b, loc, old, update);
  if (t.isInteger(1))
    return arith::AndIOp::create(b, loc, old, update);
  return arith::MulIOp::create(b, loc, old, update);
}

/// A sequential loop over the `count` updates of a scatter into `data`:
/// `target` maps the linear update index to the update's element and the
/// coordinates it goes to.
static Value buildScatterLoop(OpBuilder &b, Location loc, Value data,
                              int64_t count, StringRef reduction,
                              function_ref<std::pair<Value, SmallVector<Value>>(
                                  OpBuilder &, Location, Value)>
                                  target) {
  auto loop = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, count),
      indexConstant(b, loc, 1), ValueRange{data},
      [&](OpBuilder &nb, Location l, Value i, ValueRange iterArgs) {
        auto [update, coords] = target(nb, l, i);
        Value acc = iterArgs[0];
        if (reduction != "none") {
          Value old = tensor::ExtractOp::create(nb, l, acc, coords);
          update = combine(nb, l, reduction, old, update);
        }
        Value next = tensor::InsertOp::create(nb, l, update, acc, coords);
        scf::YieldOp::create(nb, l, next);
      });
  return loop.getResult(0);
}

//===----------------------------------------------------------------------===//
// GatherElements, ScatterElements
//===----------------------------------------------------------------------===//

/// out[i..] = data[i.. with i[axis] = wrap(indices[i..])].
static FailureOr<Value> lowerGatherElements(
    nn::GatherElementsOp op, nn::GatherElementsOp::Adaptor adaptor,
    RankedTensorType type, ConversionPatternRewriter &rewriter) {
  FailureOr<RankedTensorType> dataType =
      staticOperandType(op, adaptor.getData(), rewriter);
  if (failed(dataType))
    return failure();
  int64_t rank = dataType->getRank();
  std::optional<int64_t> axis = normalize(op.getAxis(), rank);
  if (!axis || type.getRank() != rank)
    return rewriter.notifyMatchFailure(op, "axis or rank mismatch");
  int64_t size = dataType->getDimSize(*axis);
  if (size == 0)
    return rewriter.notifyMatchFailure(op, "gathering from an empty axis");
  Value data = adaptor.getData();
  return buildGeneric(
      rewriter, op.getLoc(), type, adaptor.getIndices(),
      {AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext())},
      [&](OpBuilder &b, Location l, ValueRange idx, ValueRange args) {
        SmallVector<Value> coords(idx);
        coords[*axis] = wrapIndex(b, l, args[0], size);
        return Value(tensor::ExtractOp::create(b, l, data, coords));
      });
}

/// out = data; for each i.. of indices in order:
/// out[i.. with i[axis] = wrap(indices[i..])] (op)= updates[i..].
static FailureOr<Value> lowerScatterElements(
    nn::ScatterElementsOp op, nn::ScatterElementsOp::Adaptor adaptor,
    RankedTensorType type, ConversionPatternRewriter &rewriter) {
  FailureOr<RankedTensorType> indicesType =
      staticOperandType(op, adaptor.getIndices(), rewriter);
  if (failed(indicesType))
    return failure();
  int64_t rank = type.getRank();
  std::optional<int64_t> axis = normalize(op.getAxis(), rank);
  if (!axis || indicesType->getRank() != rank)
    return rewriter.notifyMatchFailure(op, "axis or rank mismatch");
  int64_t count = indicesType->getNumElements();
  if (count == 0)
    return adaptor.getData();
  int64_t size = type.getDimSize(*axis);
  Value indices = adaptor.getIndices(), updates = adaptor.getUpdates();
  SmallVector<int64_t> shape(indicesType->getShape());
  return buildScatterLoop(
      rewriter, op.getLoc(), adaptor.getData(), count, op.getReduction(),
      [&](OpBuilder &b, Location l, Value i) {
        SmallVector<Value> coords = delinearize(b, l, i, shape);
        Value update = tensor::ExtractOp::create(b, l, updates, coords);
        Value index = tensor::ExtractOp::create(b, l, indices, coords);
        coords[*axis] = wrapIndex(b, l, index, size);
        return std::make_pair(update, coords);
      });
}

//===----------------------------------------------------------------------===//
// GatherND, ScatterND
//===----------------------------------------------------------------------===//

/// The data coordinates an index tuple names: `prefix` (the batch coords),
/// then the m wrapped entries indices[tuple.., k], then `suffix`.
static SmallVector<Value> tupleCoords(OpBuilder &b, Location loc, Value indices,
                                      ValueRange tuple, int64_t m,
                                      ArrayRef<int64_t> dataShape,
                                      ValueRange prefix, ValueRange suffix) {
  SmallVector<Value> coords(prefix);
  for (int64_t k = 0; k < m; ++k) {
    SmallVector<Value> at(tuple);
    at.push_back(indexConstant(b, loc, k));
    Value v = tensor::ExtractOp::create(b, loc, indices, at);
    coords.push_back(wrapIndex(b, loc, v, dataShape[prefix.size() + k]));
  }
  coords.append(suffix.begin(), suffix.end());
  return coords;
}

/// out[t.., s..] = data[t[:b].., indices[t.., 0..m-1], s..].
static FailureOr<Value> lowerGatherND(nn::GatherNDOp op,
                                      nn::GatherNDOp::Adaptor adaptor,
                                      RankedTensorType type,
                                      ConversionPatternRewriter &rewriter) {
  FailureOr<RankedTensorType> dataType =
      staticOperandType(op, adaptor.getData(), rewriter);
  FailureOr<RankedTensorType> indicesType =
      staticOperandType(op, adaptor.getIndices(), rewriter);
  if (failed(dataType) || failed(indicesType))
    return failure();
  int64_t r = dataType->getRank(), q = indicesType->getRank();
  int64_t bd = op.getBatchDims(), m = indicesType->getShape().back();
  if (bd < 0 || bd >= std::min(q, r) || m < 1 || m > r - bd ||
      type.getRank() != q - 1 + r - bd - m)
    return rewriter.notifyMatchFailure(op, "inconsistent ranks");
  for (int64_t d = bd; d < bd + m; ++d)
    if (dataType->getDimSize(d) == 0)
      return rewriter.notifyMatchFailure(op, "gathering from an empty axis");
  Value data = adaptor.getData(), indices = adaptor.getIndices();
  SmallVector<int64_t> dataShape(dataType->getShape());
  return buildGeneric(
      rewriter, op.getLoc(), type, {}, {},
      [&](OpBuilder &b, Location l, ValueRange idx, ValueRange) {
        SmallVector<Value> coords =
            tupleCoords(b, l, indices, idx.take_front(q - 1), m, dataShape,
                        idx.take_front(bd), idx.drop_front(q - 1));
        return Value(tensor::ExtractOp::create(b, l, data, coords));
      });
}

/// out = data; for each update u[t.., s..] in order:
/// out[indices[t.., 0..m-1], s..] (op)= u[t.., s..].
static FailureOr<Value> lowerScatterND(nn::ScatterNDOp op,
                                       nn::ScatterNDOp::Adaptor adaptor,
                                       RankedTensorType type,
                                       ConversionPatternRewriter &rewriter) {
  FailureOr<RankedTensorType> indicesType =
      staticOperandType(op, adaptor.getIndices(), rewriter);
  FailureOr<RankedTensorType> updatesType =
      staticOperandType(op, adaptor.getUpdates(), rewriter);
  if (failed(indicesType) || failed(updatesType))
    return failure();
  int64_t r = type.getRank(), q = indicesType->getRank();
  int64_t m = indicesType->getShape().back();
  if (m < 1 || m > r || updatesType->getRank() != q - 1 + r - m)
    return rewriter.notifyMatchFailure(op, "inconsistent ranks");
  int64_t count = updatesType->getNumElements();
  if (count == 0)
    return adaptor.getData();
  Value indices = adaptor.getIndices(), updates = adaptor.getUpdates();
  SmallVector<int64_t> shape(updatesType->getShape());
  SmallVector<int64_t> dataShape(type.getShape());
  return buildScatterLoop(
      rewriter, op.getLoc(), adaptor.getData(), count, op.getReduction(),
      [&](OpBuilder &b, Location l, Value i) {
        SmallVector<Value> at = delinearize(b, l, i, shape);
        Value update = tensor::ExtractOp::create(b, l, updates, at);
        ValueRange atRange(at);
        SmallVector<Value> coords =
            tupleCoords(b, l, indices, atRange.take_front(q - 1), m, dataShape,
                        {}, atRange.drop_front(q - 1));
        return std::make_pair(update, coords);
      });
}

//===----------------------------------------------------------------------===//
// OneHot, Trilu, EyeLike
//===----------------------------------------------------------------------===//

/// out[i.., j, k..] = (wrap(indices[i.., k..]) == j) ? on : off, with the
/// depth the result's static size on `axis`; an index outside [-depth,
/// depth) matches no j.
static FailureOr<Value> lowerOneHot(nn::OneHotOp op,
                                    nn::OneHotOp::Adaptor adaptor,
                                    RankedTensorType type,
                                    ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  int64_t rank = type.getRank();
  std::optional<int64_t> axis = normalize(op.getAxis(), rank);
  auto indicesType = dyn_cast<RankedTensorType>(adaptor.getIndices().getType());
  if (!axis || !indicesType || indicesType.getRank() != rank - 1)
    return rewriter.notifyMatchFailure(op, "axis or rank mismatch");
  int64_t depth = type.getDimSize(*axis);
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d)
    if (d != *axis)
      exprs.push_back(getAffineDimExpr(d, ctx));
  Value values = adaptor.getValues();
  Value off = tensor::ExtractOp::create(
      rewriter, loc, values, ValueRange{indexConstant(rewriter, loc, 0)});
  Value on = tensor::ExtractOp::create(
      rewriter, loc, values, ValueRange{indexConstant(rewriter, loc, 1)});
  bool isUnsigned = isUnsignedElement(op.getIndices());
  return buildGeneric(
      rewriter, loc, type, adaptor.getIndices(),
      {AffineMap::get(rank, 0, exprs, ctx)},
      [&](OpBuilder &b, Location l, ValueRange idx, ValueRange args) {
        Type i64 = b.getI64Type();
        Value v = args[0];
        if (isa<FloatType>(v.getType()))
          v = arith::FPToSIOp::create(b, l, i64, v);
        else if (v.getType().getIntOrFloatBitWidth() < 64)
          v = isUnsigned ? Value(arith::ExtUIOp::create(b, l, i64, v))
                         : Value(arith::ExtSIOp::create(b, l, i64, v));
        Value zero = scalarConstant(b, l, i64, 0);
        Value isNeg =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, v, zero);
        Value wrapped =
            arith::AddIOp::create(b, l, v, scalarConstant(b, l, i64, depth));
        v = arith::SelectOp::create(b, l, isNeg, wrapped, v);
        Value j = arith::IndexCastOp::create(b, l, i64, idx[*axis]);
        Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, v, j);
        return Value(arith::SelectOp::create(b, l, hit, on, off));
      });
}

/// The zero of an integer or float element type.
static Value zeroOf(OpBuilder &b, Location loc, Type type) {
  return arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
}

/// Keeps x[.., i, j] where j - i >= k (upper) or j - i <= k (lower), zero
/// elsewhere; k is read at run time.
static FailureOr<Value> lowerTrilu(nn::TriluOp op, nn::TriluOp::Adaptor adaptor,
                                   RankedTensorType type,
                                   ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  int64_t rank = type.getRank();
  if (rank < 2)
    return rewriter.notifyMatchFailure(op, "input rank < 2");
  Type i64 = rewriter.getI64Type();
  Value k = nn::isNone(adaptor.getK())
                ? scalarConstant(rewriter, loc, i64, 0)
                : extractScalar(rewriter, loc, adaptor.getK());
  bool upper = op.getUpper() != 0;
  Value zero = zeroOf(rewriter, loc, type.getElementType());
  return buildGeneric(
      rewriter, loc, type, adaptor.getInput(),
      {AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext())},
      [&](OpBuilder &b, Location l, ValueRange idx, ValueRange args) {
        Value i = arith::IndexCastOp::create(b, l, i64, idx[rank - 2]);
        Value j = arith::IndexCastOp::create(b, l, i64, idx[rank - 1]);
        Value diff = arith::SubIOp::create(b, l, j, i);
        Value keep = arith::CmpIOp::create(
            b, l, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle,
            diff, k);
        return Value(arith::SelectOp::create(b, l, keep, args[0], zero));
      });
}

/// out[i, j] = (j - i == k) ? 1 : 0.
static FailureOr<Value> lowerEyeLike(nn::EyeLikeOp op,
                                     nn::EyeLikeOp::Adaptor adaptor,
                                     RankedTensorType type,
                                     ConversionPatternRewriter &rewriter) {
  if (type.getRank() != 2)
    return rewriter.notifyMatchFailure(op, "result rank is not 2");
  Location loc = op.getLoc();
  Type element = type.getElementType();
  Value one = scalarConstant(rewriter, loc, element, 1);
  Value zero = zeroOf(rewriter, loc, element);
  int64_t k = op.getK();
  return buildGeneric(
      rewriter, loc, type, {}, {},
      [&](OpBuilder &b, Location l, ValueRange idx, ValueRange) {
        Value i = arith::IndexCastOp::create(b, l, b.getI64Type(), idx[0]);
        Value j = arith::IndexCastOp::create(b, l, b.getI64Type(), idx[1]);
        Value diff = arith::SubIOp::create(b, l, j, i);
        Value hit =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, diff,
                                  scalarConstant(b, l, b.getI64Type(), k));
        return Value(arith::SelectOp::create(b, l, hit, one, zero));
      });
}

template <typename OpTy, LowerFn<OpTy> Lower>
using IndexingLowering =
    SingleResultLowering<OpTy, lowerUnlessEmpty<OpTy, Lower>>;

//===----------------------------------------------------------------------===//
// NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss
//===----------------------------------------------------------------------===//

/// The loss of `input` (N, C, d..) against `target` (N, d..) into `type`:
/// per element, w = weight[t] (1 without weights; 0 where t is the ignored
/// index) and loss = -input[n, t, d..] * w; 'none' returns those, 'sum' their
/// sum, 'mean' their sum divided by the sum of w. Targets outside [0, C) that
/// are not ignored are clamped into it.
static FailureOr<Value> buildNLL(Operation *op, Value input, Value target,
                                 Value weight, std::optional<int64_t> ignore,
                                 StringRef reduction, RankedTensorType type,
                                 ConversionPatternRewriter &rewriter) {
  Location loc = op->getLoc();
  MLIRContext *ctx = rewriter.getContext();
  auto inType = dyn_cast<RankedTensorType>(input.getType());
  auto tType = dyn_cast<RankedTensorType>(target.getType());
  if (!inType || !tType || !inType.hasStaticShape() ||
      !tType.hasStaticShape() || inType.getRank() != tType.getRank() + 1 ||
      inType.getRank() < 2)
    return rewriter.notifyMatchFailure(op, "operand shapes are not static");
  Type element = inType.getElementType();
  int64_t classes = inType.getDimSize(1);
  if (classes == 0)
    return rewriter.notifyMatchFailure(op, "no classes");
  int64_t rank = tType.getRank();
  auto perType = RankedTensorType::get(tType.getShape(), element);
  bool hasWeight = weight && !nn::isNone(weight);
  SmallVector<AffineMap> maps(3, AffineMap::getMultiDimIdentityMap(rank, ctx));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto perElement = linalg::GenericOp::create(
      rewriter, loc, TypeRange{perType, perType}, ValueRange{target},
      ValueRange{createEmpty(rewriter, loc, perType),
                 createEmpty(rewriter, loc, perType)},
      maps, iterators, [&](OpBuilder &b, Location l, ValueRange args) {
        Value t = args[0];
        SmallVector<Value> idx = loopIndices(b, l, 0, rank);
        Value c = arith::IndexCastOp::create(b, l, b.getIndexType(), t);
        c = arith::MaxSIOp::create(b, l, c, indexConstant(b, l, 0));
        c = arith::MinSIOp::create(b, l, c, indexConstant(b, l, classes - 1));
        SmallVector<Value> coords = {idx[0], c};
        coords.append(idx.begin() + 1, idx.end());
        Value x = tensor::ExtractOp::create(b, l, input, coords);
        Value w =
            hasWeight
                ? Value(tensor::ExtractOp::create(b, l, weight, ValueRange{c}))
                : scalarConstant(b, l, element, 1);
        Value loss = arith::MulFOp::create(
            b, l, arith::NegFOp::create(b, l, x).getResult(), w);
        // An ignored index the target type cannot hold matches no target.
        unsigned width = t.getType().getIntOrFloatBitWidth();
        if (ignore && APInt(64, (uint64_t)*ignore, /*isSigned=*/true)
                          .isSignedIntN(width)) {
          Value ii = arith::ConstantOp::create(
              b, l,
              b.getIntegerAttr(t.getType(),
                               APInt(width, (uint64_t)*ignore,
                                     /*isSigned=*/true, /*implicitTrunc=*/
                                     true)));
          Value skip =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, t, ii);
          Value zero = zeroOf(b, l, element);
          loss = arith::SelectOp::create(b, l, skip, zero, loss);
          w = arith::SelectOp::create(b, l, skip, zero, w);
        }
        linalg::YieldOp::create(b, l, ValueRange{loss, w});
      });
  if (reduction == "none")
    return perElement.getResult(0);
  auto scalarType = RankedTensorType::get({}, element);
  Value zero = zeroOf(rewriter, loc, element);
  SmallVector<AffineMap> sumMaps(2,
                                 AffineMap::getMultiDimIdentityMap(rank, ctx));
  sumMaps.append(2, AffineMap::get(rank, 0, {}, ctx));
  SmallVector<utils::IteratorType> reductions(rank,
                                              utils::IteratorType::reduction);
  auto sums = linalg::GenericOp::create(
      rewriter, loc, TypeRange{scalarType, scalarType}, perElement.getResults(),
      ValueRange{createFilled(rewriter, loc, scalarType, zero),
                 createFilled(rewriter, loc, scalarType, zero)},
      sumMaps, reductions, [&](OpBuilder &b, Location l, ValueRange args) {
        Value loss = arith::AddFOp::create(b, l, args[2], args[0]);
        Value w = arith::AddFOp::create(b, l, args[3], args[1]);
        linalg::YieldOp::create(b, l, ValueRange{loss, w});
      });
  if (reduction == "sum")
    return sums.getResult(0);
  if (reduction != "mean")
    return rewriter.notifyMatchFailure(op, "unknown reduction");
  return buildElementwise(rewriter, loc, type, sums.getResults(),
                          [](OpBuilder &b, Location l, ValueRange args) {
                            return Value(
                                arith::DivFOp::create(b, l, args[0], args[1]));
                          });
}

static std::optional<int64_t> ignoreIndex(Operation *op) {
  if (auto attr = op->getAttrOfType<IntegerAttr>("ignore_index"))
    return attr.getInt();
  return std::nullopt;
}

static FailureOr<Value>
lowerNLL(nn::NegativeLogLikelihoodLossOp op,
         nn::NegativeLogLikelihoodLossOp::Adaptor adaptor,
         RankedTensorType type, ConversionPatternRewriter &rewriter) {
  return buildNLL(op, adaptor.getInput(), adaptor.getTarget(),
                  adaptor.getWeight(), ignoreIndex(op), op.getReduction(), type,
                  rewriter);
}

/// log_prob = LogSoftmax(scores, axis 1) (an `nn.log_softmax`, lowered with
/// the other softmaxes), output = the NLL loss of log_prob.
struct SoftmaxCrossEntropyLossLowering
    : public OpConversionPattern<nn::SoftmaxCrossEntropyLossOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::SoftmaxCrossEntropyLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    RankedTensorType outType =
        getConvertedType(*getTypeConverter(), op.getOutput());
    RankedTensorType logType =
        getConvertedType(*getTypeConverter(), op.getLogProb());
    if (!outType || !logType || logType != adaptor.getScores().getType())
      return rewriter.notifyMatchFailure(op, "result types are not static");
    OperationState state(op.getLoc(), nn::LogSoftmaxOp::getOperationName());
    state.addOperands(adaptor.getScores());
    state.addTypes(logType);
    state.addAttribute("axis", rewriter.getI64IntegerAttr(1));
    Value logProb = rewriter.create(state)->getResult(0);
    FailureOr<Value> loss =
        buildNLL(op, logProb, adaptor.getLabels(), adaptor.getWeights(),
                 ignoreIndex(op), op.getReduction(), outType, rewriter);
    if (failed(loss))
      return failure();
    rewriter.replaceOp(op, {*loss, logProb});
    return success();
  }
};

} // namespace

void tessera::populateNNIndexingToLinalgPatterns(const TypeConverter &converter,
                                                 RewritePatternSet &patterns) {
  patterns.add<IndexingLowering<nn::GatherElementsOp, lowerGatherElements>,
               IndexingLowering<nn::ScatterElementsOp, lowerScatterElements>,
               IndexingLowering<nn::GatherNDOp, lowerGatherND>,
               IndexingLowering<nn::ScatterNDOp, lowerScatterND>,
               IndexingLowering<nn::OneHotOp, lowerOneHot>,
               IndexingLowering<nn::TriluOp, lowerTrilu>,
               IndexingLowering<nn::EyeLikeOp, lowerEyeLike>,
               SingleResultLowering<nn::NegativeLogLikelihoodLossOp, lowerNLL>,
               SoftmaxCrossEntropyLossLowering>(converter,
                                                patterns.getContext());
}
