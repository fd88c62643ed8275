//===- FuseElementwise.cpp - elementwise chains as one loop ---------------===//
//
// Part of Tessera. Implements `tessera-cpu-fuse-elementwise`: an elementwise
// linalg.generic merges into its only, elementwise consumer when that reads
// it element for element, so nothing is recomputed and the fused loop still
// vectorizes (unlike upstream linalg-fuse-elementwise-ops, which also fuses
// into reductions and contractions: see docs/cpu.md).
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/CPU/Passes.h"
#include "tessera/Codegen/CPU/Patterns.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_CPUFUSEELEMENTWISE
#include "tessera/Codegen/CPU/Passes.h.inc"
} // namespace tessera

namespace {

/// An all-parallel generic on static f32, i8 or i32 tensors with
/// projected-permutation maps and no index computations: what the
/// elementwise vectorizer takes.
static bool isVectorizableElementwise(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op->getNumResults() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() || op.hasIndexSemantics())
    return false;
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/true))
      return false;
  for (Value value : llvm::concat<Value>(op->getOperands(), op->getResults())) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || !type.hasStaticShape())
      return false;
    // f32, and the int8/int32 of the integer graph (requantize chains).
    Type element = type.getElementType();
    if (!element.isF32() && !element.isSignlessInteger(8) &&
        !element.isSignlessInteger(32))
      return false;
  }
  return true;
}

/// Fuse through `operand` only when the producer's one result goes to this
/// consumer alone and both index it by the identity: each element is still
/// computed once, in the same order.
static bool shouldFuse(OpOperand *operand) {
  auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
  auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
  if (!consumer || !producer || !consumer.isDpsInput(operand) ||
      !producer->hasOneUse() || !isVectorizableElementwise(consumer) ||
      !isVectorizableElementwise(producer) ||
      !linalg::areElementwiseOpsFusable(operand))
    return false;
  return consumer.getMatchingIndexingMap(operand).isIdentity() &&
         producer.getIndexingMapMatchingResult(producer->getResult(0))
             .isIdentity();
}

struct FuseElementwisePair : public OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp consumer,
                                PatternRewriter &rewriter) const override {
    for (OpOperand &operand : consumer->getOpOperands())
      if (shouldFuse(&operand))
        return tessera::fuseElementwiseProducer(rewriter, &operand);
    return failure();
  }
};

struct CPUFuseElementwisePass
    : public tessera::impl::CPUFuseElementwiseBase<CPUFuseElementwisePass> {
  using CPUFuseElementwiseBase::CPUFuseElementwiseBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseElementwisePair>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

LogicalResult tessera::fuseElementwiseProducer(PatternRewriter &rewriter,
                                               OpOperand *operand) {
  auto consumer = cast<linalg::GenericOp>(operand->getOwner());
  Operation *producer = operand->get().getDefiningOp();
  Location loc = rewriter.getFusedLoc({producer->getLoc(), consumer->getLoc()});
  FailureOr<linalg::ElementwiseOpFusionResult> fused =
      linalg::fuseElementwiseOps(rewriter, operand);
  if (failed(fused))
    return rewriter.notifyMatchFailure(consumer, "fusion failed");
  rewriter.modifyOpInPlace(fused->fusedOp,
                           [&] { fused->fusedOp->setLoc(loc); });
  for (auto [original, replacement] : fused->replacements)
    rewriter.replaceUsesWithIf(original, replacement, [&](OpOperand &use) {
      return use.getOwner() != producer;
    });
  rewriter.eraseOp(consumer);
  if (producer->use_empty())
    rewriter.eraseOp(producer);
  return success();
}
