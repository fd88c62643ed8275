//===- Quantize.cpp - post-training int8 quantization of the graph --------===//
//
// Part of Tessera. Implements `tessera-quantize` (Passes.td): the float nn
// graph becomes the integer graph of docs/npu/numerics.md, with activation
// ranges from the calibration statistics and per-channel int8 weights.
//
// The rewrite walks the top-level ops in order. A float value whose int8
// form exists is replaced by an `nn.dequantize` of it; later ops look
// through those to the int8 value, so chains stay on int8 and the
// dequantize ops nobody reads are erased at the end. Float inputs of an
// integer op get one `nn.quantize` each, right after their definition.
//
//===----------------------------------------------------------------------===//

#include "tessera/Quantization/Quantize.h"
#include "tessera/Quantization/Calibration.h"
#include "tessera/Quantization/Observers.h"

#include "../Transforms/ConstantUtils.h"
#include "NN/NNOps.h"
#include "tessera/NPU/Numerics.h"
#include "tessera/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <limits>

namespace tessera {
#define GEN_PASS_DEF_QUANTIZEGRAPH
#include "tessera/Quantization/Passes.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera;
using namespace tessera::quant;
using transforms::createConstant;
using transforms::getSplatValue;
using transforms::isConstant;
using transforms::readConstant;

namespace {

constexpr const char *kKeyAttr = "nn.quant_key";
constexpr const char *kScaleAttr = "nn.quant_scale";
constexpr const char *kZeroPointAttr = "nn.quant_zero_point";
constexpr const char *kFloatAttr = "nn.quant_float";

bool isF32Tensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.hasStaticShape() && type.getElementType().isF32();
}

bool isFloatTensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && isa<FloatType>(type.getElementType());
}

bool isNone(Value value) { return isa<NoneType>(value.getType()); }

/// An int8 value and the parameters that map it back to reals.
struct QValue {
  Value q;
  QuantParams params;
};

/// The weights of a Conv, Gemm or MatMul as the integer op reads them.
struct IntWeights {
  SmallVector<int64_t> shape;
  std::vector<double> values;
  /// One per output channel, or one.
  std::vector<double> scales;
  /// The float bias per output channel; empty when there is none.
  std::vector<double> bias;
  int64_t channels = 0;
};

/// Why `op` (a Conv, Gemm or MatMul) is not quantized; empty when it is.
std::string getAnchorProblem(Operation *op) {
  if (auto conv = dyn_cast<nn::ConvOp>(op)) {
    if (!isF32Tensor(conv.getX()) || !isF32Tensor(conv.getY()))
      return "Conv of non-f32 or dynamic tensors: computed in float";
    if (!isConstant(conv.getW()))
      return "Conv with non-constant weights: computed in float";
    if (!isNone(conv.getB()) && !isConstant(conv.getB()))
      return "Conv with a non-constant bias: computed in float";
    return "";
  }
  if (auto gemm = dyn_cast<nn::GemmOp>(op)) {
    if (!isF32Tensor(gemm.getA()) || !isF32Tensor(gemm.getY()))
      return "Gemm of non-f32 or dynamic tensors: computed in float";
    if (!isConstant(gemm.getB()) || gemm.getTransA() != 0)
      return "Gemm with non-constant weights: computed in float";
    Value c = gemm.getC();
    if (isNone(c))
      return "";
    auto cType = dyn_cast<RankedTensorType>(c.getType());
    int64_t n = gemm.getY().getType().getDimSize(1);
    if (!isConstant(c) || !cType || cType.getNumElements() != n ||
        cType.getDimSize(cType.getRank() - 1) != n)
      return "Gemm with a bias that is not one constant per column: computed "
             "in float";
    return "";
  }
  if (auto matmul = dyn_cast<nn::MatMulOp>(op)) {
    if (!isF32Tensor(matmul.getA()) || !isF32Tensor(matmul.getY()))
      return "MatMul of non-f32 or dynamic tensors: computed in float";
    auto bType = dyn_cast<RankedTensorType>(matmul.getB().getType());
    if (!isConstant(matmul.getB()) || !bType || bType.getRank() != 2 ||
        matmul.getA().getType().getRank() < 2)
      return "MatMul with non-constant or non-2-D weights: computed in float";
    return "";
  }
  return "not a Conv, Gemm or MatMul";
}

bool isAnchor(Operation *op) {
  return isa<nn::ConvOp, nn::GemmOp, nn::MatMulOp>(op) &&
         getAnchorProblem(op).empty();
}

/// The ops that compute exactly on int8 values of the same scale.
bool isInt8Exact(Operation *op) {
  return isa<nn::MaxPoolOp, nn::ReshapeOp, nn::FlattenOp, nn::TransposeOp,
             nn::SqueezeOp, nn::UnsqueezeOp>(op);
}

/// A single-use ReLU, or Clip with constant bounds, after an op: fused into
/// the op's final requantize as the clamp.
struct FusedActivation {
  Operation *op = nullptr;
  std::optional<double> lo, hi;
};

FusedActivation getFusedActivation(Operation *producer) {
  FusedActivation act;
  Value out = producer->getResult(0);
  if (!out.hasOneUse())
    return act;
  Operation *user = *out.getUsers().begin();
  if (user->getBlock() != producer->getBlock())
    return act;
  if (isa<nn::ReluOp>(user)) {
    act.op = user;
    act.lo = 0.0;
  } else if (auto clip = dyn_cast<nn::ClipOp>(user)) {
    if (clip.getInput() != out)
      return act;
    bool minOk = isNone(clip.getMin()) || getSplatValue(clip.getMin());
    bool maxOk = isNone(clip.getMax()) || getSplatValue(clip.getMax());
    if (!minOk || !maxOk)
      return act;
    act.op = user;
    if (!isNone(clip.getMin()))
      act.lo = *getSplatValue(clip.getMin());
    if (!isNone(clip.getMax()))
      act.hi = *getSplatValue(clip.getMax());
  }
  return act;
}

/// The int8 clamp of a requantize to `y` with `act` fused.
std::pair<int32_t, int32_t> getClamp(const FusedActivation &act,
                                     QuantParams y) {
  int32_t lo = -128, hi = 127;
  if (act.lo)
    lo = std::max(lo, quantizeValue(*act.lo, y.scale, y.zeroPoint));
  if (act.hi)
    hi = std::min(hi, quantizeValue(*act.hi, y.scale, y.zeroPoint));
  hi = std::max(hi, lo);
  return {lo, hi};
}

/// The nonlinear one-input activations a lookup table computes.
bool isTableActivation(Operation *op) {
  return isa<nn::SigmoidOp, nn::TanhOp, nn::HardSigmoidOp, nn::HardSwishOp,
             nn::SiluOp, nn::GeluOp, nn::EluOp, nn::LeakyReluOp, nn::SoftplusOp,
             nn::ExpOp>(op);
}

/// The ops a lookup-table chain may hold: the activations, ReLU, Clip with
/// constant bounds and the four arithmetic ops on the chain's values and
/// scalar constants (a HardSwish written as x * clip(x + 3, 0, 6) / 6).
bool isTableOp(Operation *op) {
  return isTableActivation(op) || isa<nn::ReluOp, nn::ClipOp, nn::AddOp,
                                      nn::SubOp, nn::MulOp, nn::DivOp>(op);
}

/// Whether `op` can extend a lookup-table chain whose values so far are
/// `chainValues`: every operand is one of them or a scalar constant (Clip's
/// bounds may be absent), at least one is a chain value, and the result has
/// the type of `x`, the chain's float input.
bool canExtendTable(Operation *op, Value x, ArrayRef<Value> chainValues) {
  if (!isTableOp(op) || op->getNumResults() != 1 ||
      op->getResult(0).getType() != x.getType())
    return false;
  bool readsChain = false;
  for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
    if (llvm::is_contained(chainValues, operand)) {
      // Clip's bounds must be constants.
      if (isa<nn::ClipOp>(op) && i != 0)
        return false;
      readsChain = true;
      continue;
    }
    if (isa<nn::ClipOp>(op) && i != 0 && isNone(operand))
      continue;
    if (!getSplatValue(operand))
      return false;
  }
  return readsChain;
}

/// The value of the chain op `op` (canExtendTable) with its chain operands
/// taken from `values`.
double evaluateTableOp(Operation *op, const DenseMap<Value, double> &values) {
  auto arg = [&](unsigned i) -> double {
    Value v = op->getOperand(i);
    auto it = values.find(v);
    return it != values.end() ? it->second : *getSplatValue(v);
  };
  double v = arg(0);
  auto sigmoid = [](double t) { return 1.0 / (1.0 + std::exp(-t)); };
  if (isa<nn::SigmoidOp>(op))
    return sigmoid(v);
  if (isa<nn::TanhOp>(op))
    return std::tanh(v);
  if (auto hard = dyn_cast<nn::HardSigmoidOp>(op))
    return std::clamp(double(hard.getAlpha().convertToFloat()) * v +
                          double(hard.getBeta().convertToFloat()),
                      0.0, 1.0);
  if (isa<nn::HardSwishOp>(op))
    return v * std::clamp(v / 6.0 + 0.5, 0.0, 1.0);
  if (isa<nn::SiluOp>(op))
    return v * sigmoid(v);
  if (auto gelu = dyn_cast<nn::GeluOp>(op)) {
    if (gelu.getApproximate() == "tanh")
      return 0.5 * v *
             (1.0 + std::tanh(std::sqrt(2.0 / llvm::numbers::pi) *
                              (v + 0.044715 * v * v * v)));
    return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
  }
  if (auto elu = dyn_cast<nn::EluOp>(op))
    return v < 0 ? double(elu.getAlpha().convertToFloat()) * std::expm1(v) : v;
  if (auto leaky = dyn_cast<nn::LeakyReluOp>(op))
    return v < 0 ? double(leaky.getAlpha().convertToFloat()) * v : v;
  if (isa<nn::SoftplusOp>(op))
    return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v));
  if (isa<nn::ExpOp>(op))
    return std::exp(v);
  if (isa<nn::ReluOp>(op))
    return std::max(v, 0.0);
  if (auto clip = dyn_cast<nn::ClipOp>(op)) {
    if (!isNone(clip.getMin()))
      v = std::max(v, arg(1));
    if (!isNone(clip.getMax()))
      v = std::min(v, arg(2));
    return v;
  }
  if (isa<nn::AddOp>(op))
    return v + arg(1);
  if (isa<nn::SubOp>(op))
    return v - arg(1);
  if (isa<nn::MulOp>(op))
    return v * arg(1);
  return v / arg(1); // nn.div
}

class GraphQuantizer {
public:
  GraphQuantizer(func::FuncOp func, const CalibrationStats &stats,
                 ObserverKind observer, bool symmetric, double percentile,
                 bool perChannel)
      : func(func), rewriter(func.getContext()), stats(stats),
        observer(observer), symmetric(symmetric), percentile(percentile),
        perChannel(perChannel) {}

  LogicalResult run();

private:
  FailureOr<QuantParams> getParams(Value value);
  FailureOr<QValue> getInt8(Value value);
  void setQuantAttrs(Operation *op, Value floatValue, QuantParams params);
  void publish(Value floatValue, Value q, QuantParams params, Operation *qop);
  /// Publishes the int8 form of the pooling `result`: the int32 `sum` of
  /// `count` values of `x`, requantized per tensor by x.scale / (y.scale *
  /// count).
  void publishMean(Value result, Value sum, QuantParams x, QuantParams y,
                   int64_t count, Location loc);
  void markFloat(Operation *op, StringRef reason);
  std::optional<IntWeights> getWeights(Operation *anchor);
  LogicalResult quantizeAnchor(Operation *anchor);
  LogicalResult quantizeInt8Op(Operation *op);
  LogicalResult quantizeAdd(Operation *add);
  LogicalResult quantizeGlobalAveragePool(nn::GlobalAveragePoolOp pool);
  bool hasStats(Value value);
  SmallVector<Operation *> matchTableChain(Operation *start, Value x);
  void quantizeTableChain(ArrayRef<Operation *> chain, Value x, QuantParams y);
  std::string getAveragePoolProblem(nn::AveragePoolOp pool);
  LogicalResult quantizeAveragePool(nn::AveragePoolOp pool);
  Location getLoc(Value value);

  func::FuncOp func;
  IRRewriter rewriter;
  const CalibrationStats &stats;
  ObserverKind observer;
  bool symmetric;
  double percentile;
  bool perChannel;
  DenseMap<Value, std::string> keys;
  DenseMap<Value, QValue> int8Forms;
  SmallPtrSet<Operation *, 16> erased;
  SmallVector<Operation *> created;
};

} // namespace

Location GraphQuantizer::getLoc(Value value) {
  if (Operation *def = value.getDefiningOp())
    return def->getLoc();
  return cast<BlockArgument>(value).getLoc();
}

FailureOr<QuantParams> GraphQuantizer::getParams(Value value) {
  auto it = keys.find(value);
  if (it == keys.end())
    return emitError(getLoc(value), "no quantization point for this value");
  const TensorStats *tensor = stats.lookup(it->second);
  if (!tensor)
    return emitError(getLoc(value), "no calibration statistics for "
                                    "activation '")
           << it->second << "'";
  QuantParams params =
      chooseActivationParams(*tensor, observer, symmetric, percentile);
  // nn.quantize and nn.dequantize hold f32 scales: use that exact value.
  params.scale = double(float(params.scale));
  return params;
}

void GraphQuantizer::setQuantAttrs(Operation *op, Value floatValue,
                                   QuantParams params) {
  op->setAttr(kKeyAttr, rewriter.getStringAttr(keys.lookup(floatValue)));
  op->setAttr(kScaleAttr, rewriter.getF64FloatAttr(params.scale));
  op->setAttr(kZeroPointAttr, rewriter.getI64IntegerAttr(params.zeroPoint));
}

FailureOr<QValue> GraphQuantizer::getInt8(Value value) {
  auto it = int8Forms.find(value);
  if (it != int8Forms.end())
    return it->second;
  FailureOr<QuantParams> params = getParams(value);
  if (failed(params))
    return failure();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfterValue(value);
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<NamedAttribute> attrs = {
      rewriter.getNamedAttr(
          "scale", rewriter.getDenseF32ArrayAttr({float(params->scale)})),
      rewriter.getNamedAttr(
          "zero_point", rewriter.getDenseI32ArrayAttr({params->zeroPoint}))};
  auto op = nn::QuantizeOp::create(rewriter, getLoc(value),
                                   TypeRange{type.clone(rewriter.getI8Type())},
                                   ValueRange{value}, attrs);
  setQuantAttrs(op, value, *params);
  created.push_back(op);
  QValue result{op.getResult(), *params};
  int8Forms[value] = result;
  return result;
}

void GraphQuantizer::publish(Value floatValue, Value q, QuantParams params,
                             Operation *qop) {
  setQuantAttrs(qop, floatValue, params);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfter(qop);
  SmallVector<NamedAttribute> attrs = {
      rewriter.getNamedAttr(
          "scale", rewriter.getDenseF32ArrayAttr({float(params.scale)})),
      rewriter.getNamedAttr("zero_point",
                            rewriter.getDenseI32ArrayAttr({params.zeroPoint}))};
  auto deq = nn::DequantizeOp::create(rewriter, qop->getLoc(),
                                      TypeRange{floatValue.getType()},
                                      ValueRange{q}, attrs);
  created.push_back(deq);
  keys[deq.getResult()] = keys.lookup(floatValue);
  int8Forms[deq.getResult()] = {q, params};
  rewriter.replaceAllUsesWith(floatValue, deq.getResult());
}

void GraphQuantizer::publishMean(Value result, Value sum, QuantParams x,
                                 QuantParams y, int64_t count, Location loc) {
  auto [multiplier, shift] =
      tessera::npu::encodeRequantizeScale(x.scale / (y.scale * double(count)));
  SmallVector<NamedAttribute> attrs = {
      rewriter.getNamedAttr("multiplier",
                            rewriter.getDenseI32ArrayAttr({multiplier})),
      rewriter.getNamedAttr("shift",
                            rewriter.getDenseI32ArrayAttr({int32_t(shift)})),
      rewriter.getNamedAttr("zero_point",
                            rewriter.getI32IntegerAttr(y.zeroPoint))};
  auto outType = cast<RankedTensorType>(result.getType());
  auto requantize = nn::RequantizeOp::create(
      rewriter, loc, TypeRange{outType.clone(rewriter.getI8Type())},
      ValueRange{sum}, attrs);
  publish(result, requantize.getResult(), y, requantize);
}

void GraphQuantizer::markFloat(Operation *op, StringRef reason) {
  op->setAttr(kFloatAttr, rewriter.getStringAttr(reason));
}

std::optional<IntWeights> GraphQuantizer::getWeights(Operation *anchor) {
  IntWeights weights;
  if (auto conv = dyn_cast<nn::ConvOp>(anchor)) {
    std::optional<transforms::ConstTensor> w = readConstant(conv.getW());
    if (!w || w->shape().empty())
      return std::nullopt;
    weights.channels = w->shape()[0];
    weights.shape.assign(w->shape().begin(), w->shape().end());
    weights.scales =
        getWeightScales(w->values, perChannel ? weights.channels : 1);
    size_t perSlice = w->values.size() / size_t(weights.channels);
    weights.values.reserve(w->values.size());
    for (auto [i, x] : llvm::enumerate(w->values)) {
      double scale = weights.scales[perChannel ? i / perSlice : 0];
      weights.values.push_back(quantizeValue(x, scale, 0));
    }
    if (!isNone(conv.getB())) {
      std::optional<transforms::ConstTensor> b = readConstant(conv.getB());
      if (!b || int64_t(b->values.size()) != weights.channels)
        return std::nullopt;
      weights.bias = b->values;
    }
    return weights;
  }
  // Gemm and MatMul: B as [K, N] (Gemm's transB read through), scaled by
  // alpha; the bias C (times beta) per column.
  Value b = anchor->getOperand(1);
  double alpha = 1, beta = 1;
  bool transposed = false;
  Value c;
  if (auto gemm = dyn_cast<nn::GemmOp>(anchor)) {
    alpha = gemm.getAlpha().convertToDouble();
    beta = gemm.getBeta().convertToDouble();
    transposed = gemm.getTransB() != 0;
    c = gemm.getC();
  }
  std::optional<transforms::ConstTensor> w = readConstant(b);
  if (!w || w->shape().size() != 2)
    return std::nullopt;
  int64_t k = w->shape()[transposed ? 1 : 0];
  int64_t n = w->shape()[transposed ? 0 : 1];
  std::vector<double> byColumn(size_t(n * k)); // [N, K]
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j)
      byColumn[j * k + i] =
          alpha * w->values[transposed ? j * k + i : i * n + j];
  weights.channels = n;
  weights.shape = {k, n};
  weights.scales = getWeightScales(byColumn, perChannel ? n : 1);
  weights.values.resize(size_t(n * k));
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j)
      weights.values[i * n + j] = quantizeValue(
          byColumn[j * k + i], weights.scales[perChannel ? j : 0], 0);
  if (c && !isNone(c)) {
    std::optional<transforms::ConstTensor> bias = readConstant(c);
    if (!bias || int64_t(bias->values.size()) != n)
      return std::nullopt;
    for (double x : bias->values)
      weights.bias.push_back(beta * x);
  }
  return weights;
}

LogicalResult GraphQuantizer::quantizeAnchor(Operation *anchor) {
  std::optional<IntWeights> weights = getWeights(anchor);
  if (!weights) {
    markFloat(anchor, "weights or bias not readable: computed in float");
    return success();
  }
  Value out = anchor->getResult(0);
  FusedActivation fused = getFusedActivation(anchor);
  Operation *act = fused.op;
  Value result = act ? act->getResult(0) : out;
  FailureOr<QValue> x = getInt8(anchor->getOperand(0));
  if (failed(x))
    return failure();
  FailureOr<QuantParams> y = getParams(result);
  if (failed(y))
    return failure();

  rewriter.setInsertionPoint(anchor);
  Location loc = anchor->getLoc();
  Type i8 = rewriter.getI8Type(), i32 = rewriter.getI32Type();
  auto outType = cast<RankedTensorType>(out.getType());
  auto accType = outType.clone(i32);
  bool isConv = isa<nn::ConvOp>(anchor);
  Value weightOperand = anchor->getOperand(1);
  Value wq = createConstant(rewriter, getLoc(weightOperand),
                            RankedTensorType::get(weights->shape, i8),
                            weights->values);
  Value xzp = createConstant(rewriter, loc, RankedTensorType::get({}, i8),
                             {double(x->params.zeroPoint)});
  Value none = nn::NoneOp::create(rewriter, loc, rewriter.getNoneType());
  Value acc;
  if (isConv) {
    SmallVector<NamedAttribute> attrs;
    for (NamedAttribute attr : anchor->getAttrs())
      if (llvm::is_contained({"auto_pad", "dilations", "group", "kernel_shape",
                              "pads", "strides"},
                             attr.getName().getValue()))
        attrs.push_back(attr);
    acc = nn::ConvIntegerOp::create(rewriter, loc, TypeRange{accType},
                                    ValueRange{x->q, wq, xzp, none}, attrs)
              .getResult();
  } else {
    acc = nn::MatMulIntegerOp::create(rewriter, loc, TypeRange{accType},
                                      ValueRange{x->q, wq, xzp, none})
              .getResult();
  }

  int64_t channels = weights->channels;
  auto wScale = [&](int64_t c) {
    return weights->scales[perChannel ? size_t(c) : 0];
  };
  if (!weights->bias.empty()) {
    std::vector<double> bias;
    for (int64_t c = 0; c < channels; ++c) {
      double q =
          std::nearbyint(weights->bias[c] / (x->params.scale * wScale(c)));
      double limit = double(std::numeric_limits<int32_t>::max());
      if (q > limit || q < -limit - 1) {
        emitWarning(getLoc(anchor->getOperand(2)), "int32 bias of channel ")
            << c << " saturates (" << q << ")";
        q = std::clamp(q, -limit - 1, limit);
      }
      bias.push_back(q);
    }
    SmallVector<int64_t> biasShape = {channels};
    if (isConv) {
      biasShape.assign(outType.getRank(), 1);
      biasShape[1] = channels;
    }
    Value biasConst =
        createConstant(rewriter, getLoc(anchor->getOperand(2)),
                       RankedTensorType::get(biasShape, i32), bias);
    acc = nn::AddOp::create(rewriter, loc, TypeRange{accType},
                            ValueRange{acc, biasConst})
              .getResult();
  }

  SmallVector<int32_t> multipliers, shifts;
  for (int64_t c = 0, e = perChannel ? channels : 1; c < e; ++c) {
    auto [multiplier, shift] = tessera::npu::encodeRequantizeScale(
        x->params.scale * wScale(c) / y->scale);
    multipliers.push_back(multiplier);
    shifts.push_back(int32_t(shift));
  }
  auto [lo, hi] = getClamp(fused, *y);
  SmallVector<NamedAttribute> attrs = {
      rewriter.getNamedAttr("multiplier",
                            rewriter.getDenseI32ArrayAttr(multipliers)),
      rewriter.getNamedAttr("shift", rewriter.getDenseI32ArrayAttr(shifts)),
      rewriter.getNamedAttr("zero_point",
                            rewriter.getI32IntegerAttr(y->zeroPoint)),
      rewriter.getNamedAttr("clamp_lo", rewriter.getI32IntegerAttr(lo)),
      rewriter.getNamedAttr("clamp_hi", rewriter.getI32IntegerAttr(hi))};
  if (perChannel)
    attrs.push_back(rewriter.getNamedAttr(
        "axis",
        rewriter.getI64IntegerAttr(isConv ? 1 : outType.getRank() - 1)));
  Location requantizeLoc =
      act ? rewriter.getFusedLoc({anchor->getLoc(), act->getLoc()}) : loc;
  auto requantize = nn::RequantizeOp::create(rewriter, requantizeLoc,
                                             TypeRange{outType.clone(i8)},
                                             ValueRange{acc}, attrs);
  publish(result, requantize.getResult(), *y, requantize);
  if (act) {
    erased.insert(act);
    rewriter.eraseOp(act);
  }
  SmallVector<Value> floatOperands(anchor->getOperands());
  erased.insert(anchor);
  rewriter.eraseOp(anchor);
  // The float weights and bias when nothing else reads them.
  for (Value operand : floatOperands)
    if (Operation *def = operand.getDefiningOp())
      if (isa<nn::ConstantOp>(def) && def->use_empty())
        rewriter.eraseOp(def);
  return success();
}

LogicalResult GraphQuantizer::quantizeInt8Op(Operation *op) {
  Value input = op->getOperand(0);
  Value result = op->getResult(0);
  auto it = int8Forms.find(input);
  StringRef name = op->getName().stripDialect();
  if (it == int8Forms.end()) {
    markFloat(op, (name + " of a float input: computed in float").str());
    return success();
  }
  for (Value other : op->getResults().drop_front())
    if (!other.use_empty()) {
      markFloat(op, (name + " with more than one result used: computed in "
                            "float")
                        .str());
      return success();
    }
  QValue in = it->second;
  rewriter.setInsertionPoint(op);
  Operation *clone = rewriter.clone(*op);
  clone->setOperand(0, in.q);
  clone->getResult(0).setType(
      cast<RankedTensorType>(result.getType()).clone(rewriter.getI8Type()));
  publish(result, clone->getResult(0), in.params, clone);
  erased.insert(op);
  rewriter.eraseOp(op);
  return success();
}

/// The left shift of the operands of an integer Add: each operand, less its
/// zero point (|q - z| <= 255), is rescaled to the common scale
/// 2 * max(s1, s2) / 2^kAddShift, so |r| <= 255 * 2^(kAddShift - 1) and the
/// sum of two stays below 2^31 (TFLite's left shift of 20).
constexpr int kAddShift = 20;

LogicalResult GraphQuantizer::quantizeAdd(Operation *add) {
  FusedActivation fused = getFusedActivation(add);
  Operation *act = fused.op;
  Value out = add->getResult(0);
  Value result = act ? act->getResult(0) : out;
  FailureOr<QuantParams> y = getParams(result);
  if (failed(y))
    return failure();
  QValue x1 = int8Forms.lookup(add->getOperand(0));
  QValue x2 = int8Forms.lookup(add->getOperand(1));
  double common = 2 * std::max(x1.params.scale, x2.params.scale) /
                  double(int64_t(1) << kAddShift);

  rewriter.setInsertionPoint(add);
  Location loc = add->getLoc();
  Type i32 = rewriter.getI32Type();
  auto requantize = [&](Value acc, double realScale, int32_t zeroPoint,
                        int32_t lo, int32_t hi, Type element,
                        Location at) -> nn::RequantizeOp {
    auto [multiplier, shift] = tessera::npu::encodeRequantizeScale(realScale);
    SmallVector<NamedAttribute> attrs = {
        rewriter.getNamedAttr("multiplier",
                              rewriter.getDenseI32ArrayAttr({multiplier})),
        rewriter.getNamedAttr("shift",
                              rewriter.getDenseI32ArrayAttr({int32_t(shift)})),
        rewriter.getNamedAttr("zero_point",
                              rewriter.getI32IntegerAttr(zeroPoint)),
        rewriter.getNamedAttr("clamp_lo", rewriter.getI32IntegerAttr(lo)),
        rewriter.getNamedAttr("clamp_hi", rewriter.getI32IntegerAttr(hi))};
    auto type = cast<RankedTensorType>(acc.getType()).clone(element);
    return nn::RequantizeOp::create(rewriter, at, TypeRange{type},
                                    ValueRange{acc}, attrs);
  };
  // Each operand: i32 (q - z) at the common scale.
  auto rescale = [&](QValue x) -> Value {
    auto type = cast<RankedTensorType>(x.q.getType()).clone(i32);
    Value wide =
        nn::CastOp::create(rewriter, loc, TypeRange{type}, ValueRange{x.q},
                           {rewriter.getNamedAttr("to", TypeAttr::get(i32))})
            .getResult();
    if (x.params.zeroPoint != 0) {
      Value zp = createConstant(rewriter, loc, RankedTensorType::get({}, i32),
                                {double(x.params.zeroPoint)});
      wide = nn::SubOp::create(rewriter, loc, TypeRange{type},
                               ValueRange{wide, zp})
                 .getResult();
    }
    return requantize(wide, x.params.scale / common, 0,
                      std::numeric_limits<int32_t>::min(),
                      std::numeric_limits<int32_t>::max(), i32, loc)
        .getResult();
  };
  Value r1 = rescale(x1), r2 = rescale(x2);
  auto sumType = cast<RankedTensorType>(out.getType()).clone(i32);
  Value sum =
      nn::AddOp::create(rewriter, loc, TypeRange{sumType}, ValueRange{r1, r2})
          .getResult();
  auto [lo, hi] = getClamp(fused, *y);
  Location finalLoc = act ? rewriter.getFusedLoc({loc, act->getLoc()}) : loc;
  nn::RequantizeOp final = requantize(sum, common / y->scale, y->zeroPoint, lo,
                                      hi, rewriter.getI8Type(), finalLoc);
  publish(result, final.getResult(), *y, final);
  if (act) {
    erased.insert(act);
    rewriter.eraseOp(act);
  }
  erased.insert(add);
  rewriter.eraseOp(add);
  return success();
}

/// GlobalAveragePool of an int8 value: the int32 sum of q - z_x over the
/// spatial dims, requantized by s_x / (s_y * N) (N the elements summed).
LogicalResult
GraphQuantizer::quantizeGlobalAveragePool(nn::GlobalAveragePoolOp pool) {
  Value result = pool.getY();
  FailureOr<QuantParams> y = getParams(result);
  if (failed(y))
    return failure();
  QValue x = int8Forms.lookup(pool.getX());
  auto inType = cast<RankedTensorType>(pool.getX().getType());
  auto outType = cast<RankedTensorType>(result.getType());
  Type i32 = rewriter.getI32Type();
  Location loc = pool.getLoc();
  rewriter.setInsertionPoint(pool);
  Value wide = nn::CastOp::create(
                   rewriter, loc, TypeRange{inType.clone(i32)}, ValueRange{x.q},
                   {rewriter.getNamedAttr("to", TypeAttr::get(i32))})
                   .getResult();
  if (x.params.zeroPoint != 0) {
    Value zp = createConstant(rewriter, loc, RankedTensorType::get({}, i32),
                              {double(x.params.zeroPoint)});
    wide = nn::SubOp::create(rewriter, loc, TypeRange{inType.clone(i32)},
                             ValueRange{wide, zp})
               .getResult();
  }
  std::vector<double> axes;
  int64_t count = 1;
  for (int64_t d = 2; d < inType.getRank(); ++d) {
    axes.push_back(double(d));
    count *= inType.getDimSize(d);
  }
  Value axesConst = createConstant(
      rewriter, loc,
      RankedTensorType::get({int64_t(axes.size())}, rewriter.getI64Type()),
      axes);
  Value sum =
      nn::ReduceSumOp::create(rewriter, loc, TypeRange{outType.clone(i32)},
                              ValueRange{wide, axesConst})
          .getResult();
  publishMean(result, sum, x.params, *y, count, loc);
  erased.insert(pool);
  rewriter.eraseOp(pool);
  return success();
}

bool GraphQuantizer::hasStats(Value value) {
  auto it = keys.find(value);
  return it != keys.end() && stats.lookup(it->second);
}

/// The longest chain of table ops from `start` (whose chain input is the
/// int8 activation's float value `x`): each next op is the single user of
/// the previous result, reading it, `x` and scalar constants. It is cut back
/// to its longest prefix whose result has calibration statistics and that
/// holds an activation or at least two ops (a lone ReLU, Clip or constant
/// arithmetic is quantized as before); empty when there is none.
SmallVector<Operation *> GraphQuantizer::matchTableChain(Operation *start,
                                                         Value x) {
  SmallVector<Operation *> chain;
  if (!canExtendTable(start, x, {x}))
    return chain;
  chain.push_back(start);
  while (true) {
    Value last = chain.back()->getResult(0);
    if (!last.hasOneUse())
      break;
    Operation *user = *last.getUsers().begin();
    if (user->getBlock() != start->getBlock() ||
        !canExtendTable(user, x, {x, last}))
      break;
    chain.push_back(user);
  }
  while (!chain.empty()) {
    bool accepted = chain.size() >= 2 || isTableActivation(chain.front());
    if (accepted && hasStats(chain.back()->getResult(0)))
      break;
    chain.pop_back();
  }
  return chain;
}

/// Replaces `chain` by one nn.lookup_table of the int8 form of `x`: entry
/// q + 128 is quantize(f(dequantize(q))), f the chain evaluated in double
/// precision, quantize rounding half to even and saturating as nn.quantize.
void GraphQuantizer::quantizeTableChain(ArrayRef<Operation *> chain, Value x,
                                        QuantParams y) {
  QValue in = int8Forms.lookup(x);
  std::vector<int8_t> table(256);
  for (int q = -128; q < 128; ++q) {
    DenseMap<Value, double> values;
    values[x] = double(q - in.params.zeroPoint) * in.params.scale;
    for (Operation *op : chain)
      values[op->getResult(0)] = evaluateTableOp(op, values);
    double f = values.lookup(chain.back()->getResult(0));
    table[q + 128] = int8_t(
        std::isnan(f) ? y.zeroPoint : quantizeValue(f, y.scale, y.zeroPoint));
  }
  Operation *last = chain.back();
  SmallVector<Location> locs;
  for (Operation *op : chain)
    locs.push_back(op->getLoc());
  rewriter.setInsertionPoint(last);
  auto type = cast<RankedTensorType>(last->getResult(0).getType())
                  .clone(rewriter.getI8Type());
  auto tableAttr = DenseIntElementsAttr::get(
      RankedTensorType::get({256}, rewriter.getI8Type()), ArrayRef(table));
  auto lut = nn::LookupTableOp::create(
      rewriter, rewriter.getFusedLoc(locs), TypeRange{type}, ValueRange{in.q},
      {rewriter.getNamedAttr("table", tableAttr)});
  publish(last->getResult(0), lut.getResult(), y, lut);
  for (Operation *op : llvm::reverse(chain)) {
    erased.insert(op);
    rewriter.eraseOp(op);
  }
}

/// Why the AveragePool `pool` of an int8 value is not quantized; empty when
/// it is.
std::string GraphQuantizer::getAveragePoolProblem(nn::AveragePoolOp pool) {
  if (!isF32Tensor(pool.getX()) || !isF32Tensor(pool.getY()) ||
      cast<RankedTensorType>(pool.getX().getType()).getRank() != 4 ||
      pool.getKernelShape().size() != 2)
    return "AveragePool that is not 2-D on static f32 tensors: computed in "
           "float";
  if (pool.getCeilMode() != 0)
    return "AveragePool with ceil_mode: computed in float";
  StringRef autoPad = pool.getAutoPad();
  if (autoPad != "NOTSET" && autoPad != "VALID")
    return ("AveragePool with auto_pad " + autoPad + ": computed in float")
        .str();
  bool padded = false;
  if (std::optional<ArrayRef<int64_t>> pads = pool.getPads())
    padded = autoPad == "NOTSET" &&
             llvm::any_of(*pads, [](int64_t p) { return p != 0; });
  if (padded && pool.getCountIncludePad() == 0)
    return "AveragePool with padding and count_include_pad=0 (a divisor per "
           "window): computed in float";
  return "";
}

/// AveragePool of an int8 value (count_include_pad=1 or no padding): the
/// window sum of q - z_x as an nn.conv_integer with one group per channel
/// and weights 1 (its padding contributes 0), requantized by
/// s_x / (s_y * kh * kw).
LogicalResult GraphQuantizer::quantizeAveragePool(nn::AveragePoolOp pool) {
  Value result = pool.getY();
  FailureOr<QuantParams> y = getParams(result);
  if (failed(y))
    return failure();
  QValue x = int8Forms.lookup(pool.getX());
  auto inType = cast<RankedTensorType>(pool.getX().getType());
  auto outType = cast<RankedTensorType>(result.getType());
  int64_t channels = inType.getDimSize(1);
  ArrayRef<int64_t> kernel = pool.getKernelShape();
  Type i8 = rewriter.getI8Type(), i32 = rewriter.getI32Type();
  Location loc = pool.getLoc();
  rewriter.setInsertionPoint(pool);
  Value ones = createConstant(
      rewriter, loc,
      RankedTensorType::get({channels, 1, kernel[0], kernel[1]}, i8),
      std::vector<double>(size_t(channels * kernel[0] * kernel[1]), 1.0));
  Value xzp = createConstant(rewriter, loc, RankedTensorType::get({}, i8),
                             {double(x.params.zeroPoint)});
  Value none = nn::NoneOp::create(rewriter, loc, rewriter.getNoneType());
  SmallVector<NamedAttribute> convAttrs = {
      rewriter.getNamedAttr("group", rewriter.getI64IntegerAttr(channels)),
      rewriter.getNamedAttr("kernel_shape",
                            rewriter.getDenseI64ArrayAttr(kernel))};
  if (pool.getAutoPad() == "NOTSET")
    if (std::optional<ArrayRef<int64_t>> pads = pool.getPads())
      convAttrs.push_back(
          rewriter.getNamedAttr("pads", rewriter.getDenseI64ArrayAttr(*pads)));
  if (std::optional<ArrayRef<int64_t>> strides = pool.getStrides())
    convAttrs.push_back(rewriter.getNamedAttr(
        "strides", rewriter.getDenseI64ArrayAttr(*strides)));
  Value sum =
      nn::ConvIntegerOp::create(rewriter, loc, TypeRange{outType.clone(i32)},
                                ValueRange{x.q, ones, xzp, none}, convAttrs)
          .getResult();
  publishMean(result, sum, x.params, *y, kernel[0] * kernel[1], loc);
  erased.insert(pool);
  rewriter.eraseOp(pool);
  return success();
}

LogicalResult GraphQuantizer::run() {
  for (const QuantPoint &point : enumerateQuantPoints(func))
    keys[point.value] = point.key;
  SmallVector<Operation *> ops;
  for (Operation &op : func.getBody().getOps())
    if (!isa<nn::ConstantOp, nn::NoneOp>(op) &&
        !op.hasTrait<OpTrait::IsTerminator>())
      ops.push_back(&op);
  if (llvm::none_of(ops, isAnchor))
    return emitError(func.getLoc(),
                     "nothing to quantize: the model has no Conv, Gemm or "
                     "MatMul with constant weights");

  Type i8 = rewriter.getI8Type();
  for (Operation *op : ops) {
    if (erased.contains(op))
      continue;
    if (op->getNumResults() == 0 || !isFloatTensor(op->getResult(0)))
      continue;
    StringRef name = op->getName().stripDialect();
    if (isa<nn::ConvOp, nn::GemmOp, nn::MatMulOp>(op)) {
      std::string problem = getAnchorProblem(op);
      if (!problem.empty()) {
        markFloat(op, problem);
        continue;
      }
      if (failed(quantizeAnchor(op)))
        return failure();
      continue;
    }
    if (isInt8Exact(op)) {
      if (failed(quantizeInt8Op(op)))
        return failure();
      continue;
    }
    auto isInt8 = [&](Value v) { return int8Forms.count(v) != 0; };
    // `op` (one result, an int8 activation's Clip or ReLU) becomes an nn.clip
    // of the int8 value between the int8 bounds `lo` and `hi`.
    auto replaceWithInt8Clip = [&](Operation *op, const QValue &in, Value lo,
                                   Value hi) {
      auto type = cast<RankedTensorType>(op->getResult(0).getType()).clone(i8);
      auto q = nn::ClipOp::create(rewriter, op->getLoc(), TypeRange{type},
                                  ValueRange{in.q, lo, hi});
      publish(op->getResult(0), q.getResult(), in.params, q);
      erased.insert(op);
      rewriter.eraseOp(op);
    };
    // A chain of activations of an int8 value: one lookup table.
    if (isTableOp(op)) {
      Value x;
      for (Value operand : op->getOperands())
        if (isInt8(operand)) {
          x = operand;
          break;
        }
      SmallVector<Operation *> chain;
      if (x)
        chain = matchTableChain(op, x);
      if (!chain.empty()) {
        FailureOr<QuantParams> y = getParams(chain.back()->getResult(0));
        if (failed(y))
          return failure();
        quantizeTableChain(chain, x, *y);
        continue;
      }
    }
    if (auto clip = dyn_cast<nn::ClipOp>(op)) {
      if (isInt8(clip.getInput()) &&
          (isNone(clip.getMin()) || getSplatValue(clip.getMin())) &&
          (isNone(clip.getMax()) || getSplatValue(clip.getMax()))) {
        QValue in = int8Forms.lookup(clip.getInput());
        rewriter.setInsertionPoint(op);
        auto bound = [&](Value v) -> Value {
          if (isNone(v))
            return nn::NoneOp::create(rewriter, op->getLoc(),
                                      rewriter.getNoneType());
          double q = quantizeValue(*getSplatValue(v), in.params.scale,
                                   in.params.zeroPoint);
          return createConstant(rewriter, op->getLoc(),
                                RankedTensorType::get({}, i8), {q});
        };
        replaceWithInt8Clip(op, in, bound(clip.getMin()), bound(clip.getMax()));
        continue;
      }
    }
    if (auto relu = dyn_cast<nn::ReluOp>(op)) {
      if (isInt8(relu.getX())) {
        // max(x, 0) on reals is max(q, zero point) on int8.
        QValue in = int8Forms.lookup(relu.getX());
        rewriter.setInsertionPoint(op);
        Value lo = createConstant(rewriter, op->getLoc(),
                                  RankedTensorType::get({}, i8),
                                  {double(in.params.zeroPoint)});
        Value none =
            nn::NoneOp::create(rewriter, op->getLoc(), rewriter.getNoneType());
        replaceWithInt8Clip(op, in, lo, none);
        continue;
      }
    }
    if (auto concat = dyn_cast<nn::ConcatOp>(op)) {
      bool same = llvm::all_of(op->getOperands(), isInt8);
      if (same) {
        QuantParams first = int8Forms.lookup(op->getOperand(0)).params;
        for (Value v : op->getOperands()) {
          QuantParams p = int8Forms.lookup(v).params;
          same &= p.scale == first.scale && p.zeroPoint == first.zeroPoint;
        }
      }
      if (same) {
        QuantParams params = int8Forms.lookup(op->getOperand(0)).params;
        rewriter.setInsertionPoint(op);
        Operation *clone = rewriter.clone(*op);
        for (OpOperand &operand : clone->getOpOperands())
          operand.set(int8Forms.lookup(operand.get()).q);
        clone->getResult(0).setType(
            cast<RankedTensorType>(concat.getType()).clone(i8));
        publish(concat.getResult(), clone->getResult(0), params, clone);
        erased.insert(op);
        rewriter.eraseOp(op);
        continue;
      }
      markFloat(op, "Concat of inputs without one int8 scale and zero point: "
                    "computed in float");
      continue;
    }
    if (auto pool = dyn_cast<nn::GlobalAveragePoolOp>(op)) {
      if (isInt8(pool.getX()) && isF32Tensor(pool.getX()) &&
          isF32Tensor(pool.getY())) {
        if (failed(quantizeGlobalAveragePool(pool)))
          return failure();
        continue;
      }
    }
    if (auto pool = dyn_cast<nn::AveragePoolOp>(op)) {
      if (isInt8(pool.getX())) {
        std::string problem = getAveragePoolProblem(pool);
        if (!problem.empty()) {
          markFloat(op, problem);
          continue;
        }
        if (failed(quantizeAveragePool(pool)))
          return failure();
        continue;
      }
    }
    if (isa<nn::AddOp>(op) && llvm::all_of(op->getOperands(), isInt8)) {
      if (!isF32Tensor(op->getResult(0)) ||
          !llvm::all_of(op->getOperands(), isF32Tensor)) {
        markFloat(op, "Add of non-f32 or dynamic tensors: computed in float");
        continue;
      }
      if (failed(quantizeAdd(op)))
        return failure();
      continue;
    }
    markFloat(op, (name + ": not quantized").str());
  }

  // The dequantize and quantize ops that no op reads.
  for (Operation *op : llvm::reverse(created))
    if (op->use_empty())
      rewriter.eraseOp(op);
  return success();
}

namespace {
struct QuantizeGraphPass
    : public tessera::impl::QuantizeGraphBase<QuantizeGraphPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    std::optional<ObserverKind> kind = parseObserverKind(observer);
    if (!kind) {
      func.emitError("tessera-quantize: invalid observer '")
          << observer << "' (expected minmax, percentile or entropy)";
      return signalPassFailure();
    }
    if (activations != "symmetric" && activations != "asymmetric") {
      func.emitError("tessera-quantize: invalid activations '")
          << activations << "' (expected symmetric or asymmetric)";
      return signalPassFailure();
    }
    if (!(percentile > 0 && percentile <= 100)) {
      func.emitError("tessera-quantize: invalid percentile ")
          << percentile << " (expected a value in (0, 100])";
      return signalPassFailure();
    }
    if (stats.empty()) {
      func.emitError("tessera-quantize: no calibration statistics file (the "
                     "stats option)");
      return signalPassFailure();
    }
    llvm::Expected<CalibrationStats> loaded = readCalibrationStats(stats);
    if (!loaded) {
      func.emitError(llvm::toString(loaded.takeError()));
      return signalPassFailure();
    }
    GraphQuantizer quantizer(func, *loaded, *kind, activations == "symmetric",
                             percentile, perChannel);
    if (failed(quantizer.run()))
      signalPassFailure();
  }
};
} // namespace

void tessera::quant::buildPreQuantizePipeline(OpPassManager &pm,
                                              bool requireStatic) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(createShapeInference());
  func.addPass(createCanonicalizerPass());
  func.addPass(createCSEPass());
  ShapeInferenceOptions options;
  options.requireStatic = requireStatic;
  func.addPass(createShapeInference(options));
  // Graph-level folding and pattern recognition on the static graph; the
  // rewrites keep types, so no further shape inference is needed.
  func.addPass(createFoldGraph());
  func.addPass(createRecognizePatterns());
  func.addPass(createCanonicalizerPass());
  func.addPass(createCSEPass());
}

void tessera::quant::addQuantizePass(OpPassManager &pm,
                                     const QuantizeOptions &options) {
  QuantizeGraphOptions passOptions;
  passOptions.stats = options.statsFile;
  passOptions.observer = options.observer;
  passOptions.percentile = options.percentile;
  passOptions.activations =
      options.symmetricActivations ? "symmetric" : "asymmetric";
  passOptions.perChannel = options.perChannel;
  pm.nest<func::FuncOp>().addPass(createQuantizeGraph(passOptions));
}
