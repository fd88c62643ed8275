//===- FoldGraph.cpp - fold weights, pads and layout chains on nn ---------===//
//
// Part of Tessera. Implements `tessera-fold-graph`: BatchNormalization and
// per-channel Mul/Add/Sub/Div by constants into the weights and bias of the
// Conv, ConvTranspose or Gemm before them; zero (or -inf) Pads into the pads
// of the Conv or pool after them; Transpose/Reshape chains into one op; and
// constant subgraphs of any size into constants. Every op that absorbs others
// carries the FusedLoc of all of them.
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
#include <limits>

namespace tessera {
#define GEN_PASS_DEF_FOLDGRAPH
#include "tessera/Transforms/Passes.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera;
using namespace tessera::transforms;

namespace {

RankedTensorType staticType(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.hasStaticShape() ? type : RankedTensorType();
}

Location fusedLoc(PatternRewriter &rewriter, ArrayRef<Operation *> ops) {
  SmallVector<Location> locs;
  for (Operation *op : ops)
    locs.push_back(op->getLoc());
  return rewriter.getFusedLoc(locs);
}

//===----------------------------------------------------------------------===//
// Per-output-channel affine maps into Conv, ConvTranspose and Gemm
//===----------------------------------------------------------------------===//

/// y' = y * scale[c] + shift[c] over output channel c (dim 1 of the result).
struct ChannelAffine {
  std::vector<double> scale, shift;
};

bool isWeightProducer(Operation *op) {
  return op && isa<nn::ConvOp, nn::ConvTransposeOp, nn::GemmOp>(op);
}

/// The producer of `v` when it is a Conv, ConvTranspose or Gemm whose only
/// use is `v`'s one user and whose result type is `resultType`.
Operation *getFoldableProducer(Value v, Type resultType) {
  Operation *producer = v.getDefiningOp();
  if (!isWeightProducer(producer) || !v.hasOneUse() ||
      v.getType() != resultType || !staticType(v) ||
      staticType(v).getRank() < 2 ||
      !isa<FloatType>(staticType(v).getElementType()))
    return nullptr;
  return producer;
}

/// Rewrites `producer` so that it computes `affine` applied to its result
/// and replaces `result` (computed by `absorbed`, users before producers is
/// not required) with the new op's result.
LogicalResult foldAffine(PatternRewriter &rewriter, Operation *producer,
                         const ChannelAffine &affine, Value result,
                         ArrayRef<Operation *> absorbed) {
  RankedTensorType outType = staticType(producer->getResult(0));
  int64_t channels = outType.getDimSize(1);
  if ((int64_t)affine.scale.size() != channels ||
      (int64_t)affine.shift.size() != channels)
    return rewriter.notifyMatchFailure(producer, "channel count mismatch");
  Value weights = producer->getOperand(1), bias = producer->getOperand(2);
  std::optional<ConstTensor> w = readConstant(weights);
  if (!w || !isa<FloatType>(w->type.getElementType()))
    return rewriter.notifyMatchFailure(producer, "weights are not constant");
  bool scales = llvm::any_of(affine.scale, [](double s) { return s != 1.0; });
  std::vector<double> newW = w->values;
  ArrayRef<int64_t> wShape = w->shape();
  int64_t count = w->type.getNumElements();
  Type element = outType.getElementType();

  SmallVector<int64_t> biasShape = {channels};
  std::vector<double> newB;
  if (auto gemm = dyn_cast<nn::GemmOp>(producer)) {
    if (wShape.size() != 2)
      return failure();
    int64_t rows = outType.getDimSize(0);
    bool transB = gemm.getTransB() != 0;
    if ((transB ? wShape[0] : wShape[1]) != channels)
      return failure();
    if (scales)
      for (int64_t i = 0; i < count; ++i)
        newW[i] *= affine.scale[transB ? i / wShape[1] : i % wShape[1]];
    double beta = gemm.getBeta().convertToDouble();
    std::optional<ConstTensor> c;
    SmallVector<int64_t> cShape;
    if (!nn::isNone(bias)) {
      c = readConstant(bias);
      if (!c || c->type.getRank() > 2)
        return rewriter.notifyMatchFailure(producer, "C is not constant");
      cShape.assign(c->shape().begin(), c->shape().end());
    }
    bool perRow = cShape.size() == 2 && cShape[0] != 1;
    if (perRow)
      biasShape = {rows, channels};
    int64_t biasRows = perRow ? rows : 1;
    for (int64_t m = 0; m < biasRows; ++m)
      for (int64_t n = 0; n < channels; ++n) {
        double cv = c ? beta * c->values[broadcastOffset(cShape, {m, n})] : 0;
        newB.push_back(cv * affine.scale[n] + affine.shift[n]);
      }
  } else {
    if (isa<nn::ConvOp>(producer)) {
      if (wShape.empty() || wShape[0] != channels)
        return failure();
      int64_t per = count / channels;
      if (scales)
        for (int64_t i = 0; i < count; ++i)
          newW[i] *= affine.scale[i / per];
    } else {
      // ConvTranspose weights are C x M/group x k...: input channel c
      // (group c / (C / group)) and column j give output channel
      // group * M/group + j.
      auto convT = cast<nn::ConvTransposeOp>(producer);
      int64_t group = convT.getGroup();
      if (wShape.size() < 2 || group <= 0 || wShape[0] % group != 0 ||
          wShape[1] * group != channels)
        return failure();
      int64_t outPerW = wShape[1];
      int64_t inPerGroup = wShape[0] / group;
      int64_t inner = count / (wShape[0] * wShape[1]);
      if (scales)
        for (int64_t i = 0; i < count; ++i) {
          int64_t c = i / (outPerW * inner), j = (i / inner) % outPerW;
          newW[i] *= affine.scale[(c / inPerGroup) * outPerW + j];
        }
    }
    std::optional<ConstTensor> b;
    if (!nn::isNone(bias)) {
      b = readConstant(bias);
      if (!b || (int64_t)b->values.size() != channels)
        return rewriter.notifyMatchFailure(producer, "bias is not constant");
    }
    for (int64_t m = 0; m < channels; ++m)
      newB.push_back((b ? b->values[m] : 0.0) * affine.scale[m] +
                     affine.shift[m]);
  }

  SmallVector<Operation *> all = {producer};
  all.append(absorbed.begin(), absorbed.end());
  Location loc = fusedLoc(rewriter, all);
  rewriter.setInsertionPoint(producer);
  Value newWeights = weights;
  if (scales) {
    newWeights = createConstant(rewriter, loc, w->type, newW);
    if (!newWeights)
      return failure();
  }
  Value newBias = createConstant(
      rewriter, loc, RankedTensorType::get(biasShape, element), newB);
  if (!newBias)
    return failure();
  Operation *folded = rewriter.clone(*producer);
  folded->setLoc(loc);
  folded->setOperand(1, newWeights);
  folded->setOperand(2, newBias);
  if (isa<nn::GemmOp>(producer))
    folded->setAttr("beta", rewriter.getF32FloatAttr(1.0f));
  rewriter.replaceAllUsesWith(result, folded->getResult(0));
  for (Operation *op : llvm::reverse(absorbed))
    rewriter.eraseOp(op);
  rewriter.eraseOp(producer);
  return success();
}

/// Inference BatchNormalization with constant parameters after a producer.
struct FoldBatchNorm : OpRewritePattern<nn::BatchNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(nn::BatchNormalizationOp bn,
                                PatternRewriter &rewriter) const override {
    if (bn.getTrainingMode() != 0 || !bn.getRunningMean().use_empty() ||
        !bn.getRunningVar().use_empty())
      return rewriter.notifyMatchFailure(bn, "not the inference form");
    Operation *producer = getFoldableProducer(bn.getX(), bn.getY().getType());
    if (!producer)
      return rewriter.notifyMatchFailure(bn, "no foldable producer");
    int64_t channels = staticType(bn.getX()).getDimSize(1);
    std::optional<ConstTensor> scale = readConstant(bn.getScale()),
                               b = readConstant(bn.getB()),
                               mean = readConstant(bn.getInputMean()),
                               var = readConstant(bn.getInputVar());
    for (auto &c : {scale, b, mean, var})
      if (!c || (int64_t)c->values.size() != channels)
        return rewriter.notifyMatchFailure(bn, "parameters not constant");
    double eps = bn.getEpsilon().convertToDouble();
    ChannelAffine affine;
    for (int64_t i = 0; i < channels; ++i) {
      double s = scale->values[i] / std::sqrt(var->values[i] + eps);
      affine.scale.push_back(s);
      affine.shift.push_back(b->values[i] - mean->values[i] * s);
    }
    return foldAffine(rewriter, producer, affine, bn.getY(), {bn});
  }
};

/// The per-channel values of constant `v` broadcast against `outType`
/// (channels in dim 1): nullopt when it varies over any other dim or would
/// broadcast the result to a larger shape.
std::optional<std::vector<double>> channelValues(Value v,
                                                 RankedTensorType outType) {
  std::optional<ConstTensor> c = readConstant(v, int64_t(1) << 20);
  if (!c || !isa<FloatType>(c->type.getElementType()) ||
      c->type.getRank() > outType.getRank())
    return std::nullopt;
  ArrayRef<int64_t> shape = c->shape();
  int64_t lead = outType.getRank() - shape.size();
  for (int64_t d = 0; d < (int64_t)shape.size(); ++d)
    if (shape[d] != 1 &&
        (lead + d != 1 || shape[d] != outType.getDimSize(lead + d)))
      return std::nullopt;
  std::vector<double> out;
  SmallVector<int64_t> index(outType.getRank(), 0);
  for (int64_t m = 0; m < outType.getDimSize(1); ++m) {
    index[1] = m;
    out.push_back(c->values[broadcastOffset(shape, index)]);
  }
  return out;
}

/// Mul/Div/Add/Sub of a producer's result by a per-channel constant.
template <typename OpTy> struct FoldChannelConstant : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    constexpr bool commutes =
        std::is_same_v<OpTy, nn::MulOp> || std::is_same_v<OpTy, nn::AddOp>;
    Value result = op->getResult(0);
    Value lhs = op->getOperand(0), rhs = op->getOperand(1);
    if (commutes && !getFoldableProducer(lhs, result.getType()))
      std::swap(lhs, rhs);
    Operation *producer = getFoldableProducer(lhs, result.getType());
    if (!producer || !isConstant(rhs))
      return rewriter.notifyMatchFailure(op, "no foldable producer");
    std::optional<std::vector<double>> v =
        channelValues(rhs, staticType(result));
    if (!v)
      return rewriter.notifyMatchFailure(op, "constant is not per channel");
    ChannelAffine affine;
    affine.scale.assign(v->size(), 1.0);
    affine.shift.assign(v->size(), 0.0);
    for (size_t i = 0; i < v->size(); ++i) {
      double x = (*v)[i];
      if constexpr (std::is_same_v<OpTy, nn::MulOp>)
        affine.scale[i] = x;
      else if constexpr (std::is_same_v<OpTy, nn::DivOp>) {
        if (x == 0.0)
          return failure();
        affine.scale[i] = 1.0 / x;
      } else if constexpr (std::is_same_v<OpTy, nn::AddOp>)
        affine.shift[i] = x;
      else
        affine.shift[i] = -x;
    }
    return foldAffine(rewriter, producer, affine, result, {op});
  }
};

//===----------------------------------------------------------------------===//
// Pad into Conv and pools
//===----------------------------------------------------------------------===//

/// The spatial pads (begins then ends, as Conv's `pads`) of a single-use
/// constant-mode Pad that pads only dims 2.. with `value` (0 or -inf).
std::optional<SmallVector<int64_t>> getSpatialPads(nn::PadOp pad, bool negInf) {
  RankedTensorType type = staticType(pad.getData());
  if (!type || type.getRank() < 3 || pad.getMode() != "constant" ||
      !pad.getOutput().hasOneUse() || !isConstant(pad.getPads()))
    return std::nullopt;
  double value = 0.0;
  if (!nn::isNone(pad.getConstantValue())) {
    std::optional<double> v = getSplatValue(pad.getConstantValue());
    if (!v)
      return std::nullopt;
    value = *v;
  }
  if (negInf ? !(std::isinf(value) && value < 0) : value != 0.0)
    return std::nullopt;
  std::optional<SmallVector<int64_t>> pads = nn::getConstantInts(pad.getPads());
  int64_t rank = type.getRank();
  if (!pads || (int64_t)pads->size() != 2 * rank)
    return std::nullopt;
  SmallVector<int64_t> spatial;
  for (int64_t side = 0; side < 2; ++side)
    for (int64_t d = 0; d < rank; ++d) {
      int64_t p = (*pads)[side * rank + d];
      if (p < 0 || (d < 2 && p != 0))
        return std::nullopt;
      if (d >= 2)
        spatial.push_back(p);
    }
  return spatial;
}

/// Folds the Pad producing operand 0 of `op` into its `pads` attribute.
LogicalResult foldPadInto(PatternRewriter &rewriter, Operation *op,
                          bool negInf) {
  auto pad = op->getOperand(0).getDefiningOp<nn::PadOp>();
  if (!pad)
    return failure();
  auto autoPad = op->getAttrOfType<StringAttr>("auto_pad");
  if (autoPad && autoPad.getValue() != "NOTSET")
    return rewriter.notifyMatchFailure(op, "auto_pad is set");
  std::optional<SmallVector<int64_t>> spatial = getSpatialPads(pad, negInf);
  if (!spatial)
    return rewriter.notifyMatchFailure(op, "pad cannot be folded");
  SmallVector<int64_t> pads(spatial->size(), 0);
  if (auto existing = op->getAttrOfType<DenseI64ArrayAttr>("pads")) {
    if (existing.size() != (int64_t)pads.size())
      return failure();
    pads.assign(existing.asArrayRef().begin(), existing.asArrayRef().end());
  }
  for (size_t i = 0; i < pads.size(); ++i)
    pads[i] += (*spatial)[i];
  Location loc = fusedLoc(rewriter, {op, pad});
  rewriter.modifyOpInPlace(op, [&] {
    op->setOperand(0, pad.getData());
    op->setAttr("pads", rewriter.getDenseI64ArrayAttr(pads));
    op->setLoc(loc);
  });
  rewriter.eraseOp(pad);
  return success();
}

struct FoldPadIntoConv : OpRewritePattern<nn::ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(nn::ConvOp op,
                                PatternRewriter &rewriter) const override {
    return foldPadInto(rewriter, op, /*negInf=*/false);
  }
};

struct FoldPadIntoAveragePool : OpRewritePattern<nn::AveragePoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(nn::AveragePoolOp op,
                                PatternRewriter &rewriter) const override {
    // Padded zeros count in the average only with count_include_pad.
    if (op.getCountIncludePad() != 1 || op.getCeilMode() != 0)
      return rewriter.notifyMatchFailure(op, "pads would not be averaged");
    return foldPadInto(rewriter, op, /*negInf=*/false);
  }
};

struct FoldPadIntoMaxPool : OpRewritePattern<nn::MaxPoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(nn::MaxPoolOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getCeilMode() != 0 || !op.getIndices().use_empty())
      return rewriter.notifyMatchFailure(op, "ceil mode or indices used");
    return foldPadInto(rewriter, op, /*negInf=*/true);
  }
};

//===----------------------------------------------------------------------===//
// Transpose and Reshape chains
//===----------------------------------------------------------------------===//

SmallVector<int64_t> getPerm(nn::TransposeOp op, int64_t rank) {
  if (auto perm = op.getPerm())
    return SmallVector<int64_t>(perm->begin(), perm->end());
  SmallVector<int64_t> perm;
  for (int64_t i = rank - 1; i >= 0; --i)
    perm.push_back(i);
  return perm;
}

struct ComposeTransposes : OpRewritePattern<nn::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(nn::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getData().getDefiningOp<nn::TransposeOp>();
    if (!inner)
      return failure();
    auto type = dyn_cast<RankedTensorType>(inner.getData().getType());
    if (!type)
      return failure();
    int64_t rank = type.getRank();
    SmallVector<int64_t> p1 = getPerm(inner, rank), p2 = getPerm(op, rank);
    if ((int64_t)p1.size() != rank || (int64_t)p2.size() != rank)
      return failure();
    SmallVector<int64_t> perm;
    bool identity = true;
    for (int64_t j = 0; j < rank; ++j) {
      perm.push_back(p1[p2[j]]);
      identity &= perm.back() == j;
    }
    if (identity && inner.getData().getType() == op.getType()) {
      rewriter.replaceOp(op, inner.getData());
      return success();
    }
    Location loc = fusedLoc(rewriter, {inner, op});
    auto composed = nn::TransposeOp::create(
        rewriter, loc, TypeRange{op.getType()}, ValueRange{inner.getData()},
        ArrayRef<NamedAttribute>{rewriter.getNamedAttr(
            "perm", rewriter.getDenseI64ArrayAttr(perm))});
    rewriter.replaceOp(op, composed);
    return success();
  }
};

bool isReshapeLike(Operation *op) {
  return op &&
         isa<nn::ReshapeOp, nn::FlattenOp, nn::SqueezeOp, nn::UnsqueezeOp>(op);
}

/// A chain of Reshape/Flatten/Squeeze/Unsqueeze of static shapes becomes one
/// Reshape (or nothing when the chain restores its input type).
struct CollapseReshapes : RewritePattern {
  CollapseReshapes(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isReshapeLike(op))
      return failure();
    Operation *inner = op->getOperand(0).getDefiningOp();
    if (!isReshapeLike(inner))
      return failure();
    Value source = inner->getOperand(0);
    RankedTensorType in = staticType(source),
                     out = staticType(op->getResult(0));
    if (!in || !out || in.getElementType() != out.getElementType() ||
        llvm::is_contained(out.getShape(), 0))
      return rewriter.notifyMatchFailure(op, "not static");
    if (in == out) {
      rewriter.replaceOp(op, source);
      return success();
    }
    Location loc = fusedLoc(rewriter, {inner, op});
    SmallVector<double> dims(out.getShape().begin(), out.getShape().end());
    Value shape = createConstant(
        rewriter, loc,
        RankedTensorType::get({out.getRank()}, rewriter.getI64Type()), dims);
    auto reshape = nn::ReshapeOp::create(rewriter, loc, TypeRange{out},
                                         ValueRange{source, shape},
                                         ArrayRef<NamedAttribute>{});
    rewriter.replaceOp(op, reshape);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Constant subgraphs of any size
//===----------------------------------------------------------------------===//

using UnaryFn = double (*)(double);
using BinaryFn = double (*)(double, double);

UnaryFn getUnaryFn(Operation *op) {
  if (isa<nn::NegOp>(op))
    return [](double x) { return -x; };
  if (isa<nn::SqrtOp>(op))
    return [](double x) { return std::sqrt(x); };
  if (isa<nn::ReciprocalOp>(op))
    return [](double x) { return 1.0 / x; };
  if (isa<nn::AbsOp>(op))
    return [](double x) { return std::fabs(x); };
  if (isa<nn::ExpOp>(op))
    return [](double x) { return std::exp(x); };
  if (isa<nn::LogOp>(op))
    return [](double x) { return std::log(x); };
  if (isa<nn::ReluOp>(op))
    return [](double x) { return x > 0 ? x : 0.0; };
  if (isa<nn::SigmoidOp>(op))
    return [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  if (isa<nn::TanhOp>(op))
    return [](double x) { return std::tanh(x); };
  if (isa<nn::ErfOp>(op))
    return [](double x) { return std::erf(x); };
  if (isa<nn::CastOp, nn::IdentityOp>(op))
    return [](double x) { return x; };
  return nullptr;
}

BinaryFn getBinaryFn(Operation *op) {
  if (isa<nn::AddOp>(op))
    return [](double a, double b) { return a + b; };
  if (isa<nn::SubOp>(op))
    return [](double a, double b) { return a - b; };
  if (isa<nn::MulOp>(op))
    return [](double a, double b) { return a * b; };
  if (isa<nn::DivOp>(op))
    return [](double a, double b) { return a / b; };
  if (isa<nn::PowOp>(op))
    return [](double a, double b) { return std::pow(a, b); };
  if (isa<nn::MaxOp>(op) && op->getNumOperands() == 2)
    return [](double a, double b) { return std::max(a, b); };
  if (isa<nn::MinOp>(op) && op->getNumOperands() == 2)
    return [](double a, double b) { return std::min(a, b); };
  return nullptr;
}

/// Float-valued nn ops whose data operands are all constants become one
/// constant, whatever their size (up to kMaxBuiltElements).
struct FoldConstantSubgraph : RewritePattern {
  FoldConstantSubgraph(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isa_and_nonnull<nn::NNDialect>(op->getDialect()) ||
        op->getNumResults() != 1 || op->getNumOperands() == 0 ||
        isa<nn::ConstantOp, nn::NoneOp>(op))
      return failure();
    RankedTensorType out = staticType(op->getResult(0));
    if (!out || !isa<FloatType>(out.getElementType()) ||
        out.getNumElements() > kMaxBuiltElements)
      return failure();
    UnaryFn unary = getUnaryFn(op);
    BinaryFn binary = unary ? nullptr : getBinaryFn(op);
    bool reshape = isReshapeLike(op);
    auto transpose = dyn_cast<nn::TransposeOp>(op);
    if (!unary && !binary && !reshape && !transpose)
      return failure();
    // Cast may read integers; everything else reads floats of its type.
    std::optional<ConstTensor> a = readConstant(op->getOperand(0));
    if (!a || (!isa<nn::CastOp>(op) &&
               a->type.getElementType() != out.getElementType()))
      return failure();
    std::vector<double> values;
    values.reserve(out.getNumElements());
    ArrayRef<int64_t> shape = out.getShape();
    SmallVector<int64_t> index(shape.size(), 0);
    if (unary || binary) {
      std::optional<ConstTensor> b;
      if (binary) {
        b = readConstant(op->getOperand(1));
        if (!b || b->type.getElementType() != out.getElementType())
          return failure();
      }
      if (a->type.getRank() > out.getRank() ||
          (b && b->type.getRank() > out.getRank()))
        return failure();
      for (int64_t i = 0; i < out.getNumElements(); ++i) {
        double x = a->values[broadcastOffset(a->shape(), index)];
        values.push_back(
            binary ? binary(x, b->values[broadcastOffset(b->shape(), index)])
                   : unary(x));
        nextIndex(index, shape);
      }
    } else if (reshape) {
      if (a->type.getNumElements() != out.getNumElements())
        return failure();
      values = std::move(a->values);
    } else {
      int64_t rank = a->type.getRank();
      SmallVector<int64_t> perm = getPerm(transpose, rank);
      if ((int64_t)perm.size() != rank || out.getRank() != rank)
        return failure();
      SmallVector<int64_t> strides(rank, 1);
      for (int64_t d = rank - 2; d >= 0; --d)
        strides[d] = strides[d + 1] * a->shape()[d + 1];
      for (int64_t i = 0; i < out.getNumElements(); ++i) {
        int64_t src = 0;
        for (int64_t d = 0; d < rank; ++d)
          src += index[d] * strides[perm[d]];
        values.push_back(a->values[src]);
        nextIndex(index, shape);
      }
    }
    SmallVector<Operation *> merged = {op};
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp<nn::ConstantOp>())
        merged.push_back(def);
    Value folded =
        createConstant(rewriter, fusedLoc(rewriter, merged), out, values);
    if (!folded)
      return failure();
    rewriter.replaceOp(op, folded);
    return success();
  }
};

struct FoldGraphPass : public tessera::impl::FoldGraphBase<FoldGraphPass> {
  using FoldGraphBase::FoldGraphBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFoldGraphPatterns(patterns);
    // Not converging within the driver's bound leaves correct IR behind.
    (void)applyPatternsGreedily(getOperation(), std::move(patterns));
  }
};

} // namespace

void tessera::populateFoldGraphPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldBatchNorm, FoldChannelConstant<nn::MulOp>,
               FoldChannelConstant<nn::DivOp>, FoldChannelConstant<nn::AddOp>,
               FoldChannelConstant<nn::SubOp>, FoldPadIntoConv,
               FoldPadIntoAveragePool, FoldPadIntoMaxPool, ComposeTransposes,
               CollapseReshapes, FoldConstantSubgraph>(patterns.getContext());
}
