//===- NNControlFlow.cpp - nn.if, nn.loop and nn.scan ---------------------===//
//
// Part of Tessera. Verifiers, result type inference and the canonicalization
// of the ops that hold ONNX subgraphs as regions.
//
//===----------------------------------------------------------------------===//

#include "NN/NNOps.h"
#include "NN/NNShapeUtils.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace tessera::nn;

/// The type two values of types `a` and `b` both have: a dim on which their
/// static sizes differ is dynamic, a rank on which they differ unranked.
/// Null when the element types differ.
static Type joinTypes(Type a, Type b) {
  if (getElementTypeOrSelf(a) != getElementTypeOrSelf(b))
    return nullptr;
  if (a == b)
    return a;
  auto ra = dyn_cast<RankedTensorType>(a);
  auto rb = dyn_cast<RankedTensorType>(b);
  if (!ra || !rb || ra.getRank() != rb.getRank())
    return UnrankedTensorType::get(getElementTypeOrSelf(a));
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(ra.getShape(), rb.getShape()))
    shape.push_back(x == y ? x : ShapedType::kDynamic);
  return RankedTensorType::get(shape, ra.getElementType());
}

/// True when a value of type `actual` may stand where `declared` is expected.
static bool isCompatible(Type declared, Type actual) {
  return getElementTypeOrSelf(declared) == getElementTypeOrSelf(actual) &&
         succeeded(verifyCompatibleShape(declared, actual));
}

/// Checks that `type` is a tensor of `element` with at most one element.
static LogicalResult checkScalar(Operation *op, Type type, Type element,
                                 StringRef what) {
  auto tensor = dyn_cast<TensorType>(type);
  bool ok = tensor && tensor.getElementType() == element;
  if (ok && tensor.hasRank())
    ok = llvm::all_of(tensor.getShape(), [](int64_t d) {
      return d == 1 || ShapedType::isDynamic(d);
    });
  if (!ok)
    return op->emitOpError() << what << " must be a one-element tensor of "
                             << element << ", got " << type;
  return success();
}

static YieldOp getYield(Region &region) {
  if (region.empty())
    return nullptr;
  return dyn_cast<YieldOp>(region.front().getTerminator());
}

/// Checks that `region` ends in an `nn.yield` of `count` values.
static FailureOr<YieldOp> checkYield(Operation *op, Region &region,
                                     StringRef name, unsigned count) {
  YieldOp yield = getYield(region);
  if (!yield)
    return op->emitOpError() << name << " must end in 'nn.yield'";
  if (yield.getValues().size() != count)
    return op->emitOpError() << name << " yields " << yield.getValues().size()
                             << " value(s) but the op expects " << count;
  return yield;
}

/// `type` with a dim of size `size` inserted at `axis`, or unranked.
static Type insertDim(Type type, int64_t axis, int64_t size) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return UnrankedTensorType::get(getElementTypeOrSelf(type));
  SmallVector<int64_t> shape(ranked.getShape());
  shape.insert(shape.begin() + axis, size);
  return RankedTensorType::get(shape, ranked.getElementType());
}

/// `type` without dim `axis`, or unranked.
static Type dropDim(Type type, int64_t axis) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked || axis < 0 || axis >= ranked.getRank())
    return UnrankedTensorType::get(getElementTypeOrSelf(type));
  SmallVector<int64_t> shape(ranked.getShape());
  shape.erase(shape.begin() + axis);
  return RankedTensorType::get(shape, ranked.getElementType());
}

//===----------------------------------------------------------------------===//
// IfOp
//===----------------------------------------------------------------------===//

LogicalResult IfOp::verify() {
  return checkScalar(*this, getCond().getType(),
                     IntegerType::get(getContext(), 1), "condition");
}

LogicalResult IfOp::verifyRegions() {
  for (auto [region, name] :
       {std::pair<Region *, StringRef>(&getThenBranch(), "then_branch"),
        std::pair<Region *, StringRef>(&getElseBranch(), "else_branch")}) {
    FailureOr<YieldOp> yield =
        checkYield(*this, *region, name, getNumResults());
    if (failed(yield))
      return failure();
    for (auto [i, types] : llvm::enumerate(
             llvm::zip(getResultTypes(), yield->getValues().getTypes()))) {
      auto [declared, actual] = types;
      if (!isCompatible(declared, actual))
        return emitOpError() << name << " yields " << actual << " for result #"
                             << i << ", which has type " << declared;
    }
  }
  return success();
}

LogicalResult IfOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  YieldOp thenYield = getYield(getThenBranch());
  YieldOp elseYield = getYield(getElseBranch());
  if (!thenYield || !elseYield)
    return emitOpError() << "branches must end in 'nn.yield'";
  if (thenYield.getValues().size() != elseYield.getValues().size())
    return emitOpError() << "then_branch yields "
                         << thenYield.getValues().size()
                         << " value(s) but else_branch yields "
                         << elseYield.getValues().size();
  for (auto [i, a, b] : llvm::enumerate(thenYield.getValues().getTypes(),
                                        elseYield.getValues().getTypes())) {
    Type joined = joinTypes(a, b);
    if (!joined)
      return emitOpError() << "branches yield different element types for "
                              "result #"
                           << i << ": " << a << " and " << b;
    types.push_back(joined);
  }
  return success();
}

namespace {

/// An `nn.if` with a constant condition is its taken branch.
struct InlineConstantIf : public OpRewritePattern<IfOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(IfOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> cond = getConstantInts(op.getCond());
    if (!cond || cond->size() != 1)
      return failure();
    Region &taken = (*cond)[0] ? op.getThenBranch() : op.getElseBranch();
    Block &block = taken.front();
    auto yield = cast<YieldOp>(block.getTerminator());
    // A more static value replaces a result only where every user is an nn
    // op (their verifiers accept it; a func.return would not).
    for (auto [result, value] : llvm::zip(op.getResults(), yield.getValues()))
      if (result.getType() != value.getType())
        for (Operation *user : result.getUsers())
          if (user->getDialect() != op->getDialect())
            return failure();
    SmallVector<Value> values(yield.getValues());
    rewriter.inlineBlockBefore(&block, op);
    rewriter.eraseOp(yield);
    rewriter.replaceOp(op, values);
    return success();
  }
};

} // namespace

void IfOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                       MLIRContext *context) {
  results.add<InlineConstantIf>(context);
}

//===----------------------------------------------------------------------===//
// LoopOp
//===----------------------------------------------------------------------===//

LogicalResult LoopOp::verify() {
  MLIRContext *ctx = getContext();
  if (!isNone(getM()) &&
      failed(checkScalar(*this, getM().getType(), IntegerType::get(ctx, 64),
                         "trip count M")))
    return failure();
  if (!isNone(getCond()) &&
      failed(checkScalar(*this, getCond().getType(), IntegerType::get(ctx, 1),
                         "condition")))
    return failure();
  if (getNumResults() < getNumCarried())
    return emitOpError() << "has " << getNumResults() << " results but "
                         << getNumCarried() << " loop-carried values";
  return success();
}

LogicalResult LoopOp::verifyRegions() {
  MLIRContext *ctx = getContext();
  Block &body = getBody().front();
  unsigned n = getNumCarried();
  if (body.getNumArguments() != 2 + n)
    return emitOpError() << "body takes " << body.getNumArguments()
                         << " argument(s) but the op expects " << 2 + n
                         << " (iteration number, condition, " << n
                         << " loop-carried value(s))";
  if (failed(checkScalar(*this, body.getArgument(0).getType(),
                         IntegerType::get(ctx, 64), "body argument #0")) ||
      failed(checkScalar(*this, body.getArgument(1).getType(),
                         IntegerType::get(ctx, 1), "body argument #1")))
    return failure();
  FailureOr<YieldOp> yield =
      checkYield(*this, getBody(), "body", 1 + getNumResults());
  if (failed(yield))
    return failure();
  ValueRange yielded = yield->getValues();
  if (failed(checkScalar(*this, yielded[0].getType(), IntegerType::get(ctx, 1),
                         "the yielded condition")))
    return failure();
  for (unsigned i = 0; i < n; ++i) {
    Type init = getVInitial()[i].getType();
    Type arg = body.getArgument(2 + i).getType();
    Type next = yielded[1 + i].getType();
    if (!isCompatible(arg, init) || !isCompatible(arg, next))
      return emitOpError() << "loop-carried value #" << i << " has type "
                           << init << ", body argument " << arg
                           << " and yielded " << next << ": they must agree";
    if (!isCompatible(getResult(i).getType(), next))
      return emitOpError() << "result #" << i << " has type "
                           << getResult(i).getType() << " but the body yields "
                           << next;
  }
  for (unsigned k = 0; k < getNumScanOutputs(); ++k) {
    Type slice = yielded[1 + n + k].getType();
    Type result = getResult(n + k).getType();
    if (!isCompatible(result, insertDim(slice, 0, ShapedType::kDynamic)))
      return emitOpError() << "scan output #" << k << " has type " << result
                           << " but the body yields slices of type " << slice;
  }
  return success();
}

/// The number of iterations of `op` when it is known to run exactly its
/// constant trip count: no condition can stop it early.
static std::optional<int64_t> getStaticTripCount(LoopOp op) {
  if (isNone(op.getM()))
    return std::nullopt;
  std::optional<SmallVector<int64_t>> m = getConstantInts(op.getM());
  if (!m || m->size() != 1)
    return std::nullopt;
  auto isTrue = [](Value v) {
    std::optional<SmallVector<int64_t>> c = getConstantInts(v);
    return c && c->size() == 1 && (*c)[0] != 0;
  };
  if (!isNone(op.getCond()) && !isTrue(op.getCond()))
    return std::nullopt;
  Block &body = op.getBody().front();
  Value next = cast<YieldOp>(body.getTerminator()).getValues()[0];
  if (next != body.getArgument(1) && !isTrue(next))
    return std::nullopt;
  return std::max<int64_t>((*m)[0], 0);
}

std::optional<int64_t> tessera::nn::getLoopTripCount(LoopOp op) {
  return getStaticTripCount(op);
}

LogicalResult LoopOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  Block &body = getBody().front();
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield || yield.getValues().size() != 1 + getNumResults())
    return emitOpError() << "body must yield the condition and one value per "
                            "result";
  unsigned n = getNumCarried();
  for (unsigned i = 0; i < n; ++i) {
    Type joined = joinTypes(getVInitial()[i].getType(),
                            yield.getValues()[1 + i].getType());
    if (!joined)
      return emitOpError() << "loop-carried value #" << i
                           << " changes its element type in the body";
    types.push_back(joined);
  }
  std::optional<int64_t> trips = getStaticTripCount(*this);
  for (unsigned k = 0; k < getNumScanOutputs(); ++k)
    types.push_back(insertDim(yield.getValues()[1 + n + k].getType(), 0,
                              trips ? *trips : ShapedType::kDynamic));
  return success();
}

//===----------------------------------------------------------------------===//
// ScanOp
//===----------------------------------------------------------------------===//

static int64_t attrAt(std::optional<ArrayRef<int64_t>> values, unsigned i) {
  return values && i < values->size() ? (*values)[i] : 0;
}

int64_t ScanOp::getInputAxis(unsigned i) {
  int64_t axis = attrAt(getScanInputAxes(), i);
  auto type = dyn_cast<RankedTensorType>(getScanInputs()[i].getType());
  return axis < 0 && type ? axis + type.getRank() : axis;
}

bool ScanOp::isInputReversed(unsigned i) {
  return attrAt(getScanInputDirections(), i) != 0;
}

int64_t ScanOp::getOutputAxis(unsigned k) {
  int64_t axis = attrAt(getScanOutputAxes(), k);
  auto type =
      dyn_cast<RankedTensorType>(getResult(getNumStates() + k).getType());
  return axis < 0 && type ? axis + type.getRank() : axis;
}

bool ScanOp::isOutputReversed(unsigned k) {
  return attrAt(getScanOutputDirections(), k) != 0;
}

LogicalResult ScanOp::verify() {
  int64_t m = getNumScanInputs();
  int64_t operands = getInitialStateAndScanInputs().size();
  if (m < 1 || m > operands)
    return emitOpError() << "num_scan_inputs is " << m << " but the op has "
                         << operands << " operand(s)";
  if (getNumResults() < getNumStates())
    return emitOpError() << "has " << getNumResults() << " results but "
                         << getNumStates() << " state variables";
  auto checkCount = [&](std::optional<ArrayRef<int64_t>> values, StringRef name,
                        int64_t count) -> LogicalResult {
    if (values && (int64_t)values->size() != count)
      return emitOpError() << "'" << name << "' has " << values->size()
                           << " value(s) but the op has " << count
                           << (name.starts_with("scan_input")
                                   ? " scan inputs"
                                   : " scan outputs");
    return success();
  };
  int64_t k = getNumScanOutputs();
  if (failed(checkCount(getScanInputAxes(), "scan_input_axes", m)) ||
      failed(
          checkCount(getScanInputDirections(), "scan_input_directions", m)) ||
      failed(checkCount(getScanOutputAxes(), "scan_output_axes", k)) ||
      failed(
          checkCount(getScanOutputDirections(), "scan_output_directions", k)))
    return failure();
  for (auto [values, name] :
       {std::pair(getScanInputDirections(), "scan_input_directions"),
        std::pair(getScanOutputDirections(), "scan_output_directions")})
    if (values)
      for (int64_t d : *values)
        if (d != 0 && d != 1)
          return emitOpError() << "'" << name << "' holds " << d
                               << " (directions are 0 or 1)";
  int64_t length = ShapedType::kDynamic;
  for (auto [i, input] : llvm::enumerate(getScanInputs())) {
    auto type = dyn_cast<RankedTensorType>(input.getType());
    if (!type)
      continue;
    int64_t axis = attrAt(getScanInputAxes(), i);
    if (axis < -type.getRank() || axis >= type.getRank())
      return emitOpError() << "scan input #" << i << " has axis " << axis
                           << " out of range for rank " << type.getRank();
    int64_t size = type.getDimSize(getInputAxis(i));
    if (ShapedType::isDynamic(size))
      continue;
    if (!ShapedType::isDynamic(length) && size != length)
      return emitOpError() << "scan input #" << i << " has " << size
                           << " slices along its axis, but an earlier one has "
                           << length;
    length = size;
  }
  for (unsigned j = 0; j < k; ++j) {
    auto type =
        dyn_cast<RankedTensorType>(getResult(getNumStates() + j).getType());
    if (!type)
      continue;
    int64_t axis = attrAt(getScanOutputAxes(), j);
    if (axis < -type.getRank() || axis >= type.getRank())
      return emitOpError() << "scan output #" << j << " has axis " << axis
                           << " out of range for rank " << type.getRank();
  }
  return success();
}

LogicalResult ScanOp::verifyRegions() {
  Block &body = getBody().front();
  unsigned n = getNumStates(), m = getNumScanInputs();
  if (body.getNumArguments() != n + m)
    return emitOpError() << "body takes " << body.getNumArguments()
                         << " argument(s) but the op has " << n
                         << " state variable(s) and " << m << " scan input(s)";
  FailureOr<YieldOp> yield =
      checkYield(*this, getBody(), "body", getNumResults());
  if (failed(yield))
    return failure();
  for (unsigned i = 0; i < n; ++i) {
    Type init = getInitialStateAndScanInputs()[i].getType();
    Type arg = body.getArgument(i).getType();
    Type next = yield->getValues()[i].getType();
    if (!isCompatible(arg, init) || !isCompatible(arg, next) ||
        !isCompatible(getResult(i).getType(), next))
      return emitOpError() << "state variable #" << i << " has type " << init
                           << ", body argument " << arg << " and yielded "
                           << next << ": they must agree";
  }
  for (unsigned j = 0; j < m; ++j) {
    Type slice = dropDim(getScanInputs()[j].getType(), getInputAxis(j));
    Type arg = body.getArgument(n + j).getType();
    if (!isCompatible(arg, slice))
      return emitOpError() << "body argument #" << n + j << " has type " << arg
                           << " but slices of scan input #" << j << " are "
                           << slice;
  }
  for (unsigned k = 0; k < getNumScanOutputs(); ++k) {
    Type result = getResult(n + k).getType();
    Type slice = yield->getValues()[n + k].getType();
    if (!isCompatible(result,
                      insertDim(slice, getOutputAxis(k), ShapedType::kDynamic)))
      return emitOpError() << "scan output #" << k << " has type " << result
                           << " but the body yields slices of type " << slice;
  }
  return success();
}

LogicalResult ScanOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  Block &body = getBody().front();
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield || yield.getValues().size() != getNumResults())
    return emitOpError() << "body must yield one value per result";
  unsigned n = getNumStates();
  for (unsigned i = 0; i < n; ++i) {
    Type joined = joinTypes(getInitialStateAndScanInputs()[i].getType(),
                            yield.getValues()[i].getType());
    if (!joined)
      return emitOpError() << "state variable #" << i
                           << " changes its element type in the body";
    types.push_back(joined);
  }
  int64_t length = ShapedType::kDynamic;
  for (unsigned j = 0; j < getNumScanInputs(); ++j)
    if (auto type = dyn_cast<RankedTensorType>(getScanInputs()[j].getType()))
      if (getInputAxis(j) >= 0 && getInputAxis(j) < type.getRank() &&
          !type.isDynamicDim(getInputAxis(j)))
        length = type.getDimSize(getInputAxis(j));
  for (unsigned k = 0; k < getNumScanOutputs(); ++k) {
    Type slice = yield.getValues()[n + k].getType();
    int64_t axis = attrAt(getScanOutputAxes(), k);
    auto ranked = dyn_cast<RankedTensorType>(slice);
    if (ranked) {
      int64_t rank = ranked.getRank() + 1;
      if (axis < -rank || axis >= rank)
        return emitOpError() << "scan output #" << k << " has axis " << axis
                             << " out of range for rank " << rank;
      if (axis < 0)
        axis += rank;
    }
    types.push_back(insertDim(slice, axis, length));
  }
  return success();
}
