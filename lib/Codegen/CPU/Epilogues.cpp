//===- Epilogues.cpp - elementwise epilogues in the register tiles --------===//
//
// Part of Tessera. The elementwise consumers of a conv, depthwise conv or
// matmul merged into one generic, tiled with the anchor's register tile and
// the anchor fused into that loop (see docs/cpu.md for the measurements).
//
//===----------------------------------------------------------------------===//

#include "Epilogues.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace tessera::cpu_codegen;

bool tessera::cpu_codegen::hasVectorizableBody(linalg::GenericOp generic) {
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
  return vectorizable;
}

namespace {

/// At most this many generics join one epilogue.
constexpr int kMaxEpilogueOps = 8;

/// Whether `user` may join the epilogue `members` (which include it) of an
/// anchor whose result has shape `shape`: an all-parallel f32 generic over
/// that shape, reading members as inputs with identity maps, writing with an
/// identity map, and reading anything else through broadcasts at most.
bool canJoin(Operation *user, const llvm::SetVector<Operation *> &members,
             ArrayRef<int64_t> shape) {
  auto generic = dyn_cast<linalg::GenericOp>(user);
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic->getNumResults() != 1 || generic.getNumReductionLoops() != 0 ||
      !hasVectorizableBody(generic) ||
      !llvm::equal(generic.getStaticLoopRanges(), shape))
    return false;
  for (OpOperand &operand : generic->getOpOperands()) {
    Type type = getElementTypeOrSelf(operand.get().getType());
    if (!type.isF32())
      return false;
    AffineMap map = generic.getMatchingIndexingMap(&operand);
    bool internal = members.contains(operand.get().getDefiningOp());
    if (internal && !generic.isDpsInput(&operand))
      return false;
    if (internal || generic.isDpsInit(&operand)) {
      if (!map.isIdentity())
        return false;
    } else if (!map.isProjectedPermutation(/*allowZeroInResults=*/true)) {
      return false;
    }
  }
  return true;
}

/// The generics of the epilogue of `anchor` (see mergeEpilogue) and the one
/// computing its result, or an empty list.
std::pair<SmallVector<linalg::GenericOp>, linalg::GenericOp>
collectEpilogue(Operation *anchor) {
  ArrayRef<int64_t> shape =
      cast<RankedTensorType>(anchor->getResult(0).getType()).getShape();
  llvm::SetVector<Operation *> members;
  members.insert(anchor);
  std::pair<SmallVector<linalg::GenericOp>, linalg::GenericOp> best;
  for (int step = 0; step < kMaxEpilogueOps; ++step) {
    llvm::SetVector<Operation *> outside;
    for (Operation *member : members)
      for (Operation *user : member->getUsers())
        if (!members.contains(user))
          outside.insert(user);
    if (outside.empty())
      break;
    llvm::SetVector<Operation *> grown = members;
    grown.insert_range(outside);
    if (!llvm::all_of(outside, [&](Operation *user) {
          return canJoin(user, grown, shape);
        }))
      break;
    members = std::move(grown);
    // Closed: all results but the tip's are used only inside the set.
    Operation *tip = nullptr;
    bool closed = true;
    for (Operation *member : members) {
      bool escapes = member->use_empty() ||
                     llvm::any_of(member->getUsers(), [&](Operation *user) {
                       return !members.contains(user);
                     });
      if (!escapes)
        continue;
      if (tip || member == anchor) {
        closed = false;
        break;
      }
      tip = member;
    }
    if (!closed || !tip)
      continue;
    best.first.clear();
    for (Operation *member : members)
      if (member != anchor && member != tip)
        best.first.push_back(cast<linalg::GenericOp>(member));
    best.second = cast<linalg::GenericOp>(tip);
  }
  return best;
}

} // namespace

linalg::GenericOp tessera::cpu_codegen::mergeEpilogue(RewriterBase &rewriter,
                                                      Operation *anchor) {
  auto [pending, tip] = collectEpilogue(anchor);
  if (!tip)
    return nullptr;
  SmallVector<Location> locs = {tip.getLoc()};
  for (linalg::GenericOp member : pending)
    locs.push_back(member.getLoc());
  llvm::SetVector<Operation *> left;
  for (linalg::GenericOp member : pending)
    left.insert(member);
  // Producers used only by the tip first: each fusion leaves one generic.
  while (!left.empty()) {
    OpOperand *fusedOperand = nullptr;
    for (OpOperand &operand : tip->getOpOperands()) {
      Operation *producer = operand.get().getDefiningOp();
      if (!producer || !left.contains(producer) ||
          !llvm::all_of(producer->getUsers(),
                        [&](Operation *user) { return user == tip; }))
        continue;
      if (!linalg::areElementwiseOpsFusable(&operand))
        return nullptr;
      fusedOperand = &operand;
      break;
    }
    if (!fusedOperand)
      return nullptr;
    Operation *producer = fusedOperand->get().getDefiningOp();
    rewriter.setInsertionPoint(tip);
    FailureOr<linalg::ElementwiseOpFusionResult> fused =
        linalg::fuseElementwiseOps(rewriter, fusedOperand);
    if (failed(fused))
      return nullptr;
    for (auto [original, replacement] : fused->replacements)
      rewriter.replaceUsesWithIf(original, replacement, [&](OpOperand &use) {
        return use.getOwner() != producer;
      });
    rewriter.eraseOp(tip);
    if (producer->use_empty())
      rewriter.eraseOp(producer);
    left.remove(producer);
    tip = cast<linalg::GenericOp>(fused->fusedOp);
  }
  if (locs.size() > 1)
    tip->setLoc(rewriter.getFusedLoc(locs));
  // A member that read the anchor too leaves it read twice: once is enough.
  MLIRContext *ctx = anchor->getContext();
  RewritePatternSet patterns(ctx);
  linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
  GreedyRewriteConfig config;
  config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
  (void)applyOpPatternsGreedily({tip.getOperation()}, std::move(patterns),
                                config);
  Value result = anchor->getResult(0);
  if (!result.hasOneUse())
    return nullptr;
  return dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
}

/// Whether `expand` only inserts unit dims.
static bool insertsUnitDimsOnly(tensor::ExpandShapeOp expand) {
  SmallVector<int64_t> kept;
  for (int64_t size : expand.getResultType().getShape())
    if (size != 1)
      kept.push_back(size);
  SmallVector<int64_t> source;
  for (int64_t size : expand.getSrcType().getShape())
    if (size != 1)
      source.push_back(size);
  return expand.getSrcType().hasStaticShape() &&
         expand.getResultType().hasStaticShape() && kept == source;
}

void tessera::cpu_codegen::sinkUnitDimExpands(RewriterBase &rewriter,
                                              Operation *anchor) {
  Value current = anchor->getResult(0);
  for (int step = 0; step < kMaxEpilogueOps; ++step) {
    if (!current.hasOneUse())
      return;
    auto expand = dyn_cast<tensor::ExpandShapeOp>(*current.getUsers().begin());
    if (!expand || !insertsUnitDimsOnly(expand) ||
        !expand.getResult().hasOneUse())
      return;
    auto generic =
        dyn_cast<linalg::GenericOp>(*expand.getResult().getUsers().begin());
    if (!generic || !generic.hasPureTensorSemantics() ||
        generic->getNumResults() != 1 || generic.getNumReductionLoops() != 0 ||
        !hasVectorizableBody(generic))
      return;
    rewriter.setInsertionPoint(generic);
    FailureOr<linalg::DropUnitDimsResult> dropped =
        linalg::dropUnitDims(rewriter, generic, linalg::ControlDropUnitDims());
    if (failed(dropped))
      return;
    rewriter.replaceOp(generic, dropped->replacements);
    Operation *reduced = dropped->resultOp;
    // collapse_shape(expand_shape(x)) of x's own type is x.
    for (OpOperand &operand : reduced->getOpOperands()) {
      auto collapse = operand.get().getDefiningOp<tensor::CollapseShapeOp>();
      if (!collapse)
        continue;
      auto inner = collapse.getSrc().getDefiningOp<tensor::ExpandShapeOp>();
      if (!inner || inner.getSrc().getType() != collapse.getType() ||
          !insertsUnitDimsOnly(inner))
        continue;
      rewriter.modifyOpInPlace(reduced, [&] { operand.set(inner.getSrc()); });
      if (collapse->use_empty())
        rewriter.eraseOp(collapse);
      if (inner->use_empty())
        rewriter.eraseOp(inner);
    }
    if (reduced->getNumResults() != 1)
      return;
    current = reduced->getResult(0);
  }
}

/// Erases `op` once nothing but dead slices of it is left.
static void eraseIfUnused(RewriterBase &rewriter, Operation *op) {
  if (!op)
    return;
  for (Operation *user : llvm::make_early_inc_range(op->getUsers()))
    if (isa<tensor::ExtractSliceOp>(user) && user->use_empty())
      rewriter.eraseOp(user);
  if (op->use_empty())
    rewriter.eraseOp(op);
}

FailureOr<EpilogueTile> tessera::cpu_codegen::tileWithEpilogue(
    RewriterBase &rewriter, Operation *anchor, linalg::GenericOp epilogue,
    ArrayRef<int64_t> sizes, ArrayRef<int64_t> interchange) {
  MLIRContext *ctx = anchor->getContext();
  Operation *init = nullptr;
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(anchor))
    if (Operation *def = dps.getDpsInits()[0].getDefiningOp();
        def && isa<linalg::FillOp, linalg::BroadcastOp>(def))
      init = def;
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(getAsIndexOpFoldResult(ctx, sizes));
  tiling.setInterchange(interchange);
  tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
  scf::SCFTileAndFuseOptions options;
  options.setTilingOptions(tiling);
  options.setFusionControlFn(
      [&](tensor::ExtractSliceOp, OpResult producer,
          bool) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        Operation *op = producer.getOwner();
        if (op == anchor || (init && op == init))
          return scf::SCFTileAndFuseOptions::ControlFnResult{};
        return std::nullopt;
      });
  rewriter.setInsertionPoint(epilogue);
  FailureOr<scf::SCFTileAndFuseResult> tiled =
      scf::tileConsumerAndFuseProducersUsingSCF(
          rewriter, cast<TilingInterface>(epilogue.getOperation()), options);
  if (failed(tiled))
    return failure();
  EpilogueTile result{nullptr, {}};
  for (Operation *op : tiled->tiledAndFusedOps) {
    if (op->getName() == anchor->getName())
      result.anchor = op;
    else if (isa<linalg::GenericOp, linalg::FillOp, linalg::BroadcastOp>(op))
      result.elementwise.push_back(op);
  }
  for (OpResult original : epilogue->getResults())
    if (Value replacement = tiled->replacements.lookup(original))
      rewriter.replaceAllUsesWith(original, replacement);
  eraseIfUnused(rewriter, epilogue);
  eraseIfUnused(rewriter, anchor);
  eraseIfUnused(rewriter, init);
  if (!result.anchor)
    return failure();
  return result;
}

LogicalResult tessera::cpu_codegen::usePackedWeights(RewriterBase &rewriter,
                                                     Operation *anchor,
                                                     unsigned operand,
                                                     Value packed,
                                                     int64_t block) {
  auto slice =
      anchor->getOperand(operand).getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice)
    return failure();
  auto sliceType = cast<RankedTensorType>(slice.getType());
  auto packedType = cast<RankedTensorType>(packed.getType());
  if (sliceType.getRank() + 1 != packedType.getRank() ||
      sliceType.getShape() != packedType.getShape().drop_front() ||
      !llvm::all_of(slice.getMixedStrides(), isOneInteger))
    return failure();
  SmallVector<OpFoldResult> offsets = slice.getMixedOffsets();
  for (OpFoldResult offset : ArrayRef(offsets).drop_back())
    if (!isZeroInteger(offset))
      return failure();
  Location loc = slice.getLoc();
  rewriter.setInsertionPoint(slice);
  Value offset = getValueOrCreateConstantIndexOp(rewriter, loc, offsets.back());
  Value index = arith::DivUIOp::create(
      rewriter, loc, offset,
      arith::ConstantIndexOp::create(rewriter, loc, block));
  int64_t rank = packedType.getRank();
  SmallVector<OpFoldResult> packedOffsets(rank, rewriter.getIndexAttr(0));
  packedOffsets[0] = index;
  SmallVector<OpFoldResult> packedSizes = {rewriter.getIndexAttr(1)};
  for (int64_t size : sliceType.getShape())
    packedSizes.push_back(rewriter.getIndexAttr(size));
  SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
  Value weights = tensor::ExtractSliceOp::create(
      rewriter, loc, sliceType, packed, packedOffsets, packedSizes, strides);
  rewriter.modifyOpInPlace(anchor,
                           [&] { anchor->setOperand(operand, weights); });
  if (slice->use_empty())
    rewriter.eraseOp(slice);
  return success();
}

namespace {

/// For each dim of a transfer's tensor, how many elements it covers: the
/// size of the vector dim its map sends there, else 1. Nullopt unless the
/// map is a projected permutation keeping the order of the tensor dims.
std::optional<SmallVector<int64_t>>
coveredExtents(VectorTransferOpInterface transfer) {
  AffineMap map = transfer.getPermutationMap();
  auto type = dyn_cast<RankedTensorType>(transfer.getShapedType());
  if (!type || transfer.getMask() || !map.isProjectedPermutation() ||
      llvm::any_of(transfer.getInBoundsValues(), [](bool b) { return !b; }))
    return std::nullopt;
  SmallVector<int64_t> extents(type.getRank(), 1);
  int64_t previous = -1;
  for (auto [index, result] : llvm::enumerate(map.getResults())) {
    int64_t dim = cast<AffineDimExpr>(result).getPosition();
    if (dim <= previous)
      return std::nullopt;
    previous = dim;
    extents[dim] = transfer.getVectorType().getDimSize(index);
  }
  return extents;
}

/// transfer_read(transfer_write(%v, %t[i...]), [i...]) reading exactly the
/// elements written becomes %v (shape cast when they differ in unit dims).
struct ForwardWrittenVector : public OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    auto write = read.getBase().getDefiningOp<vector::TransferWriteOp>();
    if (!write)
      return rewriter.notifyMatchFailure(read, "not reading a written tensor");
    VectorType readType = read.getVectorType();
    VectorType writeType = write.getVectorType();
    if (readType.getElementType() != writeType.getElementType() ||
        readType.getNumElements() != writeType.getNumElements() ||
        readType.isScalable() || writeType.isScalable())
      return rewriter.notifyMatchFailure(read, "different vectors");
    if (!llvm::equal(
            read.getIndices(), write.getIndices(),
            [](Value a, Value b) { return isEqualConstantIntOrValue(a, b); }))
      return rewriter.notifyMatchFailure(read, "different indices");
    std::optional<SmallVector<int64_t>> readExtents = coveredExtents(read);
    std::optional<SmallVector<int64_t>> writeExtents = coveredExtents(write);
    if (!readExtents || !writeExtents || *readExtents != *writeExtents)
      return rewriter.notifyMatchFailure(read, "different elements");
    Value vector = write.getVector();
    if (readType != writeType)
      vector = vector::ShapeCastOp::create(rewriter, read.getLoc(), readType,
                                           vector);
    rewriter.replaceOp(read, vector);
    return success();
  }
};

} // namespace

void tessera::cpu_codegen::populateEpilogueForwardingPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ForwardWrittenVector>(patterns.getContext());
  tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
}
