//===- Pooling.cpp - nn pooling ops to linalg -----------------------------===//
//
// Part of Tessera. MaxPool (with its Indices), AveragePool, GlobalAveragePool
// and GlobalMaxPool. Windowed pools pad their input explicitly (a copy into a
// filled tensor, extended at the end for ceil_mode) and use the linalg named
// pooling ops where one exists; 3-d pools, unsigned max and Indices are a
// `linalg.generic` over (n, c, out..., window...).
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"

#include "llvm/ADT/APFloat.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::nn_to_linalg;

namespace {

/// The explicit geometry of a windowed pool: per spatial dim, the kernel,
/// stride, dilation, begin pad, the pad that ONNX counts as padding at the
/// end, and the end pad the windows actually read (negative crops).
struct Window {
  SmallVector<int64_t> kernel, strides, dilations, lo, hiPad, hiRead;
};

/// The dilations of a pool; AveragePool has none before opset 19.
template <typename OpTy>
static std::optional<ArrayRef<int64_t>> getDilations(OpTy op) {
  if constexpr (std::is_same_v<OpTy, nn::MaxPoolOp>)
    return op.getDilations();
  return std::nullopt;
}

/// Resolves kernel/strides/dilations/pads/auto_pad of a pool against the
/// input and result shapes (the result shape already reflects ceil_mode).
template <typename OpTy>
static FailureOr<Window> resolveWindow(OpTy op, RankedTensorType x,
                                       RankedTensorType y,
                                       ConversionPatternRewriter &rewriter) {
  int64_t r = x.getRank() - 2;
  Window w;
  ArrayRef<int64_t> kernel = op.getKernelShape();
  if ((int64_t)kernel.size() != r)
    return rewriter.notifyMatchFailure(op, "kernel_shape has the wrong size");
  w.kernel.assign(kernel.begin(), kernel.end());
  auto spatial = [&](std::optional<ArrayRef<int64_t>> attr,
                     SmallVector<int64_t> &out) -> LogicalResult {
    if (!attr) {
      out.assign(r, 1);
      return success();
    }
    if ((int64_t)attr->size() != r ||
        llvm::any_of(*attr, [](int64_t v) { return v < 1; }))
      return failure();
    out.assign(attr->begin(), attr->end());
    return success();
  };
  if (failed(spatial(op.getStrides(), w.strides)) ||
      failed(spatial(getDilations(op), w.dilations)))
    return rewriter.notifyMatchFailure(op, "invalid strides or dilations");
  std::optional<ArrayRef<int64_t>> pads = op.getPads();
  if (pads && (int64_t)pads->size() != 2 * r)
    return rewriter.notifyMatchFailure(op, "pads has the wrong size");
  StringRef mode = op.getAutoPad();
  if (mode != "NOTSET" && mode != "VALID" && mode != "SAME_UPPER" &&
      mode != "SAME_LOWER")
    return rewriter.notifyMatchFailure(op, "unknown auto_pad");
  for (int64_t i = 0; i < r; ++i) {
    int64_t in = x.getDimSize(i + 2);
    int64_t out = y.getDimSize(i + 2);
    if (w.kernel[i] < 1 || out < 1)
      return rewriter.notifyMatchFailure(op, "invalid kernel or output size");
    int64_t needed =
        (out - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] + 1;
    int64_t lo = 0, hi = 0;
    if (mode == "SAME_UPPER" || mode == "SAME_LOWER") {
      int64_t total = std::max<int64_t>(0, needed - in);
      lo = mode == "SAME_UPPER" ? total / 2 : total - total / 2;
      hi = total - lo;
    } else if (mode == "NOTSET" && pads) {
      lo = (*pads)[i];
      hi = (*pads)[i + r];
    }
    if (lo < 0 || hi < 0)
      return rewriter.notifyMatchFailure(op, "negative pads");
    // A window must start inside the input or its begin pad, and the
    // windows must read some of the input.
    if ((out - 1) * w.strides[i] >= in + lo + hi || needed <= lo)
      return rewriter.notifyMatchFailure(op, "window starts past the input");
    w.lo.push_back(lo);
    w.hiPad.push_back(hi);
    w.hiRead.push_back(needed - in - lo);
  }
  return w;
}

/// Pads the spatial dims (2..) of `x` by `lo`/`hi` with `padValue`; a
/// negative `hi` crops instead. The input is copied into a slice of a filled
/// tensor (extract_slice, linalg.copy, insert_slice), which bufferizes to a
/// copy into a subview with no runtime memref copy.
static Value padSpatial(OpBuilder &b, Location loc, Value x,
                        ArrayRef<int64_t> lo, ArrayRef<int64_t> hi,
                        Value padValue) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> sizes(type.getShape()), zeros(rank, 0), ones(rank, 1);
  bool crop = false;
  for (size_t i = 0; i < hi.size(); ++i) {
    if (hi[i] < 0) {
      sizes[i + 2] += hi[i];
      crop = true;
    }
  }
  if (crop) {
    x = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get(sizes, type.getElementType()), x,
        ValueRange{}, ValueRange{}, ValueRange{}, zeros, sizes, ones);
  }
  SmallVector<int64_t> offsets(rank, 0), padded(sizes);
  bool pad = false;
  for (size_t i = 0; i < lo.size(); ++i) {
    int64_t h = std::max<int64_t>(hi[i], 0);
    offsets[i + 2] = lo[i];
    padded[i + 2] += lo[i] + h;
    pad |= lo[i] > 0 || h > 0;
  }
  if (!pad)
    return x;
  auto paddedType = RankedTensorType::get(padded, type.getElementType());
  Value dest = createFilled(b, loc, paddedType, padValue);
  auto sliceType = RankedTensorType::get(sizes, type.getElementType());
  Value window = tensor::ExtractSliceOp::create(
      b, loc, sliceType, dest, ValueRange{}, ValueRange{}, ValueRange{},
      offsets, sizes, ones);
  Value copied = linalg::CopyOp::create(b, loc, x, window).getResult(0);
  return tensor::InsertSliceOp::create(b, loc, copied, dest, ValueRange{},
                                       ValueRange{}, ValueRange{}, offsets,
                                       sizes, ones);
}

/// The identity of max: -inf for floats, the smallest integer otherwise.
static Value lowestValue(OpBuilder &b, Location loc, Type type,
                         bool isUnsigned) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics(),
                                                  /*Negative=*/true)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt value =
      isUnsigned ? APInt::getZero(width) : APInt::getSignedMinValue(width);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

/// The type sums are accumulated in: f32 for 16-bit floats, the element
/// type otherwise.
static Type accumulatorType(Type elementType) {
  if (elementType.isF16() || elementType.isBF16())
    return Float32Type::get(elementType.getContext());
  return elementType;
}

/// `sum / divisor`, rounded to `to` when the sum is wider.
static Value divideAndRound(OpBuilder &b, Location loc, Value sum,
                            Value divisor, Type to) {
  Value mean = arith::DivFOp::create(b, loc, sum, divisor);
  if (mean.getType() == to)
    return mean;
  return arith::TruncFOp::create(b, loc, to, mean);
}

/// The larger of two scalars.
static Value maxOf(OpBuilder &b, Location loc, Value x, Value y,
                   bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MaximumFOp::create(b, loc, x, y);
  if (isUnsigned)
    return arith::MaxUIOp::create(b, loc, x, y);
  return arith::MaxSIOp::create(b, loc, x, y);
}

/// Affine maps for a window generic over (n, c, out..., window...): the
/// padded input, the window shape operand, and the output.
static SmallVector<AffineMap> windowMaps(MLIRContext *ctx, const Window &w) {
  int64_t r = w.kernel.size();
  int64_t numLoops = 2 + 2 * r;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> in = {d(0), d(1)}, window, out = {d(0), d(1)};
  for (int64_t i = 0; i < r; ++i) {
    in.push_back(d(2 + i) * w.strides[i] + d(2 + r + i) * w.dilations[i]);
    window.push_back(d(2 + r + i));
    out.push_back(d(2 + i));
  }
  return {AffineMap::get(numLoops, 0, in, ctx),
          AffineMap::get(numLoops, 0, window, ctx),
          AffineMap::get(numLoops, 0, out, ctx)};
}

/// Iterators of a window generic: (n, c, out...) parallel, window reduced.
static SmallVector<utils::IteratorType> windowIterators(int64_t r) {
  SmallVector<utils::IteratorType> iterators(2 + r,
                                             utils::IteratorType::parallel);
  iterators.append(r, utils::IteratorType::reduction);
  return iterators;
}

/// Reduces each window of padded `x` into `init` with `combine`, through the
/// named NCW/NCHW pooling op `kind` ("max" or "sum") when `named` allows.
static Value
buildPool(OpBuilder &b, Location loc, Value x, Value init, const Window &w,
          StringRef kind, bool named,
          function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto initType = cast<RankedTensorType>(init.getType());
  int64_t r = w.kernel.size();
  Type elementType = initType.getElementType();
  Value window = tensor::EmptyOp::create(b, loc, w.kernel, elementType);
  if (named && (r == 1 || r == 2)) {
    SmallVector<NamedAttribute> attrs = {
        b.getNamedAttr("strides", b.getI64TensorAttr(w.strides)),
        b.getNamedAttr("dilations", b.getI64TensorAttr(w.dilations))};
    SmallVector<Type> resultType = {initType};
    SmallVector<Value> inputs = {x, window};
    if (r == 1 && kind == "max")
      return linalg::PoolingNcwMaxOp::create(b, loc, resultType, inputs, init,
                                             attrs)
          .getResult(0);
    if (r == 1)
      return linalg::PoolingNcwSumOp::create(b, loc, resultType, inputs, init,
                                             attrs)
          .getResult(0);
    if (kind == "max")
      return linalg::PoolingNchwMaxOp::create(b, loc, resultType, inputs, init,
                                              attrs)
          .getResult(0);
    return linalg::PoolingNchwSumOp::create(b, loc, resultType, inputs, init,
                                            attrs)
        .getResult(0);
  }
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{initType}, ValueRange{x, window}, ValueRange{init},
      windowMaps(b.getContext(), w), windowIterators(r),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, combine(nb, nloc, args[2], args[0]));
      });
  return generic.getResult(0);
}

struct MaxPoolOpLowering : public OpConversionPattern<nn::MaxPoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(nn::MaxPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    RankedTensorType yType = getConvertedType(*getTypeConverter(), op.getY());
    if (!xType || !xType.hasStaticShape() || xType.getRank() < 3 ||
        yType.getRank() != xType.getRank())
      return rewriter.notifyMatchFailure(op,
                                         "expected static (N, C, ...) input");
    FailureOr<Window> w = resolveWindow(op, xType, yType, rewriter);
    if (failed(w))
      return failure();
    int64_t storageOrder = op.getStorageOrder();
    if (storageOrder != 0 && storageOrder != 1)
      return rewriter.notifyMatchFailure(op, "invalid storage_order");
    bool isUnsigned = isUnsignedElement(op.getX());
    Type elementType = xType.getElementType();
    Value lowest = lowestValue(rewriter, loc, elementType, isUnsigned);
    Value x =
        padSpatial(rewriter, loc, adaptor.getX(), w->lo, w->hiRead, lowest);
    Value init = createFilled(rewriter, loc, yType, lowest);

    if (op.getIndices().use_empty()) {
      Value result =
          buildPool(rewriter, loc, x, init, *w, "max", !isUnsigned,
                    [&](OpBuilder &b, Location l, Value acc, Value v) {
                      return maxOf(b, l, acc, v, isUnsigned);
                    });
      Value indices = createFilled(
          rewriter, loc, getConvertedType(*getTypeConverter(), op.getIndices()),
          scalarConstant(rewriter, loc, rewriter.getI64Type(), 0));
      rewriter.replaceOp(op, {result, indices});
      return success();
    }

    RankedTensorType iType =
        getConvertedType(*getTypeConverter(), op.getIndices());
    SmallVector<Value> results = buildWithIndices(
        rewriter, loc, x, xType, init,
        createFilled(rewriter, loc, iType,
                     scalarConstant(rewriter, loc, iType.getElementType(), 0)),
        *w, isUnsigned, storageOrder == 1);
    rewriter.replaceOp(op, results);
    return success();
  }

  /// Max and its flat input index (row-major, or column-major over the
  /// spatial dims), keeping the first maximum of each window.
  static SmallVector<Value> buildWithIndices(OpBuilder &b, Location loc,
                                             Value x, RankedTensorType xType,
                                             Value yInit, Value iInit,
                                             const Window &w, bool isUnsigned,
                                             bool columnMajor) {
    int64_t r = w.kernel.size();
    Type elementType = xType.getElementType();
    Value window = tensor::EmptyOp::create(b, loc, w.kernel, elementType);
    SmallVector<AffineMap> maps = windowMaps(b.getContext(), w);
    maps.push_back(maps.back());
    auto generic = linalg::GenericOp::create(
        b, loc, TypeRange{yInit.getType(), iInit.getType()},
        ValueRange{x, window}, ValueRange{yInit, iInit}, maps,
        windowIterators(r), [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value v = args[0], curMax = args[2], curIdx = args[3];
          Type i64 = nb.getI64Type();
          auto index = [&](int64_t dim) -> Value {
            Value idx = linalg::IndexOp::create(nb, nloc, dim);
            return arith::IndexCastOp::create(nb, nloc, i64, idx);
          };
          auto cst = [&](int64_t c) -> Value {
            return arith::ConstantOp::create(nb, nloc, nb.getI64IntegerAttr(c));
          };
          auto mul = [&](Value a, int64_t c) -> Value {
            return arith::MulIOp::create(nb, nloc, a, cst(c));
          };
          auto add = [&](Value a, Value c) -> Value {
            return arith::AddIOp::create(nb, nloc, a, c);
          };
          // Position in the unpadded input along each spatial dim.
          SmallVector<Value> pos;
          for (int64_t i = 0; i < r; ++i) {
            Value p = add(mul(index(2 + i), w.strides[i]),
                          mul(index(2 + r + i), w.dilations[i]));
            pos.push_back(add(p, cst(-w.lo[i])));
          }
          int64_t spatialSize = 1;
          for (int64_t i = 0; i < r; ++i)
            spatialSize *= xType.getDimSize(i + 2);
          Value flat = add(mul(index(0), xType.getDimSize(1)), index(1));
          flat = mul(flat, spatialSize);
          Value linear = cst(0);
          for (int64_t j = 0; j < r; ++j) {
            int64_t i = columnMajor ? r - 1 - j : j;
            linear = add(mul(linear, xType.getDimSize(i + 2)), pos[i]);
          }
          flat = add(flat, linear);
          Value greater;
          if (isa<FloatType>(elementType))
            greater = arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OGT,
                                            v, curMax);
          else
            greater =
                arith::CmpIOp::create(nb, nloc,
                                      isUnsigned ? arith::CmpIPredicate::ugt
                                                 : arith::CmpIPredicate::sgt,
                                      v, curMax);
          Value newMax = arith::SelectOp::create(nb, nloc, greater, v, curMax);
          Value newIdx =
              arith::SelectOp::create(nb, nloc, greater, flat, curIdx);
          linalg::YieldOp::create(nb, nloc, ValueRange{newMax, newIdx});
        });
    return {generic.getResult(0), generic.getResult(1)};
  }
};

/// A float constant tensor of `type` from doubles.
static Value floatConstant(OpBuilder &b, Location loc, RankedTensorType type,
                           ArrayRef<double> values) {
  auto floatType = cast<FloatType>(type.getElementType());
  SmallVector<APFloat> floats;
  for (double v : values) {
    APFloat f(v);
    bool losesInfo = false;
    f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
              &losesInfo);
    floats.push_back(f);
  }
  return arith::ConstantOp::create(b, loc, type,
                                   DenseElementsAttr::get(type, floats));
}

static FailureOr<Value> lowerAveragePool(nn::AveragePoolOp op,
                                         nn::AveragePoolOp::Adaptor adaptor,
                                         RankedTensorType yType,
                                         ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
  if (!xType || !xType.hasStaticShape() || xType.getRank() < 3 ||
      yType.getRank() != xType.getRank())
    return rewriter.notifyMatchFailure(op, "expected static (N, C, ...) input");
  FailureOr<Window> w = resolveWindow(op, xType, yType, rewriter);
  if (failed(w))
    return failure();
  int64_t r = w->kernel.size();
  // Per dim, how many window taps land in the counted range: the input
  // plus its explicit pads with count_include_pad, the input alone
  // otherwise; the ceil_mode extension never counts.
  bool includePad = op.getCountIncludePad() != 0;
  SmallVector<SmallVector<int64_t>> perDim;
  bool uniform = true;
  for (int64_t i = 0; i < r; ++i) {
    int64_t in = xType.getDimSize(i + 2);
    int64_t begin = includePad ? -w->lo[i] : 0;
    int64_t end = includePad ? in + w->hiPad[i] : in;
    SmallVector<int64_t> counts;
    for (int64_t o = 0; o < yType.getDimSize(i + 2); ++o) {
      int64_t count = 0;
      for (int64_t k = 0; k < w->kernel[i]; ++k) {
        int64_t p = o * w->strides[i] + k * w->dilations[i] - w->lo[i];
        count += p >= begin && p < end;
      }
      if (count == 0)
        return rewriter.notifyMatchFailure(op, "window without elements");
      uniform &= count == w->kernel[i];
      counts.push_back(count);
    }
    perDim.push_back(std::move(counts));
  }
  Type elementType = xType.getElementType();
  Type accType = accumulatorType(elementType);
  Value zero = scalarConstant(rewriter, loc, elementType, 0);
  Value x = padSpatial(rewriter, loc, adaptor.getX(), w->lo, w->hiRead, zero);
  Value sum = buildPool(rewriter, loc, x,
                        createFilled(rewriter, loc, yType.clone(accType),
                                     scalarConstant(rewriter, loc, accType, 0)),
                        *w, "sum",
                        /*named=*/true,
                        [&](OpBuilder &b, Location l, Value acc, Value v) {
                          if (v.getType() != accType)
                            v = arith::ExtFOp::create(b, l, accType, v);
                          return arith::AddFOp::create(b, l, acc, v);
                        });
  if (uniform) {
    int64_t size = 1;
    for (int64_t k : w->kernel)
      size *= k;
    Value divisor = scalarConstant(rewriter, loc, accType, size);
    return buildElementwise(
        rewriter, loc, yType, sum,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          return divideAndRound(b, l, args[0], divisor, elementType);
        });
  }
  // Otherwise divide by a constant (1, 1, out...) tensor of counts.
  SmallVector<int64_t> shape = {1, 1};
  for (int64_t i = 0; i < r; ++i)
    shape.push_back(yType.getDimSize(i + 2));
  auto countType = RankedTensorType::get(shape, accType);
  SmallVector<double> values;
  SmallVector<int64_t> idx(r, 0);
  for (int64_t n = 0, e = countType.getNumElements(); n < e; ++n) {
    double v = 1;
    for (int64_t i = 0; i < r; ++i)
      v *= perDim[i][idx[i]];
    values.push_back(v);
    for (int64_t i = r - 1; i >= 0; --i) {
      if (++idx[i] < shape[i + 2])
        break;
      idx[i] = 0;
    }
  }
  Value divisor = floatConstant(rewriter, loc, countType, values);
  Value result = buildElementwise(
      rewriter, loc, yType, {sum, divisor},
      [&](OpBuilder &b, Location l, ValueRange args) -> Value {
        return divideAndRound(b, l, args[0], args[1], elementType);
      });
  return result;
}

/// GlobalMaxPool and GlobalAveragePool: a reduction over every spatial dim
/// into (N, C), expanded back to (N, C, 1, ...).
template <typename OpTy, bool IsMax>
static FailureOr<Value> lowerGlobalPool(OpTy op, typename OpTy::Adaptor adaptor,
                                        RankedTensorType yType,
                                        ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
  if (!xType || !xType.hasStaticShape() || xType.getRank() < 3 ||
      yType.getRank() != xType.getRank())
    return rewriter.notifyMatchFailure(op, "expected static (N, C, ...) input");
  int64_t rank = xType.getRank();
  if (xType.getDimSize(0) * xType.getDimSize(1) == 0)
    return rewriter.notifyMatchFailure(op, "empty input");
  Type elementType = xType.getElementType();
  Type accType = IsMax ? elementType : accumulatorType(elementType);
  MLIRContext *ctx = rewriter.getContext();
  auto reducedType = RankedTensorType::get(
      {xType.getDimSize(0), xType.getDimSize(1)}, accType);
  Value initValue = IsMax ? lowestValue(rewriter, loc, elementType, false)
                          : scalarConstant(rewriter, loc, accType, 0);
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(rank, ctx),
      AffineMap::get(
          rank, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)}, ctx)};
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  iterators.append(rank - 2, utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{reducedType}, ValueRange{adaptor.getX()},
      ValueRange{createFilled(rewriter, loc, reducedType, initValue)}, maps,
      iterators, [&](OpBuilder &b, Location l, ValueRange args) {
        Value in = args[0];
        if (in.getType() != accType)
          in = arith::ExtFOp::create(b, l, accType, in);
        Value v = IsMax ? Value(arith::MaximumFOp::create(b, l, args[1], in))
                        : Value(arith::AddFOp::create(b, l, args[1], in));
        linalg::YieldOp::create(b, l, v);
      });
  SmallVector<ReassociationIndices> reassociation = {{0}, {}};
  for (int64_t i = 1; i < rank; ++i)
    reassociation[1].push_back(i);
  Value result = tensor::ExpandShapeOp::create(
      rewriter, loc, yType.clone(accType), generic.getResult(0), reassociation);
  if (!IsMax) {
    int64_t count =
        xType.getNumElements() / (xType.getDimSize(0) * xType.getDimSize(1));
    Value divisor = scalarConstant(rewriter, loc, accType, count);
    result = buildElementwise(
        rewriter, loc, yType, result,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          return divideAndRound(b, l, args[0], divisor, elementType);
        });
  }
  return result;
}

} // namespace

void tessera::populateNNPoolingToLinalgPatterns(const TypeConverter &converter,
                                                RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<
      MaxPoolOpLowering,
      SingleResultLowering<nn::AveragePoolOp, lowerAveragePool>,
      SingleResultLowering<nn::GlobalMaxPoolOp,
                           lowerGlobalPool<nn::GlobalMaxPoolOp, true>>,
      SingleResultLowering<nn::GlobalAveragePoolOp,
                           lowerGlobalPool<nn::GlobalAveragePoolOp, false>>>(
      converter, ctx);
}
