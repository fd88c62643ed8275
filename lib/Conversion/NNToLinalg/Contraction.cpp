//===- Contraction.cpp - nn contraction ops to linalg -----------------------===//
//
// Part of Tessera. Conv, ConvTranspose, Gemm, MatMul and Einsum. Convolutions
// pad their input explicitly (tensor.pad) and accumulate into a zero or bias
// init with the linalg named conv ops; grouped convs without a named op and
// everything the named ops cannot express become a `linalg.generic`.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
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

/// `acc + a * b` for float or integer scalars.
static Value mulAdd(OpBuilder &b, Location loc, Value x, Value y, Value acc) {
  if (isa<FloatType>(x.getType())) {
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

/// Reshapes `v` to `type` when the two differ only by grouping of dims
/// (expand_shape or collapse_shape); null when no such reshape exists.
static Value reshapeTo(OpBuilder &b, Location loc, Value v,
                       RankedTensorType type) {
  auto source = cast<RankedTensorType>(v.getType());
  if (source == type)
    return v;
  if (source.getRank() == type.getRank())
    return nullptr;
  bool collapse = source.getRank() > type.getRank();
  std::optional<SmallVector<ReassociationIndices>> reassociation =
      collapse ? getReassociationIndicesForReshape(source, type)
               : getReassociationIndicesForReshape(type, source);
  if (!reassociation)
    return nullptr;
  if (collapse)
    return tensor::CollapseShapeOp::create(b, loc, type, v, *reassociation);
  return tensor::ExpandShapeOp::create(b, loc, type, v, *reassociation);
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

/// Pads the spatial dims (2..) of `x` by `lo`/`hi` with `padValue`; a
/// negative amount crops instead.
static Value padSpatial(OpBuilder &b, Location loc, Value x,
                        ArrayRef<int64_t> lo, ArrayRef<int64_t> hi,
                        Value padValue) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> offsets(rank, 0), sizes(type.getShape());
  bool crop = false;
  for (size_t i = 0; i < lo.size(); ++i) {
    int64_t dim = i + 2;
    if (lo[i] < 0) {
      offsets[dim] = -lo[i];
      sizes[dim] += lo[i];
      crop = true;
    }
    if (hi[i] < 0) {
      sizes[dim] += hi[i];
      crop = true;
    }
  }
  if (crop) {
    SmallVector<int64_t> ones(rank, 1);
    x = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get(sizes, type.getElementType()), x,
        ValueRange{}, ValueRange{}, ValueRange{}, offsets, sizes, ones);
  }
  SmallVector<int64_t> low(rank, 0), high(rank, 0);
  bool pad = false;
  for (size_t i = 0; i < lo.size(); ++i) {
    low[i + 2] = std::max<int64_t>(lo[i], 0);
    high[i + 2] = std::max<int64_t>(hi[i], 0);
    pad |= low[i + 2] > 0 || high[i + 2] > 0;
  }
  if (!pad)
    return x;
  SmallVector<int64_t> padded(sizes);
  for (int64_t i = 0; i < rank; ++i)
    padded[i] += low[i] + high[i];
  SmallVector<OpFoldResult> lowOfr, highOfr;
  for (int64_t i = 0; i < rank; ++i) {
    lowOfr.push_back(b.getIndexAttr(low[i]));
    highOfr.push_back(b.getIndexAttr(high[i]));
  }
  return tensor::PadOp::create(
      b, loc, RankedTensorType::get(padded, type.getElementType()), x, lowOfr,
      highOfr, padValue);
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
      b, loc, TypeRange{og.getType()}, ValueRange{xg, wg}, ValueRange{og},
      maps, iterators, [](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc,
                                mulAdd(nb, nloc, args[0], args[1], args[2]));
      });
  return mergeDims(b, loc, generic.getResult(0), 1);
}

/// Convolves padded `x` (N, C, in...) with `w` (M, C/group, k...) into `init`
/// (N, M, out...), picking a named linalg conv where one fits.
static Value buildConv(OpBuilder &b, Location loc, Value x, Value w,
                       Value init, ArrayRef<int64_t> strides,
                       ArrayRef<int64_t> dilations, int64_t group) {
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
    return linalg::Conv3DNcdhwFcdhwOp::create(b, loc, resultType, {x, w},
                                              init, attrs)
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
    Value conv = linalg::Conv2DNgchwFgchwOp::create(
                     b, loc, TypeRange{og.getType()}, {xg, wg}, og, attrs)
                     .getResult(0);
    return mergeDims(b, loc, conv, 1);
  }
  return buildGenericConv(b, loc, x, w, init, strides, dilations, group);
}

/// The accumulator of a conv: the bias broadcast over (N, M, out...), or
/// zeros without bias.
static Value buildConvInit(OpBuilder &b, Location loc, RankedTensorType type,
                           Value bias) {
  if (!bias || isa<NoneType>(bias.getType()))
    return createZeros(b, loc, type);
  auto biasType = cast<RankedTensorType>(bias.getType());
  if (biasType.getRank() != 1) {
    auto flat =
        RankedTensorType::get({type.getDimSize(1)}, type.getElementType());
    bias = reshapeTo(b, loc, bias, flat);
  }
  SmallVector<int64_t> dims = {0};
  for (int64_t i = 2; i < type.getRank(); ++i)
    dims.push_back(i);
  return linalg::BroadcastOp::create(b, loc, bias, createEmpty(b, loc, type),
                                     dims)
      .getResult()[0];
}

/// Checks the operand shapes shared by Conv and ConvTranspose: static,
/// rank >= 3, matching ranks, and attributes sized to the spatial rank.
static LogicalResult checkConvShapes(Operation *op, RankedTensorType x,
                                     RankedTensorType w, RankedTensorType y,
                                     ConversionPatternRewriter &rewriter) {
  if (!x || !w || !y)
    return rewriter.notifyMatchFailure(op, "operand shapes are not static");
  if (x.getRank() < 3 || x.getRank() > 5 || w.getRank() != x.getRank() ||
      y.getRank() != x.getRank())
    return rewriter.notifyMatchFailure(op, "unsupported conv rank");
  int64_t r = x.getRank() - 2;
  for (StringRef name : {"strides", "dilations", "kernel_shape"}) {
    std::optional<SmallVector<int64_t>> attr = nn::getIntsAttr(op, name);
    if (attr && (int64_t)attr->size() != r)
      return rewriter.notifyMatchFailure(op, name + " has the wrong size");
    if (attr && name != "kernel_shape" && llvm::any_of(*attr, [](int64_t v) {
          return v < 1;
        }))
      return rewriter.notifyMatchFailure(op, name + " must be positive");
  }
  std::optional<SmallVector<int64_t>> pads = nn::getIntsAttr(op, "pads");
  if (pads && (int64_t)pads->size() != 2 * r)
    return rewriter.notifyMatchFailure(op, "pads has the wrong size");
  return success();
}

struct ConvOpLowering : public OpConversionPattern<nn::ConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(nn::ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType xType = staticType(adaptor.getX());
    RankedTensorType wType = staticType(adaptor.getW());
    RankedTensorType yType = getConvertedType(*getTypeConverter(), op.getY());
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
    Value x = padSpatial(rewriter, loc, adaptor.getX(), lo, hi, zero);
    Value init = buildConvInit(rewriter, loc, yType, adaptor.getB());
    if (!init)
      return rewriter.notifyMatchFailure(op, "unsupported bias shape");
    Value result = buildConv(rewriter, loc, x, adaptor.getW(), init, strides,
                             dilations, group);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// ConvTranspose as a stride-1 conv over the input dilated by the stride,
/// padded by (k - 1) * d - pad, with the weight flipped spatially and its
/// two channel dims swapped per group.
struct ConvTransposeOpLowering
    : public OpConversionPattern<nn::ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(nn::ConvTransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType xType = staticType(adaptor.getX());
    RankedTensorType wType = staticType(adaptor.getW());
    RankedTensorType yType = getConvertedType(*getTypeConverter(), op.getY());
    if (failed(checkConvShapes(op, xType, wType, yType, rewriter)))
      return failure();
    int64_t r = xType.getRank() - 2;
    int64_t group = op.getGroup();
    int64_t channels = xType.getDimSize(1);
    int64_t outChannels = yType.getDimSize(1);
    if (group < 1 || channels % group || wType.getDimSize(0) != channels ||
        wType.getDimSize(1) * group != outChannels)
      return rewriter.notifyMatchFailure(op, "inconsistent group/channels");
    std::optional<SmallVector<int64_t>> outputPadding =
        nn::getIntsAttr(op, "output_padding");
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

    SmallVector<int64_t> dilatedShape(xType.getShape());
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
                        (outputPadding ? (*outputPadding)[i] : 0) + window -
                        out;
        int64_t half = llvm::divideFloorSigned(total, 2);
        begin = autoPad == "SAME_UPPER" ? half : total - half;
      }
      dilatedShape[i + 2] = (in - 1) * strides[i] + 1;
      lo[i] = window - 1 - begin;
      hi[i] = out + window - 1 - dilatedShape[i + 2] - lo[i];
      if (dilatedShape[i + 2] + std::min<int64_t>(lo[i], 0) +
              std::min<int64_t>(hi[i], 0) <=
          0)
        return rewriter.notifyMatchFailure(op, "pads crop the whole input");
    }

    Type elementType = xType.getElementType();
    Value zero = scalarConstant(rewriter, loc, elementType, 0);
    Value x = adaptor.getX();
    if (llvm::any_of(strides, [](int64_t s) { return s != 1; })) {
      auto dilatedType = RankedTensorType::get(dilatedShape, elementType);
      SmallVector<int64_t> offsets(r + 2, 0), sliceStrides(r + 2, 1);
      for (int64_t i = 0; i < r; ++i)
        sliceStrides[i + 2] = strides[i];
      x = tensor::InsertSliceOp::create(
          rewriter, loc, x, createFilled(rewriter, loc, dilatedType, zero),
          ValueRange{}, ValueRange{}, ValueRange{}, offsets, xType.getShape(),
          sliceStrides);
    }
    x = padSpatial(rewriter, loc, x, lo, hi, zero);

    Value w = buildTransposedWeight(rewriter, loc, adaptor.getW(), group);
    Value init = buildConvInit(rewriter, loc, yType, adaptor.getB());
    if (!init)
      return rewriter.notifyMatchFailure(op, "unsupported bias shape");
    SmallVector<int64_t> ones(r, 1);
    Value result = buildConv(rewriter, loc, x, w, init, ones, dilations, group);
    rewriter.replaceOp(op, result);
    return success();
  }

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
    SmallVector<AffineMap> maps = {
        AffineMap::get(r + 3, 0, inExprs, ctx),
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
};

//===----------------------------------------------------------------------===//
// Gemm and MatMul
//===----------------------------------------------------------------------===//

/// A scalar constant for a Gemm coefficient; null when an integer Gemm has a
/// fractional coefficient.
static Value coefficient(OpBuilder &b, Location loc, Type type, double value) {
  if (!isa<FloatType>(type) && value != (double)(int64_t)value)
    return nullptr;
  return scalarConstant(b, loc, type, value);
}

struct GemmOpLowering : public OpConversionPattern<nn::GemmOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(nn::GemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType aType = staticType(adaptor.getA());
    RankedTensorType bType = staticType(adaptor.getB());
    RankedTensorType yType = getConvertedType(*getTypeConverter(), op.getY());
    if (!aType || !bType || !yType || aType.getRank() != 2 ||
        bType.getRank() != 2 || yType.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "expected static 2-d operands");
    Type elementType = yType.getElementType();
    Value a = transposeIf(rewriter, loc, adaptor.getA(), op.getTransA() != 0);
    Value b = transposeIf(rewriter, loc, adaptor.getB(), op.getTransB() != 0);
    auto aT = cast<RankedTensorType>(a.getType());
    auto bT = cast<RankedTensorType>(b.getType());
    if (aT.getDimSize(1) != bT.getDimSize(0) ||
        aT.getDimSize(0) != yType.getDimSize(0) ||
        bT.getDimSize(1) != yType.getDimSize(1))
      return rewriter.notifyMatchFailure(op, "inconsistent gemm shapes");

    double alphaValue = op.getAlpha().convertToDouble();
    double betaValue = op.getBeta().convertToDouble();
    Value alpha = coefficient(rewriter, loc, elementType, alphaValue);
    Value beta = coefficient(rewriter, loc, elementType, betaValue);
    if (!alpha || !beta)
      return rewriter.notifyMatchFailure(
          op, "fractional alpha/beta on an integer gemm");

    Value product = linalg::MatmulOp::create(
                        rewriter, loc, TypeRange{yType}, ValueRange{a, b},
                        ValueRange{createZeros(rewriter, loc, yType)})
                        .getResult(0);
    bool hasC = !nn::isNone(op.getC()) && betaValue != 0;
    if (!hasC && alphaValue == 1) {
      rewriter.replaceOp(op, product);
      return success();
    }
    SmallVector<Value> inputs = {product};
    if (hasC) {
      auto cType = dyn_cast<RankedTensorType>(adaptor.getC().getType());
      if (!cType || !cType.hasStaticShape() || cType.getRank() > 2)
        return rewriter.notifyMatchFailure(op, "unsupported C shape");
      inputs.push_back(adaptor.getC());
    }
    bool isFloat = isa<FloatType>(elementType);
    Value result = buildElementwise(
        rewriter, loc, yType, inputs,
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          auto mul = [&](Value x, Value y) -> Value {
            if (isFloat)
              return arith::MulFOp::create(nb, nloc, x, y);
            return arith::MulIOp::create(nb, nloc, x, y);
          };
          Value acc = alphaValue == 1 ? args[0] : mul(alpha, args[0]);
          if (args.size() == 1)
            return acc;
          Value c = betaValue == 1 ? args[1] : mul(beta, args[1]);
          if (isFloat)
            return arith::AddFOp::create(nb, nloc, acc, c);
          return arith::AddIOp::create(nb, nloc, acc, c);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  static Value transposeIf(OpBuilder &b, Location loc, Value v, bool doIt) {
    if (!doIt)
      return v;
    auto type = cast<RankedTensorType>(v.getType());
    auto transposed = RankedTensorType::get(
        {type.getDimSize(1), type.getDimSize(0)}, type.getElementType());
    return linalg::TransposeOp::create(b, loc, v,
                                       createEmpty(b, loc, transposed),
                                       ArrayRef<int64_t>{1, 0})
        .getResult()[0];
  }
};

/// numpy.matmul: 1-d operands gain a unit dim, batch dims broadcast. Uses
/// linalg.matmul when B is a matrix (A's batch folds into its rows),
/// linalg.batch_matmul when the batch dims agree, and a generic otherwise.
struct MatMulOpLowering : public OpConversionPattern<nn::MatMulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(nn::MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType aType = staticType(adaptor.getA());
    RankedTensorType bType = staticType(adaptor.getB());
    RankedTensorType yType = getConvertedType(*getTypeConverter(), op.getY());
    if (!aType || !bType || !yType || aType.getRank() == 0 ||
        bType.getRank() == 0)
      return rewriter.notifyMatchFailure(op, "expected static ranked operands");
    Type elementType = yType.getElementType();
    Value a = adaptor.getA(), b = adaptor.getB();
    if (aType.getRank() == 1) {
      aType = RankedTensorType::get({1, aType.getDimSize(0)}, elementType);
      a = reshapeTo(rewriter, loc, a, aType);
    }
    if (bType.getRank() == 1) {
      bType = RankedTensorType::get({bType.getDimSize(0), 1}, elementType);
      b = reshapeTo(rewriter, loc, b, bType);
    }
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
    auto fullType = RankedTensorType::get(fullShape, elementType);
    if (fullType.getNumElements() != yType.getNumElements())
      return rewriter.notifyMatchFailure(op, "unexpected result shape");

    Value full;
    int64_t batchSize = fullType.getNumElements() / std::max<int64_t>(m * n, 1);
    if (llvm::all_of(bBatch, [](int64_t d) { return d == 1; })) {
      // Fold A's batch into its rows: (batch * m, k) x (k, n).
      auto a2 = RankedTensorType::get({batchSize * m, k}, elementType);
      auto b2 = RankedTensorType::get({k, n}, elementType);
      auto y2 = RankedTensorType::get({batchSize * m, n}, elementType);
      Value a2v = reshapeTo(rewriter, loc, a, a2);
      Value b2v = reshapeTo(rewriter, loc, b, b2);
      if (!a2v || !b2v)
        return rewriter.notifyMatchFailure(op, "cannot flatten operands");
      full = linalg::MatmulOp::create(rewriter, loc, TypeRange{y2},
                                      ValueRange{a2v, b2v},
                                      ValueRange{createZeros(rewriter, loc, y2)})
                 .getResult(0);
    } else if (aBatch == bBatch) {
      auto a3 = RankedTensorType::get({batchSize, m, k}, elementType);
      auto b3 = RankedTensorType::get({batchSize, k, n}, elementType);
      auto y3 = RankedTensorType::get({batchSize, m, n}, elementType);
      Value a3v = reshapeTo(rewriter, loc, a, a3);
      Value b3v = reshapeTo(rewriter, loc, b, b3);
      if (!a3v || !b3v)
        return rewriter.notifyMatchFailure(op, "cannot flatten operands");
      full = linalg::BatchMatmulOp::create(
                 rewriter, loc, TypeRange{y3}, ValueRange{a3v, b3v},
                 ValueRange{createZeros(rewriter, loc, y3)})
                 .getResult(0);
    } else {
      full = buildBroadcastMatmul(rewriter, loc, a, b, fullType);
    }
    Value result = reshapeTo(rewriter, loc, full, yType);
    if (!result)
      return rewriter.notifyMatchFailure(op, "cannot reshape the result");
    rewriter.replaceOp(op, result);
    return success();
  }

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
                       AffineMap::getMultiDimIdentityMap(rank, ctx)
                           .getResults(),
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
};

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

/// Labels of an einsum: letters are 0..51 in ASCII order (so sorting ids
/// sorts labels alphabetically), ellipsis dims are 52 + i.
constexpr int64_t kEllipsisBase = 52;

struct EinsumSpec {
  SmallVector<SmallVector<int64_t>> inputs;
  SmallVector<int64_t> output;
};

static int64_t letterId(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return 26 + (c - 'a');
  return -1;
}

/// Splits one term into letter ids with a -1 marking the ellipsis; false on
/// a malformed term.
static bool parseTerm(StringRef term, SmallVectorImpl<int64_t> &ids) {
  bool sawEllipsis = false;
  for (size_t i = 0; i < term.size(); ++i) {
    if (term[i] == '.') {
      if (sawEllipsis || !term.substr(i).starts_with("..."))
        return false;
      sawEllipsis = true;
      ids.push_back(-1);
      i += 2;
      continue;
    }
    int64_t id = letterId(term[i]);
    if (id < 0)
      return false;
    ids.push_back(id);
  }
  return true;
}

/// Parses `equation` against operand ranks; returns a reason on failure.
static FailureOr<EinsumSpec> parseEinsum(StringRef equation,
                                         ArrayRef<int64_t> ranks,
                                         std::string &why) {
  std::string compact;
  for (char c : equation)
    if (c != ' ')
      compact.push_back(c);
  StringRef eq(compact);
  auto [lhs, rhs] = eq.split("->");
  bool explicitOutput = eq.contains("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != ranks.size()) {
    why = "einsum term count differs from the input count";
    return failure();
  }
  EinsumSpec spec;
  int64_t ellipsisRank = 0;
  SmallVector<SmallVector<int64_t>> raw(terms.size());
  for (auto [i, term] : llvm::enumerate(terms)) {
    if (!parseTerm(term, raw[i])) {
      why = "malformed einsum term";
      return failure();
    }
    int64_t letters = llvm::count_if(raw[i], [](int64_t id) { return id >= 0; });
    bool hasEllipsis = (int64_t)raw[i].size() != letters;
    int64_t extra = ranks[i] - letters;
    if (extra < 0 || (!hasEllipsis && extra != 0)) {
      why = "einsum term does not match its operand rank";
      return failure();
    }
    ellipsisRank = std::max(ellipsisRank, extra);
  }
  // Ellipsis dims align right across operands (broadcasting).
  DenseMap<int64_t, int64_t> letterCount;
  for (auto [i, ids] : llvm::enumerate(raw)) {
    int64_t extra = ranks[i] - llvm::count_if(ids, [](int64_t id) {
                      return id >= 0;
                    });
    SmallVector<int64_t> expanded;
    for (int64_t id : ids) {
      if (id >= 0) {
        expanded.push_back(id);
        ++letterCount[id];
        continue;
      }
      for (int64_t j = 0; j < extra; ++j)
        expanded.push_back(kEllipsisBase + ellipsisRank - extra + j);
    }
    spec.inputs.push_back(std::move(expanded));
  }
  if (!explicitOutput) {
    for (int64_t j = 0; j < ellipsisRank; ++j)
      spec.output.push_back(kEllipsisBase + j);
    for (int64_t id = 0; id < kEllipsisBase; ++id)
      if (letterCount.lookup(id) == 1)
        spec.output.push_back(id);
    return spec;
  }
  SmallVector<int64_t> outIds;
  if (!parseTerm(rhs, outIds)) {
    why = "malformed einsum output term";
    return failure();
  }
  for (int64_t id : outIds) {
    if (id >= 0) {
      if (!letterCount.count(id) || llvm::is_contained(spec.output, id)) {
        why = "einsum output label is repeated or not in any input";
        return failure();
      }
      spec.output.push_back(id);
      continue;
    }
    for (int64_t j = 0; j < ellipsisRank; ++j)
      spec.output.push_back(kEllipsisBase + j);
  }
  return spec;
}

/// Einsum as one linalg.generic: output labels are parallel loops, every
/// other label a reduction; a label repeated within an operand reads its
/// diagonal.
struct EinsumOpLowering : public OpConversionPattern<nn::EinsumOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(nn::EinsumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType yType =
        getConvertedType(*getTypeConverter(), op.getOutput());
    SmallVector<int64_t> ranks;
    for (Value v : adaptor.getInputs()) {
      RankedTensorType type = staticType(v);
      if (!type || type.getElementType() != yType.getElementType())
        return rewriter.notifyMatchFailure(op, "unsupported einsum operand");
      ranks.push_back(type.getRank());
    }
    if (ranks.empty())
      return rewriter.notifyMatchFailure(op, "einsum without inputs");
    std::string why;
    FailureOr<EinsumSpec> spec = parseEinsum(op.getEquation(), ranks, why);
    if (failed(spec))
      return rewriter.notifyMatchFailure(op, why);

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
        if (size != known && (size != 1 || id < kEllipsisBase))
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
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{yType}, adaptor.getInputs(),
        ValueRange{createZeros(rewriter, loc, yType)}, maps, iterators,
        [](OpBuilder &nb, Location nloc, ValueRange args) {
          Value acc = args.back();
          ValueRange factors = args.drop_back();
          Value product = factors[0];
          for (Value f : factors.drop_front()) {
            if (isa<FloatType>(f.getType()))
              product = arith::MulFOp::create(nb, nloc, product, f);
            else
              product = arith::MulIOp::create(nb, nloc, product, f);
          }
          Value sum = isa<FloatType>(acc.getType())
                          ? Value(arith::AddFOp::create(nb, nloc, acc, product))
                          : Value(arith::AddIOp::create(nb, nloc, acc, product));
          linalg::YieldOp::create(nb, nloc, sum);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void tessera::populateNNContractionToLinalgPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ConvOpLowering, ConvTransposeOpLowering, GemmOpLowering,
               MatMulOpLowering, EinsumOpLowering>(converter,
                                                   patterns.getContext());
}
