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

/// `v` permuted at compile time when it is a constant, or a reshape of one
/// (a depthwise filter [C, 1, KH, KW] collapsed to [C, KH, KW]).
static Value transposeConstant(RewriterBase &rewriter, Location loc, Value v,
                               ArrayRef<int64_t> perm) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>();
      collapse && type)
    return permuteConstant(rewriter, loc, collapse.getSrc(), perm,
                           type.getShape());
  if (auto expand = v.getDefiningOp<tensor::ExpandShapeOp>(); expand && type)
    return permuteConstant(rewriter, loc, expand.getSrc(), perm,
                           type.getShape());
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

/// A static, unit-stride slice of full rank 4.
static bool isStaticUnitSlice(ArrayRef<int64_t> offsets,
                              ArrayRef<int64_t> strides,
                              RankedTensorType slice) {
  return slice.getRank() == 4 && slice.hasStaticShape() &&
         !ShapedType::isDynamicShape(offsets) &&
         llvm::all_of(strides, [](int64_t s) { return s == 1; });
}

/// A part of a concatenation, as nn-to-linalg writes it:
/// `insert_slice(copy(transpose(x)) outs(slice of dest)) into dest` (or the
/// transpose inserted directly), where `dest` is a `tensor.empty` or an
/// NHWC -> NCHW transpose itself (the previous part) -> the transpose of the
/// part inserted into the NHWC tensor. The copy into the NHWC slice is kept
/// so that `FoldCopyIntoProducer` can make the producer write in place.
struct SinkTransposeThroughInsertSlice
    : public OpRewritePattern<tensor::InsertSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::InsertSliceOp op,
                                PatternRewriter &rewriter) const override {
    Value source = op.getSource();
    if (auto copy = source.getDefiningOp<linalg::CopyOp>();
        copy && copy.hasPureTensorSemantics())
      source = copy.getInputs()[0];
    linalg::TransposeOp transpose = getToNCHWTranspose(source);
    if (!transpose)
      return rewriter.notifyMatchFailure(op, "source is not an NHWC transpose");
    Value dest = op.getDest();
    auto destType = op.getDestType();
    Value destNHWC;
    if (linalg::TransposeOp destTranspose = getToNCHWTranspose(dest))
      destNHWC = destTranspose.getInput();
    else if (dest.getDefiningOp<tensor::EmptyOp>() && destType.hasStaticShape())
      destNHWC = tensor::EmptyOp::create(rewriter, op.getLoc(),
                                         toNHWC(destType.getShape()),
                                         destType.getElementType());
    else
      return rewriter.notifyMatchFailure(
          op, "destination is neither empty nor an NHWC transpose");
    if (op.getSourceType() != cast<RankedTensorType>(source.getType()) ||
        !isStaticUnitSlice(op.getStaticOffsets(), op.getStaticStrides(),
                           op.getSourceType()))
      return rewriter.notifyMatchFailure(op,
                                         "needs a static, unit-stride slice");
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<OpFoldResult> offsets =
        getAsIndexOpFoldResult(ctx, toNHWC(op.getStaticOffsets()));
    SmallVector<OpFoldResult> sizes =
        getAsIndexOpFoldResult(ctx, toNHWC(op.getSourceType().getShape()));
    SmallVector<OpFoldResult> strides(4, rewriter.getIndexAttr(1));
    Value slice = tensor::ExtractSliceOp::create(rewriter, loc, destNHWC,
                                                 offsets, sizes, strides);
    Value copied =
        linalg::CopyOp::create(rewriter, loc, transpose.getInput(), slice)
            .getResult(0);
    Value inserted = tensor::InsertSliceOp::create(
        rewriter, loc, copied, destNHWC, offsets, sizes, strides);
    rewriter.replaceOp(op, toNCHW(rewriter, loc, inserted));
    return success();
  }
};

/// `copy(transpose(x)) outs(empty)` (a part of a Split or Slice) is the
/// transpose itself.
struct FoldCopyOfTranspose : public OpRewritePattern<linalg::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::CopyOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() ||
        !op.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
      return rewriter.notifyMatchFailure(op, "not a copy into an empty tensor");
    Value input = op.getInputs()[0];
    if (!getToNCHWTranspose(input) || input.getType() != op.getType(0))
      return rewriter.notifyMatchFailure(op, "input is not an NHWC transpose");
    rewriter.replaceOp(op, input);
    return success();
  }
};

/// The channel shuffle `collapse(transpose(expand(transpose(x))))`, where
/// the expand splits the channels into groups, the inner transpose permutes
/// only the groups and the collapse merges them back -> the same shuffle of
/// the NHWC tensor's last dimension, then the transpose to NCHW.
struct SinkTransposeThroughChannelShuffle
    : public OpRewritePattern<tensor::ExpandShapeOp> {
  using OpRewritePattern::OpRewritePattern;
  // Rooted at the expand, the user of the transpose that propagation
  // creates, so that the shuffle is visited in the same greedy iteration.
  LogicalResult matchAndRewrite(tensor::ExpandShapeOp expand,
                                PatternRewriter &rewriter) const override {
    if (!expand->hasOneUse())
      return rewriter.notifyMatchFailure(expand, "not a single-use expand");
    auto shuffle = dyn_cast<linalg::TransposeOp>(*expand->getUsers().begin());
    if (!shuffle || !shuffle.hasPureTensorSemantics() ||
        shuffle.getInput() != expand.getResult() ||
        !shuffle->getResult(0).hasOneUse())
      return rewriter.notifyMatchFailure(expand, "its user is not a transpose");
    auto op = dyn_cast<tensor::CollapseShapeOp>(*shuffle->getUsers().begin());
    if (!op)
      return rewriter.notifyMatchFailure(expand, "no collapse_shape");
    linalg::TransposeOp transpose = getToNCHWTranspose(expand.getSrc());
    if (!transpose)
      return rewriter.notifyMatchFailure(expand,
                                         "input is not an NHWC transpose");
    auto expandedType = expand.getResultType();
    int64_t rank = expandedType.getRank(), groups = rank - 3;
    if (!expandedType.hasStaticShape() || groups < 2 ||
        op.getResultType() != expand.getSrcType() ||
        op.getReassociationIndices() != expand.getReassociationIndices())
      return rewriter.notifyMatchFailure(expand, "not a reshape pair");
    // The channels (dim 1) split into dims 1..groups; N, H, W kept.
    SmallVector<ReassociationIndices> reassociation =
        expand.getReassociationIndices();
    if (reassociation.size() != 4 || reassociation[0].size() != 1 ||
        reassociation[1].size() != static_cast<size_t>(groups))
      return rewriter.notifyMatchFailure(expand, "does not split the channels");
    ArrayRef<int64_t> perm = shuffle.getPermutation();
    if (perm[0] != 0 || perm[rank - 2] != rank - 2 ||
        perm[rank - 1] != rank - 1)
      return rewriter.notifyMatchFailure(expand,
                                         "permutes more than the channels");
    Location loc = op.getLoc();
    Value x = transpose.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    // NHWC: [N, H, W, c1..ck], permuted among the last k dims.
    SmallVector<int64_t> expandedShape = {
        xType.getDimSize(0), xType.getDimSize(1), xType.getDimSize(2)};
    SmallVector<int64_t> shuffledShape = expandedShape;
    SmallVector<int64_t> nhwcPerm = {0, 1, 2};
    for (int64_t k = 0; k < groups; ++k) {
      expandedShape.push_back(expandedType.getDimSize(1 + k));
      shuffledShape.push_back(expandedType.getDimSize(perm[1 + k]));
      nhwcPerm.push_back(perm[1 + k] + 2);
    }
    SmallVector<ReassociationIndices> nhwcReassociation = {{0}, {1}, {2}, {}};
    for (int64_t k = 0; k < groups; ++k)
      nhwcReassociation[3].push_back(3 + k);
    auto elementType = xType.getElementType();
    Value expanded = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get(expandedShape, elementType), x,
        nhwcReassociation);
    Value empty =
        tensor::EmptyOp::create(rewriter, loc, shuffledShape, elementType);
    Value shuffled =
        linalg::TransposeOp::create(rewriter, loc, expanded, empty, nhwcPerm)
            .getResult()[0];
    Value collapsed = tensor::CollapseShapeOp::create(
        rewriter, loc, xType, shuffled, nhwcReassociation);
    rewriter.replaceOp(op, toNCHW(rewriter, loc, collapsed));
    return success();
  }
};

/// `copy(generic(...) outs(empty)) outs(slice)` -> `generic(...) outs(slice)`:
/// the ReLU in front of a padded convolution writes straight into the
/// padded tensor. The slice and the fill it is cut from are moved up when
/// they only depend on constants.
///
/// Rooted at the copy, which the propagation creates after the producer
/// was last visited (rooted at the producer, it took one more greedy
/// iteration per ShuffleNet unit).
struct FoldCopyIntoProducer : public OpRewritePattern<linalg::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::CopyOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "needs tensor semantics");
    Value source = op.getInputs()[0];
    auto producer = source.getDefiningOp<linalg::GenericOp>();
    if (!producer || !producer.hasPureTensorSemantics() ||
        producer.getNumDpsInits() != 1 || !source.hasOneUse())
      return rewriter.notifyMatchFailure(op, "not a single-use generic");
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
               SwapTransposeWithBroadcast, FoldCopyIntoProducer,
               SinkTransposeThroughInsertSlice, FoldCopyOfTranspose,
               SinkTransposeThroughChannelShuffle>(ctx);
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
