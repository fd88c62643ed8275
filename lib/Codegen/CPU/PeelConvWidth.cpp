//===- PeelConvWidth.cpp - convolutions' columns split for register tiles -===//
//
// Part of Tessera. Implements `tessera-cpu-peel-conv-width`: an NHWC
// convolution whose output width has no good register-tile divisor becomes
// one convolution over a multiple of 7 columns and one over the rest.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/CPU/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_CPUPEELCONVWIDTH
#include "tessera/Codegen/CPU/Passes.h.inc"
} // namespace tessera

namespace {

/// The pixel tile the column split aims for (the vectorizer's first choice).
constexpr int64_t kPixels = 7;

struct PeelConvWidth : public OpRewritePattern<linalg::Conv2DNhwcHwcfOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::Conv2DNhwcHwcfOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "needs tensor semantics");
    Value input = op.getInputs()[0], filter = op.getInputs()[1];
    Value init = op.getOutputs()[0];
    auto inType = cast<RankedTensorType>(input.getType());
    auto outType = cast<RankedTensorType>(init.getType());
    auto filterType = cast<RankedTensorType>(filter.getType());
    if (!inType.hasStaticShape() || !outType.hasStaticShape() ||
        !filterType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    int64_t ow = outType.getDimSize(2);
    if (ow <= kPixels || ow % 6 == 0 || ow % 7 == 0 || ow % 8 == 0)
      return rewriter.notifyMatchFailure(op, "the width tiles well");
    int64_t stride = op.getStrides().getValues<int64_t>()[1];
    int64_t dilation = op.getDilations().getValues<int64_t>()[1];
    int64_t kw = filterType.getDimSize(1);
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<OpFoldResult> ones(4, rewriter.getIndexAttr(1));
    int64_t main = ow - ow % kPixels;
    Value result = init;
    for (auto [begin, width] : {std::pair<int64_t, int64_t>{0, main},
                                std::pair<int64_t, int64_t>{main, ow - main}}) {
      // Output columns [begin, begin + width) read input columns from
      // begin * stride, (width - 1) * stride + (kw - 1) * dilation + 1 of them.
      int64_t inWidth = (width - 1) * stride + (kw - 1) * dilation + 1;
      Value in = tensor::ExtractSliceOp::create(
          rewriter, loc, input,
          getAsIndexOpFoldResult(ctx, {0, 0, begin * stride, 0}),
          getAsIndexOpFoldResult(ctx,
                                 {inType.getDimSize(0), inType.getDimSize(1),
                                  inWidth, inType.getDimSize(3)}),
          ones);
      SmallVector<OpFoldResult> offsets =
          getAsIndexOpFoldResult(ctx, {0, 0, begin, 0});
      SmallVector<OpFoldResult> sizes = getAsIndexOpFoldResult(
          ctx, {outType.getDimSize(0), outType.getDimSize(1), width,
                outType.getDimSize(3)});
      Value out = tensor::ExtractSliceOp::create(rewriter, loc, result, offsets,
                                                 sizes, ones);
      auto conv = linalg::Conv2DNhwcHwcfOp::create(
          rewriter, loc, TypeRange{out.getType()}, ValueRange{in, filter},
          ValueRange{out}, op.getStrides(), op.getDilations());
      result = tensor::InsertSliceOp::create(rewriter, loc, conv->getResult(0),
                                             result, offsets, sizes, ones);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CPUPeelConvWidthPass
    : public tessera::impl::CPUPeelConvWidthBase<CPUPeelConvWidthPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PeelConvWidth>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
      getOperation().emitError("conv width peeling did not converge");
      return signalPassFailure();
    }
  }
};

} // namespace
