//===- LowerQDQ.cpp - Pre-quantized ONNX graphs to the integer graph ------===//
//
// Part of Tessera. `tessera-lower-qdq`: the QDQ pairs and QLinear ops of a
// model quantized elsewhere become the integer graph of the quantization
// contract (nn.conv_integer / nn.matmul_integer, an int32 bias, and
// nn.requantize with a fixed-point multiplier), see docs/npu/numerics.md.
//
// uint8 tensors become int8 with the zero point lowered by 128: q - z is the
// same for (q_u8, z) and (q_u8 - 128, z - 128), and saturation to [0, 255]
// is saturation to [-128, 127] after the shift, so the change is exact.
//
//===----------------------------------------------------------------------===//

#include "tessera/Transforms/Passes.h"

#include "../Transforms/ConstantUtils.h"
#include "NN/NNOps.h"
#include "tessera/NPU/Numerics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>
#include <optional>

namespace tessera {
#define GEN_PASS_DEF_LOWERQDQ
#include "tessera/Transforms/Passes.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera;
using transforms::readConstant;

namespace {

/// The parameters of a quantized tensor in the int8 domain: uint8 zero
/// points already lowered by 128. One scale (per tensor) or one per slice
/// along `axis`.
struct QParams {
  SmallVector<float> scale;
  SmallVector<int32_t> zeroPoint;
  std::optional<int64_t> axis;

  bool perTensor() const { return !axis; }
  bool operator==(const QParams &o) const {
    return scale == o.scale && zeroPoint == o.zeroPoint && axis == o.axis;
  }
};

/// The int8 form of a quantized value, with its parameters.
struct IntValue {
  Value value;
  QParams params;
};

RankedTensorType withElementType(Type type, Type element) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return nullptr;
  return RankedTensorType::get(ranked.getShape(), element);
}

bool isInt8Like(Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  return t && t.getElementType().isInteger(8);
}

bool isUnsigned8(Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  return t && t.getElementType().isUnsignedInteger(8);
}

bool isF32Tensor(Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  return t && t.getElementType().isF32() && t.hasStaticShape();
}

/// The parameters of QuantizeLinear / DequantizeLinear / a QLinear operand:
/// a constant scale (scalar or 1-D) and zero point (constant or absent) of
/// the quantized tensor `quantType` (int8 or uint8, of rank `rank`).
std::optional<QParams> readParams(Value scale, Value zeroPoint, Type quantType,
                                  int64_t axis) {
  auto ranked = dyn_cast<RankedTensorType>(quantType);
  if (!ranked || !isInt8Like(ranked))
    return std::nullopt;
  auto scales = readConstant(scale, 1 << 16);
  if (!scales || scales->type.getRank() > 1)
    return std::nullopt;
  QParams params;
  for (double s : scales->values) {
    if (!(s > 0) || !std::isfinite(s))
      return std::nullopt;
    params.scale.push_back(float(s));
  }
  size_t count = params.scale.size();
  int32_t offset = isUnsigned8(ranked) ? 128 : 0;
  if (isa<NoneType>(zeroPoint.getType())) {
    params.zeroPoint.assign(count, -offset);
  } else {
    auto zps = readConstant(zeroPoint, 1 << 16);
    if (!zps || zps->values.size() != count)
      return std::nullopt;
    for (double z : zps->values)
      params.zeroPoint.push_back(int32_t(z) - offset);
  }
  if (scales->type.getRank() == 1 && count > 1) {
    int64_t rank = ranked.getRank();
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis >= rank || ranked.getDimSize(axis) != int64_t(count))
      return std::nullopt;
    params.axis = axis;
  }
  return params;
}

/// The value of a tensor `v` that is an uint8/int8 constant, in the int8
/// domain (uint8 values lowered by 128).
std::optional<transforms::ConstTensor> readInt8Constant(Value v) {
  auto c = readConstant(v);
  if (!c || !isInt8Like(c->type))
    return std::nullopt;
  if (isUnsigned8(c->type))
    for (double &x : c->values)
      x -= 128;
  return c;
}

/// The rounding of QuantizeLinear: half to even, in f32.
double roundDiv(double value, float scale) {
  return std::nearbyint(double(float(value) / scale));
}

class QDQLowering {
public:
  QDQLowering(func::FuncOp func) : func(func), rewriter(func.getContext()) {}

  void run() {
    SmallVector<Operation *> ops;
    for (Operation &op : func.getBody().front())
      ops.push_back(&op);
    for (Operation *op : ops) {
      if (auto q = dyn_cast<nn::QuantizeLinearOp>(op))
        lowerQuantize(q);
      else if (auto conv = dyn_cast<nn::QLinearConvOp>(op))
        lowerQLinearConv(conv);
      else if (auto matmul = dyn_cast<nn::QLinearMatMulOp>(op))
        lowerQLinearMatMul(matmul);
    }
    // Every DequantizeLinear of a lowered value reads its int8 form.
    for (Operation *op : ops) {
      auto dq = dyn_cast<nn::DequantizeLinearOp>(op);
      if (!dq)
        continue;
      auto it = ints.find(dq.getX());
      if (it == ints.end() || !isF32Tensor(dq.getType()))
        continue;
      std::optional<QParams> params = readDQParams(dq);
      if (!params || !(*params == it->second.params))
        continue;
      rewriter.setInsertionPoint(dq);
      Value result = createDequantize(dq.getLoc(), it->second.value, *params);
      rewriter.replaceOp(dq, result);
      candidates.insert(result.getDefiningOp());
    }
    // The float ops and QDQ pairs the integer graph replaced.
    bool changed = true;
    while (changed) {
      changed = false;
      SmallVector<Operation *> body;
      for (Operation &op : func.getBody().front())
        body.push_back(&op);
      for (Operation *op : llvm::reverse(body)) {
        if (!candidates.contains(op) || !isOpTriviallyDead(op))
          continue;
        for (Value operand : op->getOperands())
          if (Operation *def = operand.getDefiningOp())
            if (isa<nn::DequantizeLinearOp, nn::DequantizeOp, nn::ConstantOp,
                    nn::NoneOp>(def))
              candidates.insert(def);
        candidates.remove(op);
        rewriter.eraseOp(op);
        changed = true;
      }
    }
  }

private:
  std::optional<QParams> readDQParams(nn::DequantizeLinearOp dq) {
    return readParams(dq.getXScale(), dq.getXZeroPoint(), dq.getX().getType(),
                      dq.getAxis());
  }

  /// `v` (a float result of DequantizeLinear) as the int8 tensor it reads,
  /// with the parameters it dequantizes with.
  std::optional<IntValue> dequantized(Value v, bool requirePerTensor = true) {
    auto dq = v.getDefiningOp<nn::DequantizeLinearOp>();
    if (!dq)
      return std::nullopt;
    std::optional<QParams> params = readDQParams(dq);
    if (!params || (requirePerTensor && !params->perTensor()))
      return std::nullopt;
    Value i8 = intForm(dq.getX(), *params);
    if (!i8)
      return std::nullopt;
    return IntValue{i8, *params};
  }

  /// The int8 form of the quantized value `q` read with `params`: its lowered
  /// form, or `q` itself when it already is int8.
  Value intForm(Value q, const QParams &params) {
    auto it = ints.find(q);
    if (it != ints.end())
      return it->second.params == params ? it->second.value : Value();
    auto type = dyn_cast<RankedTensorType>(q.getType());
    if (type && type.getElementType().isSignlessInteger(8))
      return q;
    return Value();
  }

  Value createDequantize(Location loc, Value i8, const QParams &params) {
    auto type = withElementType(i8.getType(), rewriter.getF32Type());
    return nn::DequantizeOp::create(
        rewriter, loc, type, i8, rewriter.getDenseF32ArrayAttr(params.scale),
        rewriter.getDenseI32ArrayAttr(params.zeroPoint),
        params.axis ? rewriter.getI64IntegerAttr(*params.axis) : IntegerAttr());
  }

  Value createConstant(Location loc, ArrayRef<int64_t> shape, Type element,
                       ArrayRef<double> values) {
    return transforms::createConstant(
        rewriter, loc, RankedTensorType::get(shape, element), values);
  }

  Value createNone(Location loc) {
    return nn::NoneOp::create(rewriter, loc, rewriter.getNoneType());
  }

  /// A scalar int8 zero point, or none when it is 0.
  Value createZeroPoint(Location loc, ArrayRef<int32_t> zeroPoint) {
    if (llvm::all_of(zeroPoint, [](int32_t z) { return z == 0; }))
      return createNone(loc);
    SmallVector<double> values(zeroPoint.begin(), zeroPoint.end());
    SmallVector<int64_t> shape;
    if (values.size() > 1)
      shape.push_back(values.size());
    return createConstant(loc, shape, rewriter.getIntegerType(8), values);
  }

  void lowerQuantize(nn::QuantizeLinearOp q) {
    if (!isF32Tensor(q.getX().getType()) || !isInt8Like(q.getType()))
      return;
    std::optional<QParams> params =
        readParams(q.getYScale(), q.getYZeroPoint(), q.getType(), q.getAxis());
    if (!params)
      return;
    rewriter.setInsertionPoint(q);
    Value i8;
    if (params->perTensor()) {
      i8 = lowerCompute(q, *params);
      if (!i8)
        i8 = lowerDataMovement(q, *params);
    }
    if (!i8) {
      auto type = withElementType(q.getType(), rewriter.getIntegerType(8));
      i8 = nn::QuantizeOp::create(
          rewriter, q.getLoc(), type, q.getX(),
          rewriter.getDenseF32ArrayAttr(params->scale),
          rewriter.getDenseI32ArrayAttr(params->zeroPoint),
          params->axis ? rewriter.getI64IntegerAttr(*params->axis)
                       : IntegerAttr());
    }
    record(q, i8, *params);
  }

  /// Makes `i8` the int8 form of `op`'s result; an int8 result is replaced
  /// outright.
  void record(Operation *op, Value i8, const QParams &params) {
    Value result = op->getResult(0);
    ints[result] = IntValue{i8, params};
    candidates.insert(op);
    if (result.getType() == i8.getType()) {
      rewriter.replaceAllUsesWith(result, i8);
      ints[i8] = IntValue{i8, params};
    }
  }

  /// Q(op(DQ(x))) for an op exact on int8 with one scale and zero point:
  /// the op on x's int8 form, located at op, Q and the DQs (DQ -> Q alone:
  /// x's int8 form).
  Value lowerDataMovement(nn::QuantizeLinearOp q, const QParams &params) {
    Value y = q.getX();
    if (std::optional<IntValue> x = dequantized(y))
      return x->params == params ? x->value : Value();
    Operation *op = y.getDefiningOp();
    if (!op || op->getNumResults() < 1)
      return Value();
    SmallVector<unsigned> dataOperands;
    if (isa<nn::ReshapeOp, nn::FlattenOp, nn::SqueezeOp, nn::UnsqueezeOp,
            nn::TransposeOp>(op)) {
      dataOperands.push_back(0);
    } else if (auto pool = dyn_cast<nn::MaxPoolOp>(op)) {
      if (!pool->getResult(1).use_empty())
        return Value();
      dataOperands.push_back(0);
    } else if (isa<nn::ConcatOp>(op)) {
      for (unsigned i = 0; i < op->getNumOperands(); ++i)
        dataOperands.push_back(i);
    } else {
      return Value();
    }
    SmallVector<Value> i8Operands;
    SmallVector<Location> locs = {op->getLoc(), q.getLoc()};
    for (unsigned i : dataOperands) {
      std::optional<IntValue> x = dequantized(op->getOperand(i));
      if (!x || !(x->params == params))
        return Value();
      i8Operands.push_back(x->value);
      locs.push_back(op->getOperand(i).getLoc());
    }
    Operation *clone = rewriter.clone(*op);
    for (auto [i, v] : llvm::zip(dataOperands, i8Operands))
      clone->setOperand(i, v);
    clone->getResult(0).setType(
        withElementType(y.getType(), rewriter.getIntegerType(8)));
    clone->setLoc(rewriter.getFusedLoc(locs));
    candidates.insert(op);
    return clone->getResult(0);
  }

  /// The clamp bounds, in the int8 domain, of Relu / Clip with constant
  /// bounds followed by quantization with `params`: round is monotonic, so
  /// q(clip(v, a, b)) = clamp(q(v), q(a), q(b)).
  struct Activation {
    int32_t lo = -128, hi = 127;
    Operation *op = nullptr;
  };
  std::optional<Activation> readActivation(Operation *op,
                                           const QParams &params) {
    Activation act;
    act.op = op;
    float scale = params.scale[0];
    int32_t zp = params.zeroPoint[0];
    auto bound = [&](double real) {
      double q = roundDiv(real, scale) + zp;
      return int32_t(std::clamp(q, -128.0, 127.0));
    };
    if (isa<nn::ReluOp>(op)) {
      act.lo = bound(0);
      return act;
    }
    if (auto clip = dyn_cast<nn::ClipOp>(op)) {
      if (!isa<NoneType>(clip.getMin().getType())) {
        std::optional<double> lo = transforms::getSplatValue(clip.getMin());
        if (!lo)
          return std::nullopt;
        act.lo = bound(*lo);
      }
      if (!isa<NoneType>(clip.getMax().getType())) {
        std::optional<double> hi = transforms::getSplatValue(clip.getMax());
        if (!hi)
          return std::nullopt;
        act.hi = bound(*hi);
      }
      if (act.lo > act.hi)
        return std::nullopt;
      return act;
    }
    return std::nullopt;
  }

  /// The constant weight operand: DQ(constant int8/uint8) with constant
  /// parameters, per tensor or along `channelAxis`.
  struct Weight {
    transforms::ConstTensor values;
    QParams params;
    Operation *dq;
  };
  std::optional<Weight> readWeight(Value w, int64_t channelAxis) {
    auto dq = w.getDefiningOp<nn::DequantizeLinearOp>();
    if (!dq)
      return std::nullopt;
    std::optional<QParams> params = readDQParams(dq);
    std::optional<transforms::ConstTensor> values = readInt8Constant(dq.getX());
    if (!params || !values)
      return std::nullopt;
    if (params->axis && *params->axis != channelAxis)
      return std::nullopt;
    return Weight{std::move(*values), std::move(*params), dq};
  }

  /// The int32 bias at scale s_x * s_w[c] of each of `channels` channels:
  /// DQ(constant int32) with that scale and zero point 0 (used directly), or
  /// a float constant (rounded to the accumulator scale).
  std::optional<SmallVector<double>> readBias(Value b, int64_t channels,
                                              ArrayRef<double> accScale,
                                              SmallVectorImpl<Location> &locs) {
    SmallVector<double> out;
    if (auto dq = b.getDefiningOp<nn::DequantizeLinearOp>()) {
      auto values = readConstant(dq.getX());
      auto scales = readConstant(dq.getXScale());
      if (!values || !scales || !values->type.getElementType().isInteger(32))
        return std::nullopt;
      if (!isa<NoneType>(dq.getXZeroPoint().getType())) {
        auto zps = readConstant(dq.getXZeroPoint());
        if (!zps || llvm::any_of(zps->values, [](double z) { return z != 0; }))
          return std::nullopt;
      }
      if (int64_t(values->values.size()) != channels ||
          (scales->values.size() != 1 &&
           int64_t(scales->values.size()) != channels))
        return std::nullopt;
      for (int64_t c = 0; c < channels; ++c) {
        double s =
            scales->values.size() == 1 ? scales->values[0] : scales->values[c];
        if (!transforms::isClose(s, accScale[c], 1e-5))
          return std::nullopt;
      }
      locs.push_back(dq.getLoc());
      return SmallVector<double>(values->values.begin(), values->values.end());
    }
    auto values = readConstant(b);
    if (!values || !values->type.getElementType().isF32() ||
        int64_t(values->values.size()) != channels)
      return std::nullopt;
    for (int64_t c = 0; c < channels; ++c) {
      double q = std::nearbyint(values->values[c] / accScale[c]);
      if (std::abs(q) > 2147483647.0)
        return std::nullopt;
      out.push_back(q);
    }
    return out;
  }

  /// The accumulator `acc` (int32, channels along `axis`) plus `bias`, then
  /// requantized from scale s_x * s_w[c] to `out`.
  Value requantize(Location loc, Value acc, int64_t axis,
                   std::optional<SmallVector<double>> bias,
                   ArrayRef<double> accScale, const QParams &out,
                   const Activation &act) {
    auto accType = cast<RankedTensorType>(acc.getType());
    int64_t rank = accType.getRank();
    int64_t channels = accType.getDimSize(axis);
    if (bias) {
      SmallVector<int64_t> shape(rank, 1);
      shape[axis] = channels;
      if (axis == rank - 1)
        shape.assign({channels});
      Value b = createConstant(loc, shape, rewriter.getIntegerType(32), *bias);
      acc = nn::AddOp::create(rewriter, loc, accType, acc, b);
    }
    SmallVector<int32_t> multipliers, shifts;
    for (double s : accScale) {
      auto [m, shift] = npu::encodeRequantizeScale(s / double(out.scale[0]));
      multipliers.push_back(m);
      shifts.push_back(int32_t(shift));
    }
    bool uniform = llvm::all_equal(multipliers) && llvm::all_equal(shifts);
    if (uniform) {
      multipliers.resize(1);
      shifts.resize(1);
    }
    auto type = withElementType(accType, rewriter.getIntegerType(8));
    return nn::RequantizeOp::create(
        rewriter, loc, type, acc, rewriter.getDenseI32ArrayAttr(multipliers),
        rewriter.getDenseI32ArrayAttr(shifts),
        rewriter.getI32IntegerAttr(out.zeroPoint[0]),
        rewriter.getI32IntegerAttr(act.lo), rewriter.getI32IntegerAttr(act.hi),
        uniform ? IntegerAttr() : rewriter.getI64IntegerAttr(axis));
  }

  /// s_x * s_w[c] for `channels` channels.
  static SmallVector<double>
  accumulatorScale(const QParams &x, const QParams &w, int64_t channels) {
    SmallVector<double> scale;
    for (int64_t c = 0; c < channels; ++c)
      scale.push_back(double(x.scale[0]) *
                      double(w.scale.size() == 1 ? w.scale[0] : w.scale[c]));
    return scale;
  }

  /// The weight's int8 constant and its zero point (none when 0).
  std::pair<Value, Value> createWeight(Location loc, const Weight &w,
                                       ArrayRef<int64_t> shape,
                                       ArrayRef<double> values) {
    Value c = createConstant(loc, shape, rewriter.getIntegerType(8), values);
    return {c, createZeroPoint(loc, w.params.zeroPoint)};
  }

  /// Q(act?(Conv | Gemm | MatMul (DQ(x), DQ(w const), bias?))).
  Value lowerCompute(nn::QuantizeLinearOp q, const QParams &out) {
    Value y = q.getX();
    Operation *op = y.getDefiningOp();
    if (!op || !y.hasOneUse())
      return Value();
    Activation act;
    if (isa<nn::ReluOp, nn::ClipOp>(op)) {
      std::optional<Activation> a = readActivation(op, out);
      if (!a || !op->getOperand(0).hasOneUse())
        return Value();
      act = *a;
      op = op->getOperand(0).getDefiningOp();
      if (!op)
        return Value();
    }
    SmallVector<Location> locs = {op->getLoc()};
    if (act.op)
      locs.push_back(act.op->getLoc());
    locs.push_back(q.getLoc());
    if (auto conv = dyn_cast<nn::ConvOp>(op))
      return lowerConv(conv, out, act, locs);
    if (auto gemm = dyn_cast<nn::GemmOp>(op))
      return lowerGemm(gemm, out, act, locs);
    if (auto matmul = dyn_cast<nn::MatMulOp>(op))
      return lowerMatMul(matmul, out, act, locs);
    return Value();
  }

  Value lowerConv(nn::ConvOp conv, const QParams &out, const Activation &act,
                  SmallVectorImpl<Location> &locs) {
    auto resultType = dyn_cast<RankedTensorType>(conv.getType());
    if (!resultType || !resultType.hasStaticShape())
      return Value();
    std::optional<IntValue> x = dequantized(conv.getX());
    std::optional<Weight> w = readWeight(conv.getW(), 0);
    if (!x || !w)
      return Value();
    int64_t channels = w->values.shape()[0];
    SmallVector<double> accScale =
        accumulatorScale(x->params, w->params, channels);
    std::optional<SmallVector<double>> bias;
    if (!isa<NoneType>(conv.getB().getType())) {
      bias = readBias(conv.getB(), channels, accScale, locs);
      if (!bias)
        return Value();
    }
    locs.push_back(w->dq->getLoc());
    locs.push_back(conv.getX().getLoc());
    Location loc = rewriter.getFusedLoc(locs);
    auto [wq, wzp] = createWeight(loc, *w, w->values.shape(), w->values.values);
    auto accType = withElementType(resultType, rewriter.getI32Type());
    Value acc = nn::ConvIntegerOp::create(
        rewriter, loc, accType, x->value, wq,
        createZeroPoint(loc, x->params.zeroPoint), wzp, conv.getAutoPadAttr(),
        conv.getDilationsAttr(), conv.getGroupAttr(), conv.getKernelShapeAttr(),
        conv.getPadsAttr(), conv.getStridesAttr());
    markMerged(conv, act);
    return requantize(loc, acc, 1, bias, accScale, out, act);
  }

  /// A Gemm with alpha = beta = 1 and A not transposed; a transposed B is
  /// transposed at compile time.
  Value lowerGemm(nn::GemmOp gemm, const QParams &out, const Activation &act,
                  SmallVectorImpl<Location> &locs) {
    auto resultType = dyn_cast<RankedTensorType>(gemm.getType());
    if (!resultType || !resultType.hasStaticShape() || gemm.getTransA() != 0 ||
        !gemm.getAlpha().isExactlyValue(1.0) ||
        !gemm.getBeta().isExactlyValue(1.0))
      return Value();
    bool transB = gemm.getTransB() != 0;
    std::optional<IntValue> x = dequantized(gemm.getA());
    std::optional<Weight> w = readWeight(gemm.getB(), transB ? 0 : 1);
    if (!x || !w || w->values.type.getRank() != 2)
      return Value();
    int64_t rows = w->values.shape()[0], cols = w->values.shape()[1];
    int64_t k = transB ? cols : rows, n = transB ? rows : cols;
    SmallVector<double> values(k * n);
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < n; ++j)
        values[i * n + j] = transB ? w->values.values[j * cols + i]
                                   : w->values.values[i * cols + j];
    SmallVector<double> accScale = accumulatorScale(x->params, w->params, n);
    std::optional<SmallVector<double>> bias;
    if (!isa<NoneType>(gemm.getC().getType())) {
      bias = readBias(gemm.getC(), n, accScale, locs);
      if (!bias)
        return Value();
    }
    locs.push_back(w->dq->getLoc());
    locs.push_back(gemm.getA().getLoc());
    Location loc = rewriter.getFusedLoc(locs);
    auto [wq, wzp] = createWeight(loc, *w, {k, n}, values);
    auto accType = withElementType(resultType, rewriter.getI32Type());
    Value acc = nn::MatMulIntegerOp::create(
        rewriter, loc, accType, x->value, wq,
        createZeroPoint(loc, x->params.zeroPoint), wzp);
    markMerged(gemm, act);
    return requantize(loc, acc, 1, bias, accScale, out, act);
  }

  Value lowerMatMul(nn::MatMulOp matmul, const QParams &out,
                    const Activation &act, SmallVectorImpl<Location> &locs) {
    auto resultType = dyn_cast<RankedTensorType>(matmul.getType());
    if (!resultType || !resultType.hasStaticShape() || resultType.getRank() < 2)
      return Value();
    std::optional<IntValue> x = dequantized(matmul.getA());
    std::optional<Weight> w = readWeight(matmul.getB(), 1);
    if (!x || !w || w->values.type.getRank() != 2)
      return Value();
    int64_t n = w->values.shape()[1];
    SmallVector<double> accScale = accumulatorScale(x->params, w->params, n);
    locs.push_back(w->dq->getLoc());
    locs.push_back(matmul.getA().getLoc());
    Location loc = rewriter.getFusedLoc(locs);
    auto [wq, wzp] = createWeight(loc, *w, w->values.shape(), w->values.values);
    auto accType = withElementType(resultType, rewriter.getI32Type());
    Value acc = nn::MatMulIntegerOp::create(
        rewriter, loc, accType, x->value, wq,
        createZeroPoint(loc, x->params.zeroPoint), wzp);
    markMerged(matmul, act);
    return requantize(loc, acc, resultType.getRank() - 1, std::nullopt,
                      accScale, out, act);
  }

  void markMerged(Operation *op, const Activation &act) {
    candidates.insert(op);
    if (act.op)
      candidates.insert(act.op);
  }

  /// QLinearConv with constant weights, scales and zero points (and bias).
  void lowerQLinearConv(nn::QLinearConvOp conv) {
    auto resultType = dyn_cast<RankedTensorType>(conv.getType());
    if (!resultType || !resultType.hasStaticShape())
      return;
    std::optional<QParams> xp = readParams(
        conv.getXScale(), conv.getXZeroPoint(), conv.getX().getType(),
        /*axis=*/1);
    std::optional<QParams> wp = readParams(
        conv.getWScale(), conv.getWZeroPoint(), conv.getW().getType(), 0);
    std::optional<QParams> yp =
        readParams(conv.getYScale(), conv.getYZeroPoint(), conv.getType(), 1);
    std::optional<transforms::ConstTensor> w = readInt8Constant(conv.getW());
    if (!xp || !wp || !yp || !w || !xp->perTensor() || !yp->perTensor())
      return;
    Value x = intForm(conv.getX(), *xp);
    if (!x)
      return;
    int64_t channels = w->shape()[0];
    if (wp->scale.size() != 1 && int64_t(wp->scale.size()) != channels)
      return;
    SmallVector<double> accScale = accumulatorScale(*xp, *wp, channels);
    std::optional<SmallVector<double>> bias;
    if (!isa<NoneType>(conv.getB().getType())) {
      auto b = readConstant(conv.getB());
      if (!b || int64_t(b->values.size()) != channels)
        return;
      bias.emplace(b->values.begin(), b->values.end());
    }
    rewriter.setInsertionPoint(conv);
    Location loc = conv.getLoc();
    Value wq =
        createConstant(loc, w->shape(), rewriter.getIntegerType(8), w->values);
    auto accType = withElementType(resultType, rewriter.getI32Type());
    Value acc = nn::ConvIntegerOp::create(
        rewriter, loc, accType, x, wq, createZeroPoint(loc, xp->zeroPoint),
        createZeroPoint(loc, wp->zeroPoint), conv.getAutoPadAttr(),
        conv.getDilationsAttr(), conv.getGroupAttr(), conv.getKernelShapeAttr(),
        conv.getPadsAttr(), conv.getStridesAttr());
    Value y = requantize(loc, acc, 1, bias, accScale, *yp, Activation());
    record(conv, y, *yp);
  }

  /// QLinearMatMul with a constant B of rank 2 or more (per tensor or per
  /// column).
  void lowerQLinearMatMul(nn::QLinearMatMulOp matmul) {
    auto resultType = dyn_cast<RankedTensorType>(matmul.getType());
    if (!resultType || !resultType.hasStaticShape())
      return;
    std::optional<transforms::ConstTensor> b = readInt8Constant(matmul.getB());
    if (!b || b->type.getRank() < 2)
      return;
    std::optional<QParams> ap = readParams(
        matmul.getAScale(), matmul.getAZeroPoint(), matmul.getA().getType(), 1);
    std::optional<QParams> bp = readParams(
        matmul.getBScale(), matmul.getBZeroPoint(), matmul.getB().getType(),
        /*axis=*/-1);
    std::optional<QParams> yp = readParams(
        matmul.getYScale(), matmul.getYZeroPoint(), matmul.getType(), 1);
    if (!ap || !bp || !yp || !ap->perTensor() || !yp->perTensor())
      return;
    Value a = intForm(matmul.getA(), *ap);
    if (!a)
      return;
    int64_t n = b->shape().back();
    SmallVector<double> accScale = accumulatorScale(*ap, *bp, n);
    rewriter.setInsertionPoint(matmul);
    Location loc = matmul.getLoc();
    Value bq =
        createConstant(loc, b->shape(), rewriter.getIntegerType(8), b->values);
    auto accType = withElementType(resultType, rewriter.getI32Type());
    Value acc = nn::MatMulIntegerOp::create(
        rewriter, loc, accType, a, bq, createZeroPoint(loc, ap->zeroPoint),
        createZeroPoint(loc, bp->zeroPoint));
    Value y = requantize(loc, acc, resultType.getRank() - 1, std::nullopt,
                         accScale, *yp, Activation());
    record(matmul, y, *yp);
  }

  func::FuncOp func;
  IRRewriter rewriter;
  /// The int8 form of each lowered quantized value.
  llvm::DenseMap<Value, IntValue> ints;
  /// Ops to erase once unused.
  llvm::SetVector<Operation *> candidates;
};

struct LowerQDQPass : public tessera::impl::LowerQDQBase<LowerQDQPass> {
  void runOnOperation() override { QDQLowering(getOperation()).run(); }
};

} // namespace
