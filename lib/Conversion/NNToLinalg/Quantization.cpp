//===- Quantization.cpp - nn quantization ops to linalg -------------------===//
//
// Part of Tessera. QuantizeLinear, DequantizeLinear, MatMulInteger,
// ConvInteger, QLinearMatMul and QLinearConv with the numerics of
// docs/DESIGN "Numerics": quantize is saturate(round_half_to_even(x / scale)
// + zero_point), dequantize is (q - zero_point) * scale. Integer products
// widen to i32 and subtract the zero points before multiplying, so padding
// the widened input with 0 equals padding it with its zero point. QLinear*
// requantize the i32 accumulator in f32 with the multiplier
// a_scale * b_scale / y_scale (ONNX semantics). Tessera's own
// nn.requantize lowers to integer ops only, exactly as
// tessera::npu::requantize; nn.quantize / nn.dequantize have the numerics
// of QuantizeLinear / DequantizeLinear with attribute parameters.
// DynamicQuantizeLinear reduces its input to a uint8 scale and zero point
// and quantizes with them.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace tessera;
using namespace tessera::nn_to_linalg;

namespace {

/// An operand of a generic together with the map that reads it.
struct MappedOperand {
  Value value;
  AffineMap map;
};

/// A zero point: its converted value (null when absent) and signedness.
struct ZeroPoint {
  Value value;
  bool isUnsigned = false;
};

static int64_t numElements(Value v) {
  return cast<RankedTensorType>(v.getType()).getNumElements();
}

/// The map reading a quantization parameter (scale or zero point) in a
/// rank-`rank` iteration space: a one-element tensor reads its only element;
/// a 1-D tensor of `axisSize` elements reads along loop dim `axisDim` (when
/// there is one, i.e. `axisDim` >= 0).
static FailureOr<AffineMap> paramMap(MLIRContext *ctx, int64_t rank,
                                     Value param, int64_t axisDim,
                                     int64_t axisSize) {
  auto type = dyn_cast<RankedTensorType>(param.getType());
  if (!type || !type.hasStaticShape())
    return failure();
  if (type.getNumElements() == 1) {
    SmallVector<AffineExpr> zeros(type.getRank(),
                                  getAffineConstantExpr(0, ctx));
    return AffineMap::get(rank, 0, zeros, ctx);
  }
  if (type.getRank() != 1 || axisDim < 0 || type.getDimSize(0) != axisSize)
    return failure();
  return AffineMap::get(rank, 0, getAffineDimExpr(axisDim, ctx));
}

/// The [lo, hi] range of an 8-bit (or other width) integer type.
static std::pair<double, double> integerRange(Type type, bool isUnsigned) {
  unsigned width = type.getIntOrFloatBitWidth();
  if (isUnsigned)
    return {0.0, static_cast<double>((uint64_t(1) << width) - 1)};
  return {-static_cast<double>(uint64_t(1) << (width - 1)),
          static_cast<double>((uint64_t(1) << (width - 1)) - 1)};
}

/// saturate(round_half_to_even(v) + zeroPoint) of float `v` as integer type
/// `to`; `zeroPoint` may be null (0).
static Value roundAndSaturate(OpBuilder &b, Location loc, Value v,
                              Value zeroPoint, bool zeroPointUnsigned, Type to,
                              bool toUnsigned) {
  Type floatType = v.getType();
  v = math::RoundEvenOp::create(b, loc, v);
  if (zeroPoint)
    v = arith::AddFOp::create(
        b, loc, v,
        castScalar(b, loc, zeroPoint, floatType, zeroPointUnsigned, false));
  auto [lo, hi] = integerRange(to, toUnsigned);
  v = arith::MaximumFOp::create(b, loc, v,
                                scalarConstant(b, loc, floatType, lo));
  v = arith::MinimumFOp::create(b, loc, v,
                                scalarConstant(b, loc, floatType, hi));
  return castScalar(b, loc, v, to, /*fromUnsigned=*/false, toUnsigned);
}

/// An all-parallel generic producing `resultType` from `operands`.
static Value
buildMapped(OpBuilder &b, Location loc, RankedTensorType resultType,
            ArrayRef<MappedOperand> operands,
            function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = resultType.getRank();
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (const MappedOperand &operand : operands) {
    inputs.push_back(operand.value);
    maps.push_back(operand.map);
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs,
      ValueRange{createEmpty(b, loc, resultType)}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args.drop_back()));
      });
  return generic.getResult(0);
}

/// Normalizes the per-axis `axis` of a rank-`rank` input; -1 when it is out
/// of range, which only per-tensor parameters allow (the default axis 1 of a
/// 1-D input, say).
static int64_t normalizeQuantAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return -1;
  return axis < 0 ? axis + rank : axis;
}

//===----------------------------------------------------------------------===//
// QuantizeLinear / DequantizeLinear
//===----------------------------------------------------------------------===//

/// The operands of a (de)quantize generic: `x` read directly, the scale and
/// zero point (null when absent) per tensor or along `axis`; fails the match
/// with a reason naming `prefix`_scale / `prefix`_zero_point.
static FailureOr<SmallVector<MappedOperand>>
mapQuantOperands(ConversionPatternRewriter &rewriter, Operation *op,
                 RankedTensorType type, int64_t axisAttr, Value x, Value scale,
                 Value zeroPoint, StringRef prefix) {
  MLIRContext *ctx = rewriter.getContext();
  int64_t rank = type.getRank();
  int64_t axis = normalizeQuantAxis(axisAttr, rank);
  int64_t axisSize = axis >= 0 ? type.getDimSize(axis) : 0;
  SmallVector<MappedOperand> operands = {
      {x, AffineMap::getMultiDimIdentityMap(rank, ctx)}};
  FailureOr<AffineMap> scaleMap = paramMap(ctx, rank, scale, axis, axisSize);
  if (failed(scaleMap))
    return rewriter.notifyMatchFailure(
        op, prefix + "_scale must be a scalar or 1-D along axis");
  operands.push_back({scale, *scaleMap});
  if (zeroPoint) {
    FailureOr<AffineMap> zpMap = paramMap(ctx, rank, zeroPoint, axis, axisSize);
    if (failed(zpMap) || numElements(zeroPoint) != numElements(scale))
      return rewriter.notifyMatchFailure(
          op,
          prefix + "_zero_point must have the shape of " + prefix + "_scale");
    operands.push_back({zeroPoint, *zpMap});
  }
  return operands;
}

static FailureOr<Value> lowerQuantizeLinear(
    nn::QuantizeLinearOp op, nn::QuantizeLinearOp::Adaptor adaptor,
    RankedTensorType type, ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  bool hasZeroPoint = !nn::isNone(op.getYZeroPoint());
  FailureOr<SmallVector<MappedOperand>> operands = mapQuantOperands(
      rewriter, op, type, op.getAxis(), adaptor.getX(), adaptor.getYScale(),
      hasZeroPoint ? adaptor.getYZeroPoint() : Value(), "y");
  if (failed(operands))
    return failure();
  bool outUnsigned = isUnsignedElement(op.getY());
  Type out = type.getElementType();
  Value result = buildMapped(
      rewriter, loc, type, *operands,
      [&](OpBuilder &b, Location l, ValueRange args) -> Value {
        Value x = args[0], scale = args[1];
        // An int32 input divides in f64, as numpy promotes it.
        if (!isa<FloatType>(x.getType())) {
          x = castScalar(b, l, x, b.getF64Type(), false, false);
          scale = castScalar(b, l, scale, b.getF64Type(), false, false);
        }
        Value v = arith::DivFOp::create(b, l, x, scale);
        return roundAndSaturate(b, l, v, hasZeroPoint ? args[2] : Value(),
                                outUnsigned, out, outUnsigned);
      });
  return result;
}

static FailureOr<Value> lowerDequantizeLinear(
    nn::DequantizeLinearOp op, nn::DequantizeLinearOp::Adaptor adaptor,
    RankedTensorType type, ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  bool hasZeroPoint = !nn::isNone(op.getXZeroPoint());
  FailureOr<SmallVector<MappedOperand>> operands = mapQuantOperands(
      rewriter, op, type, op.getAxis(), adaptor.getX(), adaptor.getXScale(),
      hasZeroPoint ? adaptor.getXZeroPoint() : Value(), "x");
  if (failed(operands))
    return failure();
  bool xUnsigned = isUnsignedElement(op.getX());
  // The difference is exact in i32 for 8-bit inputs, in i64 for int32.
  unsigned width =
      getElementTypeOrSelf(adaptor.getX().getType()).getIntOrFloatBitWidth();
  Type wide = width < 32 ? rewriter.getI32Type() : rewriter.getI64Type();
  Value result = buildMapped(
      rewriter, loc, type, *operands,
      [&](OpBuilder &b, Location l, ValueRange args) -> Value {
        Value x = castScalar(b, l, args[0], wide, xUnsigned, false);
        if (hasZeroPoint)
          x = arith::SubIOp::create(
              b, l, x, castScalar(b, l, args[2], wide, xUnsigned, false));
        Value f = castScalar(b, l, x, b.getF32Type(), false, false);
        return arith::MulFOp::create(b, l, f, args[1]);
      });
  return result;
}

//===----------------------------------------------------------------------===//
// Integer matrix products
//===----------------------------------------------------------------------===//

/// The loop dims of a numpy matmul producing a rank-`rank` result: the
/// result dims, then k. Dim m is -1 when A is 1-D, n when B is 1-D.
struct MatMulDims {
  int64_t rank, m, n, k;
};

static MatMulDims getMatMulDims(int64_t rank, int64_t aRank, int64_t bRank) {
  MatMulDims dims{rank, -1, -1, rank};
  if (bRank >= 2)
    dims.n = rank - 1;
  if (aRank >= 2)
    dims.m = bRank >= 2 ? rank - 2 : rank - 1;
  return dims;
}

/// The map reading a matmul operand of `type` (A when `isA`) in the loop
/// space of `dims` over a result of `resultType`, with batch broadcasting.
static FailureOr<AffineMap> matmulOperandMap(MLIRContext *ctx,
                                             const MatMulDims &dims,
                                             RankedTensorType resultType,
                                             RankedTensorType type, bool isA) {
  int64_t rank = type.getRank();
  SmallVector<AffineExpr> exprs;
  if (rank >= 2) {
    int64_t batch = (dims.m >= 0 ? 1 : 0) + (dims.n >= 0 ? 1 : 0);
    batch = dims.rank - batch;
    if (rank - 2 > batch)
      return failure();
    for (int64_t i = 0; i < rank - 2; ++i) {
      int64_t outDim = batch - (rank - 2) + i;
      if (type.getDimSize(i) == 1 && resultType.getDimSize(outDim) != 1)
        exprs.push_back(getAffineConstantExpr(0, ctx));
      else
        exprs.push_back(getAffineDimExpr(outDim, ctx));
    }
  }
  AffineExpr k = getAffineDimExpr(dims.k, ctx);
  if (rank == 1) {
    exprs.push_back(k);
  } else if (isA) {
    exprs.push_back(getAffineDimExpr(dims.m, ctx));
    exprs.push_back(k);
  } else {
    exprs.push_back(k);
    exprs.push_back(getAffineDimExpr(dims.n, ctx));
  }
  return AffineMap::get(dims.rank + 1, 0, exprs, ctx);
}

/// sum_k (a - a_zp) * (b - b_zp) in i32 with numpy matmul broadcasting. A
/// zero point is a scalar, or 1-D per row of A / per column of B.
static FailureOr<Value> buildIntegerMatMul(OpBuilder &b, Location loc, Value a,
                                           bool aUnsigned, ZeroPoint aZp,
                                           Value bm, bool bUnsigned,
                                           ZeroPoint bZp,
                                           RankedTensorType accType) {
  MLIRContext *ctx = b.getContext();
  auto aType = cast<RankedTensorType>(a.getType());
  auto bType = cast<RankedTensorType>(bm.getType());
  int64_t rank = accType.getRank();
  MatMulDims dims = getMatMulDims(rank, aType.getRank(), bType.getRank());
  FailureOr<AffineMap> aMap =
      matmulOperandMap(ctx, dims, accType, aType, /*isA=*/true);
  FailureOr<AffineMap> bMap =
      matmulOperandMap(ctx, dims, accType, bType, /*isA=*/false);
  if (failed(aMap) || failed(bMap))
    return failure();
  SmallVector<Value> inputs = {a, bm};
  SmallVector<AffineMap> maps = {*aMap, *bMap};
  int64_t rows =
      aType.getRank() >= 2 ? aType.getDimSize(aType.getRank() - 2) : 0;
  int64_t cols =
      bType.getRank() >= 2 ? bType.getDimSize(bType.getRank() - 1) : 0;
  if (aZp.value) {
    FailureOr<AffineMap> map = paramMap(ctx, rank + 1, aZp.value, dims.m, rows);
    if (failed(map))
      return failure();
    inputs.push_back(aZp.value);
    maps.push_back(*map);
  }
  if (bZp.value) {
    FailureOr<AffineMap> map = paramMap(ctx, rank + 1, bZp.value, dims.n, cols);
    if (failed(map))
      return failure();
    inputs.push_back(bZp.value);
    maps.push_back(*map);
  }
  SmallVector<AffineExpr> outExprs;
  for (int64_t i = 0; i < rank; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  maps.push_back(AffineMap::get(rank + 1, 0, outExprs, ctx));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  Type i32 = b.getI32Type();
  Value init = createFilled(b, loc, accType, scalarConstant(b, loc, i32, 0));
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{accType}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value x = castScalar(nb, l, args[0], i32, aUnsigned, false);
        Value y = castScalar(nb, l, args[1], i32, bUnsigned, false);
        unsigned next = 2;
        if (aZp.value)
          x = arith::SubIOp::create(
              nb, l, x,
              castScalar(nb, l, args[next++], i32, aZp.isUnsigned, false));
        if (bZp.value)
          y = arith::SubIOp::create(
              nb, l, y,
              castScalar(nb, l, args[next++], i32, bZp.isUnsigned, false));
        Value product = arith::MulIOp::create(nb, l, x, y);
        linalg::YieldOp::create(
            nb, l,
            arith::AddIOp::create(nb, l, args.back(), product).getResult());
      });
  return generic.getResult(0);
}

/// The zero point operand `original` (converted: `converted`) of an op.
static ZeroPoint getZeroPoint(Value original, Value converted) {
  if (nn::isNone(original))
    return {};
  return {converted, isUnsignedElement(original)};
}

static FailureOr<Value>
lowerMatMulInteger(nn::MatMulIntegerOp op, nn::MatMulIntegerOp::Adaptor adaptor,
                   RankedTensorType type, ConversionPatternRewriter &rewriter) {
  FailureOr<Value> result = buildIntegerMatMul(
      rewriter, op.getLoc(), adaptor.getA(), isUnsignedElement(op.getA()),
      getZeroPoint(op.getAZeroPoint(), adaptor.getAZeroPoint()), adaptor.getB(),
      isUnsignedElement(op.getB()),
      getZeroPoint(op.getBZeroPoint(), adaptor.getBZeroPoint()), type);
  if (failed(result))
    return rewriter.notifyMatchFailure(
        op, "unsupported operand or zero point shapes");
  return *result;
}

/// Requantizes i32 accumulator `acc` (plus `bias`, if any) to `type`:
/// saturate(round_half_to_even(acc * (aScale * bScale / yScale)) + yZp).
static Value buildRequantize(OpBuilder &b, Location loc, Value acc,
                             MappedOperand aScale, MappedOperand bScale,
                             MappedOperand yScale, MappedOperand yZp,
                             bool yZpUnsigned,
                             std::optional<MappedOperand> bias,
                             RankedTensorType type, bool outUnsigned) {
  MLIRContext *ctx = b.getContext();
  SmallVector<MappedOperand> operands = {
      {acc, AffineMap::getMultiDimIdentityMap(type.getRank(), ctx)},
      aScale,
      bScale,
      yScale,
      yZp};
  if (bias)
    operands.push_back(*bias);
  Type out = type.getElementType();
  return buildMapped(
      b, loc, type, operands,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value sum = args[0];
        if (bias)
          sum = arith::AddIOp::create(nb, l, sum, args[5]);
        Value f = castScalar(nb, l, sum, nb.getF32Type(), false, false);
        Value multiplier = arith::DivFOp::create(
            nb, l, arith::MulFOp::create(nb, l, args[1], args[2]), args[3]);
        Value v = arith::MulFOp::create(nb, l, f, multiplier);
        return roundAndSaturate(nb, l, v, args[4], yZpUnsigned, out,
                                outUnsigned);
      });
}

static FailureOr<Value>
lowerQLinearMatMul(nn::QLinearMatMulOp op, nn::QLinearMatMulOp::Adaptor adaptor,
                   RankedTensorType type, ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  RankedTensorType accType = type.clone(rewriter.getI32Type());
  auto aType = cast<RankedTensorType>(adaptor.getA().getType());
  auto bType = cast<RankedTensorType>(adaptor.getB().getType());
  FailureOr<Value> acc = buildIntegerMatMul(
      rewriter, loc, adaptor.getA(), isUnsignedElement(op.getA()),
      getZeroPoint(op.getAZeroPoint(), adaptor.getAZeroPoint()), adaptor.getB(),
      isUnsignedElement(op.getB()),
      getZeroPoint(op.getBZeroPoint(), adaptor.getBZeroPoint()), accType);
  if (failed(acc))
    return rewriter.notifyMatchFailure(
        op, "unsupported operand or zero point shapes");
  int64_t rank = type.getRank();
  MatMulDims dims = getMatMulDims(rank, aType.getRank(), bType.getRank());
  int64_t rows = dims.m >= 0 ? type.getDimSize(dims.m) : 0;
  int64_t cols = dims.n >= 0 ? type.getDimSize(dims.n) : 0;
  FailureOr<AffineMap> aScale =
      paramMap(ctx, rank, adaptor.getAScale(), dims.m, rows);
  FailureOr<AffineMap> bScale =
      paramMap(ctx, rank, adaptor.getBScale(), dims.n, cols);
  FailureOr<AffineMap> yScale = paramMap(ctx, rank, adaptor.getYScale(), -1, 0);
  FailureOr<AffineMap> yZp =
      paramMap(ctx, rank, adaptor.getYZeroPoint(), -1, 0);
  if (failed(aScale) || failed(bScale) || failed(yScale) || failed(yZp))
    return rewriter.notifyMatchFailure(op, "unsupported scale shapes");
  Value result = buildRequantize(
      rewriter, loc, *acc, {adaptor.getAScale(), *aScale},
      {adaptor.getBScale(), *bScale}, {adaptor.getYScale(), *yScale},
      {adaptor.getYZeroPoint(), *yZp}, isUnsignedElement(op.getYZeroPoint()),
      std::nullopt, type, isUnsignedElement(op.getY()));
  return result;
}

//===----------------------------------------------------------------------===//
// Integer convolutions
//===----------------------------------------------------------------------===//

/// Strides, dilations, begin/end pads and group of an ONNX Conv, with
/// auto_pad resolved against the static input, weight and output shapes.
struct ConvGeometry {
  SmallVector<int64_t> strides, dilations, padBegin, padEnd;
  int64_t group = 1;
};

template <typename OpTy>
static FailureOr<ConvGeometry> getConvGeometry(OpTy op, RankedTensorType x,
                                               RankedTensorType w,
                                               RankedTensorType out) {
  int64_t spatial = x.getRank() - 2;
  if (spatial < 1 || w.getRank() != x.getRank() || out.getRank() != x.getRank())
    return failure();
  ConvGeometry g;
  g.group = op.getGroup();
  auto ints = [&](std::optional<ArrayRef<int64_t>> attr, int64_t size,
                  int64_t dflt, SmallVector<int64_t> &into) -> LogicalResult {
    if (!attr) {
      into.assign(size, dflt);
      return success();
    }
    if (static_cast<int64_t>(attr->size()) != size)
      return failure();
    into.assign(attr->begin(), attr->end());
    return success();
  };
  SmallVector<int64_t> pads;
  if (failed(ints(op.getStrides(), spatial, 1, g.strides)) ||
      failed(ints(op.getDilations(), spatial, 1, g.dilations)) ||
      failed(ints(op.getPads(), 2 * spatial, 0, pads)))
    return failure();
  StringRef autoPad = op.getAutoPad();
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t in = x.getDimSize(i + 2), o = out.getDimSize(i + 2);
    int64_t effective = (w.getDimSize(i + 2) - 1) * g.dilations[i] + 1;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t total =
          std::max<int64_t>(0, (o - 1) * g.strides[i] + effective - in);
      int64_t small = total / 2;
      g.padBegin.push_back(autoPad == "SAME_UPPER" ? small : total - small);
      g.padEnd.push_back(total - g.padBegin.back());
    } else if (autoPad == "VALID") {
      g.padBegin.push_back(0);
      g.padEnd.push_back(0);
    } else if (autoPad == "NOTSET") {
      g.padBegin.push_back(pads[i]);
      g.padEnd.push_back(pads[i + spatial]);
    } else {
      return failure();
    }
    // Every window must lie inside the padded input.
    if ((o - 1) * g.strides[i] + effective >
        in + g.padBegin.back() + g.padEnd.back())
      return failure();
  }
  int64_t channels = x.getDimSize(1), filters = w.getDimSize(0);
  if (g.group <= 0 || channels != w.getDimSize(1) * g.group ||
      filters % g.group != 0 || out.getDimSize(1) != filters)
    return failure();
  return g;
}

/// v - zp widened to i32, elementwise over `v`; `zp` (possibly null) is a
/// scalar or 1-D along dim 0 (per output channel of a weight).
static FailureOr<Value> subtractZeroPoint(OpBuilder &b, Location loc, Value v,
                                          bool vUnsigned, ZeroPoint zp) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank();
  SmallVector<MappedOperand> operands = {
      {v, AffineMap::getMultiDimIdentityMap(rank, ctx)}};
  if (zp.value) {
    FailureOr<AffineMap> map =
        paramMap(ctx, rank, zp.value, 0, type.getDimSize(0));
    if (failed(map))
      return failure();
    operands.push_back({zp.value, *map});
  }
  Type i32 = b.getI32Type();
  return buildMapped(
      b, loc, type.clone(i32), operands,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value x = castScalar(nb, l, args[0], i32, vUnsigned, false);
        if (!zp.value)
          return x;
        return arith::SubIOp::create(
            nb, l, x, castScalar(nb, l, args[1], i32, zp.isUnsigned, false));
      });
}

/// `x` (i32, NC...) padded with 0 by `padBegin`/`padEnd` on its spatial
/// dims: a generic reading `x` at clamped indices (a `tensor.pad` would
/// bufferize to a strided copy needing a runtime library).
static Value padSpatialWithZero(OpBuilder &b, Location loc, Value x,
                                ArrayRef<int64_t> padBegin,
                                ArrayRef<int64_t> padEnd) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape(type.getShape());
  for (size_t i = 0; i < padBegin.size(); ++i)
    shape[i + 2] += padBegin[i] + padEnd[i];
  auto paddedType = RankedTensorType::get(shape, type.getElementType());
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{paddedType}, ValueRange{},
      ValueRange{createEmpty(b, loc, paddedType)},
      ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx)},
      iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
        Value zero = arith::ConstantIndexOp::create(nb, l, 0);
        Value inBounds = scalarConstant(nb, l, nb.getI1Type(), 1);
        SmallVector<Value> indices;
        for (int64_t d = 0; d < rank; ++d) {
          Value index = linalg::IndexOp::create(nb, l, d);
          if (d < 2) {
            indices.push_back(index);
            continue;
          }
          Value source = arith::SubIOp::create(
              nb, l, index,
              arith::ConstantIndexOp::create(nb, l, padBegin[d - 2]));
          Value last =
              arith::ConstantIndexOp::create(nb, l, type.getDimSize(d) - 1);
          Value ge = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge,
                                           source, zero);
          Value le = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sle,
                                           source, last);
          inBounds = arith::AndIOp::create(
              nb, l, inBounds, arith::AndIOp::create(nb, l, ge, le));
          Value clamped = arith::MinSIOp::create(
              nb, l, arith::MaxSIOp::create(nb, l, source, zero), last);
          indices.push_back(clamped);
        }
        Value v = tensor::ExtractOp::create(nb, l, x, indices);
        Value padded = arith::SelectOp::create(
            nb, l, inBounds, v,
            scalarConstant(nb, l, type.getElementType(), 0));
        linalg::YieldOp::create(nb, l, padded);
      });
  return generic.getResult(0);
}

/// The grouped N-d convolution of i32 tensors `x` (NC...) and `w` (MC/g...)
/// into an i32 accumulator of `accType`, padding `x` with 0.
static Value buildIntegerConv(OpBuilder &b, Location loc, Value x, Value w,
                              const ConvGeometry &g, RankedTensorType accType) {
  MLIRContext *ctx = b.getContext();
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t spatial = xType.getRank() - 2;
  Type i32 = b.getI32Type();
  Value zero = scalarConstant(b, loc, i32, 0);
  if (llvm::any_of(g.padBegin, [](int64_t p) { return p != 0; }) ||
      llvm::any_of(g.padEnd, [](int64_t p) { return p != 0; }))
    x = padSpatialWithZero(b, loc, x, g.padBegin, g.padEnd);
  // Loops: n, m, out spatial..., c (per group), kernel spatial...
  int64_t numLoops = 3 + 2 * spatial;
  AffineExpr n = getAffineDimExpr(0, ctx), m = getAffineDimExpr(1, ctx);
  AffineExpr c = getAffineDimExpr(2 + spatial, ctx);
  int64_t channelsPerGroup = wType.getDimSize(1);
  int64_t filtersPerGroup = wType.getDimSize(0) / g.group;
  AffineExpr inChannel =
      g.group == 1 ? c : m.floorDiv(filtersPerGroup) * channelsPerGroup + c;
  SmallVector<AffineExpr> xExprs = {n, inChannel}, wExprs = {m, c},
                          outExprs = {n, m};
  for (int64_t i = 0; i < spatial; ++i) {
    AffineExpr o = getAffineDimExpr(2 + i, ctx);
    AffineExpr k = getAffineDimExpr(3 + spatial + i, ctx);
    xExprs.push_back(o * g.strides[i] + k * g.dilations[i]);
    wExprs.push_back(k);
    outExprs.push_back(o);
  }
  SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, xExprs, ctx),
                                 AffineMap::get(numLoops, 0, wExprs, ctx),
                                 AffineMap::get(numLoops, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators(numLoops,
                                             utils::IteratorType::reduction);
  for (int64_t i = 0; i < 2 + spatial; ++i)
    iterators[i] = utils::IteratorType::parallel;
  Value init = createFilled(b, loc, accType, zero);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{accType}, ValueRange{x, w}, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
        Value product = arith::MulIOp::create(nb, l, args[0], args[1]);
        linalg::YieldOp::create(
            nb, l, arith::AddIOp::create(nb, l, args[2], product).getResult());
      });
  return generic.getResult(0);
}

/// The i32 accumulator of an integer conv: conv(x - x_zp, w - w_zp).
template <typename OpTy>
static FailureOr<Value>
buildZeroPointConv(ConversionPatternRewriter &rewriter, OpTy op, Value x,
                   bool xUnsigned, ZeroPoint xZp, Value w, bool wUnsigned,
                   ZeroPoint wZp, RankedTensorType accType) {
  Location loc = op.getLoc();
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  if (!xType.hasStaticShape() || !wType.hasStaticShape())
    return rewriter.notifyMatchFailure(op, "operand shapes are not static");
  FailureOr<ConvGeometry> geometry = getConvGeometry(op, xType, wType, accType);
  if (failed(geometry))
    return rewriter.notifyMatchFailure(op, "unsupported conv attributes");
  if (xZp.value && numElements(xZp.value) != 1)
    return rewriter.notifyMatchFailure(op, "x_zero_point must be a scalar");
  FailureOr<Value> xi = subtractZeroPoint(rewriter, loc, x, xUnsigned, xZp);
  FailureOr<Value> wi = subtractZeroPoint(rewriter, loc, w, wUnsigned, wZp);
  if (failed(xi) || failed(wi))
    return rewriter.notifyMatchFailure(
        op, "w_zero_point must be a scalar or 1-D per output channel");
  return buildIntegerConv(rewriter, loc, *xi, *wi, *geometry, accType);
}

/// The integer values of a constant (dense or resource) of 8-bit integers
/// or of a zero point; nullopt when `v` is no constant of that kind.
static std::optional<SmallVector<int64_t>> getConstantInts(Value v) {
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  SmallVector<int64_t> values;
  if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
    for (const APInt &value : dense.getValues<APInt>())
      values.push_back(value.getSExtValue());
    return values;
  }
  if (auto resource = dyn_cast<DenseI8ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<int8_t>> data = resource.tryGetAsArrayRef();
    if (!data)
      return std::nullopt;
    values.assign(data->begin(), data->end());
    return values;
  }
  return std::nullopt;
}

/// The fast form of a 2-D ConvInteger with signed 8-bit x and w, a constant
/// per-tensor x zero point and constant weights without zero point: the
/// named linalg conv of the i8 tensors into an i32 accumulator (the CPU
/// back end tiles and vectorizes it like a float conv), x padded with its
/// own zero point. Since conv(x - zx, w) = conv(x, w) - zx * sum(w[m]) when
/// the padding reads zx, the accumulator starts from -zx * sum(w[m]) per
/// output channel, computed at compile time. Integer addition wraps, so the
/// result is bit-exact with the reference whatever the order.
static FailureOr<Value>
lowerConvIntegerNamed(nn::ConvIntegerOp op, nn::ConvIntegerOp::Adaptor adaptor,
                      RankedTensorType type,
                      ConversionPatternRewriter &rewriter) {
  auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
  auto wType = dyn_cast<RankedTensorType>(adaptor.getW().getType());
  if (!xType || !wType || !xType.hasStaticShape() || !wType.hasStaticShape() ||
      xType.getRank() != 4 || !xType.getElementType().isInteger(8) ||
      !wType.getElementType().isInteger(8) || isUnsignedElement(op.getX()) ||
      isUnsignedElement(op.getW()))
    return failure();
  int64_t zx = 0;
  if (!nn::isNone(op.getXZeroPoint())) {
    std::optional<SmallVector<int64_t>> zp =
        getConstantInts(op.getXZeroPoint());
    if (!zp || zp->size() != 1)
      return failure();
    zx = zp->front();
  }
  if (!nn::isNone(op.getWZeroPoint())) {
    std::optional<SmallVector<int64_t>> zp =
        getConstantInts(op.getWZeroPoint());
    if (!zp || llvm::any_of(*zp, [](int64_t v) { return v != 0; }))
      return failure();
  }
  FailureOr<ConvGeometry> g = getConvGeometry(op, xType, wType, type);
  if (failed(g))
    return failure();
  Location loc = op.getLoc();
  int64_t filters = wType.getDimSize(0);
  Value init;
  Type i32 = rewriter.getI32Type();
  if (zx == 0) {
    init = createFilled(rewriter, loc, type,
                        scalarConstant(rewriter, loc, i32, 0));
  } else {
    std::optional<SmallVector<int64_t>> w = getConstantInts(op.getW());
    if (!w || static_cast<int64_t>(w->size()) != wType.getNumElements())
      return failure();
    int64_t perFilter = wType.getNumElements() / filters;
    SmallVector<int32_t> correction(filters, 0);
    for (int64_t m = 0; m < filters; ++m) {
      int64_t sum = 0;
      for (int64_t i = 0; i < perFilter; ++i)
        sum += (*w)[m * perFilter + i];
      correction[m] = static_cast<int32_t>(-zx * sum);
    }
    auto biasType = RankedTensorType::get({filters}, i32);
    Value bias = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(biasType, ArrayRef<int32_t>(correction)));
    init = linalg::BroadcastOp::create(rewriter, loc, bias,
                                       createEmpty(rewriter, loc, type),
                                       ArrayRef<int64_t>{0, 2, 3})
               .getResult()[0];
  }
  SmallVector<int64_t> lo(g->padBegin), hi;
  for (int64_t i = 0; i < 2; ++i) {
    int64_t window = (wType.getDimSize(i + 2) - 1) * g->dilations[i] + 1;
    int64_t needed = (type.getDimSize(i + 2) - 1) * g->strides[i] + window;
    hi.push_back(needed - xType.getDimSize(i + 2) - lo[i]);
  }
  Value x = padConvInput(rewriter, loc, adaptor.getX(), lo, hi, {1, 1},
                         scalarConstant(rewriter, loc, xType.getElementType(),
                                        static_cast<double>(zx)));
  return buildNamedConv(rewriter, loc, x, adaptor.getW(), init, g->strides,
                        g->dilations, g->group);
}

static FailureOr<Value> lowerConvInteger(nn::ConvIntegerOp op,
                                         nn::ConvIntegerOp::Adaptor adaptor,
                                         RankedTensorType type,
                                         ConversionPatternRewriter &rewriter) {
  FailureOr<Value> named = lowerConvIntegerNamed(op, adaptor, type, rewriter);
  if (succeeded(named))
    return *named;
  FailureOr<Value> result = buildZeroPointConv(
      rewriter, op, adaptor.getX(), isUnsignedElement(op.getX()),
      getZeroPoint(op.getXZeroPoint(), adaptor.getXZeroPoint()), adaptor.getW(),
      isUnsignedElement(op.getW()),
      getZeroPoint(op.getWZeroPoint(), adaptor.getWZeroPoint()), type);
  if (failed(result))
    return failure();
  return *result;
}

static FailureOr<Value> lowerQLinearConv(nn::QLinearConvOp op,
                                         nn::QLinearConvOp::Adaptor adaptor,
                                         RankedTensorType type,
                                         ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  int64_t rank = type.getRank();
  int64_t filters = rank >= 2 ? type.getDimSize(1) : 0;
  FailureOr<AffineMap> xScale = paramMap(ctx, rank, adaptor.getXScale(), -1, 0);
  FailureOr<AffineMap> wScale =
      paramMap(ctx, rank, adaptor.getWScale(), 1, filters);
  FailureOr<AffineMap> yScale = paramMap(ctx, rank, adaptor.getYScale(), -1, 0);
  FailureOr<AffineMap> yZp =
      paramMap(ctx, rank, adaptor.getYZeroPoint(), -1, 0);
  if (failed(xScale) || failed(wScale) || failed(yScale) || failed(yZp))
    return rewriter.notifyMatchFailure(op, "unsupported scale shapes");
  std::optional<MappedOperand> bias;
  if (!nn::isNone(op.getB())) {
    FailureOr<AffineMap> map = paramMap(ctx, rank, adaptor.getB(), 1, filters);
    if (failed(map))
      return rewriter.notifyMatchFailure(op,
                                         "B must be 1-D per output channel");
    bias = MappedOperand{adaptor.getB(), *map};
  }
  FailureOr<Value> acc = buildZeroPointConv(
      rewriter, op, adaptor.getX(), isUnsignedElement(op.getX()),
      getZeroPoint(op.getXZeroPoint(), adaptor.getXZeroPoint()), adaptor.getW(),
      isUnsignedElement(op.getW()),
      getZeroPoint(op.getWZeroPoint(), adaptor.getWZeroPoint()),
      type.clone(rewriter.getI32Type()));
  if (failed(acc))
    return failure();
  Value result = buildRequantize(
      rewriter, loc, *acc, {adaptor.getXScale(), *xScale},
      {adaptor.getWScale(), *wScale}, {adaptor.getYScale(), *yScale},
      {adaptor.getYZeroPoint(), *yZp}, isUnsignedElement(op.getYZeroPoint()),
      bias, type, isUnsignedElement(op.getY()));
  return result;
}

//===----------------------------------------------------------------------===//
// nn.requantize / nn.quantize / nn.dequantize (Tessera's integer ops)
//===----------------------------------------------------------------------===//

/// A per-tensor parameter (one value) as a scalar constant built in the body,
/// or a per-axis one as a 1-D constant tensor read along the axis.
struct AxisParameter {
  SmallVector<Attribute> values;
  Type type;
  bool perAxis() const { return values.size() > 1; }
};

/// The operands and per-tensor constants of a Tessera quantization op's
/// generic: `x`, then each per-axis parameter as a 1-D constant read along
/// `axis`. `index[i]` is the body argument of parameter i, or -1 when it is a
/// per-tensor scalar.
static SmallVector<MappedOperand>
mapAxisParameters(OpBuilder &b, Location loc, Value x, RankedTensorType type,
                  std::optional<int64_t> axis,
                  ArrayRef<AxisParameter> parameters,
                  SmallVectorImpl<int> &index) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = type.getRank();
  int64_t dim = axis ? (*axis < 0 ? *axis + rank : *axis) : -1;
  SmallVector<MappedOperand> operands = {
      {x, AffineMap::getMultiDimIdentityMap(rank, ctx)}};
  for (const AxisParameter &parameter : parameters) {
    if (!parameter.perAxis() || dim < 0) {
      index.push_back(-1);
      continue;
    }
    auto tensorType = RankedTensorType::get(
        {static_cast<int64_t>(parameter.values.size())}, parameter.type);
    Value constant = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(tensorType, parameter.values));
    index.push_back(operands.size());
    operands.push_back(
        {constant, AffineMap::get(rank, 0, getAffineDimExpr(dim, ctx))});
  }
  return operands;
}

/// Body argument `i` of `args`, or the per-tensor constant of `parameter`.
static Value axisValue(OpBuilder &b, Location loc, ValueRange args, int index,
                       const AxisParameter &parameter) {
  if (index >= 0)
    return args[index];
  return arith::ConstantOp::create(b, loc,
                                   cast<TypedAttr>(parameter.values[0]));
}

template <typename T>
static AxisParameter integerParameter(OpBuilder &b, ArrayRef<T> values,
                                      unsigned width) {
  AxisParameter parameter{{}, b.getIntegerType(width)};
  for (T v : values)
    parameter.values.push_back(b.getIntegerAttr(parameter.type, int64_t(v)));
  return parameter;
}

static Value i64Constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(value));
}

/// round(p / 2^shift) rounding half toward +infinity, as
/// tessera::npu::requantize: floor(p / 2^s) + bit (s-1) of p, which is
/// (p + 2^(s-1)) >> s without its overflow; p itself when s = 0. A constant
/// shift folds the s = 0 case away.
static Value roundingShift(OpBuilder &b, Location loc, Value p, Value shift,
                           std::optional<int64_t> constantShift) {
  Value one = i64Constant(b, loc, 1);
  if (constantShift) {
    if (*constantShift == 0)
      return p;
    Value high = arith::ShRSIOp::create(b, loc, p, shift);
    Value bit = arith::AndIOp::create(
        b, loc,
        arith::ShRSIOp::create(b, loc, p,
                               i64Constant(b, loc, *constantShift - 1)),
        one);
    return arith::AddIOp::create(b, loc, high, bit);
  }
  Value zero = i64Constant(b, loc, 0);
  Value high = arith::ShRSIOp::create(b, loc, p, shift);
  Value below = arith::MaxSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, shift, one), zero);
  Value bit = arith::AndIOp::create(
      b, loc, arith::ShRSIOp::create(b, loc, p, below), one);
  Value isZero =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, shift, zero);
  bit = arith::SelectOp::create(b, loc, isZero, zero, bit);
  return arith::AddIOp::create(b, loc, high, bit);
}

static FailureOr<Value> lowerRequantize(nn::RequantizeOp op,
                                        nn::RequantizeOp::Adaptor adaptor,
                                        RankedTensorType type,
                                        ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  ArrayRef<int32_t> shifts = op.getShift();
  std::optional<int64_t> constantShift;
  if (llvm::all_equal(shifts))
    constantShift = shifts.front();
  SmallVector<AxisParameter> parameters = {
      integerParameter(rewriter, op.getMultiplier(), 64),
      integerParameter(rewriter, constantShift ? shifts.take_front() : shifts,
                       64)};
  SmallVector<int> index;
  SmallVector<MappedOperand> operands = mapAxisParameters(
      rewriter, loc, adaptor.getX(), type, op.getAxis(), parameters, index);
  Type i64 = rewriter.getI64Type();
  // The int32 attributes come back as uint32_t.
  int64_t zeroPoint = static_cast<int32_t>(op.getZeroPoint());
  int64_t lo = static_cast<int32_t>(op.getClampLo());
  int64_t hi = static_cast<int32_t>(op.getClampHi());
  Type out = type.getElementType();
  return buildMapped(
      rewriter, loc, type, operands,
      [&](OpBuilder &b, Location l, ValueRange args) -> Value {
        Value acc = arith::ExtSIOp::create(b, l, i64, args[0]);
        Value multiplier = axisValue(b, l, args, index[0], parameters[0]);
        Value shift = axisValue(b, l, args, index[1], parameters[1]);
        Value p = arith::MulIOp::create(b, l, acc, multiplier);
        Value r = roundingShift(b, l, p, shift, constantShift);
        if (zeroPoint != 0)
          r = arith::AddIOp::create(b, l, r, i64Constant(b, l, zeroPoint));
        r = arith::MaxSIOp::create(b, l, r, i64Constant(b, l, lo));
        r = arith::MinSIOp::create(b, l, r, i64Constant(b, l, hi));
        return arith::TruncIOp::create(b, l, out, r);
      });
}

static SmallVector<AxisParameter>
scaleAndZeroPoint(OpBuilder &b, ArrayRef<float> scales, ArrayRef<int32_t> zps) {
  AxisParameter scale{{}, b.getF32Type()};
  for (float v : scales)
    scale.values.push_back(b.getF32FloatAttr(v));
  return {scale, integerParameter(b, zps, 32)};
}

/// One generic over `x` with `op`'s per-tensor or per-axis scale and zero
/// point: `body(x element, scale, zero point)` computes each result element.
template <typename OpTy>
static FailureOr<Value> lowerWithScaleAndZeroPoint(
    OpTy op, Value x, RankedTensorType type,
    ConversionPatternRewriter &rewriter,
    function_ref<Value(OpBuilder &, Location, Value, Value, Value)> body) {
  Location loc = op.getLoc();
  SmallVector<AxisParameter> parameters =
      scaleAndZeroPoint(rewriter, op.getScale(), op.getZeroPoint());
  SmallVector<int> index;
  SmallVector<MappedOperand> operands = mapAxisParameters(
      rewriter, loc, x, type, op.getAxis(), parameters, index);
  return buildMapped(rewriter, loc, type, operands,
                     [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                       Value scale =
                           axisValue(b, l, args, index[0], parameters[0]);
                       Value zeroPoint =
                           axisValue(b, l, args, index[1], parameters[1]);
                       return body(b, l, args[0], scale, zeroPoint);
                     });
}

static FailureOr<Value> lowerQuantize(nn::QuantizeOp op,
                                      nn::QuantizeOp::Adaptor adaptor,
                                      RankedTensorType type,
                                      ConversionPatternRewriter &rewriter) {
  Type out = type.getElementType();
  return lowerWithScaleAndZeroPoint(
      op, adaptor.getX(), type, rewriter,
      [&](OpBuilder &b, Location l, Value x, Value scale, Value zeroPoint) {
        Value v = arith::DivFOp::create(b, l, x, scale);
        return roundAndSaturate(b, l, v, zeroPoint, false, out, false);
      });
}

static FailureOr<Value> lowerDequantize(nn::DequantizeOp op,
                                        nn::DequantizeOp::Adaptor adaptor,
                                        RankedTensorType type,
                                        ConversionPatternRewriter &rewriter) {
  return lowerWithScaleAndZeroPoint(
      op, adaptor.getX(), type, rewriter,
      [&](OpBuilder &b, Location l, Value x, Value scale,
          Value zeroPoint) -> Value {
        Value q = arith::ExtSIOp::create(b, l, b.getI32Type(), x);
        q = arith::SubIOp::create(b, l, q, zeroPoint);
        Value f = arith::SIToFPOp::create(b, l, b.getF32Type(), q);
        return arith::MulFOp::create(b, l, f, scale);
      });
}

/// nn.lookup_table: a generic reading the constant table at x + 128 (an
/// exact integer index, so the result is bit-exact by construction).
static FailureOr<Value> lowerLookupTable(nn::LookupTableOp op,
                                         nn::LookupTableOp::Adaptor adaptor,
                                         RankedTensorType type,
                                         ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value table = arith::ConstantOp::create(rewriter, loc, op.getTable());
  int64_t rank = type.getRank();
  SmallVector<MappedOperand> operands = {
      {adaptor.getX(),
       AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext())}};
  return buildMapped(
      rewriter, loc, type, operands,
      [&](OpBuilder &b, Location l, ValueRange args) -> Value {
        Value x = arith::ExtSIOp::create(b, l, b.getI32Type(), args[0]);
        Value offset =
            arith::ConstantOp::create(b, l, b.getI32IntegerAttr(128));
        Value index = arith::IndexCastOp::create(
            b, l, b.getIndexType(), arith::AddIOp::create(b, l, x, offset));
        return tensor::ExtractOp::create(b, l, table, ValueRange{index});
      });
}

//===----------------------------------------------------------------------===//
// DynamicQuantizeLinear
//===----------------------------------------------------------------------===//

/// min(0, min(x)) or max(0, max(x)) of every element of `x` as a 0-d f32
/// tensor: a full reduction into an accumulator that starts at 0.
static Value reduceWithZero(OpBuilder &b, Location loc, Value x, bool isMax) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  auto scalarType = RankedTensorType::get({}, type.getElementType());
  Value init = createFilled(b, loc, scalarType,
                            scalarConstant(b, loc, type.getElementType(), 0.0));
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 AffineMap::get(rank, 0, {}, ctx)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{scalarType}, ValueRange{x}, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = isMax ? arith::MaximumFOp::create(nb, nloc, args[1], args[0])
                              .getResult()
                        : arith::MinimumFOp::create(nb, nloc, args[1], args[0])
                              .getResult();
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

/// `numerator` / `scale`, or 0 when the scale is 0 (an all-zero input, whose
/// quantized value and zero point are then 0).
static Value divideByScale(OpBuilder &b, Location loc, Value numerator,
                           Value scale) {
  Value zero = scalarConstant(b, loc, scale.getType(), 0.0);
  Value isZero =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, scale, zero);
  Value q = arith::DivFOp::create(b, loc, numerator, scale);
  return arith::SelectOp::create(b, loc, isZero, zero, q);
}

/// ONNX DynamicQuantizeLinear (uint8): with lo = min(0, min(x)) and
/// hi = max(0, max(x)), y_scale = (hi - lo) / 255, y_zero_point =
/// saturate(round_half_to_even(-lo / y_scale)) and y = saturate(
/// round_half_to_even(x / y_scale) + y_zero_point), all in f32 as the ONNX
/// reference computes them.
struct DynamicQuantizeLinearLowering
    : public OpConversionPattern<nn::DynamicQuantizeLinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::DynamicQuantizeLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    if (!xType || !xType.hasStaticShape() || !xType.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "x must be a static f32 tensor");
    const TypeConverter &converter = *getTypeConverter();
    RankedTensorType yType = getConvertedType(converter, op.getY());
    RankedTensorType scaleType = getConvertedType(converter, op.getYScale());
    RankedTensorType zpType = getConvertedType(converter, op.getYZeroPoint());
    if (!yType || !scaleType || !zpType || scaleType.getRank() != 0 ||
        zpType.getRank() != 0)
      return rewriter.notifyMatchFailure(op, "unexpected result types");
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value lo = reduceWithZero(rewriter, loc, x, /*isMax=*/false);
    Value hi = reduceWithZero(rewriter, loc, x, /*isMax=*/true);
    AffineMap scalarMap = AffineMap::get(0, 0, {}, ctx);
    Value scale = buildMapped(
        rewriter, loc, scaleType, {{lo, scalarMap}, {hi, scalarMap}},
        [](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value range = arith::SubFOp::create(b, l, args[1], args[0]);
          return arith::DivFOp::create(
              b, l, range, scalarConstant(b, l, range.getType(), 255.0));
        });
    Type u8 = zpType.getElementType();
    Value zeroPoint = buildMapped(
        rewriter, loc, zpType, {{lo, scalarMap}, {scale, scalarMap}},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value negLo = arith::NegFOp::create(b, l, args[0]);
          return roundAndSaturate(b, l, divideByScale(b, l, negLo, args[1]),
                                  Value(), false, u8, /*toUnsigned=*/true);
        });
    int64_t rank = xType.getRank();
    AffineMap broadcast = AffineMap::get(rank, 0, {}, ctx);
    Value y = buildMapped(
        rewriter, loc, yType,
        {{x, AffineMap::getMultiDimIdentityMap(rank, ctx)},
         {scale, broadcast},
         {zeroPoint, broadcast}},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          return roundAndSaturate(b, l, divideByScale(b, l, args[0], args[1]),
                                  args[2], /*zeroPointUnsigned=*/true,
                                  yType.getElementType(), /*toUnsigned=*/true);
        });
    rewriter.replaceOp(op, {y, scale, zeroPoint});
    return success();
  }
};

} // namespace

void tessera::populateNNQuantizationToLinalgPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns
      .add<SingleResultLowering<nn::QuantizeLinearOp, lowerQuantizeLinear>,
           SingleResultLowering<nn::DequantizeLinearOp, lowerDequantizeLinear>,
           SingleResultLowering<nn::MatMulIntegerOp, lowerMatMulInteger>,
           SingleResultLowering<nn::QLinearMatMulOp, lowerQLinearMatMul>,
           SingleResultLowering<nn::ConvIntegerOp, lowerConvInteger>,
           SingleResultLowering<nn::QLinearConvOp, lowerQLinearConv>,
           SingleResultLowering<nn::RequantizeOp, lowerRequantize>,
           SingleResultLowering<nn::QuantizeOp, lowerQuantize>,
           SingleResultLowering<nn::DequantizeOp, lowerDequantize>,
           SingleResultLowering<nn::LookupTableOp, lowerLookupTable>,
           DynamicQuantizeLinearLowering>(converter, patterns.getContext());
}
