//===- ControlFlow.cpp - nn.if, nn.loop and nn.scan to scf ----------------===//
//
// Part of Tessera. Rewrites the control-flow ops into scf before the other nn
// ops convert: their regions move into the scf ops unchanged, so the nn ops
// of the bodies then lower with every other nn op.
//
//   nn.if   -> scf.if on the extracted condition
//   nn.loop -> scf.for when it runs exactly a constant trip count (scan
//              outputs are stacked with tensor.insert_slice), scf.while
//              otherwise (then it may have no scan outputs)
//   nn.scan -> scf.for over the scan length with tensor.extract_slice and
//              tensor.insert_slice
//
//===----------------------------------------------------------------------===//

#include "NN/NNOps.h"
#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
namespace nn = tessera::nn;

bool tessera::isNNControlFlowOp(Operation *op) {
  return isa<nn::IfOp, nn::LoopOp, nn::ScanOp>(op);
}

/// The i1 or i64 scalar held by a one-element tensor.
static FailureOr<Value> extractScalar(RewriterBase &rewriter, Operation *op,
                                      Value tensor, StringRef what) {
  auto type = dyn_cast<RankedTensorType>(tensor.getType());
  if (!type || !type.hasStaticShape() || type.getNumElements() != 1)
    return op->emitOpError()
           << what << " must be a one-element tensor of static shape to lower";
  Location loc = op->getLoc();
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  SmallVector<Value> indices(type.getRank(), zero);
  return tensor::ExtractOp::create(rewriter, loc, tensor, indices).getResult();
}

/// A one-element tensor of `type` holding `scalar`.
static Value makeTensor(RewriterBase &rewriter, Location loc, Type type,
                        Value scalar) {
  return tensor::FromElementsOp::create(rewriter, loc, type, scalar);
}

/// `value` as `type` (a tensor.cast between compatible shapes).
static Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

static LogicalResult requireStatic(Operation *op, Type type, StringRef what) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (ranked && ranked.hasStaticShape())
    return success();
  return op->emitOpError()
         << what << " has type " << type
         << ": lowering needs static shapes (data-dependent shapes are "
            "unsupported)";
}

static LogicalResult lowerIf(IRRewriter &rewriter, nn::IfOp op) {
  rewriter.setInsertionPoint(op);
  FailureOr<Value> cond =
      extractScalar(rewriter, op, op.getCond(), "the condition");
  if (failed(cond))
    return failure();
  auto ifOp = scf::IfOp::create(rewriter, op.getLoc(), op.getResultTypes(),
                                *cond, /*addThenBlock=*/false,
                                /*addElseBlock=*/false);
  for (auto [from, to] :
       {std::pair(&op.getThenBranch(), &ifOp.getThenRegion()),
        std::pair(&op.getElseBranch(), &ifOp.getElseRegion())}) {
    rewriter.inlineRegionBefore(*from, *to, to->end());
    auto yield = cast<nn::YieldOp>(to->front().getTerminator());
    rewriter.setInsertionPoint(yield);
    SmallVector<Value> values;
    for (auto [value, type] :
         llvm::zip(yield.getValues(), ifOp.getResultTypes()))
      values.push_back(castTo(rewriter, yield.getLoc(), value, type));
    rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, values);
  }
  rewriter.replaceOp(op, ifOp.getResults());
  return success();
}

/// Offsets, sizes and strides of slice `index` along `axis` of `type`.
static void sliceAt(OpBuilder &b, RankedTensorType type, int64_t axis,
                    Value index, SmallVectorImpl<OpFoldResult> &offsets,
                    SmallVectorImpl<OpFoldResult> &sizes,
                    SmallVectorImpl<OpFoldResult> &strides) {
  for (int64_t d = 0; d < type.getRank(); ++d) {
    offsets.push_back(d == axis ? OpFoldResult(index) : b.getIndexAttr(0));
    sizes.push_back(b.getIndexAttr(d == axis ? 1 : type.getDimSize(d)));
    strides.push_back(b.getIndexAttr(1));
  }
}

/// Inserts `slice` at `index` along `axis` of `dest`.
static Value insertAt(OpBuilder &b, Location loc, Value slice, Value dest,
                      int64_t axis, Value index) {
  auto type = cast<RankedTensorType>(dest.getType());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  sliceAt(b, type, axis, index, offsets, sizes, strides);
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + axis);
  slice = castTo(b, loc, slice,
                 RankedTensorType::get(shape, type.getElementType()));
  return tensor::InsertSliceOp::create(b, loc, slice, dest, offsets, sizes,
                                       strides);
}

/// `reversed ? count - 1 - iv : iv`.
static Value sliceIndex(OpBuilder &b, Location loc, Value iv, int64_t count,
                        bool reversed) {
  if (!reversed)
    return iv;
  Value last = arith::ConstantIndexOp::create(b, loc, count - 1);
  return arith::SubIOp::create(b, loc, last, iv);
}

static LogicalResult lowerLoop(IRRewriter &rewriter, nn::LoopOp op) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Block &body = op.getBody().front();
  unsigned n = op.getNumCarried(), k = op.getNumScanOutputs();
  SmallVector<Value> carried(op.getVInitial());
  Type iterType = body.getArgument(0).getType();
  Type condType = body.getArgument(1).getType();
  for (Type t : {iterType, condType})
    if (failed(requireStatic(op, t, "a body argument")))
      return failure();

  std::optional<int64_t> trips = nn::getLoopTripCount(op);
  if (!trips) {
    if (k)
      return op.emitOpError()
             << "has scan outputs but no constant trip count (or a condition "
                "that may end it early): their length depends on the values "
                "of the inputs (data-dependent shapes are unsupported)";
    // scf.while over (i, cond, carried...).
    Value zero = arith::ConstantIntOp::create(rewriter, loc, 0, 64);
    Value cond = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
    if (!isa<NoneType>(op.getCond().getType())) {
      FailureOr<Value> c =
          extractScalar(rewriter, op, op.getCond(), "the condition");
      if (failed(c))
        return failure();
      cond = *c;
    }
    Value limit;
    if (!isa<NoneType>(op.getM().getType())) {
      FailureOr<Value> m =
          extractScalar(rewriter, op, op.getM(), "the trip count");
      if (failed(m))
        return failure();
      limit = *m;
    }
    SmallVector<Value> inits = {zero, cond};
    for (auto [i, v] : llvm::enumerate(carried))
      inits.push_back(
          castTo(rewriter, loc, v, body.getArgument(2 + i).getType()));
    SmallVector<Type> types(ValueRange(inits).getTypes());
    SmallVector<Location> locs(types.size(), loc);
    auto whileOp = scf::WhileOp::create(rewriter, loc, types, inits);
    Block *before = rewriter.createBlock(&whileOp.getBefore(), {}, types, locs);
    Value go = before->getArgument(1);
    if (limit) {
      Value below =
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt,
                                before->getArgument(0), limit);
      go = arith::AndIOp::create(rewriter, loc, go, below);
    }
    scf::ConditionOp::create(rewriter, loc, go, before->getArguments());
    Block *after = rewriter.createBlock(&whileOp.getAfter(), {}, types, locs);
    SmallVector<Value> args = {
        makeTensor(rewriter, loc, iterType, after->getArgument(0)),
        makeTensor(rewriter, loc, condType, after->getArgument(1))};
    for (unsigned i = 0; i < n; ++i)
      args.push_back(after->getArgument(2 + i));
    auto yield = cast<nn::YieldOp>(body.getTerminator());
    rewriter.mergeBlocks(&body, after, args);
    rewriter.setInsertionPoint(yield);
    FailureOr<Value> nextCond = extractScalar(
        rewriter, op, yield.getValues()[0], "the yielded condition");
    if (failed(nextCond))
      return failure();
    Value one = arith::ConstantIntOp::create(rewriter, loc, 1, 64);
    SmallVector<Value> next = {
        arith::AddIOp::create(rewriter, loc, after->getArgument(0), one),
        *nextCond};
    for (unsigned i = 0; i < n; ++i)
      next.push_back(
          castTo(rewriter, loc, yield.getValues()[1 + i], types[2 + i]));
    rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, next);
    rewriter.setInsertionPointAfter(whileOp);
    SmallVector<Value> results;
    for (unsigned i = 0; i < n; ++i)
      results.push_back(castTo(rewriter, loc, whileOp.getResult(2 + i),
                               op.getResult(i).getType()));
    rewriter.replaceOp(op, results);
    return success();
  }

  // scf.for over the constant trip count, the scan outputs accumulated.
  SmallVector<Value> inits;
  for (auto [i, v] : llvm::enumerate(carried))
    inits.push_back(
        castTo(rewriter, loc, v, body.getArgument(2 + i).getType()));
  for (unsigned j = 0; j < k; ++j) {
    Type type = op.getResult(n + j).getType();
    if (failed(requireStatic(op, type, "a scan output")))
      return failure();
    auto ranked = cast<RankedTensorType>(type);
    inits.push_back(tensor::EmptyOp::create(rewriter, loc, ranked.getShape(),
                                            ranked.getElementType()));
  }
  Value lb = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value ub = arith::ConstantIndexOp::create(rewriter, loc, *trips);
  Value step = arith::ConstantIndexOp::create(rewriter, loc, 1);
  auto forOp = scf::ForOp::create(rewriter, loc, lb, ub, step, inits);
  Block *forBody = forOp.getBody();
  // An empty body block may hold an implicit terminator: build before it.
  if (!forBody->empty())
    rewriter.eraseOp(forBody->getTerminator());
  rewriter.setInsertionPointToEnd(forBody);
  Value iv = forOp.getInductionVar();
  Value iter =
      arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), iv);
  SmallVector<Value> args = {
      makeTensor(rewriter, loc, iterType, iter),
      makeTensor(rewriter, loc, condType,
                 arith::ConstantIntOp::create(rewriter, loc, 1, 1))};
  for (unsigned i = 0; i < n; ++i)
    args.push_back(forOp.getRegionIterArg(i));
  auto yield = cast<nn::YieldOp>(body.getTerminator());
  rewriter.mergeBlocks(&body, forBody, args);
  rewriter.setInsertionPoint(yield);
  SmallVector<Value> next;
  for (unsigned i = 0; i < n; ++i)
    next.push_back(castTo(rewriter, loc, yield.getValues()[1 + i],
                          forOp.getRegionIterArg(i).getType()));
  for (unsigned j = 0; j < k; ++j)
    next.push_back(insertAt(rewriter, loc, yield.getValues()[1 + n + j],
                            forOp.getRegionIterArg(n + j), 0, iv));
  rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, next);
  rewriter.setInsertionPointAfter(forOp);
  SmallVector<Value> results;
  for (auto [result, value] : llvm::zip(op.getResults(), forOp.getResults()))
    results.push_back(castTo(rewriter, loc, value, result.getType()));
  rewriter.replaceOp(op, results);
  return success();
}

static LogicalResult lowerScan(IRRewriter &rewriter, nn::ScanOp op) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Block &body = op.getBody().front();
  unsigned n = op.getNumStates(), m = op.getNumScanInputs(),
           k = op.getNumScanOutputs();
  int64_t length = -1;
  for (unsigned j = 0; j < m; ++j) {
    Value input = op.getScanInputs()[j];
    if (failed(requireStatic(op, input.getType(), "a scan input")) ||
        failed(requireStatic(op, body.getArgument(n + j).getType(),
                             "a body argument")))
      return failure();
    length =
        cast<RankedTensorType>(input.getType()).getDimSize(op.getInputAxis(j));
  }
  SmallVector<Value> inits;
  for (unsigned i = 0; i < n; ++i)
    inits.push_back(castTo(rewriter, loc, op.getInitialStateAndScanInputs()[i],
                           body.getArgument(i).getType()));
  for (unsigned j = 0; j < k; ++j) {
    Type type = op.getResult(n + j).getType();
    if (failed(requireStatic(op, type, "a scan output")))
      return failure();
    auto ranked = cast<RankedTensorType>(type);
    inits.push_back(tensor::EmptyOp::create(rewriter, loc, ranked.getShape(),
                                            ranked.getElementType()));
  }
  Value lb = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value ub = arith::ConstantIndexOp::create(rewriter, loc, length);
  Value step = arith::ConstantIndexOp::create(rewriter, loc, 1);
  auto forOp = scf::ForOp::create(rewriter, loc, lb, ub, step, inits);
  Block *forBody = forOp.getBody();
  if (!forBody->empty())
    rewriter.eraseOp(forBody->getTerminator());
  rewriter.setInsertionPointToEnd(forBody);
  Value iv = forOp.getInductionVar();
  SmallVector<Value> args;
  for (unsigned i = 0; i < n; ++i)
    args.push_back(forOp.getRegionIterArg(i));
  for (unsigned j = 0; j < m; ++j) {
    Value input = op.getScanInputs()[j];
    auto type = cast<RankedTensorType>(input.getType());
    Value index = sliceIndex(rewriter, loc, iv, length, op.isInputReversed(j));
    SmallVector<OpFoldResult> offsets, sizes, strides;
    sliceAt(rewriter, type, op.getInputAxis(j), index, offsets, sizes, strides);
    auto sliceType = cast<RankedTensorType>(body.getArgument(n + j).getType());
    args.push_back(tensor::ExtractSliceOp::create(
        rewriter, loc, sliceType, input, offsets, sizes, strides));
  }
  auto yield = cast<nn::YieldOp>(body.getTerminator());
  rewriter.mergeBlocks(&body, forBody, args);
  rewriter.setInsertionPoint(yield);
  SmallVector<Value> next;
  for (unsigned i = 0; i < n; ++i)
    next.push_back(castTo(rewriter, loc, yield.getValues()[i],
                          forOp.getRegionIterArg(i).getType()));
  for (unsigned j = 0; j < k; ++j) {
    Value index = sliceIndex(rewriter, loc, iv, length, op.isOutputReversed(j));
    next.push_back(insertAt(rewriter, loc, yield.getValues()[n + j],
                            forOp.getRegionIterArg(n + j), op.getOutputAxis(j),
                            index));
  }
  rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, next);
  rewriter.setInsertionPointAfter(forOp);
  SmallVector<Value> results;
  for (auto [result, value] : llvm::zip(op.getResults(), forOp.getResults()))
    results.push_back(castTo(rewriter, loc, value, result.getType()));
  rewriter.replaceOp(op, results);
  return success();
}

LogicalResult tessera::lowerNNControlFlow(Operation *root) {
  // Innermost first: an op's body then holds only ops the conversion knows.
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    if (isNNControlFlowOp(op))
      ops.push_back(op);
  });
  IRRewriter rewriter(root->getContext());
  for (Operation *op : ops) {
    LogicalResult result =
        llvm::TypeSwitch<Operation *, LogicalResult>(op)
            .Case<nn::IfOp>([&](nn::IfOp o) { return lowerIf(rewriter, o); })
            .Case<nn::LoopOp>(
                [&](nn::LoopOp o) { return lowerLoop(rewriter, o); })
            .Case<nn::ScanOp>(
                [&](nn::ScanOp o) { return lowerScan(rewriter, o); });
    if (failed(result))
      return failure();
  }
  return success();
}
