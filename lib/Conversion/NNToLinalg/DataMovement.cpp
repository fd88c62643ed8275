//===- DataMovement.cpp - nn data-movement ops to linalg ------------------===//
//
// Part of Tessera. Reshapes, Transpose, Concat/Split/Slice, Gather, Expand,
// Tile, Pad, Resize, DepthToSpace/SpaceToDepth and the shape producers
// (Shape, ConstantOfShape, Range). Every result shape is static here, so
// shapes, offsets and index tables are resolved at compile time; only data
// (and Gather's indices) are read at run time.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace tessera;
using namespace tessera::nn_to_linalg;

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Index-typed static values for slice offsets, sizes and strides.
static SmallVector<OpFoldResult> foldResults(MLIRContext *ctx,
                                             ArrayRef<int64_t> values) {
  return getAsIndexOpFoldResult(ctx, values);
}

/// Normalizes `axis` into [0, rank); nullopt when out of range.
static std::optional<int64_t> normalize(int64_t axis, int64_t rank) {
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return std::nullopt;
  return axis;
}

/// Reshapes `value` to the static `type` with the same element count: a
/// collapse to 1-D followed by an expand (both pure views when bufferized);
/// the canonicalizer folds the pair where it can.
static Value reshapeTo(OpBuilder &b, Location loc, Value value,
                       RankedTensorType type) {
  auto srcType = cast<RankedTensorType>(value.getType());
  if (srcType.getShape() == type.getShape())
    return value;
  // Rank 0 <-> all-ones shapes: an empty reassociation.
  if (srcType.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, loc, type, value,
                                         ArrayRef<ReassociationIndices>{});
  if (type.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, type, value,
                                           ArrayRef<ReassociationIndices>{});
  Value flat = value;
  if (srcType.getRank() != 1) {
    ReassociationIndices all =
        llvm::to_vector(llvm::seq<int64_t>(0, srcType.getRank()));
    auto flatType = RankedTensorType::get({srcType.getNumElements()},
                                          srcType.getElementType());
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

/// A `linalg.generic` with no inputs producing `type`; `body` maps the loop
/// indices (`linalg.index` values) to the element.
static Value
buildIndexGeneric(OpBuilder &b, Location loc, RankedTensorType type,
                  function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{}, ValueRange{createEmpty(b, loc, type)},
      maps, iterators, [&](OpBuilder &nb, Location nloc, ValueRange) {
        SmallVector<Value> indices;
        for (int64_t d = 0; d < rank; ++d)
          indices.push_back(linalg::IndexOp::create(nb, nloc, d));
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, indices));
      });
  return generic.getResult(0);
}

/// A `linalg.generic` producing `type` whose only input is read through
/// `inputExprs` (one affine expression of the output dims per input dim).
static Value buildMappedCopy(OpBuilder &b, Location loc, RankedTensorType type,
                             Value input, ArrayRef<AffineExpr> inputExprs) {
  int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, inputExprs, ctx),
      AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{input},
      ValueRange{createEmpty(b, loc, type)}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, args[0]);
      });
  return generic.getResult(0);
}

static Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Clamps index `v` into [lo, hi].
static Value clampIndex(OpBuilder &b, Location loc, Value v, int64_t lo,
                        int64_t hi) {
  v = arith::MaxSIOp::create(b, loc, v, indexConstant(b, loc, lo));
  return arith::MinSIOp::create(b, loc, v, indexConstant(b, loc, hi));
}

/// Integers of an optional constant operand: nullopt (absent) when `v` is
/// `nn.none`, failure when it is present but not constant.
static FailureOr<std::optional<SmallVector<int64_t>>>
getOptionalInts(Value v) {
  if (nn::isNone(v))
    return std::optional<SmallVector<int64_t>>();
  std::optional<SmallVector<int64_t>> ints = nn::getConstantInts(v);
  if (!ints)
    return failure();
  return ints;
}

//===----------------------------------------------------------------------===//
// The single-result pattern shell
//===----------------------------------------------------------------------===//

/// Lowers `op` to a value of the converted static result type `type`; reports
/// its own match failures.
template <typename OpTy>
using LowerFn = FailureOr<Value> (*)(OpTy, typename OpTy::Adaptor,
                                     RankedTensorType,
                                     ConversionPatternRewriter &);

/// Checks the result is static, short-circuits results without elements (no
/// data to move, and no index arithmetic on empty ranges), then calls `Lower`.
template <typename OpTy, LowerFn<OpTy> Lower>
struct SingleResultLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    RankedTensorType type =
        getConvertedType(*this->getTypeConverter(), op->getResult(0));
    if (!type)
      return rewriter.notifyMatchFailure(op, "result is not a static tensor");
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, createEmpty(rewriter, op.getLoc(), type));
      return success();
    }
    FailureOr<Value> result = Lower(op, adaptor, type, rewriter);
    if (failed(result))
      return failure();
    rewriter.replaceOp(op, *result);
    return success();
  }
};

/// The statically shaped converted operand, or a match failure.
static FailureOr<RankedTensorType>
staticOperandType(Operation *op, Value v, ConversionPatternRewriter &rewriter) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape())
    return rewriter.notifyMatchFailure(op, "operand shape is not static");
  return type;
}

//===----------------------------------------------------------------------===//
// Reshape, Flatten, Squeeze, Unsqueeze
//===----------------------------------------------------------------------===//

/// The result shape is already resolved, so every reshape-like op is the same
/// view change of its first operand.
template <typename OpTy>
static FailureOr<Value> lowerReshapeLike(OpTy op, typename OpTy::Adaptor adaptor,
                                         RankedTensorType type,
                                         ConversionPatternRewriter &rewriter) {
  Value input = adaptor.getOperands()[0];
  FailureOr<RankedTensorType> inType =
      staticOperandType(op, input, rewriter);
  if (failed(inType))
    return failure();
  if (inType->getNumElements() != type.getNumElements())
    return rewriter.notifyMatchFailure(op, "element counts differ");
  return reshapeTo(rewriter, op.getLoc(), input, type);
}

//===----------------------------------------------------------------------===//
// Transpose
//===----------------------------------------------------------------------===//

static FailureOr<Value> lowerTranspose(nn::TransposeOp op,
                                       nn::TransposeOp::Adaptor adaptor,
                                       RankedTensorType type,
                                       ConversionPatternRewriter &rewriter) {
  int64_t rank = type.getRank();
  SmallVector<int64_t> perm;
  if (std::optional<ArrayRef<int64_t>> attr = op.getPerm())
    perm.assign(attr->begin(), attr->end());
  else
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  if ((int64_t)perm.size() != rank || !isPermutationVector(perm))
    return rewriter.notifyMatchFailure(op, "perm is not a permutation");
  Value input = adaptor.getData();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, rank)))
    return input;
  Value init = createEmpty(rewriter, op.getLoc(), type);
  return linalg::TransposeOp::create(rewriter, op.getLoc(), input, init, perm)
      .getResult()[0];
}

//===----------------------------------------------------------------------===//
// Concat, Split, Slice
//===----------------------------------------------------------------------===//

static FailureOr<Value> lowerConcat(nn::ConcatOp op,
                                    nn::ConcatOp::Adaptor adaptor,
                                    RankedTensorType type,
                                    ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  std::optional<int64_t> axis = normalize(op.getAxis(), type.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  Value result = createEmpty(rewriter, loc, type);
  int64_t offset = 0;
  for (Value input : adaptor.getInputs()) {
    FailureOr<RankedTensorType> inType = staticOperandType(op, input, rewriter);
    if (failed(inType))
      return failure();
    if (inType->getRank() != type.getRank())
      return rewriter.notifyMatchFailure(op, "operand ranks differ");
    int64_t size = inType->getDimSize(*axis);
    if (size == 0)
      continue;
    SmallVector<int64_t> offsets(type.getRank(), 0);
    offsets[*axis] = offset;
    SmallVector<int64_t> strides(type.getRank(), 1);
    result = tensor::InsertSliceOp::create(
        rewriter, loc, input, result, foldResults(ctx, offsets),
        foldResults(ctx, inType->getShape()), foldResults(ctx, strides));
    offset += size;
  }
  if (offset != type.getDimSize(*axis))
    return rewriter.notifyMatchFailure(op, "operand sizes do not add up");
  return result;
}

/// Split's part sizes are the (static) result sizes along the axis.
struct SplitLowering : public OpConversionPattern<nn::SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    FailureOr<RankedTensorType> inType =
        staticOperandType(op, adaptor.getInput(), rewriter);
    if (failed(inType))
      return failure();
    int64_t rank = inType->getRank();
    std::optional<int64_t> axis = normalize(op.getAxis(), rank);
    if (!axis)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    SmallVector<Value> results;
    int64_t offset = 0;
    for (Value output : op.getOutputs()) {
      RankedTensorType type = getConvertedType(*getTypeConverter(), output);
      if (type.getRank() != rank)
        return rewriter.notifyMatchFailure(op, "result rank differs");
      SmallVector<int64_t> offsets(rank, 0);
      offsets[*axis] = offset;
      SmallVector<int64_t> strides(rank, 1);
      results.push_back(tensor::ExtractSliceOp::create(
          rewriter, loc, type, adaptor.getInput(), foldResults(ctx, offsets),
          foldResults(ctx, type.getShape()), foldResults(ctx, strides)));
      offset += type.getDimSize(*axis);
    }
    if (offset > inType->getDimSize(*axis))
      return rewriter.notifyMatchFailure(op, "parts exceed the input");
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// A strided `tensor.extract_slice`; dims with a negative step take the same
/// elements with the positive stride and are then reversed by a
/// `linalg.generic` reading `size - 1 - i`.
static FailureOr<Value> lowerSlice(nn::SliceOp op, nn::SliceOp::Adaptor adaptor,
                                   RankedTensorType type,
                                   ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  FailureOr<RankedTensorType> inType =
      staticOperandType(op, adaptor.getData(), rewriter);
  if (failed(inType))
    return failure();
  std::optional<SmallVector<int64_t>> starts =
      nn::getConstantInts(op.getStarts());
  std::optional<SmallVector<int64_t>> ends = nn::getConstantInts(op.getEnds());
  FailureOr<std::optional<SmallVector<int64_t>>> axes =
      getOptionalInts(op.getAxes());
  FailureOr<std::optional<SmallVector<int64_t>>> steps =
      getOptionalInts(op.getSteps());
  if (!starts || !ends || failed(axes) || failed(steps))
    return rewriter.notifyMatchFailure(op, "non-constant slice parameters");
  std::optional<ArrayRef<int64_t>> axesRef, stepsRef;
  if (*axes)
    axesRef = **axes;
  if (*steps)
    stepsRef = **steps;
  FailureOr<SmallVector<nn::SliceDim>> dims = nn::computeSlice(
      op, inType->getShape(), *starts, *ends, axesRef, stepsRef);
  if (failed(dims))
    return failure();
  int64_t rank = type.getRank();
  SmallVector<int64_t> offsets, sizes, strides;
  SmallVector<AffineExpr> readExprs;
  bool reversed = false;
  for (int64_t d = 0; d < rank; ++d) {
    const nn::SliceDim &dim = (*dims)[d];
    if (dim.size != type.getDimSize(d))
      return rewriter.notifyMatchFailure(op, "slice disagrees with the result");
    AffineExpr id = getAffineDimExpr(d, ctx);
    sizes.push_back(dim.size);
    if (dim.step > 0) {
      offsets.push_back(dim.start);
      strides.push_back(dim.step);
      readExprs.push_back(id);
      continue;
    }
    offsets.push_back(dim.start + (dim.size - 1) * dim.step);
    strides.push_back(-dim.step);
    readExprs.push_back(dim.size - 1 - id);
    reversed |= dim.size > 1;
  }
  Value slice = tensor::ExtractSliceOp::create(
      rewriter, loc, type, adaptor.getData(), foldResults(ctx, offsets),
      foldResults(ctx, sizes), foldResults(ctx, strides));
  if (!reversed)
    return slice;
  return buildMappedCopy(rewriter, loc, type, slice, readExprs);
}

//===----------------------------------------------------------------------===//
// Gather
//===----------------------------------------------------------------------===//

/// out[i.., j.., k..] = data[i.., wrap(indices[j..]), k..]. Indices are
/// runtime values: negative ones wrap, and out-of-range ones (an invalid
/// model) are clamped so they never read out of bounds.
static FailureOr<Value> lowerGather(nn::GatherOp op,
                                    nn::GatherOp::Adaptor adaptor,
                                    RankedTensorType type,
                                    ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  FailureOr<RankedTensorType> dataType =
      staticOperandType(op, adaptor.getData(), rewriter);
  FailureOr<RankedTensorType> indicesType =
      staticOperandType(op, adaptor.getIndices(), rewriter);
  if (failed(dataType) || failed(indicesType))
    return failure();
  int64_t r = dataType->getRank(), q = indicesType->getRank();
  std::optional<int64_t> axis = normalize(op.getAxis(), r);
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  int64_t rank = type.getRank();
  if (rank != r + q - 1)
    return rewriter.notifyMatchFailure(op, "result rank mismatch");
  int64_t axisSize = dataType->getDimSize(*axis);
  if (axisSize == 0)
    return rewriter.notifyMatchFailure(op, "gathering from an empty axis");
  SmallVector<AffineExpr> indexExprs;
  for (int64_t j = 0; j < q; ++j)
    indexExprs.push_back(getAffineDimExpr(*axis + j, ctx));
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, indexExprs, ctx),
                                 AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  Value data = adaptor.getData();
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{type}, ValueRange{adaptor.getIndices()},
      ValueRange{createEmpty(rewriter, loc, type)}, maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value k = arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
        Value isNeg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, k,
                                            indexConstant(b, l, 0));
        Value wrapped =
            arith::AddIOp::create(b, l, k, indexConstant(b, l, axisSize));
        k = arith::SelectOp::create(b, l, isNeg, wrapped, k);
        k = clampIndex(b, l, k, 0, axisSize - 1);
        SmallVector<Value> coords;
        for (int64_t d = 0; d < *axis; ++d)
          coords.push_back(linalg::IndexOp::create(b, l, d));
        coords.push_back(k);
        for (int64_t d = *axis + 1; d < r; ++d)
          coords.push_back(linalg::IndexOp::create(b, l, d + q - 1));
        linalg::YieldOp::create(b, l,
                                Value(tensor::ExtractOp::create(b, l, data, coords)));
      });
  return generic.getResult(0);
}

//===----------------------------------------------------------------------===//
// Expand, Tile
//===----------------------------------------------------------------------===//

static FailureOr<Value> lowerExpand(nn::ExpandOp op,
                                    nn::ExpandOp::Adaptor adaptor,
                                    RankedTensorType type,
                                    ConversionPatternRewriter &rewriter) {
  FailureOr<RankedTensorType> inType =
      staticOperandType(op, adaptor.getInput(), rewriter);
  if (failed(inType))
    return failure();
  if (inType->getRank() > type.getRank())
    return rewriter.notifyMatchFailure(op, "input rank exceeds the result's");
  int64_t offset = type.getRank() - inType->getRank();
  for (int64_t d = 0; d < inType->getRank(); ++d) {
    int64_t in = inType->getDimSize(d), out = type.getDimSize(d + offset);
    if (in != 1 && in != out)
      return rewriter.notifyMatchFailure(op, "input does not broadcast");
  }
  if (inType->getShape() == type.getShape())
    return adaptor.getInput();
  return buildElementwise(
      rewriter, op.getLoc(), type, adaptor.getInput(),
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

/// out[i] = in[i mod inShape], as an affine read map.
static FailureOr<Value> lowerTile(nn::TileOp op, nn::TileOp::Adaptor adaptor,
                                  RankedTensorType type,
                                  ConversionPatternRewriter &rewriter) {
  FailureOr<RankedTensorType> inType =
      staticOperandType(op, adaptor.getInput(), rewriter);
  if (failed(inType))
    return failure();
  if (inType->getRank() != type.getRank())
    return rewriter.notifyMatchFailure(op, "result rank mismatch");
  if (inType->getShape() == type.getShape())
    return adaptor.getInput();
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    int64_t in = inType->getDimSize(d);
    if (in == 0 || type.getDimSize(d) % in != 0)
      return rewriter.notifyMatchFailure(op, "result is not a whole tiling");
    AffineExpr id = getAffineDimExpr(d, rewriter.getContext());
    exprs.push_back(in == type.getDimSize(d) ? id : id % in);
  }
  return buildMappedCopy(rewriter, op.getLoc(), type, adaptor.getInput(),
                         exprs);
}

//===----------------------------------------------------------------------===//
// Pad
//===----------------------------------------------------------------------===//

/// Negative pads crop (an extract_slice) first; then constant mode fills and
/// inserts, edge/reflect read a clamped/mirrored source index per dim.
static FailureOr<Value> lowerPad(nn::PadOp op, nn::PadOp::Adaptor adaptor,
                                 RankedTensorType type,
                                 ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  FailureOr<RankedTensorType> inType =
      staticOperandType(op, adaptor.getData(), rewriter);
  if (failed(inType))
    return failure();
  int64_t rank = inType->getRank();
  std::optional<SmallVector<int64_t>> pads = nn::getConstantInts(op.getPads());
  if (!pads)
    return rewriter.notifyMatchFailure(op, "non-constant pads");
  if ((int64_t)pads->size() != 2 * rank || type.getRank() != rank)
    return rewriter.notifyMatchFailure(op, "pads do not match the rank");
  StringRef mode = op.getMode();
  if (mode != "constant" && mode != "edge" && mode != "reflect")
    return rewriter.notifyMatchFailure(op, "unsupported pad mode");

  SmallVector<int64_t> begin(pads->begin(), pads->begin() + rank);
  SmallVector<int64_t> end(pads->begin() + rank, pads->end());
  Value input = adaptor.getData();
  SmallVector<int64_t> cropOffsets(rank, 0), shape(inType->getShape());
  bool crop = false;
  for (int64_t d = 0; d < rank; ++d) {
    if (begin[d] < 0) {
      cropOffsets[d] = -begin[d];
      shape[d] += begin[d];
      begin[d] = 0;
      crop = true;
    }
    if (end[d] < 0) {
      shape[d] += end[d];
      end[d] = 0;
      crop = true;
    }
    if (shape[d] < 0 || shape[d] + begin[d] + end[d] != type.getDimSize(d))
      return rewriter.notifyMatchFailure(op, "pads disagree with the result");
  }
  SmallVector<int64_t> ones(rank, 1);
  if (crop)
    input = tensor::ExtractSliceOp::create(
        rewriter, loc,
        RankedTensorType::get(shape, inType->getElementType()), input,
        foldResults(ctx, cropOffsets), foldResults(ctx, shape),
        foldResults(ctx, ones));

  if (mode == "constant") {
    Value value = nn::isNone(op.getConstantValue())
                      ? scalarConstant(rewriter, loc, type.getElementType(), 0)
                      : extractScalar(rewriter, loc,
                                      adaptor.getConstantValue());
    Value filled = createFilled(rewriter, loc, type, value);
    if (llvm::is_contained(shape, 0))
      return filled;
    return Value(tensor::InsertSliceOp::create(
        rewriter, loc, input, filled, foldResults(ctx, begin),
        foldResults(ctx, shape), foldResults(ctx, ones)));
  }

  for (int64_t d = 0; d < rank; ++d)
    if (shape[d] == 0 && (begin[d] || end[d]))
      return rewriter.notifyMatchFailure(op, "edge/reflect padding of an "
                                             "empty dimension");
  bool reflect = mode == "reflect";
  return buildIndexGeneric(
      rewriter, loc, type, [&](OpBuilder &b, Location l, ValueRange idx) {
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d) {
          Value i = idx[d];
          int64_t n = shape[d];
          if (begin[d] == 0 && end[d] == 0) {
            coords.push_back(i);
            continue;
          }
          i = arith::SubIOp::create(b, l, i, indexConstant(b, l, begin[d]));
          if (!reflect || n == 1) {
            coords.push_back(clampIndex(b, l, i, 0, n - 1));
            continue;
          }
          // numpy's reflect: period 2(n-1), mirrored in its upper half. A
          // multiple of the period keeps the remainder's operand positive.
          int64_t period = 2 * (n - 1);
          int64_t shift = (begin[d] / period + 1) * period;
          Value j = arith::AddIOp::create(b, l, i, indexConstant(b, l, shift));
          j = arith::RemUIOp::create(b, l, j, indexConstant(b, l, period));
          Value mirrored =
              arith::SubIOp::create(b, l, indexConstant(b, l, period), j);
          Value upper = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge,
                                              j, indexConstant(b, l, n));
          coords.push_back(arith::SelectOp::create(b, l, upper, mirrored, j));
        }
        return tensor::ExtractOp::create(b, l, input, coords);
      });
}

//===----------------------------------------------------------------------===//
// Resize
//===----------------------------------------------------------------------===//

/// Source taps of one resized dimension for every output position, computed
/// at compile time with the ONNX reference's arithmetic (double precision).
struct ResizeDimTable {
  int64_t taps = 1;
  /// [out][taps] source indices, already clamped into the input.
  SmallVector<int64_t> indices;
  /// [out][taps] weights (unused for nearest).
  SmallVector<double> weights;
  /// [out] true where tf_crop_and_resize extrapolates.
  SmallVector<bool> outside;
  bool anyOutside = false;
};

struct ResizeParams {
  StringRef mode, coordMode, nearestMode;
  double cubicA = -0.75;
  bool excludeOutside = false;
};

static std::array<double, 4> cubicCoeffs(double r, double a) {
  double s = 1 - r;
  return {((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
          ((a + 2) * r - (a + 3)) * r * r + 1,
          ((a + 2) * s - (a + 3)) * s * s + 1,
          ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a};
}

/// The source coordinate of output position `x`; nullopt for an unknown mode.
static std::optional<double> sourceCoordinate(const ResizeParams &p, int64_t x,
                                              int64_t in, double scale,
                                              double roiStart, double roiEnd) {
  double outWidth = scale * in;
  StringRef m = p.coordMode;
  if (m == "half_pixel")
    return (x + 0.5) / scale - 0.5;
  if (m == "pytorch_half_pixel")
    return outWidth == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
  if (m == "asymmetric")
    return x / scale;
  if (m == "tf_half_pixel_for_nn")
    return (x + 0.5) / scale;
  if (m == "align_corners")
    return outWidth == 1 ? 0.0 : x * (in - 1) / (outWidth - 1);
  if (m == "tf_crop_and_resize") {
    double c = outWidth == 1
                   ? (roiEnd - roiStart) * (in - 1) / 2
                   : x * (roiEnd - roiStart) * (in - 1) / (outWidth - 1);
    return c + roiStart * (in - 1);
  }
  return std::nullopt;
}

/// Builds the tap table of one dimension; failure on an unknown mode.
static FailureOr<ResizeDimTable> buildResizeTable(const ResizeParams &p,
                                                  int64_t in, int64_t out,
                                                  double scale, double roiStart,
                                                  double roiEnd) {
  ResizeDimTable t;
  bool nearest = p.mode == "nearest";
  t.taps = nearest ? 1 : p.mode == "linear" ? 2 : 4;
  for (int64_t x = 0; x < out; ++x) {
    std::optional<double> c =
        sourceCoordinate(p, x, in, scale, roiStart, roiEnd);
    if (!c)
      return failure();
    bool outside =
        p.coordMode == "tf_crop_and_resize" && (*c < 0 || *c > in - 1);
    t.outside.push_back(outside);
    t.anyOutside |= outside;
    // The reference's neighbours sit left of the coordinate: ratio in (0, 1].
    double base = std::ceil(*c) - 1;
    double ratio = *c - base;
    SmallVector<int64_t> idx;
    SmallVector<double> w;
    if (nearest) {
      bool up = true;
      if (ratio != 1) {
        StringRef nm = p.nearestMode;
        if (nm == "round_prefer_floor")
          up = ratio > 0.5;
        else if (nm == "round_prefer_ceil")
          up = ratio >= 0.5;
        else if (nm == "floor")
          up = false;
        else if (nm == "ceil")
          up = true;
        else
          return failure();
      }
      idx.push_back((int64_t)base + (up ? 1 : 0));
      w.push_back(1);
    } else if (t.taps == 2) {
      idx = {(int64_t)base, (int64_t)base + 1};
      w = {1 - ratio, ratio};
    } else {
      std::array<double, 4> k = cubicCoeffs(ratio, p.cubicA);
      for (int64_t i = 0; i < 4; ++i) {
        idx.push_back((int64_t)base - 1 + i);
        w.push_back(k[i]);
      }
    }
    if (p.excludeOutside && !nearest) {
      double sum = 0;
      for (size_t i = 0; i < idx.size(); ++i) {
        if (idx[i] < 0 || idx[i] >= in)
          w[i] = 0;
        sum += w[i];
      }
      if (sum != 0)
        for (double &v : w)
          v /= sum;
    }
    for (size_t i = 0; i < idx.size(); ++i) {
      t.indices.push_back(std::clamp<int64_t>(idx[i], 0, in - 1));
      t.weights.push_back(outside ? 0 : w[i]);
    }
  }
  return t;
}

/// True when the table maps every output position to itself.
static bool isIdentityTable(const ResizeDimTable &t, int64_t in, int64_t out,
                            bool nearest) {
  if (in != out || t.anyOutside)
    return false;
  for (int64_t x = 0; x < out; ++x) {
    for (int64_t k = 0; k < t.taps; ++k) {
      int64_t i = t.indices[x * t.taps + k];
      double w = nearest ? 1 : t.weights[x * t.taps + k];
      if (w != 0 && (i != x || w != 1))
        return false;
    }
  }
  return true;
}

/// Each output element is a separable weighted sum over the taps of the
/// resized dims (index and weight tables are constants); nearest reads one
/// element.
static FailureOr<Value> lowerResize(nn::ResizeOp op,
                                    nn::ResizeOp::Adaptor adaptor,
                                    RankedTensorType type,
                                    ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  FailureOr<RankedTensorType> inType =
      staticOperandType(op, adaptor.getX(), rewriter);
  if (failed(inType))
    return failure();
  int64_t rank = type.getRank();
  if (inType->getRank() != rank)
    return rewriter.notifyMatchFailure(op, "result rank mismatch");
  ResizeParams p;
  p.mode = op.getMode();
  p.coordMode = op.getCoordinateTransformationMode();
  p.nearestMode = op.getNearestMode();
  p.cubicA = op.getCubicCoeffA().convertToDouble();
  p.excludeOutside = op.getExcludeOutside() != 0;
  bool nearest = p.mode == "nearest";
  if (!nearest && p.mode != "linear" && p.mode != "cubic")
    return rewriter.notifyMatchFailure(op, "unsupported resize mode");
  Type element = type.getElementType();
  if (!nearest && !isa<FloatType>(element))
    return rewriter.notifyMatchFailure(op, "interpolating a non-float tensor");

  // Scales as given (they, not out/in, drive the coordinates), else out/in.
  SmallVector<double> scales;
  if (!nn::isNone(op.getScales())) {
    std::optional<SmallVector<double>> s = nn::getConstantFloats(op.getScales());
    if (!s)
      return rewriter.notifyMatchFailure(op, "non-constant scales");
    scales = *s;
  }
  if (scales.empty())
    for (int64_t d = 0; d < rank; ++d)
      scales.push_back((double)type.getDimSize(d) / inType->getDimSize(d));
  if ((int64_t)scales.size() != rank)
    return rewriter.notifyMatchFailure(op, "scales do not match the rank");
  SmallVector<double> roi;
  if (p.coordMode == "tf_crop_and_resize") {
    std::optional<SmallVector<double>> r =
        nn::isNone(op.getRoi()) ? std::nullopt
                                : nn::getConstantFloats(op.getRoi());
    if (!r || (int64_t)r->size() != 2 * rank)
      return rewriter.notifyMatchFailure(op, "tf_crop_and_resize needs a "
                                             "constant roi of length 2*rank");
    roi = *r;
  }

  struct Resized {
    int64_t dim;
    ResizeDimTable table;
  };
  SmallVector<Resized> resized;
  bool anyOutside = false;
  int64_t combos = 1;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t in = inType->getDimSize(d), out = type.getDimSize(d);
    if (in == 0)
      return rewriter.notifyMatchFailure(op, "resizing an empty dimension");
    double roiStart = roi.empty() ? 0 : roi[d];
    double roiEnd = roi.empty() ? 1 : roi[rank + d];
    FailureOr<ResizeDimTable> table =
        buildResizeTable(p, in, out, scales[d], roiStart, roiEnd);
    if (failed(table))
      return rewriter.notifyMatchFailure(op, "unsupported coordinate "
                                             "transformation or nearest mode");
    if (isIdentityTable(*table, in, out, nearest))
      continue;
    anyOutside |= table->anyOutside;
    combos *= table->taps;
    resized.push_back({d, std::move(*table)});
  }
  if (combos > 256)
    return rewriter.notifyMatchFailure(op, "too many interpolated dimensions");

  // Tables become constants read inside the loop body.
  auto computeType = element.isF64() ? rewriter.getF64Type()
                                     : rewriter.getF32Type();
  SmallVector<Value> indexTables, weightTables, outsideTables;
  for (const Resized &r : resized) {
    int64_t out = type.getDimSize(r.dim);
    auto idxType = RankedTensorType::get({out, r.table.taps},
                                         rewriter.getI64Type());
    indexTables.push_back(arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(idxType, ArrayRef<int64_t>(r.table.indices))));
    if (!nearest) {
      auto wType = RankedTensorType::get({out, r.table.taps}, computeType);
      SmallVector<Attribute> ws;
      for (double w : r.table.weights)
        ws.push_back(rewriter.getFloatAttr(computeType, w));
      weightTables.push_back(arith::ConstantOp::create(
          rewriter, loc, DenseElementsAttr::get(wType, ws)));
    }
    if (anyOutside) {
      SmallVector<int8_t> flags(r.table.outside.begin(),
                                r.table.outside.end());
      auto fType = RankedTensorType::get({out}, rewriter.getI8Type());
      outsideTables.push_back(arith::ConstantOp::create(
          rewriter, loc, DenseElementsAttr::get(fType, ArrayRef<int8_t>(flags))));
    }
  }
  Value data = adaptor.getX();
  double extrapolation = op.getExtrapolationValue().convertToDouble();

  return buildIndexGeneric(
      rewriter, loc, type,
      [&](OpBuilder &b, Location l, ValueRange idx) -> Value {
        auto tableIndex = [&](Value table, int64_t k, Value pos) -> Value {
          return tensor::ExtractOp::create(
              b, l, table, ValueRange{pos, indexConstant(b, l, k)});
        };
        Value acc;
        // Odometer over the taps of every resized dim.
        SmallVector<int64_t> tap(resized.size(), 0);
        for (int64_t c = 0; c < combos; ++c) {
          SmallVector<Value> coords(idx.begin(), idx.end());
          Value weight;
          for (size_t r = 0; r < resized.size(); ++r) {
            Value pos = idx[resized[r].dim];
            Value src = tableIndex(indexTables[r], tap[r], pos);
            coords[resized[r].dim] =
                arith::IndexCastOp::create(b, l, b.getIndexType(), src);
            if (nearest)
              continue;
            Value w = tableIndex(weightTables[r], tap[r], pos);
            weight = weight ? Value(arith::MulFOp::create(b, l, weight, w)) : w;
          }
          Value v = tensor::ExtractOp::create(b, l, data, coords);
          if (nearest) {
            acc = v;
          } else {
            if (v.getType() != computeType)
              v = arith::ExtFOp::create(b, l, computeType, v);
            Value term = arith::MulFOp::create(b, l, v, weight);
            acc = acc ? Value(arith::AddFOp::create(b, l, acc, term)) : term;
          }
          for (size_t r = 0; r < resized.size(); ++r) {
            if (++tap[r] < resized[r].table.taps)
              break;
            tap[r] = 0;
          }
        }
        if (!nearest && acc.getType() != element)
          acc = arith::TruncFOp::create(b, l, element, acc);
        if (!anyOutside)
          return acc;
        Value isOutside;
        for (size_t r = 0; r < resized.size(); ++r) {
          Value flag = tensor::ExtractOp::create(b, l, outsideTables[r],
                                                 ValueRange{idx[resized[r].dim]});
          Value set = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, flag,
                                            scalarConstant(b, l, b.getI8Type(), 0));
          isOutside =
              isOutside ? Value(arith::OrIOp::create(b, l, isOutside, set)) : set;
        }
        Value fill = scalarConstant(b, l, element, extrapolation);
        return arith::SelectOp::create(b, l, isOutside, fill, acc);
      });
}

//===----------------------------------------------------------------------===//
// DepthToSpace, SpaceToDepth
//===----------------------------------------------------------------------===//

/// reshape -> transpose -> reshape, as in the ONNX definitions.
static Value blockShuffle(OpBuilder &b, Location loc, Value input,
                          ArrayRef<int64_t> shape6, ArrayRef<int64_t> perm,
                          RankedTensorType type) {
  Type element = type.getElementType();
  Value x = reshapeTo(b, loc, input, RankedTensorType::get(shape6, element));
  SmallVector<int64_t> permuted;
  for (int64_t p : perm)
    permuted.push_back(shape6[p]);
  auto permutedType = RankedTensorType::get(permuted, element);
  x = linalg::TransposeOp::create(b, loc, x, createEmpty(b, loc, permutedType),
                                  perm)
          .getResult()[0];
  return reshapeTo(b, loc, x, type);
}

template <typename OpTy>
static FailureOr<Value> lowerBlockOp(OpTy op, typename OpTy::Adaptor adaptor,
                                     RankedTensorType type,
                                     ConversionPatternRewriter &rewriter) {
  FailureOr<RankedTensorType> inType =
      staticOperandType(op, adaptor.getInput(), rewriter);
  if (failed(inType))
    return failure();
  if (inType->getRank() != 4)
    return rewriter.notifyMatchFailure(op, "input must be 4-D");
  int64_t bs = op.getBlocksize();
  int64_t n = inType->getDimSize(0), c = inType->getDimSize(1),
          h = inType->getDimSize(2), w = inType->getDimSize(3);
  if (bs <= 0)
    return rewriter.notifyMatchFailure(op, "blocksize must be positive");
  Location loc = op.getLoc();
  Value input = adaptor.getInput();
  if constexpr (std::is_same_v<OpTy, nn::DepthToSpaceOp>) {
    if (c % (bs * bs) != 0)
      return rewriter.notifyMatchFailure(op, "channels not divisible");
    int64_t cOut = c / (bs * bs);
    if (op.getMode() == "CRD")
      return blockShuffle(rewriter, loc, input, {n, cOut, bs, bs, h, w},
                          {0, 1, 4, 2, 5, 3}, type);
    if (op.getMode() != "DCR")
      return rewriter.notifyMatchFailure(op, "mode must be DCR or CRD");
    return blockShuffle(rewriter, loc, input, {n, bs, bs, cOut, h, w},
                        {0, 3, 4, 1, 5, 2}, type);
  } else {
    if (h % bs != 0 || w % bs != 0)
      return rewriter.notifyMatchFailure(op, "spatial dims not divisible");
    return blockShuffle(rewriter, loc, input, {n, c, h / bs, bs, w / bs, bs},
                        {0, 3, 5, 1, 2, 4}, type);
  }
}

//===----------------------------------------------------------------------===//
// Shape, ConstantOfShape, Range
//===----------------------------------------------------------------------===//

static FailureOr<Value> lowerShape(nn::ShapeOp op, nn::ShapeOp::Adaptor,
                                   RankedTensorType type,
                                   ConversionPatternRewriter &rewriter) {
  std::optional<SmallVector<int64_t>> shape = nn::getShape(op.getData());
  if (!shape || llvm::any_of(*shape, ShapedType::isDynamic))
    return rewriter.notifyMatchFailure(op, "input shape is not static");
  int64_t rank = shape->size();
  auto clampAxis = [&](int64_t a) {
    if (a < 0)
      a += rank;
    return std::clamp<int64_t>(a, 0, rank);
  };
  int64_t start = clampAxis(op.getStart());
  int64_t end = clampAxis(op.getEnd() ? *op.getEnd() : rank);
  SmallVector<int64_t> values;
  for (int64_t d = start; d < end; ++d)
    values.push_back((*shape)[d]);
  if ((int64_t)values.size() != type.getNumElements())
    return rewriter.notifyMatchFailure(op, "shape slice disagrees with result");
  return Value(arith::ConstantOp::create(
      rewriter, op.getLoc(),
      DenseElementsAttr::get(type, ArrayRef<int64_t>(values))));
}

static FailureOr<Value>
lowerConstantOfShape(nn::ConstantOfShapeOp op, nn::ConstantOfShapeOp::Adaptor,
                     RankedTensorType type,
                     ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Type element = type.getElementType();
  std::optional<ElementsAttr> attr = op.getValue();
  if (!attr)
    return createFilled(rewriter, loc, type,
                        scalarConstant(rewriter, loc, element, 0));
  if (attr->getNumElements() != 1)
    return rewriter.notifyMatchFailure(op, "value must hold one element");
  auto values = attr->tryGetValues<Attribute>();
  if (!values)
    return rewriter.notifyMatchFailure(op, "unreadable value attribute");
  Attribute first = *values->begin();
  TypedAttr scalar;
  if (auto i = dyn_cast<IntegerAttr>(first); i && isa<IntegerType>(element))
    scalar = IntegerAttr::get(element, i.getValue().zextOrTrunc(
                                           element.getIntOrFloatBitWidth()));
  else if (auto f = dyn_cast<FloatAttr>(first); f && isa<FloatType>(element))
    scalar = FloatAttr::get(element, f.getValueAsDouble());
  if (!scalar)
    return rewriter.notifyMatchFailure(op, "value type does not match result");
  Value fill = arith::ConstantOp::create(rewriter, loc, scalar);
  return createFilled(rewriter, loc, type, fill);
}

/// out[i] = start + i * delta.
static FailureOr<Value> lowerRange(nn::RangeOp op, nn::RangeOp::Adaptor adaptor,
                                   RankedTensorType type,
                                   ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Type element = type.getElementType();
  if (type.getRank() != 1)
    return rewriter.notifyMatchFailure(op, "result must be 1-D");
  Value start = extractScalar(rewriter, loc, adaptor.getStart());
  Value delta = extractScalar(rewriter, loc, adaptor.getDelta());
  if (start.getType() != element || delta.getType() != element)
    return rewriter.notifyMatchFailure(op, "operand types differ from result");
  return buildIndexGeneric(
      rewriter, loc, type, [&](OpBuilder &b, Location l, ValueRange idx) {
        Value i = arith::IndexCastOp::create(b, l, b.getI64Type(), idx[0]);
        if (isa<FloatType>(element)) {
          i = arith::SIToFPOp::create(b, l, element, i);
          Value step = arith::MulFOp::create(b, l, i, delta);
          return Value(arith::AddFOp::create(b, l, start, step));
        }
        if (element != i.getType())
          i = arith::TruncIOp::create(b, l, element, i);
        Value step = arith::MulIOp::create(b, l, i, delta);
        return Value(arith::AddIOp::create(b, l, start, step));
      });
}

} // namespace

void tessera::populateNNDataMovementToLinalgPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<
      SingleResultLowering<nn::ReshapeOp, lowerReshapeLike<nn::ReshapeOp>>,
      SingleResultLowering<nn::FlattenOp, lowerReshapeLike<nn::FlattenOp>>,
      SingleResultLowering<nn::SqueezeOp, lowerReshapeLike<nn::SqueezeOp>>,
      SingleResultLowering<nn::UnsqueezeOp, lowerReshapeLike<nn::UnsqueezeOp>>,
      SingleResultLowering<nn::TransposeOp, lowerTranspose>,
      SingleResultLowering<nn::ConcatOp, lowerConcat>,
      SingleResultLowering<nn::SliceOp, lowerSlice>,
      SingleResultLowering<nn::GatherOp, lowerGather>,
      SingleResultLowering<nn::ExpandOp, lowerExpand>,
      SingleResultLowering<nn::TileOp, lowerTile>,
      SingleResultLowering<nn::PadOp, lowerPad>,
      SingleResultLowering<nn::ResizeOp, lowerResize>,
      SingleResultLowering<nn::DepthToSpaceOp,
                           lowerBlockOp<nn::DepthToSpaceOp>>,
      SingleResultLowering<nn::SpaceToDepthOp,
                           lowerBlockOp<nn::SpaceToDepthOp>>,
      SingleResultLowering<nn::ShapeOp, lowerShape>,
      SingleResultLowering<nn::ConstantOfShapeOp, lowerConstantOfShape>,
      SingleResultLowering<nn::RangeOp, lowerRange>, SplitLowering>(converter,
                                                                     ctx);
}
