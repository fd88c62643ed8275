//===- ShapeInference.cpp - refine nn result types ------------------------===//
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

} // namespace

LogicalResult
tessera::refineResultTypes(tessera::nn::ShapeInferenceOpInterface op) {
  FailureOr<SmallVector<Type>> inferred =
      tessera::nn::inferResultTypesQuietly(op);
  if (failed(inferred) || inferred->size() != op->getNumResults())
    return failure();
  bool changed = false;
  for (auto [result, type] : llvm::zip(op->getResults(), *inferred)) {
    if (!isMoreStatic(type, result.getType()))
      continue;
    result.setType(type);
    changed = true;
  }
  return success(changed);
}

namespace {

struct ShapeInferencePass
    : public tessera::impl::ShapeInferenceBase<ShapeInferencePass> {
  using ShapeInferenceBase::ShapeInferenceBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    for (RegisteredOperationName name : ctx->getRegisteredOperations())
      if (name.getDialectNamespace() == "nn")
        name.getCanonicalizationPatterns(patterns, ctx);
    FrozenRewritePatternSet frozen(std::move(patterns));

    // Refining in program order reaches every user after its producers in
    // one sweep; folding then may expose constants for the next sweep. Each
    // sweep that changes something makes a type strictly more static, so
    // this terminates; the bound only guards against a folder cycling.
    constexpr int kMaxSweeps = 64;
    for (int sweep = 0;; ++sweep) {
      bool refined = false;
      func.walk([&](tessera::nn::ShapeInferenceOpInterface op) {
        refined |= succeeded(tessera::refineResultTypes(op));
      });
      bool folded = false;
      GreedyRewriteConfig config;
      config.setMaxIterations(GreedyRewriteConfig::kNoLimit);
      if (failed(applyPatternsGreedily(func, frozen, config, &folded))) {
        func.emitError("folding shape subgraphs did not converge");
        return signalPassFailure();
      }
      if (!refined && !folded)
        break;
      if (sweep == kMaxSweeps) {
        func.emitError("shape inference did not converge after ")
            << kMaxSweeps << " sweeps";
        return signalPassFailure();
      }
    }

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
    // With every input static, a dynamic size can only come from the
    // values of the inputs: pinning dims would not help.
    bool staticInputs = llvm::all_of(func.getArgumentTypes(), [](Type t) {
      auto shaped = dyn_cast<ShapedType>(t);
      return !shaped || shaped.hasStaticShape();
    });
    bool ok = true;
    func.walk([&](Operation *op) {
      for (Value result : op->getResults()) {
        auto shaped = dyn_cast<ShapedType>(result.getType());
        if (!shaped || shaped.hasStaticShape())
          continue;
        InFlightDiagnostic diag = op->emitError()
                                  << "result has dynamic shape " << shaped
                                  << " after shape inference";
        if (staticInputs)
          diag << ": its size depends on the values of the inputs "
                  "(data-dependent shapes are unsupported)";
        else
          diag << "; pin the model's dynamic input dims with --input-shape";
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
