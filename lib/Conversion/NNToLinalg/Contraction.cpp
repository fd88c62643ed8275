//===- Contraction.cpp - nn contraction ops to linalg ---------------------===//
//
// Part of Tessera. Conv, ConvTranspose, Gemm, MatMul and Einsum. Convolutions
// pad their input explicitly (a copy into a filled tensor) and accumulate
// into a zero or bias init with the linalg named conv ops; grouped convs
// without a named op become a `linalg.generic`. MatMul uses linalg.matmul or
// linalg.batch_matmul where the batch dims allow, Einsum is one generic.
//
//===----------------------------------------------------------------------===//

#include "NN/Einsum.h"
#include "Utils.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::nn_to_linalg;

namespace {

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

/// The static ranked tensor type of an already converted value, or null.
static RankedTensorType staticType(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape())
    return nullptr;
  return type;
}

/// The type products are summed in: f32 for 16-bit floats (long sums in
/// f16/bf16 lose most of their precision), the element type otherwise.
static Type accumulatorType(Type elementType) {
  if (elementType.isF16() || elementType.isBF16())
    return Float32Type::get(elementType.getContext());
  return elementType;
}

/// `v` widened to the float type `to` when it is narrower.
static Value extendTo(OpBuilder &b, Location loc, Value v, Type to) {
  if (v.getType() == to)
    return v;
  return arith::ExtFOp::create(b, loc, to, v);
}

/// `acc + a * b` for float or integer scalars; float factors are widened to
/// the accumulator type.
static Value mulAdd(OpBuilder &b, Location loc, Value x, Value y, Value acc) {
  if (isa<FloatType>(x.getType())) {
    x = extendTo(b, loc, x, acc.getType());
    y = extendTo(b, loc, y, acc.getType());
    Value mul = arith::MulFOp::create(b, loc, x, y);
    return arith::AddFOp::create(b, loc, acc, mul);
  }
  Value mul = arith::MulIOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, acc, mul);
}

/// A zero-filled tensor of `type`.
static Value createZeros(OpBuilder &b, Location loc, RankedTensorType type) {
  return createFilled(b, loc, type,
                      scalarConstant(b, loc, type.getElementType(), 0));
}

/// Rounds an accumulator tensor to `type`'s element type (a no-op when it
/// already has it).
static Value truncateTo(OpBuilder &b, Location loc, Value acc,
                        RankedTensorType type) {
  if (cast<RankedTensorType>(acc.getType()).getElementType() ==
      type.getElementType())
    return acc;
  return buildElementwise(
      b, loc,
      cast<RankedTensorType>(acc.getType()).clone(type.getElementType()), acc,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return arith::TruncFOp::create(nb, nloc, type.getElementType(),
                                       args[0]);
      });
}

/// Splits dim `dim` of `v` into (`outer`, size / `outer`).
static Value splitDim(OpBuilder &b, Location loc, Value v, int64_t dim,
                      int64_t outer) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] /= outer;
  shape.insert(shape.begin() + dim, outer);
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t i = 0, e = type.getRank(); i < e; ++i) {
    if (i < dim)
      reassociation.push_back({i});
    else if (i == dim)
      reassociation.push_back({i, i + 1});
    else
      reassociation.push_back({i + 1});
  }
  return tensor::ExpandShapeOp::create(b, loc, type.clone(shape), v,
                                       reassociation);
}

/// Merges dims `dim` and `dim + 1` of `v`.
static Value mergeDims(OpBuilder &b, Location loc, Value v, int64_t dim) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t i = 0, e = type.getRank(); i < e; ++i) {
    if (i == dim) {
      reassociation.push_back({i, i + 1});
      ++i;
      continue;
    }
    reassociation.push_back({i});
  }
  return tensor::CollapseShapeOp::create(b, loc, v, reassociation);
}

/// Writes `source` into `dest` at `offsets` with `strides` (the slice is
/// extracted, filled by a linalg.copy and inserted back, so it bufferizes to
/// a copy into a subview of `dest` with no runtime memref copy).
static Value insertByCopy(OpBuilder &b, Location loc, Value source, Value dest,
                          ArrayRef<int64_t> offsets,
                          ArrayRef<int64_t> strides) {
  auto type = cast<RankedTensorType>(source.getType());
  Value window = tensor::ExtractSliceOp::create(
      b, loc, type, dest, ValueRange{}, ValueRange{}, ValueRange{}, offsets,
      type.getShape(), strides);
  Value copied = linalg::CopyOp::create(b, loc, source, window).getResult(0);
  return tensor::InsertSliceOp::create(b, loc, copied, dest, ValueRange{},
                                       ValueRange{}, ValueRange{}, offsets,
                                       type.getShape(), strides);
}

/// Spreads the spatial dims (2..) of `x` by `strides` (zeros between
/// elements) and pads them by `lo`/`hi` with `padValue`; a negative pad
/// crops instead.
static Value padSpatial(OpBuilder &b, Location loc, Value x,
                        ArrayRef<int64_t> lo, ArrayRef<int64_t> hi,
                        ArrayRef<int64_t> strides, Value padValue) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  int64_t r = rank - 2;
  SmallVector<int64_t> ones(rank, 1), fullStrides(rank, 1);
  SmallVector<int64_t> spread(type.getShape());
  for (int64_t i = 0; i < r; ++i) {
    fullStrides[i + 2] = strides[i];
    spread[i + 2] = (spread[i + 2] - 1) * strides[i] + 1;
  }
  bool crop = llvm::any_of(lo, [](int64_t v) { return v < 0; }) ||
              llvm::any_of(hi, [](int64_t v) { return v < 0; });
  bool pad = llvm::any_of(lo, [](int64_t v) { return v > 0; }) ||
             llvm::any_of(hi, [](int64_t v) { return v > 0; });
  bool strided = llvm::any_of(strides, [](int64_t v) { return v != 1; });
  if (crop && strided) {
    // Spread first; the crop and pad below then see unit strides.
    auto spreadType = RankedTensorType::get(spread, type.getElementType());
    x = insertByCopy(b, loc, x, createFilled(b, loc, spreadType, padValue),
                     SmallVector<int64_t>(rank, 0), fullStrides);
    type = spreadType;
    fullStrides.assign(rank, 1);
    strided = false;
  }
  if (crop) {
    SmallVector<int64_t> offsets(rank, 0), sizes(type.getShape());
    for (int64_t i = 0; i < r; ++i) {
      offsets[i + 2] = std::max<int64_t>(-lo[i], 0);
      sizes[i + 2] -= offsets[i + 2] + std::max<int64_t>(-hi[i], 0);
    }
    x = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get(sizes, type.getElementType()), x,
        ValueRange{}, ValueRange{}, ValueRange{}, offsets, sizes, ones);
    type = cast<RankedTensorType>(x.getType());
    spread.assign(sizes.begin(), sizes.end());
  }
  if (!pad && !strided)
    return x;
  SmallVector<int64_t> offsets(rank, 0), padded(spread);
  for (int64_t i = 0; i < r; ++i) {
    offsets[i + 2] = std::max<int64_t>(lo[i], 0);
    padded[i + 2] += offsets[i + 2] + std::max<int64_t>(hi[i], 0);
  }
  auto paddedType = RankedTensorType::get(padded, type.getElementType());
  return insertByCopy(b, loc, x, createFilled(b, loc, paddedType, padValue),
                      offsets, fullStrides);
}

/// A per-spatial-dim attribute, or `dflt` everywhere when absent.
static SmallVector<int64_t> spatialAttr(std::optional<ArrayRef<int64_t>> attr,
                                        int64_t rank, int64_t dflt) {
  if (attr)
    return SmallVector<int64_t>(*attr);
  return SmallVector<int64_t>(rank, dflt);
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

/// A grouped convolution of any spatial rank as one `linalg.generic` over
/// (n, g, m/g, out..., c/g, k...). `x` is padded to exactly the extent the
/// windows read; `init` is (N, M, out...).
static Value buildGenericConv(OpBuilder &b, Location loc, Value x, Value w,
                              Value init, ArrayRef<int64_t> strides,
                              ArrayRef<int64_t> dilations, int64_t group) {
  auto initType = cast<RankedTensorType>(init.getType());
  int64_t r = initType.getRank() - 2;
  MLIRContext *ctx = b.getContext();
  Value xg = splitDim(b, loc, x, 1, group);
  Value wg = splitDim(b, loc, w, 0, group);
  Value og = splitDim(b, loc, init, 1, group);
  int64_t numLoops = 4 + 2 * r;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> xExprs = {d(0), d(1), d(3 + r)};
  SmallVector<AffineExpr> wExprs = {d(1), d(2), d(3 + r)};
  SmallVector<AffineExpr> oExprs = {d(0), d(1), d(2)};
  for (int64_t i = 0; i < r; ++i) {
    xExprs.push_back(d(3 + i) * strides[i] + d(4 + r + i) * dilations[i]);
    wExprs.push_back(d(4 + r + i));
    oExprs.push_back(d(3 + i));
  }
  SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, xExprs, ctx),
                                 AffineMap::get(numLoops, 0, wExprs, ctx),
                                 AffineMap::get(numLoops, 0, oExprs, ctx)};
  SmallVector<utils::IteratorType> iterators(3 + r,
                                             utils::IteratorType::parallel);
  iterators.append(1 + r, utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{og.getType()}, ValueRange{xg, wg}, ValueRange{og}, maps,
      iterators, [](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc,
                                mulAdd(nb, nloc, args[0], args[1], args[2]));
      });
  return mergeDims(b, loc, generic.getResult(0), 1);
}

/// Convolves padded `x` (N, C, in...) with `w` (M, C/group, k...) into `init`
/// (N, M, out...), picking a named linalg conv where one fits.
static Value buildConv(OpBuilder &b, Location loc, Value x, Value w, Value init,
                       ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                       int64_t group) {
  auto xType = cast<RankedTensorType>(x.getType());
  auto initType = cast<RankedTensorType>(init.getType());
  int64_t r = xType.getRank() - 2;
  int64_t channels = xType.getDimSize(1);
  int64_t outChannels = initType.getDimSize(1);
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("strides", b.getI64TensorAttr(strides)),
      b.getNamedAttr("dilations", b.getI64TensorAttr(dilations))};
  SmallVector<Type> resultType = {initType};
  if (group == 1 && r == 1)
    return linalg::Conv1DNcwFcwOp::create(b, loc, resultType, {x, w}, init,
                                          attrs)
        .getResult(0);
  if (group == 1 && r == 2)
    return linalg::Conv2DNchwFchwOp::create(b, loc, resultType, {x, w}, init,
                                            attrs)
        .getResult(0);
  if (group == 1 && r == 3)
    return linalg::Conv3DNcdhwFcdhwOp::create(b, loc, resultType, {x, w}, init,
                                              attrs)
        .getResult(0);
  if (r == 2 && group == channels && outChannels == channels) {
    auto wType = cast<RankedTensorType>(w.getType());
    auto flat = RankedTensorType::get(
        {wType.getDimSize(0), wType.getDimSize(2), wType.getDimSize(3)},
        wType.getElementType());
    Value wFlat = tensor::CollapseShapeOp::create(
        b, loc, flat, w, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
    return linalg::DepthwiseConv2DNchwChwOp::create(b, loc, resultType,
                                                    {x, wFlat}, init, attrs)
        .getResult(0);
  }
  if (r == 2) {
    Value xg = splitDim(b, loc, x, 1, group);
    Value wg = splitDim(b, loc, w, 0, group);
    Value og = splitDim(b, loc, init, 1, group);
    Value conv = linalg::Conv2DNgchwGfchwOp::create(
                     b, loc, TypeRange{og.getType()}, {xg, wg}, og, attrs)
                     .getResult(0);
    return mergeDims(b, loc, conv, 1);
  }
  return buildGenericConv(b, loc, x, w, init, strides, dilations, group);
}

/// True when an (optional, converted) conv bias is absent or holds
/// `channels` elements.
static bool isValidBias(Value bias, int64_t channels) {
  if (isa<NoneType>(bias.getType()))
    return true;
  RankedTensorType type = staticType(bias);
  return type && type.getNumElements() == channels;
}

/// The accumulator of a conv: the bias broadcast over (N, M, out...), or
/// zeros without bias.
static Value buildConvInit(OpBuilder &b, Location loc, RankedTensorType type,
                           Value bias) {
  if (isa<NoneType>(bias.getType()))
    return createZeros(b, loc, type);
  bias = reshapeTo(
      b, loc, bias,
      RankedTensorType::get({type.getDimSize(1)}, type.getElementType()));
  SmallVector<int64_t> dims = {0};
  for (int64_t i = 2; i < type.getRank(); ++i)
    dims.push_back(i);
  return linalg::BroadcastOp::create(b, loc, bias, createEmpty(b, loc, type),
                                     dims)
      .getResult()[0];
}

/// Conv plus bias into `yType`. Same-typed accumulation starts from the
/// broadcast bias; 16-bit floats accumulate in f32 from zero and add the bias
/// while rounding back.
static Value buildConvWithBias(OpBuilder &b, Location loc, Value x, Value w,
                               Value bias, RankedTensorType yType,
                               ArrayRef<int64_t> strides,
                               ArrayRef<int64_t> dilations, int64_t group) {
  Type accType = accumulatorType(yType.getElementType());
  if (accType == yType.getElementType())
    return buildConv(b, loc, x, w, buildConvInit(b, loc, yType, bias), strides,
                     dilations, group);
  auto accTensor = yType.clone(accType);
  Value acc = buildConv(b, loc, x, w, createZeros(b, loc, accTensor), strides,
                        dilations, group);
  if (isa<NoneType>(bias.getType()))
    return truncateTo(b, loc, acc, yType);
  MLIRContext *ctx = b.getContext();
  int64_t rank = yType.getRank();
  bias = reshapeTo(
      b, loc, bias,
      RankedTensorType::get({yType.getDimSize(1)}, yType.getElementType()));
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(rank, ctx),
      AffineMap::get(rank, 0, getAffineDimExpr(1, ctx)),
      AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{yType}, ValueRange{acc, bias},
      ValueRange{createEmpty(b, loc, yType)}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value sum = arith::AddFOp::create(nb, nloc, args[0],
                                          extendTo(nb, nloc, args[1], accType));
        linalg::YieldOp::create(
            nb, nloc,
            arith::TruncFOp::create(nb, nloc, yType.getElementType(), sum)
                .getResult());
      });
  return generic.getResult(0);
}

/// Checks the operand shapes shared by Conv and ConvTranspose: static,
/// rank >= 3, matching ranks, and attributes sized to the spatial rank
/// (spatial ranks without a named op take the generic path).
static LogicalResult checkConvShapes(Operation *op, RankedTensorType x,
                                     RankedTensorType w, RankedTensorType y,
                                     ConversionPatternRewriter &rewriter) {
  if (!x || !w || !y)
    return rewriter.notifyMatchFailure(op, "operand shapes are not static");
  if (x.getRank() < 3 || w.getRank() != x.getRank() ||
      y.getRank() != x.getRank())
    return rewriter.notifyMatchFailure(op, "unsupported conv rank");
  int64_t r = x.getRank() - 2;
  for (StringRef name : {"strides", "dilations", "kernel_shape"}) {
    std::optional<SmallVector<int64_t>> attr = nn::getIntsAttr(op, name);
    if (attr && (int64_t)attr->size() != r)
      return rewriter.notifyMatchFailure(op, name + " has the wrong size");
    if (attr && name != "kernel_shape" &&
        llvm::any_of(*attr, [](int64_t v) { return v < 1; }))
      return rewriter.notifyMatchFailure(op, name + " must be positive");
  }
  std::optional<SmallVector<int64_t>> pads = nn::getIntsAttr(op, "pads");
  if (pads && (int64_t)pads->size() != 2 * r)
    return rewriter.notifyMatchFailure(op, "pads has the wrong size");
  return success();
}

static FailureOr<Value> lowerConv(nn::ConvOp op, nn::ConvOp::Adaptor adaptor,
                                  RankedTensorType yType,
                                  ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  RankedTensorType xType = staticType(adaptor.getX());
  RankedTensorType wType = staticType(adaptor.getW());
  if (failed(checkConvShapes(op, xType, wType, yType, rewriter)))
    return failure();
  int64_t r = xType.getRank() - 2;
  int64_t group = op.getGroup();
  int64_t channels = xType.getDimSize(1);
  int64_t outChannels = yType.getDimSize(1);
  if (group < 1 || channels % group || outChannels % group ||
      wType.getDimSize(0) != outChannels ||
      wType.getDimSize(1) * group != channels)
    return rewriter.notifyMatchFailure(op, "inconsistent group/channels");
  if (!isValidBias(adaptor.getB(), outChannels))
    return rewriter.notifyMatchFailure(op, "bias does not match the channels");

  SmallVector<int64_t> strides = spatialAttr(op.getStrides(), r, 1);
  SmallVector<int64_t> dilations = spatialAttr(op.getDilations(), r, 1);
  StringRef autoPad = op.getAutoPad();
  SmallVector<int64_t> lo(r, 0), hi(r, 0);
  for (int64_t i = 0; i < r; ++i) {
    int64_t in = xType.getDimSize(i + 2);
    int64_t out = yType.getDimSize(i + 2);
    int64_t window = (wType.getDimSize(i + 2) - 1) * dilations[i] + 1;
    int64_t needed = (out - 1) * strides[i] + window;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t total = std::max<int64_t>(0, needed - in);
      lo[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
    } else if (autoPad == "NOTSET") {
      if (std::optional<ArrayRef<int64_t>> pads = op.getPads())
        lo[i] = (*pads)[i];
    } else if (autoPad != "VALID") {
      return rewriter.notifyMatchFailure(op, "unknown auto_pad");
    }
    // The end pad covers exactly what the last window reads.
    hi[i] = needed - in - lo[i];
    if (lo[i] < 0 || in + hi[i] <= 0)
      return rewriter.notifyMatchFailure(op, "invalid pads");
  }

  Value zero = scalarConstant(rewriter, loc, xType.getElementType(), 0);
  Value x = padSpatial(rewriter, loc, adaptor.getX(), lo, hi,
                       SmallVector<int64_t>(r, 1), zero);
  return buildConvWithBias(rewriter, loc, x, adaptor.getW(), adaptor.getB(),
                           yType, strides, dilations, group);
}

/// ConvTranspose as a stride-1 conv over the input dilated by the stride,
/// padded by (k - 1) * d - pad, with the weight flipped spatially and its
/// two channel dims swapped per group.
/// (C, M/g, k...) -> (M, C/g, k...) with every spatial dim reversed.
static Value buildTransposedWeight(OpBuilder &b, Location loc, Value w,
                                   int64_t group) {
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t r = wType.getRank() - 2;
  MLIRContext *ctx = b.getContext();
  Value wg = splitDim(b, loc, w, 0, group); // (g, C/g, M/g, k...)
  auto wgType = cast<RankedTensorType>(wg.getType());
  SmallVector<int64_t> shape = {group, wgType.getDimSize(2),
                                wgType.getDimSize(1)};
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> inExprs = {d(0), d(2), d(1)};
  for (int64_t i = 0; i < r; ++i) {
    int64_t k = wType.getDimSize(i + 2);
    shape.push_back(k);
    inExprs.push_back(getAffineConstantExpr(k - 1, ctx) - d(3 + i));
  }
  auto outType = RankedTensorType::get(shape, wType.getElementType());
  SmallVector<AffineMap> maps = {AffineMap::get(r + 3, 0, inExprs, ctx),
                                 AffineMap::getMultiDimIdentityMap(r + 3, ctx)};
  SmallVector<utils::IteratorType> iterators(r + 3,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{outType}, ValueRange{wg},
      ValueRange{createEmpty(b, loc, outType)}, maps, iterators,
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, args[0]);
      });
  return mergeDims(b, loc, generic.getResult(0), 0);
}

static FailureOr<Value>
lowerConvTranspose(nn::ConvTransposeOp op, nn::ConvTransposeOp::Adaptor adaptor,
                   RankedTensorType yType,
                   ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  RankedTensorType xType = staticType(adaptor.getX());
  RankedTensorType wType = staticType(adaptor.getW());
  if (failed(checkConvShapes(op, xType, wType, yType, rewriter)))
    return failure();
  int64_t r = xType.getRank() - 2;
  int64_t group = op.getGroup();
  int64_t channels = xType.getDimSize(1);
  int64_t outChannels = yType.getDimSize(1);
  if (group < 1 || channels % group || wType.getDimSize(0) != channels ||
      wType.getDimSize(1) * group != outChannels)
    return rewriter.notifyMatchFailure(op, "inconsistent group/channels");
  if (!isValidBias(adaptor.getB(), outChannels))
    return rewriter.notifyMatchFailure(op, "bias does not match the channels");
  std::optional<ArrayRef<int64_t>> outputPadding = op.getOutputPadding();
  if (outputPadding && (int64_t)outputPadding->size() != r)
    return rewriter.notifyMatchFailure(op, "output_padding has the wrong size");

  SmallVector<int64_t> strides = spatialAttr(op.getStrides(), r, 1);
  SmallVector<int64_t> dilations = spatialAttr(op.getDilations(), r, 1);
  StringRef autoPad = op.getAutoPad();
  if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER")
    return rewriter.notifyMatchFailure(op, "unknown auto_pad");
  std::optional<ArrayRef<int64_t>> pads = op.getPads();
  bool same = !pads && (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER");

  SmallVector<int64_t> lo(r), hi(r);
  for (int64_t i = 0; i < r; ++i) {
    int64_t in = xType.getDimSize(i + 2);
    int64_t out = yType.getDimSize(i + 2);
    int64_t k = wType.getDimSize(i + 2);
    int64_t window = (k - 1) * dilations[i] + 1;
    // The begin pad crops the full output; the end follows from the
    // result type (it absorbs output_padding and output_shape).
    int64_t begin = 0;
    if (pads) {
      begin = (*pads)[i];
    } else if (same) {
      int64_t total = strides[i] * (in - 1) +
                      (outputPadding ? (*outputPadding)[i] : 0) + window - out;
      int64_t half = llvm::divideFloorSigned(total, 2);
      begin = autoPad == "SAME_UPPER" ? half : total - half;
    }
    int64_t spread = (in - 1) * strides[i] + 1;
    lo[i] = window - 1 - begin;
    hi[i] = out + window - 1 - spread - lo[i];
    if (spread + std::min<int64_t>(lo[i], 0) + std::min<int64_t>(hi[i], 0) <= 0)
      return rewriter.notifyMatchFailure(op, "pads crop the whole input");
  }

  Value zero = scalarConstant(rewriter, loc, xType.getElementType(), 0);
  Value x = padSpatial(rewriter, loc, adaptor.getX(), lo, hi, strides, zero);

  Value w = buildTransposedWeight(rewriter, loc, adaptor.getW(), group);
  SmallVector<int64_t> ones(r, 1);
  return buildConvWithBias(rewriter, loc, x, w, adaptor.getB(), yType, ones,
                           dilations, group);
}

//===----------------------------------------------------------------------===//
// Gemm and MatMul
//===----------------------------------------------------------------------===//

static Value transposeIf(OpBuilder &b, Location loc, Value v, bool doIt) {
  if (!doIt)
    return v;
  auto type = cast<RankedTensorType>(v.getType());
  auto transposed = RankedTensorType::get(
      {type.getDimSize(1), type.getDimSize(0)}, type.getElementType());
  return linalg::TransposeOp::create(b, loc, v, createEmpty(b, loc, transposed),
                                     ArrayRef<int64_t>{1, 0})
      .getResult()[0];
}

static FailureOr<Value> lowerGemm(nn::GemmOp op, nn::GemmOp::Adaptor adaptor,
                                  RankedTensorType yType,
                                  ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  RankedTensorType aType = staticType(adaptor.getA());
  RankedTensorType bType = staticType(adaptor.getB());
  if (!aType || !bType || !yType || aType.getRank() != 2 ||
      bType.getRank() != 2 || yType.getRank() != 2)
    return rewriter.notifyMatchFailure(op, "expected static 2-d operands");
  bool transA = op.getTransA() != 0, transB = op.getTransB() != 0;
  int64_t m = aType.getDimSize(transA ? 1 : 0);
  int64_t k = aType.getDimSize(transA ? 0 : 1);
  int64_t n = bType.getDimSize(transB ? 0 : 1);
  if (bType.getDimSize(transB ? 1 : 0) != k || yType.getDimSize(0) != m ||
      yType.getDimSize(1) != n)
    return rewriter.notifyMatchFailure(op, "inconsistent gemm shapes");
  Type elementType = yType.getElementType();
  double alphaValue = op.getAlpha().convertToDouble();
  double betaValue = op.getBeta().convertToDouble();
  bool isFloat = isa<FloatType>(elementType);
  auto isIntegral = [](double v) { return v == (double)(int64_t)v; };
  if (!isFloat && (!isIntegral(alphaValue) || !isIntegral(betaValue)))
    return rewriter.notifyMatchFailure(
        op, "fractional alpha/beta on an integer gemm");
  bool hasC = !nn::isNone(op.getC()) && betaValue != 0;
  if (hasC) {
    // Unidirectional broadcast: C's dims align right and are 1 or equal.
    RankedTensorType cType = staticType(adaptor.getC());
    if (!cType || cType.getRank() > 2)
      return rewriter.notifyMatchFailure(op, "unsupported C shape");
    int64_t offset = 2 - cType.getRank();
    for (int64_t i = 0; i < cType.getRank(); ++i)
      if (cType.getDimSize(i) != 1 &&
          cType.getDimSize(i) != yType.getDimSize(i + offset))
        return rewriter.notifyMatchFailure(op, "C does not broadcast");
  }

  Value a = transposeIf(rewriter, loc, adaptor.getA(), transA);
  Value b = transposeIf(rewriter, loc, adaptor.getB(), transB);
  Type accType = isFloat ? accumulatorType(elementType) : elementType;
  auto accTensor = yType.clone(accType);
  Value product = linalg::MatmulOp::create(
                      rewriter, loc, TypeRange{accTensor}, ValueRange{a, b},
                      ValueRange{createZeros(rewriter, loc, accTensor)})
                      .getResult(0);
  if (!hasC && alphaValue == 1)
    return truncateTo(rewriter, loc, product, yType);
  SmallVector<Value> inputs = {product};
  if (hasC)
    inputs.push_back(adaptor.getC());
  Value alpha = scalarConstant(rewriter, loc, accType, alphaValue);
  Value beta = scalarConstant(rewriter, loc, accType, betaValue);
  Value result = buildElementwise(
      rewriter, loc, yType, inputs,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        auto mul = [&](Value x, Value y) -> Value {
          if (isFloat)
            return arith::MulFOp::create(nb, nloc, x, y);
          return arith::MulIOp::create(nb, nloc, x, y);
        };
        Value acc = alphaValue == 1 ? args[0] : mul(alpha, args[0]);
        if (args.size() > 1) {
          Value c = extendTo(nb, nloc, args[1], accType);
          c = betaValue == 1 ? c : mul(beta, c);
          acc = isFloat ? Value(arith::AddFOp::create(nb, nloc, acc, c))
                        : Value(arith::AddIOp::create(nb, nloc, acc, c));
        }
        if (acc.getType() != elementType)
          acc = arith::TruncFOp::create(nb, nloc, elementType, acc);
        return acc;
      });
  return result;
}

/// numpy.matmul: 1-d operands gain a unit dim, batch dims broadcast. Uses
/// linalg.matmul when B is a matrix (A's batch folds into its rows),
/// linalg.batch_matmul when the batch dims agree, and a generic otherwise.
/// (batch..., m, n) = sum_k a[..., m, k] * b[..., k, n] with numpy batch
/// broadcasting, as one generic over (batch..., m, n, k).
static Value buildBroadcastMatmul(OpBuilder &b, Location loc, Value lhs,
                                  Value rhs, RankedTensorType fullType) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = fullType.getRank();
  int64_t numLoops = rank + 1;
  auto operandMap = [&](Value v, bool isLhs) {
    auto type = cast<RankedTensorType>(v.getType());
    int64_t offset = (rank - 2) - (type.getRank() - 2);
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < type.getRank() - 2; ++i) {
      if (type.getDimSize(i) == 1 && fullType.getDimSize(i + offset) != 1)
        exprs.push_back(getAffineConstantExpr(0, ctx));
      else
        exprs.push_back(getAffineDimExpr(i + offset, ctx));
    }
    AffineExpr mDim = getAffineDimExpr(rank - 2, ctx);
    AffineExpr nDim = getAffineDimExpr(rank - 1, ctx);
    AffineExpr kDim = getAffineDimExpr(rank, ctx);
    exprs.push_back(isLhs ? mDim : kDim);
    exprs.push_back(isLhs ? kDim : nDim);
    return AffineMap::get(numLoops, 0, exprs, ctx);
  };
  SmallVector<AffineMap> maps = {
      operandMap(lhs, true), operandMap(rhs, false),
      AffineMap::get(numLoops, 0,
                     AffineMap::getMultiDimIdentityMap(rank, ctx).getResults(),
                     ctx)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{fullType}, ValueRange{lhs, rhs},
      ValueRange{createZeros(b, loc, fullType)}, maps, iterators,
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc,
                                mulAdd(nb, nloc, args[0], args[1], args[2]));
      });
  return generic.getResult(0);
}

static FailureOr<Value> lowerMatMul(nn::MatMulOp op,
                                    nn::MatMulOp::Adaptor adaptor,
                                    RankedTensorType yType,
                                    ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  RankedTensorType aType = staticType(adaptor.getA());
  RankedTensorType bType = staticType(adaptor.getB());
  if (!aType || !bType || !yType || aType.getRank() == 0 ||
      bType.getRank() == 0)
    return rewriter.notifyMatchFailure(op, "expected static ranked operands");
  Type elementType = yType.getElementType();
  if (aType.getRank() == 1)
    aType = RankedTensorType::get({1, aType.getDimSize(0)}, elementType);
  if (bType.getRank() == 1)
    bType = RankedTensorType::get({bType.getDimSize(0), 1}, elementType);
  ArrayRef<int64_t> aShape = aType.getShape(), bShape = bType.getShape();
  int64_t m = aShape[aShape.size() - 2], k = aShape.back();
  int64_t n = bShape.back();
  if (bShape[bShape.size() - 2] != k)
    return rewriter.notifyMatchFailure(op, "contraction dims differ");
  ArrayRef<int64_t> aBatch = aShape.drop_back(2), bBatch = bShape.drop_back(2);
  SmallVector<int64_t> batch;
  size_t batchRank = std::max(aBatch.size(), bBatch.size());
  for (size_t i = 0; i < batchRank; ++i) {
    int64_t da = i + aBatch.size() >= batchRank
                     ? aBatch[i + aBatch.size() - batchRank]
                     : 1;
    int64_t db = i + bBatch.size() >= batchRank
                     ? bBatch[i + bBatch.size() - batchRank]
                     : 1;
    if (da != db && da != 1 && db != 1)
      return rewriter.notifyMatchFailure(op, "batch dims do not broadcast");
    batch.push_back(std::max(da, db));
  }
  SmallVector<int64_t> fullShape(batch);
  fullShape.append({m, n});
  Type accType =
      isa<FloatType>(elementType) ? accumulatorType(elementType) : elementType;
  auto fullType = RankedTensorType::get(fullShape, accType);
  if (fullType.getNumElements() != yType.getNumElements())
    return rewriter.notifyMatchFailure(op, "unexpected result shape");

  Value a = reshapeTo(rewriter, loc, adaptor.getA(), aType);
  Value b = reshapeTo(rewriter, loc, adaptor.getB(), bType);
  Value full;
  int64_t batchSize = fullType.getNumElements() / std::max<int64_t>(m * n, 1);
  if (llvm::all_of(bBatch, [](int64_t d) { return d == 1; })) {
    // Fold A's batch into its rows: (batch * m, k) x (k, n).
    auto a2 = RankedTensorType::get({batchSize * m, k}, elementType);
    auto b2 = RankedTensorType::get({k, n}, elementType);
    auto y2 = RankedTensorType::get({batchSize * m, n}, accType);
    Value a2v = reshapeTo(rewriter, loc, a, a2);
    Value b2v = reshapeTo(rewriter, loc, b, b2);
    full = linalg::MatmulOp::create(rewriter, loc, TypeRange{y2},
                                    ValueRange{a2v, b2v},
                                    ValueRange{createZeros(rewriter, loc, y2)})
               .getResult(0);
  } else if (aBatch == bBatch) {
    auto a3 = RankedTensorType::get({batchSize, m, k}, elementType);
    auto b3 = RankedTensorType::get({batchSize, k, n}, elementType);
    auto y3 = RankedTensorType::get({batchSize, m, n}, accType);
    Value a3v = reshapeTo(rewriter, loc, a, a3);
    Value b3v = reshapeTo(rewriter, loc, b, b3);
    full = linalg::BatchMatmulOp::create(
               rewriter, loc, TypeRange{y3}, ValueRange{a3v, b3v},
               ValueRange{createZeros(rewriter, loc, y3)})
               .getResult(0);
  } else {
    full = buildBroadcastMatmul(rewriter, loc, a, b, fullType);
  }
  full = truncateTo(rewriter, loc, full, yType);
  return reshapeTo(rewriter, loc, full, yType);
}

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

/// Einsum as one linalg.generic: output labels are parallel loops, every
/// other label a reduction; a label repeated within an operand reads its
/// diagonal.
static FailureOr<Value> lowerEinsum(nn::EinsumOp op,
                                    nn::EinsumOp::Adaptor adaptor,
                                    RankedTensorType yType,
                                    ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  SmallVector<int64_t> ranks;
  for (Value v : adaptor.getInputs()) {
    RankedTensorType type = staticType(v);
    if (!type || type.getElementType() != yType.getElementType())
      return rewriter.notifyMatchFailure(op, "unsupported einsum operand");
    ranks.push_back(type.getRank());
  }
  if (ranks.empty())
    return rewriter.notifyMatchFailure(op, "einsum without inputs");
  FailureOr<nn::EinsumSpec> spec =
      nn::parseEinsum(op.getEquation(), ranks, /*emitError=*/nullptr);
  if (failed(spec))
    return rewriter.notifyMatchFailure(
        op, "equation does not match the operand ranks");
  // A repeated output label would write a diagonal.
  DenseSet<int64_t> outputIds(spec->output.begin(), spec->output.end());
  if (outputIds.size() != spec->output.size())
    return rewriter.notifyMatchFailure(op, "einsum output label is repeated");

  // Loops: output labels first, then the reduced ones in order of use.
  SmallVector<int64_t> loops(spec->output);
  for (ArrayRef<int64_t> ids : spec->inputs)
    for (int64_t id : ids)
      if (!llvm::is_contained(loops, id))
        loops.push_back(id);
  DenseMap<int64_t, int64_t> loopOf, sizeOf;
  for (auto [i, id] : llvm::enumerate(loops))
    loopOf[id] = i;
  for (auto [ids, v] : llvm::zip(spec->inputs, adaptor.getInputs())) {
    auto type = cast<RankedTensorType>(v.getType());
    for (auto [dim, id] : llvm::enumerate(ids)) {
      int64_t size = type.getDimSize(dim);
      int64_t &known = sizeOf[id];
      if (known == 0 || known == 1) {
        known = std::max(known, size);
        continue;
      }
      if (size != known && (size != 1 || id < nn::kEinsumEllipsisBase))
        return rewriter.notifyMatchFailure(op, "einsum dims do not match");
    }
  }
  if ((int64_t)spec->output.size() != yType.getRank())
    return rewriter.notifyMatchFailure(op, "unexpected einsum result rank");
  for (auto [i, id] : llvm::enumerate(spec->output))
    if (sizeOf[id] != yType.getDimSize(i))
      return rewriter.notifyMatchFailure(op, "unexpected einsum result shape");

  MLIRContext *ctx = rewriter.getContext();
  int64_t numLoops = loops.size();
  SmallVector<AffineMap> maps;
  for (auto [ids, v] : llvm::zip(spec->inputs, adaptor.getInputs())) {
    auto type = cast<RankedTensorType>(v.getType());
    SmallVector<AffineExpr> exprs;
    for (auto [dim, id] : llvm::enumerate(ids)) {
      if (type.getDimSize(dim) == 1 && sizeOf[id] != 1)
        exprs.push_back(getAffineConstantExpr(0, ctx));
      else
        exprs.push_back(getAffineDimExpr(loopOf[id], ctx));
    }
    maps.push_back(AffineMap::get(numLoops, 0, exprs, ctx));
  }
  SmallVector<AffineExpr> outExprs;
  for (int64_t i = 0, e = spec->output.size(); i < e; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  maps.push_back(AffineMap::get(numLoops, 0, outExprs, ctx));
  SmallVector<utils::IteratorType> iterators(spec->output.size(),
                                             utils::IteratorType::parallel);
  iterators.append(numLoops - spec->output.size(),
                   utils::IteratorType::reduction);
  // Every loop needs an operand dim that reads it directly.
  for (int64_t i = 0; i < numLoops; ++i) {
    bool direct = llvm::any_of(maps, [&](AffineMap map) {
      return llvm::is_contained(map.getResults(), getAffineDimExpr(i, ctx));
    });
    if (!direct)
      return rewriter.notifyMatchFailure(op, "unsupported einsum broadcast");
  }
  Type elementType = yType.getElementType();
  auto accTensor = yType.clone(
      isa<FloatType>(elementType) ? accumulatorType(elementType) : elementType);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{accTensor}, adaptor.getInputs(),
      ValueRange{createZeros(rewriter, loc, accTensor)}, maps, iterators,
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        Value acc = args.back();
        Type accType = acc.getType();
        bool isFloat = isa<FloatType>(accType);
        ValueRange factors = args.drop_back();
        Value product =
            isFloat ? extendTo(nb, nloc, factors[0], accType) : factors[0];
        for (Value f : factors.drop_front()) {
          if (isFloat)
            product = arith::MulFOp::create(nb, nloc, product,
                                            extendTo(nb, nloc, f, accType));
          else
            product = arith::MulIOp::create(nb, nloc, product, f);
        }
        Value sum = isFloat
                        ? Value(arith::AddFOp::create(nb, nloc, acc, product))
                        : Value(arith::AddIOp::create(nb, nloc, acc, product));
        linalg::YieldOp::create(nb, nloc, sum);
      });
  return truncateTo(rewriter, loc, generic.getResult(0), yType);
}

} // namespace

Value tessera::nn_to_linalg::padConvInput(OpBuilder &b, Location loc, Value x,
                                          ArrayRef<int64_t> lo,
                                          ArrayRef<int64_t> hi,
                                          ArrayRef<int64_t> strides,
                                          Value padValue) {
  return padSpatial(b, loc, x, lo, hi, strides, padValue);
}

Value tessera::nn_to_linalg::buildNamedConv(OpBuilder &b, Location loc, Value x,
                                            Value w, Value init,
                                            ArrayRef<int64_t> strides,
                                            ArrayRef<int64_t> dilations,
                                            int64_t group) {
  return buildConv(b, loc, x, w, init, strides, dilations, group);
}

void tessera::populateNNContractionToLinalgPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<SingleResultLowering<nn::ConvOp, lowerConv>,
               SingleResultLowering<nn::ConvTransposeOp, lowerConvTranspose>,
               SingleResultLowering<nn::GemmOp, lowerGemm>,
               SingleResultLowering<nn::MatMulOp, lowerMatMul>,
               SingleResultLowering<nn::EinsumOp, lowerEinsum>>(
      converter, patterns.getContext());
}
