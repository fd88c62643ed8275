//===- Elementwise.cpp - nn elementwise ops to linalg.generic -------------===//
//
// Part of Tessera. Unary math, activations, broadcasting binary and variadic
// ops, comparisons, logic, Where, Clip, Cast and Identity/Dropout. Each is one
// broadcasting `linalg.generic` whose body is built by a small function.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/IR/TypeUtilities.h"

#include <limits>

using namespace mlir;
using namespace tessera;
using namespace tessera::nn_to_linalg;

namespace {

/// Builds the scalar result of elementwise op `op` from its scalar operands.
template <typename OpTy>
using BodyFn = Value (*)(OpBuilder &b, Location loc, OpTy op, ValueRange args);

/// One broadcasting `linalg.generic` over the operands of `op`, with the body
/// `Body` builds.
template <typename OpTy, BodyFn<OpTy> Body>
static FailureOr<Value>
lowerElementwise(OpTy op, typename OpTy::Adaptor adaptor, RankedTensorType type,
                 ConversionPatternRewriter &rewriter) {
  return buildElementwise(rewriter, op.getLoc(), type, adaptor.getOperands(),
                          [&](OpBuilder &b, Location loc, ValueRange args) {
                            return Body(b, loc, op, args);
                          });
}

template <typename OpTy, BodyFn<OpTy> Body>
using ElementwiseLowering =
    SingleResultLowering<OpTy, lowerElementwise<OpTy, Body>>;

static bool isFloat(Value v) { return isa<FloatType>(v.getType()); }

static Value cst(OpBuilder &b, Location loc, Value like, double v) {
  return scalarConstant(b, loc, like.getType(), v);
}

static Value cst(OpBuilder &b, Location loc, Value like, const APFloat &v) {
  return cst(b, loc, like, v.convertToDouble());
}

//===----------------------------------------------------------------------===//
// Bodies shared by families of ops
//===----------------------------------------------------------------------===//

template <typename OpTy, typename MathOp>
static Value mathUnary(OpBuilder &b, Location loc, OpTy, ValueRange a) {
  return MathOp::create(b, loc, a[0]);
}

/// Folds the operands left to right with the op of their kind: float, signed
/// or unsigned integer (the signedness of the original first operand).
template <typename FOp, typename SOp, typename UOp>
static Value foldArith(OpBuilder &b, Location loc, bool isUnsigned,
                       ValueRange a) {
  Value acc = a[0];
  for (Value next : a.drop_front()) {
    if (isFloat(acc))
      acc = FOp::create(b, loc, acc, next);
    else if (isUnsigned)
      acc = UOp::create(b, loc, acc, next);
    else
      acc = SOp::create(b, loc, acc, next);
  }
  return acc;
}

template <typename OpTy, typename FOp, typename SOp, typename UOp = SOp>
static Value arithBinary(OpBuilder &b, Location loc, OpTy op, ValueRange a) {
  return foldArith<FOp, SOp, UOp>(b, loc, isUnsignedElement(op->getOperand(0)),
                                  a);
}

template <typename OpTy, arith::CmpFPredicate F, arith::CmpIPredicate S,
          arith::CmpIPredicate U>
static Value compare(OpBuilder &b, Location loc, OpTy op, ValueRange a) {
  if (isFloat(a[0]))
    return arith::CmpFOp::create(b, loc, F, a[0], a[1]);
  return arith::CmpIOp::create(
      b, loc, isUnsignedElement(op->getOperand(0)) ? U : S, a[0], a[1]);
}

template <typename OpTy, typename MathOp>
using MathLowering = ElementwiseLowering<OpTy, mathUnary<OpTy, MathOp>>;

template <typename OpTy, typename FOp, typename SOp, typename UOp = SOp>
using ArithLowering =
    ElementwiseLowering<OpTy, arithBinary<OpTy, FOp, SOp, UOp>>;

template <typename OpTy, arith::CmpFPredicate F, arith::CmpIPredicate S,
          arith::CmpIPredicate U>
using CompareLowering = ElementwiseLowering<OpTy, compare<OpTy, F, S, U>>;

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

static Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Value one = cst(b, loc, x, 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

static Value clamp01(OpBuilder &b, Location loc, Value x) {
  Value lo = arith::MaximumFOp::create(b, loc, x, cst(b, loc, x, 0.0));
  return arith::MinimumFOp::create(b, loc, lo, cst(b, loc, x, 1.0));
}

/// x < 0 ? negative(x) : x
static Value whereNegative(OpBuilder &b, Location loc, Value x,
                           Value negative) {
  Value isNeg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                      cst(b, loc, x, 0.0));
  return arith::SelectOp::create(b, loc, isNeg, negative, x);
}

static Value relu(OpBuilder &b, Location loc, nn::ReluOp, ValueRange a) {
  if (isFloat(a[0]))
    return arith::MaximumFOp::create(b, loc, a[0], cst(b, loc, a[0], 0.0));
  return arith::MaxSIOp::create(b, loc, a[0], cst(b, loc, a[0], 0.0));
}

static Value leakyRelu(OpBuilder &b, Location loc, nn::LeakyReluOp op,
                       ValueRange a) {
  Value scaled =
      arith::MulFOp::create(b, loc, a[0], cst(b, loc, a[0], op.getAlpha()));
  return whereNegative(b, loc, a[0], scaled);
}

static Value prelu(OpBuilder &b, Location loc, nn::PReluOp, ValueRange a) {
  if (!isFloat(a[0])) {
    Value isNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, a[0],
                                        cst(b, loc, a[0], 0));
    return arith::SelectOp::create(
        b, loc, isNeg, arith::MulIOp::create(b, loc, a[0], a[1]), a[0]);
  }
  return whereNegative(b, loc, a[0], arith::MulFOp::create(b, loc, a[0], a[1]));
}

static Value elu(OpBuilder &b, Location loc, nn::EluOp op, ValueRange a) {
  Value em1 = math::ExpM1Op::create(b, loc, a[0]);
  Value neg =
      arith::MulFOp::create(b, loc, em1, cst(b, loc, a[0], op.getAlpha()));
  return whereNegative(b, loc, a[0], neg);
}

static Value selu(OpBuilder &b, Location loc, nn::SeluOp op, ValueRange a) {
  Value x = a[0];
  Value em1 = math::ExpM1Op::create(b, loc, x);
  Value neg = arith::MulFOp::create(b, loc, em1, cst(b, loc, x, op.getAlpha()));
  Value isPos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                      cst(b, loc, x, 0.0));
  Value y = arith::SelectOp::create(b, loc, isPos, x, neg);
  return arith::MulFOp::create(b, loc, y, cst(b, loc, x, op.getGamma()));
}

static Value sigmoidBody(OpBuilder &b, Location loc, nn::SigmoidOp,
                         ValueRange a) {
  return sigmoid(b, loc, a[0]);
}

static Value hardSigmoid(OpBuilder &b, Location loc, nn::HardSigmoidOp op,
                         ValueRange a) {
  Value x =
      arith::MulFOp::create(b, loc, a[0], cst(b, loc, a[0], op.getAlpha()));
  x = arith::AddFOp::create(b, loc, x, cst(b, loc, a[0], op.getBeta()));
  return clamp01(b, loc, x);
}

static Value hardSwish(OpBuilder &b, Location loc, nn::HardSwishOp,
                       ValueRange a) {
  Value x = arith::MulFOp::create(b, loc, a[0], cst(b, loc, a[0], 1.0 / 6.0));
  x = clamp01(b, loc, arith::AddFOp::create(b, loc, x, cst(b, loc, a[0], 0.5)));
  return arith::MulFOp::create(b, loc, a[0], x);
}

static Value silu(OpBuilder &b, Location loc, nn::SiluOp, ValueRange a) {
  return arith::MulFOp::create(b, loc, a[0], sigmoid(b, loc, a[0]));
}

/// 0.5 * x * (1 + erf(x / sqrt(2))), or with tanh(sqrt(2 / pi) * (x +
/// 0.044715 * x^3)) in place of the erf term.
static Value gelu(OpBuilder &b, Location loc, nn::GeluOp op, ValueRange a) {
  Value x = a[0];
  Value inner;
  if (op.getApproximate() == "tanh") {
    Value x3 =
        arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value sum = arith::AddFOp::create(
        b, loc, x, arith::MulFOp::create(b, loc, x3, cst(b, loc, x, 0.044715)));
    Value arg = arith::MulFOp::create(
        b, loc, sum, cst(b, loc, x, 0.7978845608028654 /* sqrt(2/pi) */));
    inner = math::TanhOp::create(b, loc, arg);
  } else {
    inner = math::ErfOp::create(
        b, loc,
        arith::MulFOp::create(
            b, loc, x, cst(b, loc, x, 0.7071067811865476 /* 1/sqrt(2) */)));
  }
  Value onePlus = arith::AddFOp::create(b, loc, inner, cst(b, loc, x, 1.0));
  Value half = arith::MulFOp::create(b, loc, x, cst(b, loc, x, 0.5));
  return arith::MulFOp::create(b, loc, half, onePlus);
}

static Value softplus(OpBuilder &b, Location loc, nn::SoftplusOp,
                      ValueRange a) {
  return math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, a[0]));
}

//===----------------------------------------------------------------------===//
// Other unary math, logic and Cast
//===----------------------------------------------------------------------===//

static Value reciprocal(OpBuilder &b, Location loc, nn::ReciprocalOp,
                        ValueRange a) {
  return arith::DivFOp::create(b, loc, cst(b, loc, a[0], 1.0), a[0]);
}

static Value absolute(OpBuilder &b, Location loc, nn::AbsOp op, ValueRange a) {
  if (isFloat(a[0]))
    return math::AbsFOp::create(b, loc, a[0]);
  if (isUnsignedElement(op.getX()))
    return a[0];
  return math::AbsIOp::create(b, loc, a[0]);
}

static Value neg(OpBuilder &b, Location loc, nn::NegOp, ValueRange a) {
  if (isFloat(a[0]))
    return arith::NegFOp::create(b, loc, a[0]);
  return arith::SubIOp::create(b, loc, cst(b, loc, a[0], 0), a[0]);
}

/// 1 for x > 0, -1 for x < 0, x itself otherwise (0, -0 and NaN stay).
static Value sign(OpBuilder &b, Location loc, nn::SignOp op, ValueRange a) {
  Value x = a[0], zero = cst(b, loc, x, 0.0);
  Value one = cst(b, loc, x, 1.0);
  if (!isFloat(x) && isUnsignedElement(op.getInput()))
    return arith::SelectOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, zero), one,
        zero);
  Value positive, negative;
  if (isFloat(x)) {
    positive =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero);
    negative =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
  } else {
    positive =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, x, zero);
    negative =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
  }
  Value rest =
      arith::SelectOp::create(b, loc, negative, cst(b, loc, x, -1.0), x);
  return arith::SelectOp::create(b, loc, positive, one, rest);
}

/// x / (1 + |x|)
static Value softsign(OpBuilder &b, Location loc, nn::SoftsignOp,
                      ValueRange a) {
  Value denominator = arith::AddFOp::create(b, loc, cst(b, loc, a[0], 1.0),
                                            math::AbsFOp::create(b, loc, a[0]));
  return arith::DivFOp::create(b, loc, a[0], denominator);
}

/// x < -lambd ? x + bias : x > lambd ? x - bias : 0, in the input's type (an
/// integer input takes the attributes converted to its type, as ONNX's
/// reference does).
static Value shrink(OpBuilder &b, Location loc, nn::ShrinkOp op, ValueRange a) {
  Value x = a[0];
  double lambd = op.getLambd().convertToDouble();
  double bias = op.getBias().convertToDouble();
  Value below, above, plus, minus;
  if (isFloat(x)) {
    below = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                  cst(b, loc, x, -lambd));
    above = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                  cst(b, loc, x, lambd));
    plus = arith::AddFOp::create(b, loc, x, cst(b, loc, x, bias));
    minus = arith::SubFOp::create(b, loc, x, cst(b, loc, x, bias));
  } else {
    bool isUnsigned = isUnsignedElement(op.getInput());
    below = arith::CmpIOp::create(b, loc,
                                  isUnsigned ? arith::CmpIPredicate::ult
                                             : arith::CmpIPredicate::slt,
                                  x, cst(b, loc, x, -lambd));
    above = arith::CmpIOp::create(b, loc,
                                  isUnsigned ? arith::CmpIPredicate::ugt
                                             : arith::CmpIPredicate::sgt,
                                  x, cst(b, loc, x, lambd));
    plus = arith::AddIOp::create(b, loc, x, cst(b, loc, x, bias));
    minus = arith::SubIOp::create(b, loc, x, cst(b, loc, x, bias));
  }
  Value rest =
      arith::SelectOp::create(b, loc, above, minus, cst(b, loc, x, 0.0));
  return arith::SelectOp::create(b, loc, below, plus, rest);
}

/// x > alpha ? x : 0
static Value thresholdedRelu(OpBuilder &b, Location loc,
                             nn::ThresholdedReluOp op, ValueRange a) {
  Value above =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0],
                            cst(b, loc, a[0], op.getAlpha().convertToDouble()));
  return arith::SelectOp::create(b, loc, above, a[0], cst(b, loc, a[0], 0.0));
}

static Value logicalNot(OpBuilder &b, Location loc, nn::NotOp, ValueRange a) {
  return arith::XOrIOp::create(b, loc, a[0], cst(b, loc, a[0], 1));
}

static Value castElement(OpBuilder &b, Location loc, nn::CastOp op,
                         ValueRange a) {
  Type to = getElementTypeOrSelf(op.getOutput().getType());
  Type signlessTo =
      to.isUnsignedInteger()
          ? IntegerType::get(b.getContext(), to.getIntOrFloatBitWidth())
          : to;
  return castScalar(b, loc, a[0], signlessTo, isUnsignedElement(op.getInput()),
                    to.isUnsignedInteger());
}

static Value castLikeElement(OpBuilder &b, Location loc, nn::CastLikeOp op,
                             ValueRange a) {
  Type to = getElementTypeOrSelf(op.getOutput().getType());
  Type signlessTo =
      to.isUnsignedInteger()
          ? IntegerType::get(b.getContext(), to.getIntOrFloatBitWidth())
          : to;
  return castScalar(b, loc, a[0], signlessTo, isUnsignedElement(op.getInput()),
                    to.isUnsignedInteger());
}

/// |x| == inf, restricted to the signs the attributes detect.
static Value isInf(OpBuilder &b, Location loc, nn::IsInfOp op, ValueRange a) {
  Value x = a[0];
  Value result = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  double inf = std::numeric_limits<double>::infinity();
  for (auto [detect, value] : {std::pair(op.getDetectPositive(), inf),
                               std::pair(op.getDetectNegative(), -inf)}) {
    if (detect == 0)
      continue;
    result = arith::OrIOp::create(
        b, loc, result,
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x,
                              cst(b, loc, x, value)));
  }
  return result;
}

static Value isNaN(OpBuilder &b, Location loc, nn::IsNaNOp, ValueRange a) {
  return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, a[0], a[0]);
}

/// max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
static Value celu(OpBuilder &b, Location loc, nn::CeluOp op, ValueRange a) {
  Value x = a[0], zero = cst(b, loc, x, 0.0);
  Value alpha = cst(b, loc, x, op.getAlpha());
  Value em1 =
      math::ExpM1Op::create(b, loc, arith::DivFOp::create(b, loc, x, alpha));
  Value negative = arith::MinimumFOp::create(
      b, loc, zero, arith::MulFOp::create(b, loc, alpha, em1));
  return arith::AddFOp::create(
      b, loc, arith::MaximumFOp::create(b, loc, x, zero), negative);
}

//===----------------------------------------------------------------------===//
// Binary and variadic arithmetic, Where
//===----------------------------------------------------------------------===//

/// Mod. fmod = 1 is C's fmod (the dividend's sign; floats and integers);
/// fmod = 0 (integers only) is numpy's remainder, with the divisor's sign. An
/// integer remainder by 0 is 0 (as numpy's), and by -1 is 0 (no overflow
/// trap for the smallest value). Narrow floats compute in f32, which is exact.
static Value mod(OpBuilder &b, Location loc, nn::ModOp op, ValueRange a) {
  Value x = a[0], y = a[1];
  if (isFloat(x)) {
    Type type = x.getType();
    Type wide = type.getIntOrFloatBitWidth() < 32 ? b.getF32Type() : type;
    Value r =
        arith::RemFOp::create(b, loc, castScalar(b, loc, x, wide, false, false),
                              castScalar(b, loc, y, wide, false, false));
    return castScalar(b, loc, r, type, false, false);
  }
  Value zero = cst(b, loc, x, 0), one = cst(b, loc, x, 1);
  if (isUnsignedElement(op.getA())) {
    Value isZero =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, zero);
    Value safe = arith::SelectOp::create(b, loc, isZero, one, y);
    return arith::SelectOp::create(b, loc, isZero, zero,
                                   arith::RemUIOp::create(b, loc, x, safe));
  }
  Value trivial = arith::OrIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, zero),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y,
                            cst(b, loc, x, -1)));
  Value safe = arith::SelectOp::create(b, loc, trivial, one, y);
  Value r = arith::RemSIOp::create(b, loc, x, safe);
  if (op.getFmod() == 0) {
    // A nonzero remainder whose sign differs from the divisor's moves by
    // one divisor.
    Value rNeg =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, zero);
    Value yNeg =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, safe, zero);
    Value differ = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, r, zero),
        arith::XOrIOp::create(b, loc, rNeg, yNeg));
    r = arith::SelectOp::create(b, loc, differ,
                                arith::AddIOp::create(b, loc, r, safe), r);
  }
  return arith::SelectOp::create(b, loc, trivial, zero, r);
}

/// BitShift of unsigned integers; a shift by the bit width or more gives 0.
static Value bitShift(OpBuilder &b, Location loc, nn::BitShiftOp op,
                      ValueRange a) {
  Value x = a[0], amount = a[1];
  Value tooFar = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::uge, amount,
      cst(b, loc, x, static_cast<double>(x.getType().getIntOrFloatBitWidth())));
  Value shifted = op.getDirection() == "LEFT"
                      ? Value(arith::ShLIOp::create(b, loc, x, amount))
                      : Value(arith::ShRUIOp::create(b, loc, x, amount));
  return arith::SelectOp::create(b, loc, tooFar, cst(b, loc, x, 0), shifted);
}

static Value mean(OpBuilder &b, Location loc, nn::MeanOp op, ValueRange a) {
  Value sum =
      arithBinary<nn::MeanOp, arith::AddFOp, arith::AddIOp>(b, loc, op, a);
  return arith::DivFOp::create(b, loc, sum, cst(b, loc, sum, (double)a.size()));
}

static Value power(OpBuilder &b, Location loc, nn::PowOp op, ValueRange a) {
  Value base = a[0], exponent = a[1];
  bool baseUnsigned = isUnsignedElement(op.getX());
  bool exponentUnsigned = isUnsignedElement(op.getY());
  if (isFloat(base)) {
    if (!isFloat(exponent))
      exponent =
          castScalar(b, loc, exponent, base.getType(), exponentUnsigned, false);
    else if (exponent.getType() != base.getType())
      exponent = castScalar(b, loc, exponent, base.getType(), false, false);
    return math::PowFOp::create(b, loc, base, exponent);
  }
  // Integer base: compute in f64 and truncate, as the ONNX reference does.
  Type f64 = b.getF64Type();
  Value fb = castScalar(b, loc, base, f64, baseUnsigned, false);
  Value fe = castScalar(b, loc, exponent, f64, exponentUnsigned, false);
  Value r = math::PowFOp::create(b, loc, fb, fe);
  return castScalar(b, loc, r, base.getType(), false, baseUnsigned);
}

static Value where(OpBuilder &b, Location loc, nn::WhereOp, ValueRange a) {
  return arith::SelectOp::create(b, loc, a[0], a[1], a[2]);
}

//===----------------------------------------------------------------------===//
// Clip, Dropout, Identity
//===----------------------------------------------------------------------===//

/// Clip: min and max are optional scalar operands, read once outside the loop.
static FailureOr<Value> lowerClip(nn::ClipOp op, nn::ClipOp::Adaptor adaptor,
                                  RankedTensorType type,
                                  ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value lo, hi;
  if (!isa<NoneType>(adaptor.getMin().getType()))
    lo = extractScalar(rewriter, loc, adaptor.getMin());
  if (!isa<NoneType>(adaptor.getMax().getType()))
    hi = extractScalar(rewriter, loc, adaptor.getMax());
  bool isUnsigned = isUnsignedElement(op.getInput());
  return buildElementwise(
      rewriter, loc, type, adaptor.getInput(),
      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        Value x = a[0];
        if (isFloat(x)) {
          if (lo)
            x = arith::MaxNumFOp::create(b, l, x, lo);
          if (hi)
            x = arith::MinNumFOp::create(b, l, x, hi);
          return x;
        }
        if (lo)
          x = isUnsigned ? Value(arith::MaxUIOp::create(b, l, x, lo))
                         : Value(arith::MaxSIOp::create(b, l, x, lo));
        if (hi)
          x = isUnsigned ? Value(arith::MinUIOp::create(b, l, x, hi))
                         : Value(arith::MinSIOp::create(b, l, x, hi));
        return x;
      });
}

/// Inference-mode Dropout: its data copied by an elementwise generic (over
/// every present operand, like the other elementwise ops) and an all-true
/// mask.
struct DropoutOpLowering : public OpConversionPattern<nn::DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    if (!nn::isNone(op.getTrainingMode())) {
      std::optional<SmallVector<int64_t>> mode =
          nn::getConstantInts(op.getTrainingMode());
      if (!mode || mode->size() != 1 || (*mode)[0] != 0)
        return rewriter.notifyMatchFailure(op, "training-mode Dropout");
    }
    Location loc = op.getLoc();
    const TypeConverter &converter = *getTypeConverter();
    SmallVector<Value> inputs;
    for (Value v : adaptor.getOperands())
      if (!isa<NoneType>(v.getType()))
        inputs.push_back(v);
    Value output = buildElementwise(
        rewriter, loc, getConvertedType(converter, op.getOutput()), inputs,
        [](OpBuilder &, Location, ValueRange a) { return a[0]; });
    RankedTensorType maskType = getConvertedType(converter, op.getMask());
    Value mask = createFilled(
        rewriter, loc, maskType,
        scalarConstant(rewriter, loc, maskType.getElementType(), 1));
    rewriter.replaceOp(op, {output, mask});
    return success();
  }
};

/// Identity forwards its input.
struct IdentityOpLowering : public OpConversionPattern<nn::IdentityOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::IdentityOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

} // namespace

void tessera::populateNNElementwiseToLinalgPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  using namespace arith;
  patterns.add<
      // Activations.
      ElementwiseLowering<nn::ReluOp, relu>,
      ElementwiseLowering<nn::LeakyReluOp, leakyRelu>,
      ElementwiseLowering<nn::PReluOp, prelu>,
      ElementwiseLowering<nn::EluOp, elu>,
      ElementwiseLowering<nn::SeluOp, selu>,
      ElementwiseLowering<nn::SigmoidOp, sigmoidBody>,
      ElementwiseLowering<nn::HardSigmoidOp, hardSigmoid>,
      ElementwiseLowering<nn::HardSwishOp, hardSwish>,
      ElementwiseLowering<nn::SoftplusOp, softplus>,
      ElementwiseLowering<nn::SiluOp, silu>,
      ElementwiseLowering<nn::GeluOp, gelu>,
      // Unary math, logic and Cast.
      MathLowering<nn::TanhOp, math::TanhOp>,
      MathLowering<nn::ErfOp, math::ErfOp>,
      MathLowering<nn::ExpOp, math::ExpOp>,
      MathLowering<nn::LogOp, math::LogOp>,
      MathLowering<nn::SqrtOp, math::SqrtOp>,
      MathLowering<nn::FloorOp, math::FloorOp>,
      MathLowering<nn::CeilOp, math::CeilOp>,
      MathLowering<nn::RoundOp, math::RoundEvenOp>,
      MathLowering<nn::SinOp, math::SinOp>,
      MathLowering<nn::CosOp, math::CosOp>,
      MathLowering<nn::TanOp, math::TanOp>,
      MathLowering<nn::AsinOp, math::AsinOp>,
      MathLowering<nn::AcosOp, math::AcosOp>,
      MathLowering<nn::AtanOp, math::AtanOp>,
      MathLowering<nn::SinhOp, math::SinhOp>,
      MathLowering<nn::CoshOp, math::CoshOp>,
      MathLowering<nn::AsinhOp, math::AsinhOp>,
      MathLowering<nn::AcoshOp, math::AcoshOp>,
      MathLowering<nn::AtanhOp, math::AtanhOp>,
      ElementwiseLowering<nn::SignOp, sign>,
      ElementwiseLowering<nn::SoftsignOp, softsign>,
      ElementwiseLowering<nn::ShrinkOp, shrink>,
      ElementwiseLowering<nn::ThresholdedReluOp, thresholdedRelu>,
      ElementwiseLowering<nn::ReciprocalOp, reciprocal>,
      ElementwiseLowering<nn::AbsOp, absolute>,
      ElementwiseLowering<nn::NegOp, neg>,
      ElementwiseLowering<nn::NotOp, logicalNot>,
      ElementwiseLowering<nn::CastOp, castElement>,
      ElementwiseLowering<nn::CastLikeOp, castLikeElement>,
      ElementwiseLowering<nn::IsInfOp, isInf>,
      ElementwiseLowering<nn::IsNaNOp, isNaN>,
      ElementwiseLowering<nn::CeluOp, celu>,
      ElementwiseLowering<nn::ModOp, mod>,
      ElementwiseLowering<nn::BitShiftOp, bitShift>,
      // Binary and variadic arithmetic, comparisons, Where.
      ArithLowering<nn::AddOp, AddFOp, AddIOp>,
      ArithLowering<nn::SumOp, AddFOp, AddIOp>,
      ArithLowering<nn::SubOp, SubFOp, SubIOp>,
      ArithLowering<nn::MulOp, MulFOp, MulIOp>,
      ArithLowering<nn::DivOp, DivFOp, DivSIOp, DivUIOp>,
      ArithLowering<nn::MaxOp, MaximumFOp, MaxSIOp, MaxUIOp>,
      ArithLowering<nn::MinOp, MinimumFOp, MinSIOp, MinUIOp>,
      ArithLowering<nn::AndOp, AndIOp, AndIOp>,
      ArithLowering<nn::OrOp, OrIOp, OrIOp>,
      ArithLowering<nn::XorOp, XOrIOp, XOrIOp>,
      ElementwiseLowering<nn::MeanOp, mean>,
      ElementwiseLowering<nn::PowOp, power>,
      CompareLowering<nn::EqualOp, CmpFPredicate::OEQ, CmpIPredicate::eq,
                      CmpIPredicate::eq>,
      CompareLowering<nn::LessOp, CmpFPredicate::OLT, CmpIPredicate::slt,
                      CmpIPredicate::ult>,
      CompareLowering<nn::GreaterOp, CmpFPredicate::OGT, CmpIPredicate::sgt,
                      CmpIPredicate::ugt>,
      CompareLowering<nn::GreaterOrEqualOp, CmpFPredicate::OGE,
                      CmpIPredicate::sge, CmpIPredicate::uge>,
      CompareLowering<nn::LessOrEqualOp, CmpFPredicate::OLE, CmpIPredicate::sle,
                      CmpIPredicate::ule>,
      ElementwiseLowering<nn::WhereOp, where>,
      // Clip, Dropout, Identity.
      SingleResultLowering<nn::ClipOp, lowerClip>, DropoutOpLowering,
      IdentityOpLowering>(converter, patterns.getContext());
}
