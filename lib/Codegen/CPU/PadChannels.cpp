//===- PadChannels.cpp - convolutions' channels padded to vector widths ---===//
//
// Part of Tessera. Implements `tessera-cpu-pad-channels`: an NHWC convolution
// whose output channel count divides into no register tile computes the next
// multiple of the vector width, with zero-padded constant weights, and its
// consumers read the real channels through a slice.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "tessera/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;
using tessera::cpu_codegen::padConstantLastDim;

namespace tessera {
#define GEN_PASS_DEF_CPUPADCHANNELS
#include "tessera/Codegen/CPU/Passes.h.inc"
} // namespace tessera

namespace {

/// The init of a convolution computed with `size` output channels: a fill
/// of a bigger empty tensor, or the broadcast of a zero-padded constant
/// bias; null for any other init.
static Value padInit(RewriterBase &rewriter, Location loc, Value init,
                     int64_t size) {
  auto type = cast<RankedTensorType>(init.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = size;
  if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
    if (!fill.hasPureTensorSemantics() ||
        !fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
      return nullptr;
    Value empty =
        tensor::EmptyOp::create(rewriter, loc, shape, type.getElementType());
    return linalg::FillOp::create(rewriter, loc, fill.getInputs()[0], empty)
        .getResult(0);
  }
  auto broadcast = init.getDefiningOp<linalg::BroadcastOp>();
  if (!broadcast || !broadcast.hasPureTensorSemantics() ||
      !broadcast.getInit().getDefiningOp<tensor::EmptyOp>() ||
      broadcast.getDimensions() != ArrayRef<int64_t>{0, 1, 2})
    return nullptr;
  Value bias = padConstantLastDim(rewriter, loc, broadcast.getInput(), size);
  if (!bias)
    return nullptr;
  Value empty =
      tensor::EmptyOp::create(rewriter, loc, shape, type.getElementType());
  return linalg::BroadcastOp::create(rewriter, loc, bias, empty,
                                     broadcast.getDimensions())
      ->getResult(0);
}

struct PadConvOutputChannels
    : public OpRewritePattern<linalg::Conv2DNhwcHwcfOp> {
  PadConvOutputChannels(MLIRContext *ctx, int64_t multiple)
      : OpRewritePattern(ctx), multiple(multiple) {}

  LogicalResult matchAndRewrite(linalg::Conv2DNhwcHwcfOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "needs tensor semantics");
    Value filter = op.getInputs()[1], init = op.getOutputs()[0];
    auto type = cast<RankedTensorType>(init.getType());
    if (!type.hasStaticShape() || !type.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "needs a static f32 result");
    int64_t f = type.getDimSize(3);
    int64_t size = llvm::divideCeil(f, multiple) * multiple;
    if (f % multiple == 0 || 4 * (size - f) > f)
      return rewriter.notifyMatchFailure(op, "no padding worth doing");
    if (!filter.getDefiningOp<arith::ConstantOp>())
      return rewriter.notifyMatchFailure(op, "runtime weights");
    Location loc = op.getLoc();
    Value paddedInit = padInit(rewriter, loc, init, size);
    if (!paddedInit)
      return rewriter.notifyMatchFailure(op, "init is no fill or bias");
    Value paddedFilter = padConstantLastDim(rewriter, loc, filter, size);
    if (!paddedFilter)
      return rewriter.notifyMatchFailure(op, "unreadable weights");
    auto conv = linalg::Conv2DNhwcHwcfOp::create(
        rewriter, loc, TypeRange{paddedInit.getType()},
        ValueRange{op.getInputs()[0], paddedFilter}, ValueRange{paddedInit},
        op.getStrides(), op.getDilations());
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<int64_t> zeros(4, 0), ones(4, 1);
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, type, conv->getResult(0), getAsIndexOpFoldResult(ctx, zeros),
        getAsIndexOpFoldResult(ctx, type.getShape()),
        getAsIndexOpFoldResult(ctx, ones));
    return success();
  }

  int64_t multiple;
};

struct CPUPadChannelsPass
    : public tessera::impl::CPUPadChannelsBase<CPUPadChannelsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (multiple <= 0) {
      getOperation().emitError("multiple must be positive, got ")
          << static_cast<int64_t>(multiple);
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<PadConvOutputChannels>(&getContext(), multiple);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
      getOperation().emitError("channel padding did not converge");
      return signalPassFailure();
    }
  }
};

} // namespace
