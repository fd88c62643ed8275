//===- FuseEpilogues.cpp - group anchors and epilogues into nn.fused ------===//
//
// Part of Tessera. Implements `tessera-fuse-epilogues`: each Conv,
// ConvTranspose, Gemm or MatMul takes the chain of single-use epilogue ops
// after it (bias Add, activations, residual Add + activation, channel
// scales) into one `nn.fused` group; maximal chains of single-use
// elementwise ops elsewhere become "elementwise" groups.
//
//===----------------------------------------------------------------------===//

#include "tessera/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;
using namespace tessera::nn;
using tessera::isEpilogueActivation;

namespace tessera {
#define GEN_PASS_DEF_FUSEEPILOGUES
#include "tessera/Transforms/Passes.h.inc"
} // namespace tessera

/// Inline (`dense<...>`) constants with at most this many elements are
/// cloned into a group's body; larger ones and `dense_resource` weights are
/// operands.
static constexpr int64_t kMaxInlinedConstantElements = 16;

static bool isConstant(Value value) {
  return value && matchPattern(value, m_Constant());
}

static bool isConstantOrNone(Value value) {
  return isConstant(value) || isa<NoneType>(value.getType());
}

bool tessera::isEpilogueActivation(Operation *op) {
  if (isa<ReluOp, LeakyReluOp, SigmoidOp, HardSigmoidOp, HardSwishOp, TanhOp,
          EluOp, SeluOp, SoftplusOp, SiluOp, GeluOp>(op))
    return true;
  if (auto clip = dyn_cast<ClipOp>(op))
    return isConstantOrNone(clip.getMin()) && isConstantOrNone(clip.getMax());
  if (auto prelu = dyn_cast<PReluOp>(op))
    return isConstant(prelu.getSlope());
  return false;
}

/// Elementwise ops that may form "elementwise" groups: activations, unary
/// math and binary arithmetic (with broadcasting).
static bool isElementwise(Operation *op) {
  if (isEpilogueActivation(op))
    return true;
  if (isa<AbsOp, NegOp, SqrtOp, ExpOp, LogOp, ErfOp, ReciprocalOp, FloorOp,
          CeilOp, RoundOp, AddOp, SubOp, MulOp, DivOp, PowOp, PReluOp>(op))
    return true;
  if (isa<MaxOp, MinOp>(op))
    return op->getNumOperands() == 2;
  return false;
}

static RankedTensorType rankedType(Value value) {
  return dyn_cast<RankedTensorType>(value.getType());
}

/// Whether `other` is broadcast along the channel (axis 1) or the last axis
/// of `out`: every dim 1 except at most one, equal to `out`'s there.
static bool isChannelBroadcast(Value other, RankedTensorType out) {
  RankedTensorType type = rankedType(other);
  if (!type || !out || type.getRank() > out.getRank() ||
      type.getElementType() != out.getElementType())
    return false;
  int64_t offset = out.getRank() - type.getRank();
  for (auto [i, dim] : llvm::enumerate(type.getShape())) {
    int64_t axis = offset + i;
    if (dim == 1)
      continue;
    bool channel = out.getRank() >= 2 && axis == 1;
    bool last = axis == out.getRank() - 1;
    if (!(channel || last) || dim != out.getDimSize(axis))
      return false;
    for (auto [j, rest] : llvm::enumerate(type.getShape()))
      if (j != i && rest != 1)
        return false;
  }
  return true;
}

/// Whether `other` has shape [N, C, 1, 1] for an `out` of [N, C, H, W]: a
/// squeeze-and-excitation scale.
static bool isChannelScale(Value other, RankedTensorType out) {
  RankedTensorType type = rankedType(other);
  if (!type || !out || out.getRank() != 4 || type.getRank() != 4 ||
      type.getElementType() != out.getElementType())
    return false;
  return type.getDimSize(0) == out.getDimSize(0) &&
         type.getDimSize(1) == out.getDimSize(1) && type.getDimSize(2) == 1 &&
         type.getDimSize(3) == 1;
}

/// The operand of the binary `op` that is not `cur`, or null.
static Value otherOperand(Operation *op, Value cur) {
  if (op->getNumOperands() != 2)
    return nullptr;
  if (op->getOperand(0) == cur)
    return op->getOperand(1);
  if (op->getOperand(1) == cur)
    return op->getOperand(0);
  return nullptr;
}

/// Whether `op` keeps the shape and element type of `cur`, its input.
static bool keepsType(Operation *op, Value cur) {
  return op->getNumResults() == 1 &&
         op->getResult(0).getType() == cur.getType();
}

/// `x -> act(x) -> x * act(x)` (decomposed SiLU, HardSwish): `cur` has two
/// uses, an activation and the Mul that multiplies it back in.
static SmallVector<Operation *> matchGate(Value cur) {
  SmallVector<Operation *> users(cur.getUsers());
  if (users.size() != 2 || users[0]->getBlock() != users[1]->getBlock())
    return {};
  if (users[1]->isBeforeInBlock(users[0]))
    std::swap(users[0], users[1]);
  Operation *act = users[0], *mul = users[1];
  if (!isa<SigmoidOp, HardSigmoidOp, TanhOp>(act) || !isa<MulOp>(mul) ||
      act->getOperand(0) != cur || !act->getResult(0).hasOneUse() ||
      otherOperand(mul, cur) != act->getResult(0) || !keepsType(mul, cur))
    return {};
  return {act, mul};
}

/// The ops that extend an anchor's group whose value so far is `cur`, or
/// nothing.
static SmallVector<Operation *> nextEpilogue(Value cur) {
  if (!cur.hasOneUse())
    return matchGate(cur);
  Operation *user = *cur.getUsers().begin();
  if (user->getBlock() != cur.getParentBlock())
    return {};
  if (isEpilogueActivation(user) && user->getOperand(0) == cur &&
      keepsType(user, cur))
    return {user};
  auto out = rankedType(cur);
  if (auto bn = dyn_cast<BatchNormalizationOp>(user)) {
    bool constant = llvm::all_of(bn->getOperands().drop_front(), isConstant);
    bool extraUnused =
        bn.getRunningMean().use_empty() && bn.getRunningVar().use_empty();
    if (bn.getX() == cur && constant && extraUnused &&
        bn.getY().getType() == cur.getType())
      return {user};
    return {};
  }
  if (!isa<AddOp, MulOp>(user) || !keepsType(user, cur))
    return {};
  Value other = otherOperand(user, cur);
  if (!other)
    return {};
  // A bias, or a per-channel scale left by folding.
  if (isConstant(other) && isChannelBroadcast(other, out))
    return {user};
  // Squeeze-and-excitation: a [N, C, 1, 1] scale computed elsewhere.
  if (isa<MulOp>(user) && isChannelScale(other, out))
    return {user};
  // A residual Add, with the activation after it when there is one
  // (ResNet: add + relu; MobileNetV2 and EfficientNet: the add alone).
  if (isa<AddOp>(user) && other.getType() == cur.getType()) {
    Value sum = user->getResult(0);
    if (!sum.hasOneUse())
      return {user};
    Operation *act = *sum.getUsers().begin();
    if (act->getBlock() == user->getBlock() && isEpilogueActivation(act) &&
        act->getOperand(0) == sum && keepsType(act, sum))
      return {user, act};
    return {user};
  }
  return {};
}

/// The elementwise op that continues an elementwise chain at `cur`.
static SmallVector<Operation *> nextElementwise(Value cur) {
  if (!cur.hasOneUse())
    return matchGate(cur);
  Operation *user = *cur.getUsers().begin();
  if (user->getBlock() != cur.getParentBlock() || !isElementwise(user) ||
      !keepsType(user, cur))
    return {};
  return {user};
}

/// Replaces `ops` (in block order) by one `nn.fused` of `kind` placed at the
/// last of them.
static void createGroup(ArrayRef<Operation *> ops, StringRef kind) {
  llvm::SmallPtrSet<Operation *, 8> members(ops.begin(), ops.end());
  llvm::SetVector<Value> inputs;
  SmallVector<Operation *> inlined;
  llvm::SmallPtrSet<Operation *, 4> inlinedSet;
  for (Operation *op : ops)
    for (Value operand : op->getOperands()) {
      Operation *def = operand.getDefiningOp();
      if (def && members.contains(def))
        continue;
      if (def && isa<NoneOp>(def)) {
        if (inlinedSet.insert(def).second)
          inlined.push_back(def);
        continue;
      }
      if (auto constant = dyn_cast_if_present<ConstantOp>(def)) {
        auto dense = dyn_cast<DenseElementsAttr>(constant.getValue());
        if (dense && dense.getNumElements() <= kMaxInlinedConstantElements) {
          if (inlinedSet.insert(def).second)
            inlined.push_back(def);
          continue;
        }
      }
      inputs.insert(operand);
    }
  SmallVector<Value> escaping;
  for (Operation *op : ops)
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(), [&](Operation *user) {
            return !members.contains(user);
          }))
        escaping.push_back(result);

  SmallVector<Location> locs;
  for (Operation *op : ops)
    locs.push_back(op->getLoc());
  Operation *last = ops.back();
  OpBuilder builder(last);
  MLIRContext *ctx = last->getContext();
  SmallVector<Type> resultTypes;
  for (Value value : escaping)
    resultTypes.push_back(value.getType());
  auto fused = FusedOp::create(builder, FusedLoc::get(ctx, locs), resultTypes,
                               kind, inputs.getArrayRef());
  Block *body = builder.createBlock(&fused.getBody());
  IRMapping mapping;
  for (Value input : inputs)
    mapping.map(input, body->addArgument(input.getType(), input.getLoc()));
  builder.setInsertionPointToStart(body);
  for (Operation *op : inlined)
    builder.clone(*op, mapping);
  for (Operation *op : ops)
    builder.clone(*op, mapping);
  SmallVector<Value> yielded;
  for (Value value : escaping)
    yielded.push_back(mapping.lookup(value));
  YieldOp::create(builder, last->getLoc(), yielded);
  for (auto [value, result] : llvm::zip(escaping, fused.getResults()))
    value.replaceAllUsesWith(result);
  for (Operation *op : llvm::reverse(ops))
    op->erase();
}

namespace {

struct FuseEpiloguesPass
    : public tessera::impl::FuseEpiloguesBase<FuseEpiloguesPass> {
  using FuseEpiloguesBase::FuseEpiloguesBase;

  void runOnOperation() override {
    for (Block &block : getOperation().getBody())
      fuseBlock(block);
  }

  void fuseBlock(Block &block) {
    llvm::SmallPtrSet<Operation *, 32> grouped;
    SmallVector<std::pair<SmallVector<Operation *>, StringRef>> groups;
    auto grow = [&](Operation *start, auto next) {
      SmallVector<Operation *> chain = {start};
      Value cur = start->getResult(0);
      while (true) {
        SmallVector<Operation *> more = next(cur);
        if (more.empty() || llvm::any_of(more, [&](Operation *op) {
              return grouped.contains(op);
            }))
          break;
        chain.append(more);
        cur = more.back()->getResult(0);
      }
      return chain;
    };
    // Anchors and their epilogues first, then elementwise chains among the
    // ops left.
    for (Operation &op : block) {
      StringRef kind = FusedOp::getAnchorKind(&op);
      if (kind.empty())
        continue;
      SmallVector<Operation *> chain = grow(&op, nextEpilogue);
      if (chain.size() < 2)
        continue;
      grouped.insert(chain.begin(), chain.end());
      groups.push_back({std::move(chain), kind});
    }
    if (fuseElementwise)
      for (Operation &op : block) {
        if (grouped.contains(&op) || !isElementwise(&op))
          continue;
        SmallVector<Operation *> chain = grow(&op, nextElementwise);
        if (chain.size() < 2)
          continue;
        grouped.insert(chain.begin(), chain.end());
        groups.push_back({std::move(chain), "elementwise"});
      }
    for (auto &[ops, kind] : groups) {
      llvm::sort(ops, [](Operation *a, Operation *b) {
        return a->isBeforeInBlock(b);
      });
      createGroup(ops, kind);
    }
  }
};

} // namespace
