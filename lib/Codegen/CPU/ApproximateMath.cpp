//===- ApproximateMath.cpp - vectorizable exp, tanh, erf and log ----------===//
//
// Part of Tessera. Implements `tessera-cpu-approximate-math`: f32 exp, tanh,
// erf and log become upstream MLIR's polynomial approximations (arith only),
// so the loops holding them vectorize instead of calling libm per element.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_CPUAPPROXIMATEMATH
#include "tessera/Codegen/CPU/Passes.h.inc"
} // namespace tessera

namespace {

struct CPUApproximateMathPass
    : public tessera::impl::CPUApproximateMathBase<CPUApproximateMathPass> {
  using CPUApproximateMathBase::CPUApproximateMathBase;

  void runOnOperation() override {
    SmallVector<StringRef> names = {
        math::ExpOp::getOperationName(),   math::ExpM1Op::getOperationName(),
        math::TanhOp::getOperationName(),  math::LogOp::getOperationName(),
        math::Log1pOp::getOperationName(), math::Log2Op::getOperationName()};
    if (erf)
      names.push_back(math::ErfOp::getOperationName());
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, [&](StringRef name) {
      return llvm::is_contained(names, name);
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
