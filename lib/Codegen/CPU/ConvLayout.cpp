//===- ConvLayout.cpp - NCHW convolutions computed in NHWC ----------------===//
//
// Part of Tessera. Implements `tessera-cpu-conv-layout`: NCHW convolutions
// become NHWC/HWCF ones between transposes (the layout whose tiled,
// vectorized form is fast and correct in MLIR 22, see docs/cpu.md), and the
// transposes are then propagated until they cancel between convolutions.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "tessera/Codegen/CPU/Passes.h"
#include "tessera/Codegen/CPU/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

#include <functional>

using namespace mlir;
using tessera::cpu_codegen::permuteConstant;

namespace tessera {
#define GEN_PASS_DEF_CPUCONVLAYOUT
#include "tessera/Codegen/CPU/Passes.h.inc"
} // namespace tessera

namespace {

static Value transposeConstant(RewriterBase &rewriter, Location loc, Value v,
                               ArrayRef<int64_t> perm) {
  return permuteConstant(rewriter, loc, v, perm);
}

static Value transpose(RewriterBase &rewriter, Location loc, Value v,
                       ArrayRef<int64_t> perm) {
  if (Value folded = transposeConstant(rewriter, loc, v, perm))
    return folded;
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  Value empty =
      tensor::EmptyOp::create(rewriter, loc, shape, type.getElementType());
  return linalg::TransposeOp::create(rewriter, loc, v, empty, perm)
      .getResult()[0];
}

/// Rewrites an NCHW convolution `SourceOp` as `TargetOp` on NHWC activations,
/// with the filter permuted by `filterPerm` (FCHW -> HWCF, or CHW -> HWC for
/// depthwise convolutions).
template <typename SourceOp, typename TargetOp>
struct ConvToNHWC : public OpRewritePattern<SourceOp> {
  ConvToNHWC(MLIRContext *ctx, SmallVector<int64_t> filterPerm)
      : OpRewritePattern<SourceOp>(ctx), filterPerm(std::move(filterPerm)) {}

  LogicalResult matchAndRewrite(SourceOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "needs tensor semantics");
    Value input = op.getInputs()[0], filter = op.getInputs()[1];
    Value init = op.getOutputs()[0];
    auto outType = cast<RankedTensorType>(init.getType());
    if (!outType.hasStaticShape() ||
        !cast<RankedTensorType>(input.getType()).hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    Location loc = op.getLoc();
    Value inputT = transpose(rewriter, loc, input, {0, 2, 3, 1});
    Value filterT = transpose(rewriter, loc, filter, filterPerm);
    Value initT;
    if (auto fill = init.template getDefiningOp<linalg::FillOp>()) {
      SmallVector<int64_t> shape = {
          outType.getDimSize(0), outType.getDimSize(2), outType.getDimSize(3),
          outType.getDimSize(1)};
      Value empty = tensor::EmptyOp::create(rewriter, loc, shape,
                                            outType.getElementType());
      initT = linalg::FillOp::create(rewriter, loc, fill.getInputs()[0], empty)
                  .getResult(0);
    } else {
      initT = transpose(rewriter, loc, init, {0, 2, 3, 1});
    }
    auto conv = TargetOp::create(rewriter, loc, TypeRange{initT.getType()},
                                 ValueRange{inputT, filterT}, ValueRange{initT},
                                 op.getStrides(), op.getDilations());
    rewriter.replaceOp(
        op, transpose(rewriter, loc, conv->getResult(0), {0, 3, 1, 2}));
    return success();
  }

  SmallVector<int64_t> filterPerm;
};

/// Transposes of constants (weights laid out for a matmul) happen at compile
/// time.
struct FoldConstantTranspose : public OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "needs tensor semantics");
    Value folded = transposeConstant(rewriter, op.getLoc(), op.getInput(),
                                     op.getPermutation());
    if (!folded)
      return rewriter.notifyMatchFailure(op,
                                         "input is not a readable constant");
    rewriter.replaceOp(op, folded);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Layout propagation: the transposes back to NCHW that follow each NHWC
// convolution are sunk through elementwise ops, pads and pooling until they
// meet the transpose to NHWC in front of the next convolution and cancel, so
// activations stay NHWC between convolutions and only the graph's edges
// transpose.
//===----------------------------------------------------------------------===//

/// The permutation of the transposes that `ConvToNHWC` puts after each
/// convolution (NHWC -> NCHW).
static constexpr int64_t kToNCHW[] = {0, 3, 1, 2};

/// The NHWC -> NCHW transpose defining `v`, or null.
static linalg::TransposeOp getToNCHWTranspose(Value v) {
  auto transpose = v.getDefiningOp<linalg::TransposeOp>();
  if (!transpose || !transpose.hasPureTensorSemantics() ||
      transpose.getPermutation() != ArrayRef<int64_t>(kToNCHW))
    return {};
  return transpose;
}

/// `values` (indexed NCHW) reindexed NHWC.
template <typename T> static SmallVector<T> toNHWC(ArrayRef<T> values) {
  SmallVector<T> result(values.size());
  for (auto [k, p] : llvm::enumerate(kToNCHW))
    result[p] = values[k];
  return result;
}

/// The map reading `x` where `map` read `transpose(x, kToNCHW)`.
static AffineMap readThroughTranspose(AffineMap map) {
  return AffineMap::get(map.getNumDims(), map.getNumSymbols(),
                        toNHWC(map.getResults()), map.getContext());
}

static Value toNCHW(RewriterBase &rewriter, Location loc, Value nhwc) {
  auto type = cast<RankedTensorType>(nhwc.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : kToNCHW)
    shape.push_back(type.getDimSize(p));
  Value empty =
      tensor::EmptyOp::create(rewriter, loc, shape, type.getElementType());
  return linalg::TransposeOp::create(rewriter, loc, nhwc, empty, kToNCHW)
      .getResult()[0];
}

/// `generic(transpose(x), ...)` -> `transpose(generic'(x, ...))` for 4-D
/// all-parallel generics whose full-size operands all arrive through such a
/// transpose (smaller ones, like a broadcast bias, are read through permuted
/// maps).
struct SinkTransposeThroughElementwise
    : public OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
        op.getNumLoops() != 4 || op.getNumReductionLoops() != 0 ||
        op.hasIndexSemantics())
      return rewriter.notifyMatchFailure(op, "not a 4-D elementwise generic");
    OpOperand *init = op.getDpsInitOperand(0);
    if (!op.getMatchingIndexingMap(init).isIdentity() ||
        op.payloadUsesValueFromOperand(init))
      return rewriter.notifyMatchFailure(op, "reads or permutes its init");
    MLIRContext *ctx = op.getContext();
    // Old loop k runs over NCHW dim k, which is new (NHWC) loop kToNCHW[k].
    SmallVector<AffineExpr> newDims;
    for (int64_t p : kToNCHW)
      newDims.push_back(getAffineDimExpr(p, ctx));
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    bool sunk = false;
    for (OpOperand *input : op.getDpsInputOperands()) {
      AffineMap map = op.getMatchingIndexingMap(input);
      AffineMap moved = map.replaceDimsAndSymbols(newDims, {}, 4, 0);
      if (linalg::TransposeOp transpose = getToNCHWTranspose(input->get())) {
        inputs.push_back(transpose.getInput());
        maps.push_back(readThroughTranspose(moved));
        sunk = true;
        continue;
      }
      if (map.isPermutation())
        return rewriter.notifyMatchFailure(
            op, "a full-size operand does not come from an NHWC transpose");
      inputs.push_back(input->get());
      maps.push_back(moved);
    }
    if (!sunk)
      return rewriter.notifyMatchFailure(op, "no operand to sink through");
    maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
    auto type = cast<RankedTensorType>(init->get().getType());
    Location loc = op.getLoc();
    Value empty = tensor::EmptyOp::create(
        rewriter, loc, toNHWC(type.getShape()), type.getElementType());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{empty.getType()}, inputs, ValueRange{empty},
        maps, op.getIteratorTypesArray());
    rewriter.inlineRegionBefore(op.getRegion(), generic.getRegion(),
                                generic.getRegion().begin());
    rewriter.replaceOp(op, toNCHW(rewriter, loc, generic.getResult(0)));
    return success();
  }
};

/// Reductions (global average pooling) read through the transpose instead.
struct FoldTransposeIntoReduction : public OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getNumReductionLoops() == 0)
      return rewriter.notifyMatchFailure(op, "not a reduction");
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<std::pair<unsigned, Value>> folded;
    for (OpOperand *input : op.getDpsInputOperands()) {
      linalg::TransposeOp transpose = getToNCHWTranspose(input->get());
      if (!transpose)
        continue;
      unsigned index = input->getOperandNumber();
      maps[index] = readThroughTranspose(maps[index]);
      folded.push_back({index, transpose.getInput()});
    }
    if (folded.empty())
      return rewriter.notifyMatchFailure(op, "no input from an NHWC transpose");
    rewriter.modifyOpInPlace(op, [&] {
      for (auto [index, value] : folded)
        op->setOperand(index, value);
      op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
    });
    return success();
  }
};

/// Padding, as nn-to-linalg writes it (a fill, and a copy into a slice of
/// it), of a transposed tensor -> the transpose of the padded NHWC tensor.
struct SinkTransposeThroughPad
    : public OpRewritePattern<tensor::InsertSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::InsertSliceOp op,
                                PatternRewriter &rewriter) const override {
    auto fill = op.getDest().getDefiningOp<linalg::FillOp>();
    if (!fill || !fill.hasPureTensorSemantics() ||
        !fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
      return rewriter.notifyMatchFailure(op, "destination is not a fill");
    Value source = op.getSource();
    if (auto copy = source.getDefiningOp<linalg::CopyOp>();
        copy && copy.hasPureTensorSemantics())
      source = copy.getInputs()[0];
    linalg::TransposeOp transpose = getToNCHWTranspose(source);
    if (!transpose)
      return rewriter.notifyMatchFailure(op, "source is not an NHWC transpose");
    auto type = op.getDestType();
    if (type.getRank() != 4 || !type.hasStaticShape() ||
        op.getSourceType() != cast<RankedTensorType>(source.getType()) ||
        !llvm::all_of(op.getStaticStrides(),
                      [](int64_t s) { return s == 1; }) ||
        ShapedType::isDynamicShape(op.getStaticOffsets()))
      return rewriter.notifyMatchFailure(op,
                                         "needs a static, unit-stride slice");
    Location loc = op.getLoc();
    Value empty = tensor::EmptyOp::create(
        rewriter, loc, toNHWC(type.getShape()), type.getElementType());
    Value padded =
        linalg::FillOp::create(rewriter, loc, fill.getInputs()[0], empty)
            .getResult(0);
    SmallVector<OpFoldResult> offsets = getAsIndexOpFoldResult(
        rewriter.getContext(), toNHWC(op.getStaticOffsets()));
    SmallVector<OpFoldResult> sizes = getAsIndexOpFoldResult(
        rewriter.getContext(), toNHWC(op.getSourceType().getShape()));
    SmallVector<OpFoldResult> strides(4, rewriter.getIndexAttr(1));
    Value slice = tensor::ExtractSliceOp::create(rewriter, loc, padded, offsets,
                                                 sizes, strides);
    Value copied =
        linalg::CopyOp::create(rewriter, loc, transpose.getInput(), slice)
            .getResult(0);
    Value inserted = tensor::InsertSliceOp::create(
        rewriter, loc, copied, padded, offsets, sizes, strides);
    rewriter.replaceOp(op, toNCHW(rewriter, loc, inserted));
    return success();
  }
};

/// `extract_slice(transpose(x))` -> `transpose(extract_slice'(x))` (the
/// cropped input of strided 1x1 convolutions).
struct SinkTransposeThroughExtractSlice
    : public OpRewritePattern<tensor::ExtractSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ExtractSliceOp op,
                                PatternRewriter &rewriter) const override {
    linalg::TransposeOp transpose = getToNCHWTranspose(op.getSource());
    if (!transpose)
      return rewriter.notifyMatchFailure(op, "source is not an NHWC transpose");
    if (op.getSourceType().getRank() != op.getResultType().getRank() ||
        !op.getResultType().hasStaticShape() ||
        ShapedType::isDynamicShape(op.getStaticOffsets()) ||
        ShapedType::isDynamicShape(op.getStaticStrides()))
      return rewriter.notifyMatchFailure(op,
                                         "needs a static slice of full rank");
    MLIRContext *ctx = op.getContext();
    Value slice = tensor::ExtractSliceOp::create(
        rewriter, op.getLoc(), transpose.getInput(),
        getAsIndexOpFoldResult(ctx, toNHWC(op.getStaticOffsets())),
        getAsIndexOpFoldResult(ctx, toNHWC(op.getResultType().getShape())),
        getAsIndexOpFoldResult(ctx, toNHWC(op.getStaticStrides())));
    rewriter.replaceOp(op, toNCHW(rewriter, op.getLoc(), slice));
    return success();
  }
};

/// `copy(generic(...) outs(empty)) outs(slice)` -> `generic(...) outs(slice)`:
/// the ReLU in front of a padded convolution writes straight into the
/// padded tensor. The slice and the fill it is cut from are moved up when
/// they only depend on constants.
struct FoldCopyIntoProducer : public OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp producer,
                                PatternRewriter &rewriter) const override {
    if (!producer.hasPureTensorSemantics() || producer.getNumDpsInits() != 1 ||
        !producer->getResult(0).hasOneUse())
      return rewriter.notifyMatchFailure(producer, "not a single-use generic");
    Value source = producer->getResult(0);
    auto op = dyn_cast<linalg::CopyOp>(*source.getUsers().begin());
    if (!op || !op.hasPureTensorSemantics() || op.getInputs()[0] != source)
      return rewriter.notifyMatchFailure(producer, "its user is not a copy");
    Value dest = op.getOutputs()[0];
    if (source.getType() != dest.getType())
      return rewriter.notifyMatchFailure(producer, "the copy changes the type");
    OpOperand *init = producer.getDpsInitOperand(0);
    if (!init->get().getDefiningOp<tensor::EmptyOp>() ||
        producer.payloadUsesValueFromOperand(init))
      return rewriter.notifyMatchFailure(producer,
                                         "the generic reads its init");
    if (op->getBlock() != producer->getBlock())
      return rewriter.notifyMatchFailure(producer,
                                         "the copy is in another block");
    // The ops computing `dest` that come after the producer, in order.
    SmallVector<Operation *> toMove;
    std::function<bool(Value)> collect = [&](Value v) {
      Operation *def = v.getDefiningOp();
      // Block arguments and values of enclosing regions dominate the block.
      if (!def || def->getBlock() != producer->getBlock() ||
          def->isBeforeInBlock(producer))
        return true;
      if (!isMemoryEffectFree(def))
        return false;
      llvm::SetVector<Value> captured;
      getUsedValuesDefinedAbove(def->getRegions(), captured);
      for (Value operand :
           llvm::concat<Value>(def->getOperands(), captured.getArrayRef()))
        if (!collect(operand))
          return false;
      if (!llvm::is_contained(toMove, def))
        toMove.push_back(def);
      return true;
    };
    if (!collect(dest))
      return rewriter.notifyMatchFailure(producer,
                                         "the slice depends on later values");
    for (Operation *def : toMove)
      rewriter.moveOpBefore(def, producer);
    rewriter.modifyOpInPlace(producer, [&] { init->set(dest); });
    rewriter.replaceOp(op, producer->getResult(0));
    return success();
  }
};

/// NCHW pooling of a transposed tensor -> the transpose of NHWC pooling.
template <typename SourceOp, typename TargetOp>
struct SinkTransposeThroughPooling : public OpRewritePattern<SourceOp> {
  using OpRewritePattern<SourceOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(SourceOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "needs tensor semantics");
    linalg::TransposeOp transpose = getToNCHWTranspose(op.getInputs()[0]);
    if (!transpose)
      return rewriter.notifyMatchFailure(op, "input is not an NHWC transpose");
    auto fill = op.getOutputs()[0].template getDefiningOp<linalg::FillOp>();
    if (!fill || !fill.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "init is not a fill");
    auto type = cast<RankedTensorType>(op.getOutputs()[0].getType());
    Location loc = op.getLoc();
    Value empty = tensor::EmptyOp::create(
        rewriter, loc, toNHWC(type.getShape()), type.getElementType());
    Value init =
        linalg::FillOp::create(rewriter, loc, fill.getInputs()[0], empty)
            .getResult(0);
    auto pool =
        TargetOp::create(rewriter, loc, TypeRange{init.getType()},
                         ValueRange{transpose.getInput(), op.getInputs()[1]},
                         ValueRange{init}, op.getStrides(), op.getDilations());
    rewriter.replaceOp(op, toNCHW(rewriter, loc, pool->getResult(0)));
    return success();
  }
};

/// `transpose(broadcast(x))` -> `broadcast(x)` with permuted dimensions, when
/// the permutation keeps x's own dims in order (a bias vector always does).
struct SwapTransposeWithBroadcast
    : public OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto broadcast = op.getInput().getDefiningOp<linalg::BroadcastOp>();
    if (!op.hasPureTensorSemantics() || !broadcast ||
        !broadcast.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "input is not a broadcast");
    ArrayRef<int64_t> added = broadcast.getDimensions();
    SmallVector<int64_t> dims;
    int64_t lastKept = -1;
    for (auto [k, p] : llvm::enumerate(op.getPermutation())) {
      if (llvm::is_contained(added, p)) {
        dims.push_back(k);
        continue;
      }
      if (p < lastKept)
        return rewriter.notifyMatchFailure(op, "permutes the broadcast input");
      lastKept = p;
    }
    rewriter.replaceOp(op, linalg::BroadcastOp::create(rewriter, op.getLoc(),
                                                       broadcast.getInput(),
                                                       op.getInit(), dims)
                               ->getResults());
    return success();
  }
};

} // namespace

void tessera::populateCPUConvLayoutPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ConvToNHWC<linalg::Conv2DNchwFchwOp, linalg::Conv2DNhwcHwcfOp>>(
      ctx, SmallVector<int64_t>{2, 3, 1, 0});
  patterns.add<ConvToNHWC<linalg::DepthwiseConv2DNchwChwOp,
                          linalg::DepthwiseConv2DNhwcHwcOp>>(
      ctx, SmallVector<int64_t>{1, 2, 0});
  patterns.add<FoldConstantTranspose>(ctx);
  patterns.add<SinkTransposeThroughElementwise, FoldTransposeIntoReduction,
               SinkTransposeThroughPad, SinkTransposeThroughExtractSlice,
               SwapTransposeWithBroadcast, FoldCopyIntoProducer>(ctx);
  patterns.add<SinkTransposeThroughPooling<linalg::PoolingNchwMaxOp,
                                           linalg::PoolingNhwcMaxOp>,
               SinkTransposeThroughPooling<linalg::PoolingNchwSumOp,
                                           linalg::PoolingNhwcSumOp>>(ctx);
  linalg::TransposeOp::getCanonicalizationPatterns(patterns, ctx);
}

namespace {

struct CPUConvLayoutPass
    : public tessera::impl::CPUConvLayoutBase<CPUConvLayoutPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    tessera::populateCPUConvLayoutPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
      getOperation().emitError("conv layout rewrites did not converge");
      return signalPassFailure();
    }
  }
};

} // namespace
