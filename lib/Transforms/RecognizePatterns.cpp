//===- RecognizePatterns.cpp - decomposed activations to single nn ops ----===//
//
// Part of Tessera. Implements `tessera-recognize-patterns`: SiLU, HardSwish
// and Gelu written as products (in any grouping), LayerNormalization written
// as reductions and arithmetic, and Softmax written as Exp / ReduceSum, each
// become one op with the FusedLoc of every op matched.
//
//===----------------------------------------------------------------------===//

#include "ConstantUtils.h"

#include "tessera/Transforms/Passes.h"

#include "NN/NNShapeUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace tessera {
#define GEN_PASS_DEF_RECOGNIZEPATTERNS
#include "tessera/Transforms/Passes.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera;
using namespace tessera::transforms;

namespace {

/// The ops a match absorbs, in no particular order, without duplicates.
struct Matched {
  SmallVector<Operation *> ops;
  void add(Operation *op) {
    if (op && !llvm::is_contained(ops, op))
      ops.push_back(op);
  }
  void addDef(Value v) { add(v.getDefiningOp()); }
  Location loc(PatternRewriter &rewriter) const {
    SmallVector<Location> locs;
    for (Operation *op : ops)
      locs.push_back(op->getLoc());
    return rewriter.getFusedLoc(locs);
  }
};

/// A product `coef * factors[0] * factors[1] * ...` read through Mul, Div by
/// a constant and Pow by a small integer constant, whose intermediates have
/// no other use.
struct Product {
  double coef = 1.0;
  SmallVector<Value> factors;
  Matched matched;
};

void collectProduct(Value v, bool isRoot, Product &p) {
  Operation *def = v.getDefiningOp();
  if (std::optional<double> c = getSplatValue(v)) {
    p.coef *= *c;
    p.matched.add(def);
    return;
  }
  if (def && (isRoot || v.hasOneUse())) {
    if (auto mul = dyn_cast<nn::MulOp>(def)) {
      p.matched.add(def);
      collectProduct(mul.getA(), false, p);
      collectProduct(mul.getB(), false, p);
      return;
    }
    if (auto div = dyn_cast<nn::DivOp>(def)) {
      std::optional<double> c = getSplatValue(div.getB());
      if (c && *c != 0.0) {
        p.matched.add(def);
        p.matched.addDef(div.getB());
        p.coef /= *c;
        collectProduct(div.getA(), false, p);
        return;
      }
    }
    if (auto pow = dyn_cast<nn::PowOp>(def)) {
      std::optional<double> e = getSplatValue(pow.getY());
      if (e && (*e == 2.0 || *e == 3.0)) {
        p.matched.add(def);
        p.matched.addDef(pow.getY());
        for (int i = 0; i < (int)*e; ++i)
          p.factors.push_back(pow.getX());
        return;
      }
    }
  }
  p.factors.push_back(v);
}

/// The product at `v` when its only non-constant factor is `x`, repeated
/// `times`.
std::optional<Product> productOf(Value v, Value x, int times) {
  Product p;
  collectProduct(v, /*isRoot=*/false, p);
  if ((int)p.factors.size() != times ||
      llvm::any_of(p.factors, [&](Value f) { return f != x; }))
    return std::nullopt;
  return p;
}

/// `1 + f` (either order, single use): returns f.
Value onePlus(Value v, Matched &m) {
  auto add = v.getDefiningOp<nn::AddOp>();
  if (!add || !v.hasOneUse())
    return {};
  for (auto [one, other] :
       {std::pair(add.getA(), add.getB()), std::pair(add.getB(), add.getA())}) {
    std::optional<double> c = getSplatValue(one);
    if (c && isClose(*c, 1.0)) {
      m.add(add);
      m.addDef(one);
      return other;
    }
  }
  return {};
}

/// Which op `x * g * coef` is, when it is one: the new op's name and
/// attributes are returned through `build`.
enum class Activation { None, Silu, HardSwish, Gelu, GeluTanh };

Activation classify(Value x, Value g, double coef, Matched &m) {
  Operation *def = g.getDefiningOp();
  if (!def || !g.hasOneUse())
    return Activation::None;
  if (auto sig = dyn_cast<nn::SigmoidOp>(def)) {
    if (sig.getX() != x || !isClose(coef, 1.0))
      return Activation::None;
    m.add(def);
    return Activation::Silu;
  }
  if (auto hs = dyn_cast<nn::HardSigmoidOp>(def)) {
    if (hs.getX() != x || !isClose(coef, 1.0) ||
        !isClose(hs.getAlpha().convertToDouble(), 1.0 / 6.0) ||
        !isClose(hs.getBeta().convertToDouble(), 0.5))
      return Activation::None;
    m.add(def);
    return Activation::HardSwish;
  }
  if (auto clip = dyn_cast<nn::ClipOp>(def)) {
    // x * clip(x + 3, 0, 6) / 6
    std::optional<double> lo = getSplatValue(clip.getMin()),
                          hi = getSplatValue(clip.getMax());
    auto add = clip.getInput().getDefiningOp<nn::AddOp>();
    if (!lo || *lo != 0.0 || !hi || !isClose(*hi, 6.0) || !add ||
        !clip.getInput().hasOneUse() || !isClose(coef, 1.0 / 6.0))
      return Activation::None;
    Value three = add.getA() == x ? add.getB() : add.getA();
    std::optional<double> c = getSplatValue(three);
    if ((add.getA() != x && add.getB() != x) || !c || !isClose(*c, 3.0))
      return Activation::None;
    for (Operation *op : {(Operation *)clip, (Operation *)add})
      m.add(op);
    m.addDef(clip.getMin());
    m.addDef(clip.getMax());
    m.addDef(three);
    return Activation::HardSwish;
  }
  if (!isa<nn::AddOp>(def) || !isClose(coef, 0.5))
    return Activation::None;
  Matched inner;
  Value f = onePlus(g, inner);
  if (!f || !f.hasOneUse())
    return Activation::None;
  if (auto erf = f.getDefiningOp<nn::ErfOp>()) {
    // erf(x / sqrt(2))
    std::optional<Product> u = productOf(erf.getInput(), x, 1);
    if (!u || !erf.getInput().hasOneUse() ||
        !isClose(u->coef, 0.7071067811865476))
      return Activation::None;
    inner.add(erf);
    for (Operation *op : u->matched.ops)
      inner.add(op);
    for (Operation *op : inner.ops)
      m.add(op);
    return Activation::Gelu;
  }
  if (auto tanh = f.getDefiningOp<nn::TanhOp>()) {
    // tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))
    Product u;
    collectProduct(tanh.getInput(), /*isRoot=*/false, u);
    if (u.factors.size() != 1 || !isClose(u.coef, 0.7978845608028654))
      return Activation::None;
    Value sum = u.factors.front();
    auto add = sum.getDefiningOp<nn::AddOp>();
    if (!add || !sum.hasOneUse())
      return Activation::None;
    Value cube = add.getA() == x ? add.getB() : add.getA();
    if (add.getA() != x && add.getB() != x)
      return Activation::None;
    std::optional<Product> c = productOf(cube, x, 3);
    if (!c || !cube.hasOneUse() || !isClose(c->coef, 0.044715))
      return Activation::None;
    inner.add(tanh);
    inner.add(add);
    for (const Matched *part : {&u.matched, &c->matched})
      for (Operation *op : part->ops)
        inner.add(op);
    for (Operation *op : inner.ops)
      m.add(op);
    return Activation::GeluTanh;
  }
  return Activation::None;
}

/// SiLU, HardSwish and Gelu: a product rooted at a Mul or Div.
template <typename OpTy> struct RecognizeActivation : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Value result = op->getResult(0);
    auto type = dyn_cast<RankedTensorType>(result.getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return failure();
    Product p;
    collectProduct(result, /*isRoot=*/true, p);
    if (p.factors.size() != 2)
      return failure();
    for (int i = 0; i < 2; ++i) {
      Value x = p.factors[i], g = p.factors[1 - i];
      if (x.getType() != type)
        continue;
      Matched m = p.matched;
      Activation kind = classify(x, g, p.coef, m);
      if (kind == Activation::None)
        continue;
      m.add(op);
      Location loc = m.loc(rewriter);
      Operation *replacement;
      switch (kind) {
      case Activation::Silu:
        replacement =
            nn::SiluOp::create(rewriter, loc, TypeRange{type}, ValueRange{x},
                               ArrayRef<NamedAttribute>{});
        break;
      case Activation::HardSwish:
        replacement =
            nn::HardSwishOp::create(rewriter, loc, TypeRange{type},
                                    ValueRange{x}, ArrayRef<NamedAttribute>{});
        break;
      default:
        replacement = nn::GeluOp::create(
            rewriter, loc, TypeRange{type}, ValueRange{x},
            ArrayRef<NamedAttribute>{rewriter.getNamedAttr(
                "approximate",
                rewriter.getStringAttr(
                    kind == Activation::GeluTanh ? "tanh" : "none"))});
        break;
      }
      rewriter.replaceOp(op, replacement->getResults());
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no activation pattern");
  }
};

//===----------------------------------------------------------------------===//
// LayerNormalization
//===----------------------------------------------------------------------===//

/// The normalized ReduceMean axes of `op` when they are the trailing ones
/// with keepdims: the first of them.
std::optional<int64_t> trailingAxes(nn::ReduceMeanOp op, int64_t rank) {
  if (op.getKeepdims() != 1)
    return std::nullopt;
  SmallVector<int64_t> axes;
  if (auto attr = op.getAxes())
    axes.assign(attr->begin(), attr->end());
  if (axes.empty())
    return 0;
  for (int64_t &a : axes) {
    if (a < -rank || a >= rank)
      return std::nullopt;
    if (a < 0)
      a += rank;
  }
  llvm::sort(axes);
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != rank - (int64_t)axes.size() + (int64_t)i)
      return std::nullopt;
  return axes.front();
}

/// A constant that varies only over dims [axis, rank) of `type` (the Scale
/// or B of LayerNormalization).
bool isNormalizedConstant(Value v, RankedTensorType type, int64_t axis) {
  auto c = dyn_cast<RankedTensorType>(v.getType());
  if (!isConstant(v) || !c || !c.hasStaticShape() ||
      c.getRank() > type.getRank() ||
      c.getElementType() != type.getElementType())
    return false;
  int64_t lead = type.getRank() - c.getRank();
  for (int64_t d = 0; d < c.getRank(); ++d)
    if (c.getDimSize(d) != 1 &&
        (lead + d < axis || c.getDimSize(d) != type.getDimSize(lead + d)))
      return false;
  return true;
}

/// The operand of binary `op` other than `v`, when it is a constant.
Value otherConstant(Operation *op, Value v) {
  Value other = op->getOperand(0) == v ? op->getOperand(1) : op->getOperand(0);
  return isConstant(other) ? other : Value();
}

struct RecognizeLayerNorm : OpRewritePattern<nn::DivOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(nn::DivOp div,
                                PatternRewriter &rewriter) const override {
    Matched m;
    m.add(div);
    auto sub = div.getA().getDefiningOp<nn::SubOp>();
    auto sqrt = div.getB().getDefiningOp<nn::SqrtOp>();
    if (!sub || !sqrt || !div.getB().hasOneUse())
      return failure();
    Value x = sub.getA(), d = div.getA();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    auto mean = sub.getB().getDefiningOp<nn::ReduceMeanOp>();
    if (!type || !type.hasStaticShape() || !type.getElementType().isF32() ||
        div.getType() != type || !mean || mean.getData() != x ||
        !sub.getB().hasOneUse())
      return failure();
    int64_t rank = type.getRank();
    std::optional<int64_t> axis = trailingAxes(mean, rank);
    if (!axis)
      return rewriter.notifyMatchFailure(div, "mean not over trailing axes");
    // sqrt(var + eps)
    auto addEps = sqrt.getX().getDefiningOp<nn::AddOp>();
    if (!addEps || !sqrt.getX().hasOneUse())
      return failure();
    Value var = addEps.getA(), epsValue = addEps.getB();
    if (!getSplatValue(epsValue))
      std::swap(var, epsValue);
    std::optional<double> eps = getSplatValue(epsValue);
    auto varMean = var.getDefiningOp<nn::ReduceMeanOp>();
    if (!eps || *eps < 0 || !varMean || !var.hasOneUse() ||
        trailingAxes(varMean, rank) != axis)
      return rewriter.notifyMatchFailure(div, "no variance");
    // (x - mean)^2, from the same Sub.
    Value sq = varMean.getData();
    Operation *sqOp = sq.getDefiningOp();
    if (!sqOp || !sq.hasOneUse())
      return failure();
    if (auto pow = dyn_cast<nn::PowOp>(sqOp)) {
      std::optional<double> e = getSplatValue(pow.getY());
      if (pow.getX() != d || !e || *e != 2.0)
        return failure();
      m.addDef(pow.getY());
    } else if (auto mul = dyn_cast<nn::MulOp>(sqOp)) {
      if (mul.getA() != d || mul.getB() != d)
        return failure();
    } else {
      return failure();
    }
    for (Operation *user : d.getUsers())
      if (user != div && user != sqOp)
        return rewriter.notifyMatchFailure(div, "x - mean has other uses");
    for (Operation *op :
         {(Operation *)sub, (Operation *)mean, (Operation *)sqrt,
          (Operation *)addEps, (Operation *)varMean, sqOp})
      m.add(op);
    m.addDef(epsValue);

    // Optional * gamma + beta.
    Value result = div.getResult();
    Operation *last = div;
    Value scale, bias;
    if (result.hasOneUse()) {
      Operation *user = *result.getUsers().begin();
      if (isa<nn::MulOp>(user) && user->getResult(0).getType() == type) {
        Value gamma = otherConstant(user, result);
        if (gamma && isNormalizedConstant(gamma, type, *axis)) {
          scale = gamma;
          m.add(user);
          last = user;
          result = user->getResult(0);
        }
      }
    }
    if (result.hasOneUse()) {
      Operation *user = *result.getUsers().begin();
      if (isa<nn::AddOp>(user) && user->getResult(0).getType() == type) {
        Value beta = otherConstant(user, result);
        if (beta && isNormalizedConstant(beta, type, *axis)) {
          bias = beta;
          m.add(user);
          last = user;
          result = user->getResult(0);
        }
      }
    }
    rewriter.setInsertionPoint(last);
    Location loc = m.loc(rewriter);
    if (!scale) {
      auto scaleType = RankedTensorType::get(type.getShape().drop_front(*axis),
                                             type.getElementType());
      scale = nn::ConstantOp::create(
          rewriter, loc, scaleType,
          DenseElementsAttr::get(scaleType, rewriter.getF32FloatAttr(1.0f)));
    }
    if (!bias)
      bias = nn::NoneOp::create(rewriter, loc, rewriter.getNoneType());
    SmallVector<int64_t> statShape(type.getShape());
    for (int64_t i = *axis; i < rank; ++i)
      statShape[i] = 1;
    auto statType = RankedTensorType::get(statShape, rewriter.getF32Type());
    auto ln = nn::LayerNormalizationOp::create(
        rewriter, loc, TypeRange{type, statType, statType},
        ValueRange{x, scale, bias},
        ArrayRef<NamedAttribute>{
            rewriter.getNamedAttr("axis", rewriter.getI64IntegerAttr(*axis)),
            rewriter.getNamedAttr("epsilon",
                                  rewriter.getF32FloatAttr((float)*eps))});
    rewriter.replaceOp(last, ln.getY());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

/// The one normalized axis `axes` names, for a tensor of `rank`.
std::optional<int64_t> singleAxis(std::optional<SmallVector<int64_t>> axes,
                                  int64_t rank) {
  if (!axes || axes->size() != 1)
    return std::nullopt;
  int64_t a = axes->front();
  if (a < -rank || a >= rank)
    return std::nullopt;
  return a < 0 ? a + rank : a;
}

struct RecognizeSoftmax : OpRewritePattern<nn::DivOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(nn::DivOp div,
                                PatternRewriter &rewriter) const override {
    Value e = div.getA();
    auto exp = e.getDefiningOp<nn::ExpOp>();
    auto sum = div.getB().getDefiningOp<nn::ReduceSumOp>();
    if (!exp || !sum || sum.getData() != e || !div.getB().hasOneUse() ||
        sum.getKeepdims() != 1 || nn::isNone(sum.getAxes()))
      return failure();
    for (Operation *user : e.getUsers())
      if (user != div && user != sum)
        return rewriter.notifyMatchFailure(div, "exp has other uses");
    auto type = dyn_cast<RankedTensorType>(div.getType());
    if (!type || e.getType() != type)
      return failure();
    int64_t rank = type.getRank();
    std::optional<int64_t> axis =
        singleAxis(nn::getConstantInts(sum.getAxes()), rank);
    if (!axis)
      return rewriter.notifyMatchFailure(div, "not one constant axis");
    Matched m;
    for (Operation *op : {(Operation *)div, (Operation *)exp, (Operation *)sum})
      m.add(op);
    m.addDef(sum.getAxes());
    Value x = exp.getInput();
    // The stabilized form: exp(x - max(x)).
    if (auto sub = x.getDefiningOp<nn::SubOp>()) {
      auto max = sub.getB().getDefiningOp<nn::ReduceMaxOp>();
      if (max && max.getData() == sub.getA() && x.hasOneUse() &&
          sub.getB().hasOneUse() && max.getKeepdims() == 1) {
        std::optional<SmallVector<int64_t>> maxAxes;
        if (auto attr = max.getAxes())
          maxAxes = SmallVector<int64_t>(attr->begin(), attr->end());
        if (singleAxis(maxAxes, rank) != axis)
          return rewriter.notifyMatchFailure(div, "max over another axis");
        m.add(sub);
        m.add(max);
        x = sub.getA();
      }
    }
    if (x.getType() != type)
      return failure();
    auto softmax = nn::SoftmaxOp::create(
        rewriter, m.loc(rewriter), TypeRange{type}, ValueRange{x},
        ArrayRef<NamedAttribute>{
            rewriter.getNamedAttr("axis", rewriter.getI64IntegerAttr(*axis))});
    rewriter.replaceOp(div, softmax->getResults());
    return success();
  }
};

struct RecognizePatternsPass
    : public tessera::impl::RecognizePatternsBase<RecognizePatternsPass> {
  using RecognizePatternsBase::RecognizePatternsBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateRecognizePatternsPatterns(patterns);
    // Not converging within the driver's bound leaves correct IR behind.
    (void)applyPatternsGreedily(getOperation(), std::move(patterns));
  }
};

} // namespace

void tessera::populateRecognizePatternsPatterns(RewritePatternSet &patterns) {
  patterns.add<RecognizeActivation<nn::MulOp>, RecognizeActivation<nn::DivOp>,
               RecognizeLayerNorm, RecognizeSoftmax>(patterns.getContext());
}
