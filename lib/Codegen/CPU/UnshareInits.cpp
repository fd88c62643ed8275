//===- UnshareInits.cpp - one init per destination chain ------------------===//
//
// Part of Tessera. Implements `tessera-cpu-unshare-inits`: CSE merges
// identical fills, bias broadcasts and their tiled loop nests, and one-shot
// bufferization then copies the shared tensor for all but one of its
// destinations (~15% of ResNet-50's latency in memcpy and memrefCopy).
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/CPU/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_CPUUNSHAREINITS
#include "tessera/Codegen/CPU/Passes.h.inc"
} // namespace tessera

namespace {

/// True when `op` computes its one tensor result from constants and
/// `tensor.empty`s only, so that a copy of it costs no more than copying its
/// result.
static bool isFromScratch(Operation *op) {
  if (op->getNumResults() != 1 ||
      !isa<RankedTensorType>(op->getResult(0).getType()) ||
      !isa<linalg::FillOp, linalg::BroadcastOp, scf::ForOp>(op))
    return false;
  WalkResult walk = op->walk([&](Operation *inner) {
    for (Value v : inner->getOperands()) {
      if (auto arg = dyn_cast<BlockArgument>(v)) {
        if (op->isAncestor(arg.getOwner()->getParentOp()))
          continue;
        return WalkResult::interrupt();
      }
      Operation *def = v.getDefiningOp();
      if (op->isAncestor(def) || def->hasTrait<OpTrait::ConstantLike>() ||
          isa<tensor::EmptyOp>(def))
        continue;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return !walk.wasInterrupted();
}

/// The operand holding the value `operand` was computed in place of,
/// following destinations back through destination-style ops, loops and
/// vector writes.
static OpOperand *traceDestination(OpOperand *operand) {
  while (auto result = dyn_cast<OpResult>(operand->get())) {
    Operation *def = result.getOwner();
    if (auto dps = dyn_cast<DestinationStyleOpInterface>(def)) {
      operand = dps.getTiedOpOperand(result);
      continue;
    }
    if (auto loop = dyn_cast<scf::ForOp>(def)) {
      operand = &loop.getInitArgsMutable()[result.getResultNumber()];
      continue;
    }
    if (auto write = dyn_cast<vector::TransferWriteOp>(def);
        write && write.hasPureTensorSemantics()) {
      operand = &write.getBaseMutable();
      continue;
    }
    break;
  }
  return operand;
}

/// Uses of a from-scratch value that must share one buffer: an overwriting
/// use, and for an insert_slice destination the use of the extract_slice
/// (of the same value) that the inserted value was computed in.
struct DestinationGroup {
  OpOperand *use;
  tensor::ExtractSliceOp extract;
  OpOperand *extractUse = nullptr;
};

/// The overwriting uses of `value`; `others` tells whether it has uses
/// outside the groups.
static SmallVector<DestinationGroup> groupDestinationUses(Value value,
                                                          bool &others) {
  SmallVector<DestinationGroup> groups;
  llvm::SmallPtrSet<OpOperand *, 8> grouped;
  for (OpOperand &use : value.getUses()) {
    auto insert = dyn_cast<tensor::InsertSliceOp>(use.getOwner());
    if (!insert || &use != &insert.getDestMutable())
      continue;
    DestinationGroup group{&use, {}};
    OpOperand *origin = traceDestination(&insert.getSourceMutable());
    auto extract = origin->get().getDefiningOp<tensor::ExtractSliceOp>();
    if (extract && extract.getSource() == value) {
      group.extract = extract;
      group.extractUse = origin;
      grouped.insert(&extract.getSourceMutable());
    }
    grouped.insert(&use);
    groups.push_back(group);
  }
  others = false;
  for (OpOperand &use : value.getUses()) {
    if (grouped.contains(&use))
      continue;
    Operation *user = use.getOwner();
    auto dps = dyn_cast<DestinationStyleOpInterface>(user);
    auto loop = dyn_cast<scf::ForOp>(user);
    if ((dps && dps.isDpsInit(&use)) ||
        (loop && use.getOperandNumber() >= loop.getNumControlOperands())) {
      groups.push_back({&use, {}});
      continue;
    }
    others = true;
  }
  return groups;
}

struct CPUUnshareInitsPass
    : public tessera::impl::CPUUnshareInitsBase<CPUUnshareInitsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<Operation *> producers;
    for (Operation &op : func.getBody().getOps())
      if (isFromScratch(&op))
        producers.push_back(&op);
    IRRewriter rewriter(&getContext());
    for (Operation *producer : producers) {
      bool others;
      SmallVector<DestinationGroup> groups =
          groupDestinationUses(producer->getResult(0), others);
      // The producer keeps one group, unless other users read it too.
      for (size_t i = others ? 0 : 1; i < groups.size(); ++i) {
        rewriter.setInsertionPointAfter(producer);
        IRMapping mapping;
        for (Value operand : producer->getOperands())
          if (auto empty = operand.getDefiningOp<tensor::EmptyOp>())
            mapping.map(operand, rewriter.clone(*empty)->getResult(0));
        Value copy = rewriter.clone(*producer, mapping)->getResult(0);
        DestinationGroup &group = groups[i];
        rewriter.modifyOpInPlace(group.use->getOwner(),
                                 [&] { group.use->set(copy); });
        if (!group.extract)
          continue;
        // CSE may have merged the extract_slices of several groups too.
        rewriter.setInsertionPointAfter(group.extract);
        auto extract =
            cast<tensor::ExtractSliceOp>(rewriter.clone(*group.extract));
        rewriter.modifyOpInPlace(extract,
                                 [&] { extract.getSourceMutable().set(copy); });
        rewriter.modifyOpInPlace(group.extractUse->getOwner(), [&] {
          group.extractUse->set(extract.getResult());
        });
      }
    }
  }
};

} // namespace
