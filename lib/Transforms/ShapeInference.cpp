//===- ShapeInference.cpp - refine nn result types --------------------------===//
//
// Part of Tessera. Implements `tessera-shape-inference`.
//
//===----------------------------------------------------------------------===//

#include "tessera/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_SHAPEINFERENCE
#include "tessera/Transforms/Passes.h.inc"
} // namespace tessera

namespace {

/// True when `candidate` is compatible with `current` and strictly more
/// static (a known rank or more known dims).
static bool isMoreStatic(Type candidate, Type current) {
  if (candidate == current)
    return false;
  if (getElementTypeOrSelf(candidate) != getElementTypeOrSelf(current) ||
      failed(verifyCompatibleShape(candidate, current)))
    return false;
  auto c = dyn_cast<RankedTensorType>(candidate);
  if (!c)
    return false;
  auto old = dyn_cast<RankedTensorType>(current);
  if (!old)
    return true;
  for (auto [a, b] : llvm::zip(c.getShape(), old.getShape()))
    if (ShapedType::isDynamic(a) && !ShapedType::isDynamic(b))
      return false;
  return true;
}

/// Replaces an nn op's result types by the more static ones its shape
/// function infers. Users see the refined types; nn ops accept any shape of
/// their element types, and returns are fixed up by the pass afterwards.
struct RefineResultTypes
    : public OpInterfaceRewritePattern<tessera::nn::ShapeInferenceOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(tessera::nn::ShapeInferenceOpInterface op,
                                PatternRewriter &rewriter) const override {
    FailureOr<SmallVector<Type>> inferred =
        tessera::nn::inferResultTypesQuietly(op);
    if (failed(inferred) || inferred->size() != op->getNumResults())
      return rewriter.notifyMatchFailure(op, "shape function failed");
    bool changed = false;
    for (auto [result, type] : llvm::zip(op->getResults(), *inferred))
      changed |= isMoreStatic(type, result.getType());
    if (!changed)
      return rewriter.notifyMatchFailure(op, "types already as static as inferred");
    rewriter.modifyOpInPlace(op, [&] {
      for (auto [result, type] : llvm::zip(op->getResults(), *inferred))
        if (isMoreStatic(type, result.getType()))
          result.setType(type);
    });
    return success();
  }
};

struct ShapeInferencePass
    : public tessera::impl::ShapeInferenceBase<ShapeInferencePass> {
  using ShapeInferenceBase::ShapeInferenceBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    tessera::populateShapeRefinementPatterns(patterns);
    for (RegisteredOperationName name : ctx->getRegisteredOperations())
      if (name.getDialectNamespace() == "nn")
        name.getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();

    // Returns may now carry more static types than the signature declares.
    if (!func.isExternal()) {
      Operation *terminator = func.getBody().back().getTerminator();
      auto type = func.getFunctionType();
      SmallVector<Type> results(terminator->getOperandTypes());
      if (results != SmallVector<Type>(type.getResults()))
        func.setType(FunctionType::get(ctx, type.getInputs(), results));
    }

    if (!requireStatic)
      return;
    bool ok = true;
    func.walk([&](Operation *op) {
      for (Value result : op->getResults()) {
        auto shaped = dyn_cast<ShapedType>(result.getType());
        if (!shaped || shaped.hasStaticShape())
          continue;
        op->emitError() << "result has dynamic shape " << shaped
                        << " after shape inference; pin the model's dynamic "
                           "input dims with --input-shape";
        ok = false;
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (!ok)
      signalPassFailure();
  }
};

} // namespace

void tessera::populateShapeRefinementPatterns(RewritePatternSet &patterns) {
  patterns.add<RefineResultTypes>(patterns.getContext());
}
