//===- Elementwise.cpp - nn elementwise ops to linalg.generic ---------------===//
//
// Part of Tessera. Unary math, activations, broadcasting binary and variadic
// ops, comparisons, logic, Where, Clip, Cast and Identity/Dropout. Each is one
// broadcasting `linalg.generic` whose body is built by a small function.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/IR/TypeUtilities.h"

#include <functional>

using namespace mlir;
using namespace tessera;
using namespace tessera::nn_to_linalg;

namespace {

/// Builds the scalar result from the scalar operands; `op` is the original nn
/// op (attributes, original signedness).
using BodyFn =
    std::function<Value(OpBuilder &, Location, Operation *, ValueRange)>;

static bool isFloat(Value v) { return isa<FloatType>(v.getType()); }

static Value cst(OpBuilder &b, Location loc, Value like, double v) {
  return scalarConstant(b, loc, like.getType(), v);
}

static double floatAttr(Operation *op, StringRef name, double dflt) {
  auto attr = op->getAttrOfType<FloatAttr>(name);
  return attr ? attr.getValueAsDouble() : dflt;
}

struct ElementwiseLowering : public ConversionPattern {
  ElementwiseLowering(const TypeConverter &converter, MLIRContext *ctx,
                      StringRef name, BodyFn body)
      : ConversionPattern(converter, name, /*benefit=*/1, ctx),
        body(std::move(body)) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    // Only inference-mode Dropout is the identity.
    if (auto dropout = dyn_cast<nn::DropoutOp>(op)) {
      if (!nn::isNone(dropout.getTrainingMode())) {
        std::optional<SmallVector<int64_t>> mode =
            nn::getConstantInts(dropout.getTrainingMode());
        if (!mode || mode->size() != 1 || (*mode)[0] != 0)
          return rewriter.notifyMatchFailure(op, "training-mode Dropout");
      }
    }
    RankedTensorType resultType =
        getConvertedType(*getTypeConverter(), op->getResult(0));
    SmallVector<Value> inputs;
    for (Value v : operands)
      if (!isa<NoneType>(v.getType()))
        inputs.push_back(v);
    Value result = buildElementwise(
        rewriter, op->getLoc(), resultType, inputs,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return body(b, loc, op, args);
        });
    SmallVector<Value> results = {result};
    // Dropout's mask (inference mode) is all true.
    for (Value extra : op->getResults().drop_front()) {
      RankedTensorType type = getConvertedType(*getTypeConverter(), extra);
      results.push_back(createFilled(
          rewriter, op->getLoc(), type,
          scalarConstant(rewriter, op->getLoc(), type.getElementType(), 1)));
    }
    rewriter.replaceOp(op, results);
    return success();
  }

  BodyFn body;
};

/// A binary op whose float and integer forms differ (signed and unsigned
/// integers too).
template <typename FOp, typename SOp, typename UOp = SOp>
static BodyFn arithBinary() {
  return [](OpBuilder &b, Location loc, Operation *op, ValueRange a) -> Value {
    Value acc = a[0];
    for (Value next : a.drop_front()) {
      if (isFloat(acc))
        acc = FOp::create(b, loc, acc, next);
      else if (isUnsignedElement(op->getOperand(0)))
        acc = UOp::create(b, loc, acc, next);
      else
        acc = SOp::create(b, loc, acc, next);
    }
    return acc;
  };
}

static BodyFn compare(arith::CmpFPredicate f, arith::CmpIPredicate s,
                      arith::CmpIPredicate u) {
  return [=](OpBuilder &b, Location loc, Operation *op, ValueRange a) -> Value {
    if (isFloat(a[0]))
      return arith::CmpFOp::create(b, loc, f, a[0], a[1]);
    return arith::CmpIOp::create(
        b, loc, isUnsignedElement(op->getOperand(0)) ? u : s, a[0], a[1]);
  };
}

template <typename MathOp>
static BodyFn mathUnary() {
  return [](OpBuilder &b, Location loc, Operation *, ValueRange a) -> Value {
    return MathOp::create(b, loc, a[0]);
  };
}

static Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Value one = cst(b, loc, x, 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
}

static Value clamp01(OpBuilder &b, Location loc, Value x) {
  Value lo = arith::MaximumFOp::create(b, loc, x, cst(b, loc, x, 0.0));
  return arith::MinimumFOp::create(b, loc, lo, cst(b, loc, x, 1.0));
}

/// x < 0 ? negative(x) : x
static Value whereNegative(OpBuilder &b, Location loc, Value x, Value negative) {
  Value isNeg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                      cst(b, loc, x, 0.0));
  return arith::SelectOp::create(b, loc, isNeg, negative, x);
}

/// Clip: min and max are optional scalar operands, read once outside the loop.
struct ClipLowering : public OpConversionPattern<nn::ClipOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(nn::ClipOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticResults(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType type = getConvertedType(*getTypeConverter(), op.getOutput());
    Value lo, hi;
    if (!isa<NoneType>(adaptor.getMin().getType()))
      lo = extractScalar(rewriter, loc, adaptor.getMin());
    if (!isa<NoneType>(adaptor.getMax().getType()))
      hi = extractScalar(rewriter, loc, adaptor.getMax());
    bool isUnsigned = isUnsignedElement(op.getInput());
    Value result = buildElementwise(
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
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Identity and inference-mode Dropout forward their input.
template <typename OpTy>
struct ForwardLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "multi-result forwarding");
    rewriter.replaceOp(op, adaptor.getOperands()[0]);
    return success();
  }
};

} // namespace

void tessera::populateNNElementwiseToLinalgPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  auto add = [&](StringRef name, BodyFn body) {
    patterns.add<ElementwiseLowering>(converter, ctx, name, std::move(body));
  };
  using namespace arith;

  add("nn.relu", [](OpBuilder &b, Location loc, Operation *, ValueRange a) -> Value {
    if (isFloat(a[0]))
      return MaximumFOp::create(b, loc, a[0], cst(b, loc, a[0], 0.0));
    return MaxSIOp::create(b, loc, a[0], cst(b, loc, a[0], 0.0));
  });
  add("nn.leaky_relu", [](OpBuilder &b, Location loc, Operation *op, ValueRange a) -> Value {
    Value scaled = MulFOp::create(b, loc, a[0], cst(b, loc, a[0], floatAttr(op, "alpha", 0.01)));
    return whereNegative(b, loc, a[0], scaled);
  });
  add("nn.prelu", [](OpBuilder &b, Location loc, Operation *, ValueRange a) -> Value {
    if (!isFloat(a[0])) {
      Value isNeg = CmpIOp::create(b, loc, CmpIPredicate::slt, a[0], cst(b, loc, a[0], 0));
      return SelectOp::create(b, loc, isNeg, MulIOp::create(b, loc, a[0], a[1]), a[0]);
    }
    return whereNegative(b, loc, a[0], MulFOp::create(b, loc, a[0], a[1]));
  });
  add("nn.elu", [](OpBuilder &b, Location loc, Operation *op, ValueRange a) -> Value {
    Value em1 = math::ExpM1Op::create(b, loc, a[0]);
    Value neg = MulFOp::create(b, loc, em1, cst(b, loc, a[0], floatAttr(op, "alpha", 1.0)));
    return whereNegative(b, loc, a[0], neg);
  });
  add("nn.selu", [](OpBuilder &b, Location loc, Operation *op, ValueRange a) -> Value {
    double alpha = floatAttr(op, "alpha", 1.67326319217681884765625);
    double gamma = floatAttr(op, "gamma", 1.05070102214813232421875);
    Value x = a[0];
    Value em1 = math::ExpM1Op::create(b, loc, x);
    Value neg = MulFOp::create(b, loc, em1, cst(b, loc, x, alpha));
    Value isPos = CmpFOp::create(b, loc, CmpFPredicate::OGT, x, cst(b, loc, x, 0.0));
    Value y = SelectOp::create(b, loc, isPos, x, neg);
    return MulFOp::create(b, loc, y, cst(b, loc, x, gamma));
  });
  add("nn.sigmoid", [](OpBuilder &b, Location loc, Operation *, ValueRange a) -> Value {
    return sigmoid(b, loc, a[0]);
  });
  add("nn.hard_sigmoid", [](OpBuilder &b, Location loc, Operation *op, ValueRange a) -> Value {
    Value x = MulFOp::create(b, loc, a[0], cst(b, loc, a[0], floatAttr(op, "alpha", 0.2)));
    x = AddFOp::create(b, loc, x, cst(b, loc, a[0], floatAttr(op, "beta", 0.5)));
    return clamp01(b, loc, x);
  });
  add("nn.hard_swish", [](OpBuilder &b, Location loc, Operation *, ValueRange a) -> Value {
    Value x = MulFOp::create(b, loc, a[0], cst(b, loc, a[0], 1.0 / 6.0));
    x = clamp01(b, loc, AddFOp::create(b, loc, x, cst(b, loc, a[0], 0.5)));
    return MulFOp::create(b, loc, a[0], x);
  });
  add("nn.softplus", [](OpBuilder &b, Location loc, Operation *, ValueRange a) -> Value {
    return math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, a[0]));
  });
  add("nn.tanh", mathUnary<math::TanhOp>());
  add("nn.erf", mathUnary<math::ErfOp>());
  add("nn.exp", mathUnary<math::ExpOp>());
  add("nn.log", mathUnary<math::LogOp>());
  add("nn.sqrt", mathUnary<math::SqrtOp>());
  add("nn.floor", mathUnary<math::FloorOp>());
  add("nn.ceil", mathUnary<math::CeilOp>());
  add("nn.round", mathUnary<math::RoundEvenOp>());
  add("nn.reciprocal", [](OpBuilder &b, Location loc, Operation *, ValueRange a) -> Value {
    return DivFOp::create(b, loc, cst(b, loc, a[0], 1.0), a[0]);
  });
  add("nn.abs", [](OpBuilder &b, Location loc, Operation *op, ValueRange a) -> Value {
    if (isFloat(a[0]))
      return math::AbsFOp::create(b, loc, a[0]);
    if (isUnsignedElement(op->getOperand(0)))
      return a[0];
    return math::AbsIOp::create(b, loc, a[0]);
  });
  add("nn.neg", [](OpBuilder &b, Location loc, Operation *, ValueRange a) -> Value {
    if (isFloat(a[0]))
      return NegFOp::create(b, loc, a[0]);
    return SubIOp::create(b, loc, cst(b, loc, a[0], 0), a[0]);
  });
  add("nn.not", [](OpBuilder &b, Location loc, Operation *, ValueRange a) -> Value {
    return XOrIOp::create(b, loc, a[0], cst(b, loc, a[0], 1));
  });
  add("nn.cast", [](OpBuilder &b, Location loc, Operation *op, ValueRange a) -> Value {
    Type to = getElementTypeOrSelf(op->getResult(0).getType());
    Type signlessTo = to.isUnsignedInteger()
                          ? IntegerType::get(b.getContext(), to.getIntOrFloatBitWidth())
                          : to;
    return castScalar(b, loc, a[0], signlessTo, isUnsignedElement(op->getOperand(0)),
                      to.isUnsignedInteger());
  });

  add("nn.add", arithBinary<AddFOp, AddIOp>());
  add("nn.sum", arithBinary<AddFOp, AddIOp>());
  add("nn.sub", arithBinary<SubFOp, SubIOp>());
  add("nn.mul", arithBinary<MulFOp, MulIOp>());
  add("nn.div", arithBinary<DivFOp, DivSIOp, DivUIOp>());
  add("nn.max", arithBinary<MaximumFOp, MaxSIOp, MaxUIOp>());
  add("nn.min", arithBinary<MinimumFOp, MinSIOp, MinUIOp>());
  add("nn.and", arithBinary<AndIOp, AndIOp>());
  add("nn.or", arithBinary<OrIOp, OrIOp>());
  add("nn.mean", [](OpBuilder &b, Location loc, Operation *op, ValueRange a) -> Value {
    Value sum = arithBinary<AddFOp, AddIOp>()(b, loc, op, a);
    return DivFOp::create(b, loc, sum, cst(b, loc, sum, (double)a.size()));
  });
  add("nn.pow", [](OpBuilder &b, Location loc, Operation *op, ValueRange a) -> Value {
    Value base = a[0], exponent = a[1];
    if (isFloat(base)) {
      if (!isFloat(exponent))
        exponent = castScalar(b, loc, exponent, base.getType(),
                              isUnsignedElement(op->getOperand(1)), false);
      else if (exponent.getType() != base.getType())
        exponent = castScalar(b, loc, exponent, base.getType(), false, false);
      return math::PowFOp::create(b, loc, base, exponent);
    }
    // Integer base: compute in f64 and truncate, as the ONNX reference does.
    Type f64 = b.getF64Type();
    Value fb = castScalar(b, loc, base, f64, isUnsignedElement(op->getOperand(0)), false);
    Value fe = castScalar(b, loc, exponent, f64, isUnsignedElement(op->getOperand(1)), false);
    Value r = math::PowFOp::create(b, loc, fb, fe);
    return castScalar(b, loc, r, base.getType(), false, isUnsignedElement(op->getOperand(0)));
  });
  add("nn.equal", compare(CmpFPredicate::OEQ, CmpIPredicate::eq, CmpIPredicate::eq));
  add("nn.less", compare(CmpFPredicate::OLT, CmpIPredicate::slt, CmpIPredicate::ult));
  add("nn.greater", compare(CmpFPredicate::OGT, CmpIPredicate::sgt, CmpIPredicate::ugt));
  add("nn.where", [](OpBuilder &b, Location loc, Operation *, ValueRange a) -> Value {
    return SelectOp::create(b, loc, a[0], a[1], a[2]);
  });
  add("nn.dropout", [](OpBuilder &, Location, Operation *, ValueRange a) -> Value {
    return a[0];
  });

  patterns.add<ClipLowering, ForwardLowering<nn::IdentityOp>>(converter, ctx);
}
