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

/// A `linalg.generic` producing `type` whose only input is read through
/// `inputExprs` (one affine expression of the output dims per input dim).
static Value buildMappedCopy(OpBuilder &b, Location loc, RankedTensorType type,
                             Value input, ArrayRef<AffineExpr> inputExprs) {
  int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, inputExprs, ctx),
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

/// Copies `value` into a fresh tensor. A strided `tensor.extract_slice` that
/// reaches a function result would otherwise bufferize to a strided
/// `memref.copy`, which needs the MLIR C runner library at run time.
static Value materialize(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return linalg::CopyOp::create(b, loc, value, createEmpty(b, loc, type))
      .getResult(0);
}

/// `tensor.insert_slice` of `source` into `dest` written as extract_slice +
/// `linalg.copy` + insert_slice, which bufferizes in place to a loop copy
/// into a subview (a plain insert_slice would need a strided `memref.copy`).
static Value insertByCopy(OpBuilder &b, Location loc, Value source, Value dest,
                          ArrayRef<int64_t> offsets) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(source.getType());
  SmallVector<OpFoldResult> offs = foldResults(ctx, offsets);
  SmallVector<OpFoldResult> sizes = foldResults(ctx, type.getShape());
  SmallVector<OpFoldResult> strides =
      foldResults(ctx, SmallVector<int64_t>(type.getRank(), 1));
  Value window =
      tensor::ExtractSliceOp::create(b, loc, type, dest, offs, sizes, strides);
  Value copied = linalg::CopyOp::create(b, loc, source, window).getResult(0);
  return tensor::InsertSliceOp::create(b, loc, copied, dest, offs, sizes,
                                       strides);
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
static FailureOr<std::optional<SmallVector<int64_t>>> getOptionalInts(Value v) {
  if (nn::isNone(v))
    return std::optional<SmallVector<int64_t>>();
  std::optional<SmallVector<int64_t>> ints = nn::getConstantInts(v);
  if (!ints)
    return failure();
  return ints;
}

//===----------------------------------------------------------------------===//
// Results without elements
//===----------------------------------------------------------------------===//

/// The pattern of a single-result data-movement op.
template <typename OpTy, LowerFn<OpTy> Lower>
using DataMovementLowering =
    SingleResultLowering<OpTy, lowerUnlessEmpty<OpTy, Lower>>;

//===----------------------------------------------------------------------===//
// Reshape, Flatten, Squeeze, Unsqueeze
//===----------------------------------------------------------------------===//

/// The result shape is already resolved, so every reshape-like op is the same
/// view change of its first operand.
template <typename OpTy>
static FailureOr<Value>
lowerReshapeLike(OpTy op, typename OpTy::Adaptor adaptor, RankedTensorType type,
                 ConversionPatternRewriter &rewriter) {
  Value input = adaptor.getOperands()[0];
  FailureOr<RankedTensorType> inType = staticOperandType(op, input, rewriter);
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
    result = insertByCopy(rewriter, loc, input, result, offsets);
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
      int64_t size = type.getDimSize(*axis);
      if (type.getNumElements() == 0) {
        results.push_back(createEmpty(rewriter, loc, type));
        offset += size;
        continue;
      }
      SmallVector<int64_t> offsets(rank, 0);
      offsets[*axis] = offset;
      SmallVector<int64_t> strides(rank, 1);
      Value part = tensor::ExtractSliceOp::create(
          rewriter, loc, type, adaptor.getInput(), foldResults(ctx, offsets),
          foldResults(ctx, type.getShape()), foldResults(ctx, strides));
      results.push_back(materialize(rewriter, loc, part));
      offset += size;
    }
    if (offset > inType->getDimSize(*axis))
      return rewriter.notifyMatchFailure(op, "parts exceed the input");
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// The index scalar `tensor[i]` of an integer tensor.
static Value extractIndex(OpBuilder &b, Location loc, Value tensor, int64_t i) {
  Value v = tensor::ExtractOp::create(b, loc, tensor,
                                      ValueRange{indexConstant(b, loc, i)});
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

static Value selectIndex(OpBuilder &b, Location loc, Value cond, Value t,
                         Value f) {
  return arith::SelectOp::create(b, loc, cond, t, f);
}

static Value cmpIndex(OpBuilder &b, Location loc, arith::CmpIPredicate pred,
                      Value x, int64_t v) {
  return arith::CmpIOp::create(b, loc, pred, x, indexConstant(b, loc, v));
}

/// Slice with runtime starts/axes/steps (the result shape is static, so ends
/// are implied): each dim's clamped start and step are selected from the
/// entries naming it, then out[i] = data[start + i * step].
static FailureOr<Value> lowerRuntimeSlice(nn::SliceOp op,
                                          nn::SliceOp::Adaptor adaptor,
                                          RankedTensorType type,
                                          RankedTensorType inType,
                                          ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto startsType = dyn_cast<RankedTensorType>(adaptor.getStarts().getType());
  if (!startsType || startsType.getRank() != 1 || !startsType.hasStaticShape())
    return rewriter.notifyMatchFailure(op,
                                       "starts must be a static 1-D tensor");
  int64_t n = startsType.getDimSize(0);
  int64_t rank = inType.getRank();
  bool hasAxes = !nn::isNone(op.getAxes()),
       hasSteps = !nn::isNone(op.getSteps());
  using P = arith::CmpIPredicate;
  SmallVector<Value> start(rank, indexConstant(rewriter, loc, 0));
  SmallVector<Value> step(rank, indexConstant(rewriter, loc, 1));
  for (int64_t i = 0; i < n; ++i) {
    Value s = extractIndex(rewriter, loc, adaptor.getStarts(), i);
    Value axis = hasAxes ? extractIndex(rewriter, loc, adaptor.getAxes(), i)
                         : indexConstant(rewriter, loc, i);
    axis =
        selectIndex(rewriter, loc, cmpIndex(rewriter, loc, P::slt, axis, 0),
                    arith::AddIOp::create(rewriter, loc, axis,
                                          indexConstant(rewriter, loc, rank)),
                    axis);
    Value st = hasSteps ? extractIndex(rewriter, loc, adaptor.getSteps(), i)
                        : indexConstant(rewriter, loc, 1);
    Value positive = cmpIndex(rewriter, loc, P::sgt, st, 0);
    for (int64_t d = 0; d < rank; ++d) {
      int64_t dim = inType.getDimSize(d);
      Value wrapped =
          selectIndex(rewriter, loc, cmpIndex(rewriter, loc, P::slt, s, 0),
                      arith::AddIOp::create(rewriter, loc, s,
                                            indexConstant(rewriter, loc, dim)),
                      s);
      Value clamped = selectIndex(
          rewriter, loc, positive, clampIndex(rewriter, loc, wrapped, 0, dim),
          clampIndex(rewriter, loc, wrapped, -1, dim - 1));
      Value named = cmpIndex(rewriter, loc, P::eq, axis, d);
      start[d] = selectIndex(rewriter, loc, named, clamped, start[d]);
      step[d] = selectIndex(rewriter, loc, named, st, step[d]);
    }
  }
  Value data = adaptor.getData();
  return buildIndexGeneric(
      rewriter, loc, type, [&](OpBuilder &b, Location l, ValueRange idx) {
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d) {
          Value offset = arith::MulIOp::create(b, l, idx[d], step[d]);
          Value src = arith::AddIOp::create(b, l, start[d], offset);
          // Bounds safety only: a valid model never clamps here.
          coords.push_back(clampIndex(b, l, src, 0, inType.getDimSize(d) - 1));
        }
        return tensor::ExtractOp::create(b, l, data, coords);
      });
}

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
    return lowerRuntimeSlice(op, adaptor, type, *inType, rewriter);
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
    return materialize(rewriter, loc, slice);
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
        linalg::YieldOp::create(
            b, l, Value(tensor::ExtractOp::create(b, l, data, coords)));
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

/// The padded read of `input` into `type`: dim d of the output reads source
/// index `i - begin[d]` (begins may be runtime values), which constant mode
/// bounds-checks, edge mode clamps and reflect mode mirrors like numpy.
static Value buildPadGeneric(OpBuilder &b, Location loc, RankedTensorType type,
                             Value input, ArrayRef<Value> begins,
                             StringRef mode, Value padValue) {
  auto inType = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  return buildIndexGeneric(
      b, loc, type, [&](OpBuilder &nb, Location l, ValueRange idx) -> Value {
        using P = arith::CmpIPredicate;
        SmallVector<Value> coords;
        Value inBounds;
        for (int64_t d = 0; d < rank; ++d) {
          int64_t n = inType.getDimSize(d);
          if (n == type.getDimSize(d) && isConstantIntValue(begins[d], 0)) {
            coords.push_back(idx[d]);
            continue;
          }
          Value i = arith::SubIOp::create(nb, l, idx[d], begins[d]);
          if (mode == "constant") {
            Value ok =
                arith::AndIOp::create(nb, l, cmpIndex(nb, l, P::sge, i, 0),
                                      cmpIndex(nb, l, P::slt, i, n));
            inBounds = inBounds
                           ? Value(arith::AndIOp::create(nb, l, inBounds, ok))
                           : ok;
            coords.push_back(clampIndex(nb, l, i, 0, n - 1));
            continue;
          }
          if (mode == "edge" || n == 1) {
            coords.push_back(clampIndex(nb, l, i, 0, n - 1));
            continue;
          }
          // numpy's reflect: period 2(n-1), mirrored in its upper half.
          int64_t period = 2 * (n - 1);
          Value p = indexConstant(nb, l, period);
          Value j = arith::RemSIOp::create(nb, l, i, p);
          j = selectIndex(nb, l, cmpIndex(nb, l, P::slt, j, 0),
                          arith::AddIOp::create(nb, l, j, p), j);
          Value mirrored = arith::SubIOp::create(nb, l, p, j);
          coords.push_back(
              selectIndex(nb, l, cmpIndex(nb, l, P::sge, j, n), mirrored, j));
        }
        Value v = tensor::ExtractOp::create(nb, l, input, coords);
        if (!inBounds)
          return v;
        return arith::SelectOp::create(nb, l, inBounds, v, padValue);
      });
}

/// Constant pads: negative pads crop (an extract_slice) first; constant mode
/// then fills and copies the data in, edge/reflect read a clamped/mirrored
/// source index. Runtime pads use the bounds-checked read for every mode.
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
  if (type.getRank() != rank)
    return rewriter.notifyMatchFailure(op, "result rank mismatch");
  StringRef mode = op.getMode();
  if (mode != "constant" && mode != "edge" && mode != "reflect")
    return rewriter.notifyMatchFailure(op, "unsupported pad mode");
  Value padValue;
  if (mode == "constant")
    padValue = nn::isNone(op.getConstantValue())
                   ? scalarConstant(rewriter, loc, type.getElementType(), 0)
                   : extractScalar(rewriter, loc, adaptor.getConstantValue());
  Value input = adaptor.getData();

  std::optional<SmallVector<int64_t>> pads = nn::getConstantInts(op.getPads());
  if (!pads) {
    auto padsType = dyn_cast<RankedTensorType>(adaptor.getPads().getType());
    if (!padsType || !padsType.hasStaticShape() ||
        padsType.getNumElements() != 2 * rank)
      return rewriter.notifyMatchFailure(op, "pads do not match the rank");
    if (inType->getNumElements() == 0) {
      if (mode != "constant")
        return rewriter.notifyMatchFailure(op, "edge/reflect padding of an "
                                               "empty tensor");
      return createFilled(rewriter, loc, type, padValue);
    }
    SmallVector<Value> begins;
    for (int64_t d = 0; d < rank; ++d)
      begins.push_back(extractIndex(rewriter, loc, adaptor.getPads(), d));
    return buildPadGeneric(rewriter, loc, type, input, begins, mode, padValue);
  }
  if ((int64_t)pads->size() != 2 * rank)
    return rewriter.notifyMatchFailure(op, "pads do not match the rank");

  SmallVector<int64_t> begin(pads->begin(), pads->begin() + rank);
  SmallVector<int64_t> end(pads->begin() + rank, pads->end());
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
  bool empty = llvm::is_contained(shape, 0);
  if (mode == "constant" && empty)
    return createFilled(rewriter, loc, type, padValue);
  if (empty)
    return rewriter.notifyMatchFailure(op, "edge/reflect padding of an empty "
                                           "tensor");
  SmallVector<int64_t> ones(rank, 1);
  if (crop)
    input = tensor::ExtractSliceOp::create(
        rewriter, loc, RankedTensorType::get(shape, inType->getElementType()),
        input, foldResults(ctx, cropOffsets), foldResults(ctx, shape),
        foldResults(ctx, ones));
  if (mode == "constant")
    return insertByCopy(rewriter, loc, input,
                        createFilled(rewriter, loc, type, padValue), begin);
  SmallVector<Value> begins;
  for (int64_t v : begin)
    begins.push_back(indexConstant(rewriter, loc, v));
  return buildPadGeneric(rewriter, loc, type, input, begins, mode, padValue);
}

//===----------------------------------------------------------------------===//
// Resize
//===----------------------------------------------------------------------===//

struct ResizeParams {
  StringRef mode, coordMode, nearestMode;
  double cubicA = -0.75;
  bool excludeOutside = false;
  int64_t taps = 1;
};

/// The per-dimension tap tables of a resized dim, each a tensor over the
/// output positions: source indices (i64, clamped into the input), weights
/// (f64; none for nearest) and, for tf_crop_and_resize, an i1 "extrapolate"
/// flag.
struct ResizeTables {
  int64_t dim;
  SmallVector<Value> indices, weights;
  Value outside;
};

/// Emits `base + k` as a clamped i64 source index and whether it lies
/// outside [0, in).
static std::pair<Value, Value>
resizeTapIndex(OpBuilder &b, Location l, Value base, int64_t k, int64_t in) {
  Type i64 = b.getI64Type();
  Value i = arith::FPToSIOp::create(b, l, i64, base);
  i = arith::AddIOp::create(b, l, i, scalarConstant(b, l, i64, k));
  Value lo = scalarConstant(b, l, i64, 0),
        hi = scalarConstant(b, l, i64, in - 1);
  Value outside = arith::OrIOp::create(
      b, l, arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i, lo),
      arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, i, hi));
  i = arith::MaxSIOp::create(b, l, i, lo);
  return {arith::MinSIOp::create(b, l, i, hi), outside};
}

/// Builds the tap tables of dim `dim` (input size `in`, output `out`) with the
/// ONNX reference's arithmetic in f64: the source coordinate from `scale`
/// (and `roiStart`/`roiEnd` for tf_crop_and_resize), the neighbours left of it
/// (ratio in (0, 1]), then the nearest/linear/cubic weights.
static ResizeTables buildResizeTables(OpBuilder &b, Location loc,
                                      const ResizeParams &p, int64_t dim,
                                      int64_t in, int64_t out, Value scale,
                                      Value roiStart, Value roiEnd) {
  Type f64 = b.getF64Type(), i64 = b.getI64Type();
  bool nearest = p.mode == "nearest";
  bool crop = p.coordMode == "tf_crop_and_resize";
  SmallVector<Type> types;
  SmallVector<Value> inits;
  auto addOutput = [&](Type element) {
    auto type = RankedTensorType::get({out}, element);
    types.push_back(type);
    inits.push_back(createEmpty(b, loc, type));
  };
  for (int64_t k = 0; k < p.taps; ++k)
    addOutput(i64);
  if (!nearest)
    for (int64_t k = 0; k < p.taps; ++k)
      addOutput(f64);
  if (crop)
    addOutput(b.getI1Type());

  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps(types.size(),
                              AffineMap::getMultiDimIdentityMap(1, ctx));
  auto generic = linalg::GenericOp::create(
      b, loc, types, ValueRange{}, inits, maps, {utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location l, ValueRange) {
        auto cst = [&](double v) { return scalarConstant(nb, l, f64, v); };
        auto add = [&](Value x, Value y) -> Value {
          return arith::AddFOp::create(nb, l, x, y);
        };
        auto sub = [&](Value x, Value y) -> Value {
          return arith::SubFOp::create(nb, l, x, y);
        };
        auto mul = [&](Value x, Value y) -> Value {
          return arith::MulFOp::create(nb, l, x, y);
        };
        auto div = [&](Value x, Value y) -> Value {
          return arith::DivFOp::create(nb, l, x, y);
        };
        auto eq = [&](Value x, double v) -> Value {
          return arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ, x,
                                       cst(v));
        };
        Value x = linalg::IndexOp::create(nb, l, 0);
        x = arith::IndexCastOp::create(nb, l, i64, x);
        x = arith::SIToFPOp::create(nb, l, f64, x);
        Value outWidth = mul(scale, cst(in));
        Value halfPixel = sub(div(add(x, cst(0.5)), scale), cst(0.5));
        StringRef m = p.coordMode;
        Value c;
        if (m == "half_pixel") {
          c = halfPixel;
        } else if (m == "pytorch_half_pixel") {
          c = arith::SelectOp::create(nb, l, eq(outWidth, 1), cst(-0.5),
                                      halfPixel);
        } else if (m == "asymmetric") {
          c = div(x, scale);
        } else if (m == "tf_half_pixel_for_nn") {
          c = div(add(x, cst(0.5)), scale);
        } else if (m == "align_corners") {
          Value v = div(mul(x, cst(in - 1)), sub(outWidth, cst(1)));
          c = arith::SelectOp::create(nb, l, eq(outWidth, 1), cst(0), v);
        } else {
          Value extent = mul(sub(roiEnd, roiStart), cst(in - 1));
          Value one = div(extent, cst(2));
          Value many = div(mul(x, extent), sub(outWidth, cst(1)));
          c = arith::SelectOp::create(nb, l, eq(outWidth, 1), one, many);
          c = add(c, mul(roiStart, cst(in - 1)));
        }
        Value base = sub(math::CeilOp::create(nb, l, c), cst(1));
        Value ratio = sub(c, base);

        SmallVector<Value> results;
        if (nearest) {
          Value up;
          StringRef nm = p.nearestMode;
          auto cmp = [&](arith::CmpFPredicate pred) -> Value {
            return arith::CmpFOp::create(nb, l, pred, ratio, cst(0.5));
          };
          if (nm == "round_prefer_floor")
            up = cmp(arith::CmpFPredicate::OGT);
          else if (nm == "round_prefer_ceil")
            up = cmp(arith::CmpFPredicate::OGE);
          else if (nm == "floor")
            up = arith::ConstantOp::create(nb, l, nb.getBoolAttr(false));
          else
            up = arith::ConstantOp::create(nb, l, nb.getBoolAttr(true));
          // An integral coordinate reads itself whatever the mode.
          up = arith::OrIOp::create(nb, l, up, eq(ratio, 1));
          Value shift = arith::SelectOp::create(nb, l, up, cst(1), cst(0));
          results.push_back(
              resizeTapIndex(nb, l, add(base, shift), 0, in).first);
        } else {
          SmallVector<Value> w, outsideTap;
          int64_t first = p.taps == 2 ? 0 : -1;
          for (int64_t k = 0; k < p.taps; ++k) {
            auto [idx, outside] = resizeTapIndex(nb, l, base, first + k, in);
            results.push_back(idx);
            outsideTap.push_back(outside);
          }
          if (p.taps == 2) {
            w = {sub(cst(1), ratio), ratio};
          } else {
            // Keys' cubic convolution kernel with coefficient A.
            Value a = cst(p.cubicA);
            Value five = mul(cst(5), a), eight = mul(cst(8), a),
                  four = mul(cst(4), a);
            Value a2 = add(a, cst(2)), a3 = add(a, cst(3));
            auto outer = [&](Value t) { // t in [1, 2]
              return sub(mul(add(mul(sub(mul(a, t), five), t), eight), t),
                         four);
            };
            auto inner = [&](Value t) { // t in [0, 1]
              return add(mul(mul(sub(mul(a2, t), a3), t), t), cst(1));
            };
            Value s = sub(cst(1), ratio);
            w = {outer(add(ratio, cst(1))), inner(ratio), inner(s),
                 outer(add(s, cst(1)))};
          }
          if (p.excludeOutside) {
            Value sum;
            for (int64_t k = 0; k < p.taps; ++k) {
              w[k] =
                  arith::SelectOp::create(nb, l, outsideTap[k], cst(0), w[k]);
              sum = sum ? add(sum, w[k]) : w[k];
            }
            for (Value &v : w)
              v = div(v, sum);
          }
          results.append(w.begin(), w.end());
        }
        if (crop) {
          Value below = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OLT,
                                              c, cst(0));
          Value above = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT,
                                              c, cst(in - 1));
          results.push_back(arith::OrIOp::create(nb, l, below, above));
        }
        linalg::YieldOp::create(nb, l, results);
      });
  ResizeTables t;
  t.dim = dim;
  ValueRange r = generic.getResults();
  t.indices.assign(r.begin(), r.begin() + p.taps);
  if (!nearest)
    t.weights.assign(r.begin() + p.taps, r.begin() + 2 * p.taps);
  if (crop)
    t.outside = r.back();
  return t;
}

/// The f64 scalar `tensor[i]` of a float tensor.
static Value extractF64(OpBuilder &b, Location loc, Value tensor, int64_t i) {
  Value v = tensor::ExtractOp::create(b, loc, tensor,
                                      ValueRange{indexConstant(b, loc, i)});
  if (v.getType().isF64())
    return v;
  return arith::ExtFOp::create(b, loc, b.getF64Type(), v);
}

/// Each output element is a separable weighted sum over the taps of the
/// resized dims; nearest reads one element. Scales and roi may be runtime
/// values: the tap tables are computed per dim by a small 1-D generic.
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
  p.taps = nearest ? 1 : p.mode == "linear" ? 2 : 4;
  if (!llvm::is_contained({"half_pixel", "pytorch_half_pixel", "asymmetric",
                           "tf_half_pixel_for_nn", "align_corners",
                           "tf_crop_and_resize"},
                          p.coordMode))
    return rewriter.notifyMatchFailure(op, "unsupported coordinate "
                                           "transformation mode");
  if (nearest && !llvm::is_contained({"round_prefer_floor", "round_prefer_ceil",
                                      "floor", "ceil"},
                                     p.nearestMode))
    return rewriter.notifyMatchFailure(op, "unsupported nearest mode");
  Type element = type.getElementType();
  if (!nearest && !isa<FloatType>(element))
    return rewriter.notifyMatchFailure(op, "interpolating a non-float tensor");
  bool crop = p.coordMode == "tf_crop_and_resize";

  // The given scales (not out/in) drive the coordinates; an empty scales
  // tensor means sizes were given, and then the scale is out/in.
  Value scales;
  if (!nn::isNone(op.getScales())) {
    auto scalesType = dyn_cast<RankedTensorType>(adaptor.getScales().getType());
    if (!scalesType || !scalesType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "scales shape is not static");
    if (scalesType.getNumElements() != 0) {
      if (scalesType.getNumElements() != rank)
        return rewriter.notifyMatchFailure(op, "scales do not match the rank");
      scales = adaptor.getScales();
    }
  }
  std::optional<SmallVector<double>> constScales;
  if (scales)
    constScales = nn::getConstantFloats(op.getScales());
  Value roi;
  if (crop) {
    auto roiType = nn::isNone(op.getRoi())
                       ? RankedTensorType()
                       : dyn_cast<RankedTensorType>(adaptor.getRoi().getType());
    if (!roiType || !roiType.hasStaticShape() ||
        roiType.getNumElements() != 2 * rank)
      return rewriter.notifyMatchFailure(op, "tf_crop_and_resize needs an roi "
                                             "of length 2*rank");
    roi = adaptor.getRoi();
  }

  SmallVector<ResizeTables> tables;
  int64_t combos = 1;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t in = inType->getDimSize(d), out = type.getDimSize(d);
    if (in == 0)
      return rewriter.notifyMatchFailure(op, "resizing an empty dimension");
    // Every tap of a size-1 dim reads element 0 and the weights sum to 1; a
    // unit scale on an unchanged dim maps each position to itself.
    bool unitScale = !scales || (constScales && (*constScales)[d] == 1.0);
    if (!crop && (in == 1 || (in == out && unitScale &&
                              p.coordMode != "tf_half_pixel_for_nn")))
      continue;
    Value scale = scales ? extractF64(rewriter, loc, scales, d)
                         : scalarConstant(rewriter, loc, rewriter.getF64Type(),
                                          (double)out / in);
    Value roiStart, roiEnd;
    if (crop) {
      roiStart = extractF64(rewriter, loc, roi, d);
      roiEnd = extractF64(rewriter, loc, roi, rank + d);
    }
    tables.push_back(buildResizeTables(rewriter, loc, p, d, in, out, scale,
                                       roiStart, roiEnd));
    combos *= p.taps;
  }
  if (combos > 256)
    return rewriter.notifyMatchFailure(op, "too many interpolated dimensions");
  Value data = adaptor.getX();
  if (tables.empty() && inType->getShape() == type.getShape())
    return data;
  double extrapolation = op.getExtrapolationValue().convertToDouble();
  Type f64 = rewriter.getF64Type();
  return buildIndexGeneric(
      rewriter, loc, type,
      [&](OpBuilder &b, Location l, ValueRange idx) -> Value {
        auto at = [&](Value table, Value pos) -> Value {
          return tensor::ExtractOp::create(b, l, table, ValueRange{pos});
        };
        Value acc;
        // Odometer over the taps of every resized dim.
        SmallVector<int64_t> tap(tables.size(), 0);
        for (int64_t c = 0; c < combos; ++c) {
          SmallVector<Value> coords(idx.begin(), idx.end());
          Value weight;
          for (auto [r, t] : llvm::enumerate(tables)) {
            Value pos = idx[t.dim];
            coords[t.dim] = arith::IndexCastOp::create(
                b, l, b.getIndexType(), at(t.indices[tap[r]], pos));
            if (nearest)
              continue;
            Value w = at(t.weights[tap[r]], pos);
            weight = weight ? Value(arith::MulFOp::create(b, l, weight, w)) : w;
          }
          Value v = tensor::ExtractOp::create(b, l, data, coords);
          if (nearest || !weight) {
            acc = v;
          } else {
            if (v.getType() != f64)
              v = arith::ExtFOp::create(b, l, f64, v);
            Value term = arith::MulFOp::create(b, l, v, weight);
            acc = acc ? Value(arith::AddFOp::create(b, l, acc, term)) : term;
          }
          for (size_t r = 0; r < tables.size(); ++r) {
            if (++tap[r] < p.taps)
              break;
            tap[r] = 0;
          }
        }
        if (acc.getType() != element)
          acc = arith::TruncFOp::create(b, l, element, acc);
        if (!crop)
          return acc;
        Value isOutside;
        for (const ResizeTables &t : tables) {
          Value flag = at(t.outside, idx[t.dim]);
          isOutside = isOutside
                          ? Value(arith::OrIOp::create(b, l, isOutside, flag))
                          : flag;
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
    scalar = IntegerAttr::get(
        element, i.getValue().zextOrTrunc(element.getIntOrFloatBitWidth()));
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
      DataMovementLowering<nn::ReshapeOp, lowerReshapeLike<nn::ReshapeOp>>,
      DataMovementLowering<nn::FlattenOp, lowerReshapeLike<nn::FlattenOp>>,
      DataMovementLowering<nn::SqueezeOp, lowerReshapeLike<nn::SqueezeOp>>,
      DataMovementLowering<nn::UnsqueezeOp, lowerReshapeLike<nn::UnsqueezeOp>>,
      DataMovementLowering<nn::TransposeOp, lowerTranspose>,
      DataMovementLowering<nn::ConcatOp, lowerConcat>,
      DataMovementLowering<nn::SliceOp, lowerSlice>,
      DataMovementLowering<nn::GatherOp, lowerGather>,
      DataMovementLowering<nn::ExpandOp, lowerExpand>,
      DataMovementLowering<nn::TileOp, lowerTile>,
      DataMovementLowering<nn::PadOp, lowerPad>,
      DataMovementLowering<nn::ResizeOp, lowerResize>,
      DataMovementLowering<nn::DepthToSpaceOp,
                           lowerBlockOp<nn::DepthToSpaceOp>>,
      DataMovementLowering<nn::SpaceToDepthOp,
                           lowerBlockOp<nn::SpaceToDepthOp>>,
      DataMovementLowering<nn::ShapeOp, lowerShape>,
      DataMovementLowering<nn::ConstantOfShapeOp, lowerConstantOfShape>,
      DataMovementLowering<nn::RangeOp, lowerRange>, SplitLowering>(converter,
                                                                    ctx);
}
