//===- CPUCodegen.cpp - conv layout and vectorization for the host CPU ----===//
//
// Part of Tessera. Implements `tessera-cpu-conv-layout` and
// `tessera-cpu-vectorize`: the measured recipe of shared/notes/cpu-codegen
// (NHWC/HWCF convolutions, register tiles of output pixels x output
// channels, decomposition to 1-D convolutions, outer-product FMAs).
//
//===----------------------------------------------------------------------===//

#include "tessera/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Transform/Interfaces/TransformInterfaces.h"
#include "mlir/Dialect/Transform/Transforms/TransformInterpreterUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <cstdlib>

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_CPUCONVLAYOUT
#define GEN_PASS_DEF_CPUVECTORIZE
#include "tessera/Target/CPU/Passes.h.inc"
} // namespace tessera

namespace {

/// Permutes a constant at compile time, its data read as a row-major tensor
/// of `viewShape` (the constant's own shape when empty; same element count);
/// null when `v` is not a constant with readable bytes.
static Value permuteConstant(RewriterBase &rewriter, Location loc, Value v,
                             ArrayRef<int64_t> perm,
                             ArrayRef<int64_t> viewShape = {}) {
  auto cst = v.getDefiningOp<arith::ConstantOp>();
  if (!cst)
    return nullptr;
  auto type = cast<RankedTensorType>(v.getType());
  if (viewShape.empty())
    viewShape = type.getShape();
  if (!type.hasStaticShape() ||
      (int64_t)perm.size() != (int64_t)viewShape.size() ||
      ShapedType::getNumElements(viewShape) != type.getNumElements())
    return nullptr;
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(viewShape[p]);
  auto newType = RankedTensorType::get(shape, type.getElementType());
  unsigned bits = type.getElementTypeBitWidth();
  if (bits % 8 != 0)
    return nullptr;
  ArrayRef<char> raw;
  if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue())) {
    if (dense.isSplat())
      return arith::ConstantOp::create(rewriter, loc, newType,
                                       dense.resizeSplat(newType));
    raw = dense.getRawData();
  } else if (auto resource =
                 dyn_cast<DenseResourceElementsAttr>(cst.getValue())) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return nullptr;
    raw = blob->getData();
  } else {
    return nullptr;
  }
  size_t elem = bits / 8;
  int64_t rank = shape.size(), count = type.getNumElements();
  if ((int64_t)raw.size() != count * (int64_t)elem)
    return nullptr;
  SmallVector<int64_t> oldStrides(rank, 1);
  for (int64_t i = rank - 2; i >= 0; --i)
    oldStrides[i] = oldStrides[i + 1] * viewShape[i + 1];
  std::vector<char> out(raw.size());
  SmallVector<int64_t> index(rank, 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src += index[d] * oldStrides[perm[d]];
    std::memcpy(out.data() + flat * elem, raw.data() + src * elem, elem);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(out), alignof(double));
  auto attr = DenseResourceElementsAttr::get(newType, "weights_transposed",
                                             std::move(blob));
  return arith::ConstantOp::create(rewriter, loc, newType, attr);
}

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

struct CPUConvLayoutPass
    : public tessera::impl::CPUConvLayoutBase<CPUConvLayoutPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    MLIRContext *ctx = &getContext();
    patterns
        .add<ConvToNHWC<linalg::Conv2DNchwFchwOp, linalg::Conv2DNhwcHwcfOp>>(
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
    linalg::TransposeOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

/// The host's vector registers, as the conv register tiles see them.
struct HostVectors {
  int64_t lanes;     ///< f32 lanes per register: 16 with AVX-512, else 8
  int64_t registers; ///< architectural vector registers: 32 or 16
};

static HostVectors getHostVectors() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  auto avx512 = features.find("avx512f");
  if (avx512 != features.end() && avx512->second)
    return {16, 32};
  return {8, 16};
}

/// The register tile (output pixels, output channels) for a conv, or nullopt
/// when none divides its shape (the conv then stays scalar loops).
///
/// With explicit options (`channelTile`, `pixelTile` > 0, for A/B runs) the
/// first channel count of {channelTile, channelTile/2, 16, 8} and pixel count
/// of {pixelTile, 7, 6, 8, 4, ...} dividing the shape win. Otherwise:
/// - AVX-512 (32 registers): 64 channels x 7 pixels first, as measured on
///   ResNet-50 with packed weights (93-97 ms against 98-108 ms for 32).
/// - AVX2 (16 registers): the tile with the most FMAs per load among those
///   whose accumulators, weight vectors and one broadcast fit in the
///   registers. Each step of the reduction loads ft/lanes weight vectors and
///   broadcasts owt pixels for owt*ft/lanes FMAs. A tile that spills (7x32
///   needs 28 accumulators, 7x16 needs 17 registers) turned the inner loop
///   into stack traffic: ResNet-50 took 258-276 ms against ONNX Runtime's 103
///   on a Zen 3 EPYC, 129 ms with this choice. Widths of 1, 2 or 4 vectors.
static std::optional<std::pair<int64_t, int64_t>>
chooseConvTile(linalg::Conv2DNhwcHwcfOp conv, int64_t channelTile,
               int64_t pixelTile, HostVectors host) {
  auto type = cast<RankedTensorType>(conv.getOutputs()[0].getType());
  if (!type.hasStaticShape() || !type.getElementType().isF32())
    return std::nullopt;
  int64_t ow = type.getDimSize(2), f = type.getDimSize(3);
  const int64_t pixelOrder[] = {7, 6, 8, 4, 5, 3, 2, 1};
  if (channelTile > 0 || pixelTile > 0 || host.registers >= 32) {
    if (channelTile <= 0)
      channelTile = 4 * host.lanes;
    int64_t ft = 0;
    for (int64_t candidate :
         {channelTile, channelTile / 2, int64_t(16), int64_t(8)})
      if (candidate > 0 && f % candidate == 0) {
        ft = candidate;
        break;
      }
    if (!ft)
      return std::nullopt;
    if (pixelTile > 0 && ow % pixelTile == 0)
      return std::make_pair(pixelTile, ft);
    for (int64_t owt : pixelOrder)
      if (ow % owt == 0)
        return std::make_pair(owt, ft);
    return std::nullopt;
  }
  std::optional<std::pair<int64_t, int64_t>> best;
  double bestScore = 0;
  // Power-of-two widths only: vector<24xf32> legalizes through shuffles and
  // made MobileNetV2 (24, 144 channels) twice as slow.
  for (int64_t vectors : {4, 2, 1}) {
    int64_t ft = vectors * host.lanes;
    if (f % ft != 0)
      continue;
    for (int64_t owt = 1; owt <= 14; ++owt) {
      if (ow % owt != 0 || owt * vectors + vectors + 1 > host.registers)
        continue;
      double score = double(owt * vectors) / double(owt + vectors);
      if (score > bestScore) {
        bestScore = score;
        best = std::make_pair(owt, ft);
      }
    }
  }
  return best;
}

/// The register tile (rows, columns) of a matmul-like op with result
/// dims (..., M, N), or nullopt.
static std::optional<std::pair<int64_t, int64_t>>
chooseMatmulTile(RankedTensorType type) {
  if (!type.hasStaticShape() || !type.getElementType().isF32())
    return std::nullopt;
  int64_t m = type.getDimSize(type.getRank() - 2);
  int64_t n = type.getDimSize(type.getRank() - 1);
  int64_t nt = n % 16 == 0 ? 16 : n % 8 == 0 ? 8 : 0;
  if (!nt)
    return std::nullopt;
  for (int64_t mt : {6, 4, 8, 5, 3, 2, 1})
    if (m % mt == 0)
      return std::make_pair(mt, nt);
  return std::nullopt;
}

/// The vector width for an elementwise-like op (fill, copy, transpose, or an
/// all-parallel generic without index computations), tiled as [1, ..., 1, W]:
/// the widest of 16/8/4 dividing the innermost dim, or nullopt.
static std::optional<int64_t> chooseElementwiseWidth(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureTensorSemantics() ||
      op->getNumResults() != 1 || op->hasAttr("tessera.cpu_tile"))
    return std::nullopt;
  if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
    if (generic.getNumReductionLoops() != 0)
      return std::nullopt;
    // Plain or broadcasting reads only (Tile's modulo maps do not vectorize).
    for (AffineMap map : generic.getIndexingMapsArray())
      if (!map.isProjectedPermutation(/*allowZeroInResults=*/true))
        return std::nullopt;
    // Arithmetic and the math ops LLVM has vector intrinsics for; erf, tanh
    // and friends become scalar libm calls.
    bool vectorizable = true;
    generic.getBody()->walk([&](Operation *inner) {
      if (isa<linalg::YieldOp, math::ExpOp, math::LogOp, math::SqrtOp,
              math::AbsFOp, math::FloorOp, math::CeilOp, math::RoundEvenOp,
              math::FmaOp>(inner))
        return;
      if (inner->getDialect() && inner->getDialect()->getNamespace() == "arith")
        return;
      vectorizable = false;
    });
    if (!vectorizable)
      return std::nullopt;
  } else if (!isa<linalg::FillOp, linalg::CopyOp>(op)) {
    // Transposes stay scalar: vectorized, their strided reads become
    // element-by-element shuffles (measured slower on ResNet-50).
    return std::nullopt;
  }
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type || !type.hasStaticShape() || type.getRank() == 0 ||
      !type.getElementType().isIntOrFloat())
    return std::nullopt;
  // f32 only: vectors of i1 are stored as packed bits, and other types are
  // rare enough here not to be worth the risk.
  for (Value value : llvm::concat<Value>(op->getOperands(), op->getResults())) {
    auto t = dyn_cast<RankedTensorType>(value.getType());
    if (!t)
      continue;
    if (!t.hasStaticShape() || !t.getElementType().isF32())
      return std::nullopt;
  }
  int64_t last = type.getDimSize(type.getRank() - 1);
  for (int64_t width : {16, 8, 4})
    if (last % width == 0)
      return width;
  return std::nullopt;
}

/// Replaces `op` (whose result's last dim holds the output channels or
/// columns) by a loop over blocks of `block` of them: block `b` reads
/// `packed[b]` (packed is [blocks][...][block]: one contiguous slice) and
/// writes its columns of the result. `build` creates the op of one block from
/// that weight slice and the output slice. Returns the op of the loop body.
static Operation *loopOverWeightBlocks(
    RewriterBase &rewriter, Operation *op, Value init, Value packed,
    int64_t block,
    function_ref<Operation *(OpBuilder &, Location, Value w, Value out)>
        build) {
  auto packedType = cast<RankedTensorType>(packed.getType());
  auto outType = cast<RankedTensorType>(init.getType());
  Location loc = op->getLoc();
  int64_t blocks = packedType.getDimSize(0);
  int64_t wRank = packedType.getRank(), oRank = outType.getRank();
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value count = arith::ConstantIndexOp::create(rewriter, loc, blocks);
  Value blockSize = arith::ConstantIndexOp::create(rewriter, loc, block);
  Operation *inner = nullptr;
  auto loop = scf::ForOp::create(
      rewriter, loc, zero, count, one, ValueRange{init},
      [&](OpBuilder &b, Location loc, Value index, ValueRange iterArgs) {
        SmallVector<OpFoldResult> wOffsets(wRank, b.getIndexAttr(0));
        wOffsets[0] = index;
        SmallVector<OpFoldResult> wSizes = {b.getIndexAttr(1)};
        for (int64_t d = 1; d < wRank; ++d)
          wSizes.push_back(b.getIndexAttr(packedType.getDimSize(d)));
        SmallVector<OpFoldResult> wStrides(wRank, b.getIndexAttr(1));
        auto wType = RankedTensorType::get(packedType.getShape().drop_front(),
                                           packedType.getElementType());
        Value w = tensor::ExtractSliceOp::create(b, loc, wType, packed,
                                                 wOffsets, wSizes, wStrides);
        SmallVector<OpFoldResult> oOffsets(oRank, b.getIndexAttr(0));
        oOffsets.back() =
            arith::MulIOp::create(b, loc, index, blockSize).getResult();
        SmallVector<OpFoldResult> oSizes;
        for (int64_t d = 0; d + 1 < oRank; ++d)
          oSizes.push_back(b.getIndexAttr(outType.getDimSize(d)));
        oSizes.push_back(b.getIndexAttr(block));
        SmallVector<OpFoldResult> oStrides(oRank, b.getIndexAttr(1));
        Value out = tensor::ExtractSliceOp::create(b, loc, iterArgs[0],
                                                   oOffsets, oSizes, oStrides);
        inner = build(b, loc, w, out);
        Value inserted = tensor::InsertSliceOp::create(
            b, loc, inner->getResult(0), iterArgs[0], oOffsets, oSizes,
            oStrides);
        scf::YieldOp::create(b, loc, inserted);
      });
  rewriter.replaceOp(op, loop->getResults());
  return inner;
}

/// Computes a convolution with constant weights as a loop over blocks of
/// `block` output channels, each a convolution whose filter is one contiguous
/// [KH][KW][C][block] slice of a filter packed at compile time as
/// [F/block][KH][KW][C][block]: the register tile then streams its weights
/// instead of reading `block` floats every F (a row stride of up to 8 KB,
/// which made the weight loads the hottest instructions of ResNet-50).
/// Returns the inner convolution, or nullopt when the conv is left as it is.
static std::optional<linalg::Conv2DNhwcHwcfOp>
blockOutputChannels(RewriterBase &rewriter, linalg::Conv2DNhwcHwcfOp conv,
                    int64_t block) {
  Value filter = conv.getInputs()[1];
  auto filterType = cast<RankedTensorType>(filter.getType());
  int64_t f = filterType.getDimSize(3);
  if (!conv.hasPureTensorSemantics() || f <= block || f % block != 0)
    return std::nullopt;
  ArrayRef<int64_t> hwcf = filterType.getShape();
  rewriter.setInsertionPoint(conv);
  Value packed =
      permuteConstant(rewriter, conv.getLoc(), filter, {3, 0, 1, 2, 4},
                      {hwcf[0], hwcf[1], hwcf[2], f / block, block});
  if (!packed)
    return std::nullopt;
  return cast<linalg::Conv2DNhwcHwcfOp>(loopOverWeightBlocks(
      rewriter, conv, conv.getOutputs()[0], packed, block,
      [&](OpBuilder &b, Location loc, Value w, Value out) -> Operation * {
        return linalg::Conv2DNhwcHwcfOp::create(
            b, loc, TypeRange{out.getType()},
            ValueRange{conv.getInputs()[0], w}, ValueRange{out},
            conv.getStrides(), conv.getDilations());
      }));
}

/// A matmul with constant weights B (K x N) becomes a loop over blocks of
/// `block` columns with B packed as [N/block][K][block], so each block's
/// register tiles stream one contiguous K x block slice instead of rows N
/// floats apart (4 KB for N = 1024: the B loads were the hottest
/// instructions of the Transformer encoder). Returns the inner matmul.
static std::optional<linalg::MatmulOp>
blockMatmulColumns(RewriterBase &rewriter, linalg::MatmulOp mm, int64_t block) {
  Value weights = mm.getInputs()[1];
  auto bType = cast<RankedTensorType>(weights.getType());
  int64_t k = bType.getDimSize(0), n = bType.getDimSize(1);
  if (!mm.hasPureTensorSemantics() || n <= block || n % block != 0)
    return std::nullopt;
  rewriter.setInsertionPoint(mm);
  Value packed = permuteConstant(rewriter, mm.getLoc(), weights, {1, 0, 2},
                                 {k, n / block, block});
  if (!packed)
    return std::nullopt;
  return cast<linalg::MatmulOp>(loopOverWeightBlocks(
      rewriter, mm, mm.getOutputs()[0], packed, block,
      [&](OpBuilder &b, Location loc, Value w, Value out) -> Operation * {
        return linalg::MatmulOp::create(b, loc, TypeRange{out.getType()},
                                        ValueRange{mm.getInputs()[0], w},
                                        ValueRange{out});
      }));
}

/// `acc + shape_cast(a * b)` (or `acc + a * b`) on f32 vectors, the form
/// single-op vectorization gives a matmul tile's k step (an outer product of
/// broadcasts), becomes `vector.fma`: LLVM does not fuse a separate fmul and
/// fadd, and the matmuls ran as vmulps + vaddps at half the FMA rate.
struct MulAddToFMA : public OpRewritePattern<arith::AddFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::AddFOp add,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<VectorType>(add.getType());
    if (!type || !type.getElementType().isF32())
      return failure();
    for (unsigned i = 0; i < 2; ++i) {
      Value product = add->getOperand(i);
      auto cast = product.getDefiningOp<vector::ShapeCastOp>();
      if (cast) {
        if (!cast->hasOneUse())
          continue;
        product = cast.getSource();
      }
      auto mul = product.getDefiningOp<arith::MulFOp>();
      if (!mul || !mul->hasOneUse())
        continue;
      Location loc = add.getLoc();
      auto reshape = [&](Value v) -> Value {
        return v.getType() == type
                   ? v
                   : vector::ShapeCastOp::create(rewriter, loc, type, v);
      };
      rewriter.replaceOpWithNewOp<vector::FMAOp>(add, reshape(mul.getLhs()),
                                                 reshape(mul.getRhs()),
                                                 add->getOperand(1 - i));
      return success();
    }
    return failure();
  }
};

struct CPUVectorizePass
    : public tessera::impl::CPUVectorizeBase<CPUVectorizePass> {
  using CPUVectorizeBase::CPUVectorizeBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    llvm::MapVector<std::pair<int64_t, int64_t>, int> groups;
    SmallVector<linalg::Conv2DNhwcHwcfOp> convs;
    module.walk([&](linalg::Conv2DNhwcHwcfOp conv) { convs.push_back(conv); });
    IRRewriter rewriter(ctx);
    HostVectors host = getHostVectors();
    if (vectorBits == 256)
      host = {8, 16};
    else if (vectorBits == 512)
      host = {16, 32};
    else if (vectorBits != 0) {
      getOperation().emitError()
          << "vector-bits must be 0 (the host), 256 or 512, got "
          << int64_t(vectorBits);
      return signalPassFailure();
    }
    for (linalg::Conv2DNhwcHwcfOp conv : convs) {
      std::optional<std::pair<int64_t, int64_t>> tile =
          chooseConvTile(conv, channelTile, pixelTile, host);
      if (!tile)
        continue;
      if (packFilter)
        if (auto blocked = blockOutputChannels(rewriter, conv, tile->second))
          conv = *blocked;
      conv->setAttr("tessera.cpu_tile",
                    DenseI64ArrayAttr::get(ctx, {tile->first, tile->second}));
      groups.insert({*tile, (int)groups.size()});
    }
    // Matmuls with constant weights: packed by blocks of the tile's columns.
    if (packFilter) {
      SmallVector<linalg::MatmulOp> matmuls;
      module.walk([&](linalg::MatmulOp mm) {
        if (!mm.hasUserDefinedMaps())
          matmuls.push_back(mm);
      });
      for (linalg::MatmulOp mm : matmuls)
        if (auto tile = chooseMatmulTile(
                cast<RankedTensorType>(mm->getResult(0).getType())))
          (void)blockMatmulColumns(rewriter, mm, tile->second);
    }
    // Matmuls: (kind, rows, columns) -> group id.
    llvm::MapVector<std::tuple<StringRef, int64_t, int64_t>, int> matmulGroups;
    module.walk([&](Operation *op) {
      StringRef kind;
      // Only the plain row-major forms (no transposed or broadcast maps).
      if (auto mm = dyn_cast<linalg::MatmulOp>(op);
          mm && !mm.hasUserDefinedMaps())
        kind = "linalg.matmul";
      else if (auto bmm = dyn_cast<linalg::BatchMatmulOp>(op);
               bmm && !bmm.hasUserDefinedMaps())
        kind = "linalg.batch_matmul";
      else
        return;
      if (!cast<linalg::LinalgOp>(op).hasPureTensorSemantics())
        return;
      auto type = cast<RankedTensorType>(op->getResult(0).getType());
      std::optional<std::pair<int64_t, int64_t>> tile = chooseMatmulTile(type);
      if (!tile)
        return;
      op->setAttr("tessera.cpu_tile",
                  DenseI64ArrayAttr::get(ctx, {tile->first, tile->second}));
      matmulGroups.insert(
          {{kind, tile->first, tile->second}, (int)matmulGroups.size()});
    });
    // Elementwise-like ops: (rank, width) -> group id.
    llvm::MapVector<std::pair<int64_t, int64_t>, int> ewGroups;
    module.walk([&](Operation *op) {
      if (!vectorizeElementwise)
        return;
      std::optional<int64_t> width = chooseElementwiseWidth(op);
      if (!width)
        return;
      int64_t rank =
          cast<RankedTensorType>(op->getResult(0).getType()).getRank();
      op->setAttr("tessera.cpu_ew",
                  DenseI64ArrayAttr::get(ctx, {rank, *width}));
      ewGroups.insert({{rank, *width}, (int)ewGroups.size()});
    });
    // Depthwise convs (n, oh, ow, c, kh, kw): (pixels, channels) -> group id.
    llvm::MapVector<std::pair<int64_t, int64_t>, int> dwGroups;
    module.walk([&](linalg::DepthwiseConv2DNhwcHwcOp conv) {
      auto type = cast<RankedTensorType>(conv.getOutputs()[0].getType());
      if (!type.hasStaticShape() || !type.getElementType().isF32())
        return;
      int64_t ow = type.getDimSize(2), c = type.getDimSize(3), ct = 0, owt = 0;
      for (int64_t candidate : {32, 16, 8})
        if (c % candidate == 0) {
          ct = candidate;
          break;
        }
      for (int64_t candidate : {7, 8, 6, 4, 5, 3, 2, 1})
        if (ow % candidate == 0) {
          owt = candidate;
          break;
        }
      if (!ct || !owt)
        return;
      conv->setAttr("tessera.cpu_tile", DenseI64ArrayAttr::get(ctx, {owt, ct}));
      dwGroups.insert({{owt, ct}, (int)dwGroups.size()});
    });
    if (groups.empty() && matmulGroups.empty() && ewGroups.empty() &&
        dwGroups.empty())
      return;

    std::string script =
        "module attributes {transform.with_named_sequence} {\n"
        "transform.named_sequence @__transform_main(%root: !transform.any_op "
        "{transform.readonly}) {\n";
    for (auto &[tile, id] : groups) {
      script += llvm::formatv(
          "%c{0} = transform.structured.match "
          "ops{{[\"linalg.conv_2d_nhwc_hwcf\"]} "
          "attributes {{tessera.cpu_tile = array<i64: {1}, {2}>} in %root : "
          "(!transform.any_op) -> !transform.any_op\n"
          "%a{0}, %la{0}:3 = transform.structured.tile_using_for %c{0} "
          "tile_sizes [1, 1, 0, {2}, 0, 0, 0] : (!transform.any_op) -> "
          "(!transform.any_op, !transform.any_op, !transform.any_op, "
          "!transform.any_op)\n"
          "%b{0}, %lb{0} = transform.structured.tile_using_for %a{0} "
          "tile_sizes [0, 0, {1}, 0, 0, 0, 0] : (!transform.any_op) -> "
          "(!transform.any_op, !transform.any_op)\n"
          "%t{0}, %lt{0}:3 = transform.structured.tile_using_for %b{0} "
          "tile_sizes [0, 0, 0, 0, 1, 1, 1] : (!transform.any_op) -> "
          "(!transform.any_op, !transform.any_op, !transform.any_op, "
          "!transform.any_op)\n"
          "%d{0} = transform.structured.decompose %t{0} : (!transform.any_op) "
          "-> "
          "!transform.any_op\n"
          "transform.structured.vectorize %d{0} : !transform.any_op\n",
          id, tile.first, tile.second);
    }
    for (auto &[key, id] : matmulGroups) {
      auto [kind, mt, nt] = key;
      bool batched = kind == "linalg.batch_matmul";
      script += llvm::formatv(
          "%m{0} = transform.structured.match ops{{[\"{1}\"]} "
          "attributes {{tessera.cpu_tile = array<i64: {2}, {3}>} in %root : "
          "(!transform.any_op) -> !transform.any_op\n",
          id, kind, mt, nt);
      if (batched)
        script += llvm::formatv(
            "%ma{0}, %mla{0}:3 = transform.structured.tile_using_for %m{0} "
            "tile_sizes [1, {1}, {2}, 0] : (!transform.any_op) -> "
            "(!transform.any_op, !transform.any_op, !transform.any_op, "
            "!transform.any_op)\n"
            "%mb{0}, %mlb{0} = transform.structured.tile_using_for %ma{0} "
            "tile_sizes [0, 0, 0, 1] : (!transform.any_op) -> "
            "(!transform.any_op, !transform.any_op)\n",
            id, mt, nt);
      else
        script += llvm::formatv(
            "%ma{0}, %mla{0}:2 = transform.structured.tile_using_for %m{0} "
            "tile_sizes [{1}, {2}, 0] : (!transform.any_op) -> "
            "(!transform.any_op, !transform.any_op, !transform.any_op)\n"
            "%mb{0}, %mlb{0} = transform.structured.tile_using_for %ma{0} "
            "tile_sizes [0, 0, 1] : (!transform.any_op) -> "
            "(!transform.any_op, !transform.any_op)\n",
            id, mt, nt);
      script += llvm::formatv(
          "transform.structured.vectorize %mb{0} : !transform.any_op\n", id);
    }
    for (auto &[tile, id] : dwGroups) {
      script += llvm::formatv(
          "%w{0} = transform.structured.match "
          "ops{{[\"linalg.depthwise_conv_2d_nhwc_hwc\"]} "
          "attributes {{tessera.cpu_tile = array<i64: {1}, {2}>} in %root : "
          "(!transform.any_op) -> !transform.any_op\n"
          "%wa{0}, %wla{0}:3 = transform.structured.tile_using_for %w{0} "
          "tile_sizes [1, 1, 0, {2}, 0, 0] : (!transform.any_op) -> "
          "(!transform.any_op, !transform.any_op, !transform.any_op, "
          "!transform.any_op)\n"
          "%wb{0}, %wlb{0} = transform.structured.tile_using_for %wa{0} "
          "tile_sizes [0, 0, {1}, 0, 0, 0] : (!transform.any_op) -> "
          "(!transform.any_op, !transform.any_op)\n"
          "%wt{0}, %wlt{0}:2 = transform.structured.tile_using_for %wb{0} "
          "tile_sizes [0, 0, 0, 0, 1, 1] : (!transform.any_op) -> "
          "(!transform.any_op, !transform.any_op, !transform.any_op)\n"
          "%wd{0} = transform.structured.decompose %wt{0} : "
          "(!transform.any_op) -> "
          "!transform.any_op\n"
          "transform.structured.vectorize %wd{0} : !transform.any_op\n",
          id, tile.first, tile.second);
    }
    for (auto &[key, id] : ewGroups) {
      auto [rank, width] = key;
      std::string sizes, results;
      for (int64_t i = 0; i < rank; ++i) {
        sizes += (i ? ", " : "") + std::to_string(i + 1 == rank ? width : 1);
        results += ", !transform.any_op";
      }
      script += llvm::formatv(
          "%e{0} = transform.structured.match "
          "ops{{[\"linalg.generic\", \"linalg.fill\", \"linalg.copy\", "
          "\"linalg.transpose\"]} "
          "attributes {{tessera.cpu_ew = array<i64: {1}, {2}>} in %root : "
          "(!transform.any_op) -> !transform.any_op\n"
          "%et{0}, %el{0}:{1} = transform.structured.tile_using_for %e{0} "
          "tile_sizes [{3}] : (!transform.any_op) -> (!transform.any_op{4})\n"
          "transform.structured.vectorize %et{0} : !transform.any_op\n",
          id, rank, width, sizes, results);
    }
    script +=
        "%f = transform.structured.match ops{[\"func.func\"]} in %root : "
        "(!transform.any_op) -> !transform.any_op\n"
        "transform.apply_patterns to %f { "
        "transform.apply_patterns.canonicalization } "
        ": !transform.any_op\n"
        "transform.apply_cse to %f : !transform.any_op\n"
        "%loops = transform.structured.match ops{[\"scf.for\"]} in %root : "
        "(!transform.any_op) -> !transform.any_op\n"
        "transform.apply_licm to %loops : !transform.any_op\n"
        "transform.foreach %loops : !transform.any_op {\n"
        "^bb0(%loop: !transform.any_op):\n"
        "  transform.loop.hoist_loop_invariant_subsets %loop : "
        "!transform.any_op\n"
        "}\n"
        "transform.apply_patterns to %f {\n"
        "  transform.apply_patterns.vector.lower_contraction lowering_strategy "
        "= \"outerproduct\"\n"
        "  transform.apply_patterns.vector.transfer_permutation_patterns\n"
        "  transform.apply_patterns.vector.lower_outerproduct\n"
        "  transform.apply_patterns.canonicalization\n"
        "} : !transform.any_op\n"
        "transform.yield\n}\n}\n";

    // For pass developers: the script this pass applies.
    if (std::getenv("TESSERA_DUMP_CPU_TRANSFORM"))
      llvm::errs() << script;
    OwningOpRef<ModuleOp> transformModule =
        parseSourceString<ModuleOp>(script, ParserConfig(ctx));
    if (!transformModule) {
      module.emitError(
          "tessera-cpu-vectorize: invalid built-in transform script");
      return signalPassFailure();
    }
    Operation *entry = transformModule->lookupSymbol("__transform_main");
    if (failed(transform::applyTransformNamedSequence(
            module, entry, *transformModule, transform::TransformOptions())))
      return signalPassFailure();
    module.walk([](Operation *op) {
      op->removeAttr("tessera.cpu_tile");
      op->removeAttr("tessera.cpu_ew");
    });
    RewritePatternSet fmaPatterns(ctx);
    fmaPatterns.add<MulAddToFMA>(ctx);
    if (failed(applyPatternsGreedily(module, std::move(fmaPatterns))))
      return signalPassFailure();
  }
};

} // namespace
