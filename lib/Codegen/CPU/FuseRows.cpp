//===- FuseRows.cpp - softmax and layer normalization as row loops --------===//
//
// Part of Tessera. Implements `tessera-cpu-fuse-rows`: a chain of generics
// that reduce along the innermost dimension and use the result elementwise
// (softmax, layer normalization) becomes one loop over rows, each op
// computed once per row and vectorized along it, instead of several passes
// over the whole tensor with scalar reductions.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_CPUFUSEROWS
#include "tessera/Codegen/CPU/Passes.h.inc"
} // namespace tessera

namespace {

/// A generic on static f32 tensors with one result, projected-permutation
/// maps and no index computations.
static bool isRowCandidate(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op->getNumResults() != 1 ||
      op.hasIndexSemantics())
    return false;
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/true))
      return false;
  for (Value value : llvm::concat<Value>(op->getOperands(), op->getResults())) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
      return false;
  }
  return true;
}

/// True when `map`'s first `k` results are d0 .. d(k-1): the operand or
/// result it indexes is read or written row by row.
static bool hasRowPrefix(AffineMap map, int64_t k) {
  if (map.getNumResults() < k)
    return false;
  for (int64_t i = 0; i < k; ++i) {
    auto dim = dyn_cast<AffineDimExpr>(map.getResult(i));
    if (!dim || dim.getPosition() != i)
      return false;
  }
  return true;
}

/// True when `op`'s first loops are the parallel row loops of sizes `rows`,
/// followed by at most the one loop along a row of `row` elements, and it
/// writes its result row by row.
static bool iteratesRows(linalg::GenericOp op, ArrayRef<int64_t> rows,
                         int64_t row) {
  int64_t k = rows.size();
  if (op.getNumLoops() < k || op.getNumLoops() > k + 1)
    return false;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (op.getNumLoops() == k + 1 && ranges[k] != row)
    return false;
  for (int64_t i = 0; i < k; ++i)
    if (iterators[i] != utils::IteratorType::parallel || ranges[i] != rows[i])
      return false;
  return hasRowPrefix(op.getIndexingMapMatchingResult(op->getResult(0)), k);
}

/// The ops of the chain ending in `root`, in program order: generics over the
/// same rows whose every use is in the chain and read row by row, grown
/// backwards from `root`. Empty when no reduction joined.
static SmallVector<linalg::GenericOp>
collectChain(linalg::GenericOp root, ArrayRef<int64_t> rows, int64_t row,
             const llvm::DenseSet<Operation *> &claimed) {
  int64_t k = rows.size();
  llvm::SetVector<Operation *> chain;
  chain.insert(root);
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = 0; i < chain.size(); ++i) {
      for (Value operand : chain[i]->getOperands()) {
        auto producer = operand.getDefiningOp<linalg::GenericOp>();
        if (!producer || chain.contains(producer) ||
            claimed.contains(producer) ||
            producer->getBlock() != root->getBlock() ||
            !isRowCandidate(producer) || !iteratesRows(producer, rows, row))
          continue;
        bool rowUses = llvm::all_of(producer->getUses(), [&](OpOperand &use) {
          auto user = dyn_cast<linalg::GenericOp>(use.getOwner());
          return user && chain.contains(user) &&
                 hasRowPrefix(user.getMatchingIndexingMap(&use), k);
        });
        if (!rowUses)
          continue;
        chain.insert(producer);
        changed = true;
      }
    }
  }
  SmallVector<linalg::GenericOp> ops;
  for (Operation *op : chain)
    ops.push_back(cast<linalg::GenericOp>(op));
  if (llvm::none_of(ops, [](linalg::GenericOp op) {
        return op.getNumReductionLoops() > 0;
      }))
    return {};
  llvm::sort(ops, [](linalg::GenericOp a, linalg::GenericOp b) {
    return a->isBeforeInBlock(b);
  });
  return ops;
}

/// `type` with its first `k` dims set to 1.
static RankedTensorType rowType(Type type, int64_t k) {
  auto tensor = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(tensor.getShape());
  for (int64_t i = 0; i < k; ++i)
    shape[i] = 1;
  return RankedTensorType::get(shape, tensor.getElementType());
}

/// The row of `value` (indexed by `map`) that the loop iteration `ivs` reads:
/// a unit slice along every result that is a row loop, the whole dim
/// elsewhere.
static Value sliceRow(OpBuilder &b, Location loc, Value value, AffineMap map,
                      ValueRange ivs) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<OpFoldResult> offsets, sizes,
      strides(type.getRank(), b.getIndexAttr(1));
  for (auto [i, expr] : llvm::enumerate(map.getResults())) {
    auto dim = dyn_cast<AffineDimExpr>(expr);
    if (dim && dim.getPosition() < ivs.size()) {
      offsets.push_back(ivs[dim.getPosition()]);
      sizes.push_back(b.getIndexAttr(1));
    } else {
      offsets.push_back(b.getIndexAttr(0));
      sizes.push_back(b.getIndexAttr(type.getDimSize(i)));
    }
  }
  return tensor::ExtractSliceOp::create(b, loc, value, offsets, sizes, strides);
}

/// Rewrites the chain `ops` (ending in its root) into a loop over its `k`
/// row dims; returns the ops of one row, for vectorization.
static SmallVector<Operation *> fuseChain(RewriterBase &rewriter,
                                          ArrayRef<linalg::GenericOp> ops,
                                          ArrayRef<int64_t> rows) {
  int64_t k = rows.size();
  linalg::GenericOp root = ops.back();
  SmallVector<Location> locs;
  for (linalg::GenericOp op : ops)
    locs.push_back(op->getLoc());
  Location loc = rewriter.getFusedLoc(locs);
  rewriter.setInsertionPoint(root);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  SmallVector<Value> lbs(k, zero), steps(k, one), ubs;
  for (int64_t size : rows)
    ubs.push_back(arith::ConstantIndexOp::create(rewriter, loc, size));
  Value rootInit = root.getDpsInitOperand(0)->get();
  AffineMap rootMap = root.getIndexingMapMatchingResult(root->getResult(0));
  SmallVector<Operation *> rowOps;
  scf::LoopNest nest = scf::buildLoopNest(
      rewriter, loc, lbs, ubs, steps, ValueRange{rootInit},
      [&](OpBuilder &b, Location loc, ValueRange ivs,
          ValueRange iterArgs) -> scf::ValueVector {
        DenseMap<Value, Value> rowValues;
        for (linalg::GenericOp op : ops) {
          SmallVector<Value> operands;
          for (OpOperand &operand : op->getOpOperands()) {
            Value value = operand.get();
            AffineMap map = op.getMatchingIndexingMap(&operand);
            if (Value row = rowValues.lookup(value)) {
              operands.push_back(row);
              continue;
            }
            if (!op.isDpsInit(&operand)) {
              operands.push_back(sliceRow(b, loc, value, map, ivs));
              continue;
            }
            if (op == root) {
              operands.push_back(sliceRow(b, loc, iterArgs[0], map, ivs));
              continue;
            }
            // An intermediate's destination: a row-sized tensor of its own
            // (refilled for a reduction's initial value).
            RankedTensorType type = rowType(value.getType(), k);
            Value empty = tensor::EmptyOp::create(b, loc, type.getShape(),
                                                  type.getElementType());
            if (auto fill = value.getDefiningOp<linalg::FillOp>()) {
              auto rowFill = linalg::FillOp::create(b, fill.getLoc(),
                                                    fill.getInputs()[0], empty);
              rowOps.push_back(rowFill);
              operands.push_back(rowFill.getResult(0));
            } else if (!op.payloadUsesValueFromOperand(&operand)) {
              operands.push_back(empty);
            } else {
              operands.push_back(sliceRow(b, loc, value, map, ivs));
            }
          }
          Type type = rowType(op->getResult(0).getType(), k);
          Operation *row = mlir::clone(b, op.getOperation(), type, operands);
          rowValues[op->getResult(0)] = row->getResult(0);
          rowOps.push_back(row);
        }
        Value rootRow = rowValues.lookup(root->getResult(0));
        auto rootType = cast<RankedTensorType>(rootInit.getType());
        SmallVector<OpFoldResult> offsets, sizes,
            strides(rootType.getRank(), b.getIndexAttr(1));
        for (auto [i, expr] : llvm::enumerate(rootMap.getResults())) {
          auto dim = cast<AffineDimExpr>(expr);
          bool isRow = dim.getPosition() < static_cast<unsigned>(k);
          offsets.push_back(isRow ? OpFoldResult(ivs[dim.getPosition()])
                                  : b.getIndexAttr(0));
          sizes.push_back(b.getIndexAttr(isRow ? 1 : rootType.getDimSize(i)));
        }
        Value inserted = tensor::InsertSliceOp::create(
            b, loc, rootRow, iterArgs[0], offsets, sizes, strides);
        return {inserted};
      });
  rewriter.replaceAllUsesWith(root->getResult(0), nest.results[0]);
  for (linalg::GenericOp op : llvm::reverse(ops))
    rewriter.eraseOp(op);
  return rowOps;
}

struct CPUFuseRowsPass
    : public tessera::impl::CPUFuseRowsBase<CPUFuseRowsPass> {
  using CPUFuseRowsBase::CPUFuseRowsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<linalg::GenericOp> generics;
    func.walk([&](linalg::GenericOp op) { generics.push_back(op); });
    llvm::DenseSet<Operation *> claimed;
    SmallVector<SmallVector<linalg::GenericOp>> chains;
    SmallVector<SmallVector<int64_t>> chainRows;
    for (linalg::GenericOp root : llvm::reverse(generics)) {
      if (claimed.contains(root) || !isRowCandidate(root) ||
          root.getNumLoops() < 2 ||
          root.getNumParallelLoops() != root.getNumLoops() ||
          !root.getIndexingMapMatchingResult(root->getResult(0)).isIdentity())
        continue;
      SmallVector<int64_t> ranges = root.getStaticLoopRanges();
      int64_t row = ranges.back();
      if (row % 16 != 0 || row > maxRow)
        continue;
      SmallVector<int64_t> rows(ranges.begin(), ranges.end() - 1);
      SmallVector<linalg::GenericOp> chain =
          collectChain(root, rows, row, claimed);
      if (chain.empty())
        continue;
      for (linalg::GenericOp op : chain)
        claimed.insert(op);
      chains.push_back(std::move(chain));
      chainRows.push_back(std::move(rows));
    }
    if (chains.empty())
      return;

    IRRewriter rewriter(&getContext());
    SmallVector<Operation *> rowOps;
    for (auto [chain, rows] : llvm::zip(chains, chainRows))
      llvm::append_range(rowOps, fuseChain(rewriter, chain, rows));
    // Each row's ops as vectors of the whole row; what does not vectorize
    // stays a (correct) scalar loop.
    for (Operation *op : rowOps) {
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::VectorizationResult> vectorized =
          linalg::vectorize(rewriter, op);
      if (succeeded(vectorized))
        rewriter.replaceOp(op, vectorized->replacements);
    }
    // Row reductions as 1-D vector reductions, sums reassociated (a tree of
    // vector adds instead of one add after the other along the row).
    RewritePatternSet patterns(&getContext());
    vector::populateVectorMultiReductionLoweringPatterns(
        patterns, vector::VectorMultiReductionLowering::InnerReduction);
    if (failed(applyPatternsGreedily(func, std::move(patterns)))) {
      func.emitError("row reduction lowering did not converge");
      return signalPassFailure();
    }
    func.walk([&](vector::ReductionOp reduction) {
      if (reduction.getKind() == vector::CombiningKind::ADD &&
          isa<FloatType>(reduction.getType()))
        reduction.setFastmath(arith::FastMathFlags::reassoc);
    });
  }
};

} // namespace
