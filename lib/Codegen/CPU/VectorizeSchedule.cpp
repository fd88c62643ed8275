//===- VectorizeSchedule.cpp - tessera-cpu-vectorize's schedule -----------===//
//
// Part of Tessera. The transform ops are built with their C++ builders; the
// schedule is what `TESSERA_DUMP_CPU_TRANSFORM=1` prints.
//
//===----------------------------------------------------------------------===//

#include "VectorizeSchedule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/TransformOps/LinalgTransformOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/Dialect/Transform/IR/TransformOps.h"
#include "mlir/Dialect/Transform/IR/TransformTypes.h"
#include "mlir/Dialect/Transform/LoopExtension/LoopExtensionOps.h"
#include "mlir/Dialect/Vector/TransformOps/VectorTransformOps.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace tessera::cpu_codegen;

StringRef tessera::cpu_codegen::getTagAttrName(GroupKind kind) {
  switch (kind) {
  case GroupKind::Elementwise:
    return kElementwiseAttrName;
  case GroupKind::Fused:
    return kFusedAttrName;
  case GroupKind::Epilogue:
    return kEpilogueAttrName;
  default:
    return kTileAttrName;
  }
}

namespace {

/// Builds the transforms of a schedule at the end of the body of
/// `@__transform_main`, whose argument is `root`.
class ScheduleBuilder {
public:
  ScheduleBuilder(OpBuilder &b, Value root)
      : b(b), root(root), anyOp(transform::AnyOpType::get(b.getContext())) {}

  /// The transforms of one group.
  void addGroup(const ScheduleGroup &group);
  /// Canonicalization, CSE and hoisting over the whole payload, then vector
  /// contractions lowered to outer products (FMAs).
  void addCleanup(Location loc);

private:
  /// Convs (n, oh, ow, f, kh, kw, c): one output row and `second` output
  /// channels, then `first` pixels of it, then one tap and input channel at
  /// a time, decomposed to a 1-D conv and vectorized.
  void addConvGroup(const ScheduleGroup &group);
  /// Matmuls (m, n, k) or batch matmuls (b, m, n, k): a `first` x `second`
  /// tile, then one step of k at a time, vectorized.
  void addMatmulGroup(const ScheduleGroup &group);
  /// Depthwise convs (n, oh, ow, c, kh, kw): as the convs.
  void addDepthwiseGroup(const ScheduleGroup &group);
  /// Elementwise ops of rank `first`: `second` elements of the innermost dim
  /// at a time, vectorized.
  void addElementwiseGroup(const ScheduleGroup &group);
  /// Register tiles cut out with their epilogue: the reduction one step
  /// (one tap and input channel, or one k) at a time, vectorized.
  void addFusedGroup(const ScheduleGroup &group);
  /// The elementwise ops of those tiles, each vectorized whole.
  void addEpilogueGroup(const ScheduleGroup &group);

  /// The payload ops named `opNames` that carry the tag of `group`.
  Value matchGroup(const ScheduleGroup &group, ArrayRef<StringRef> opNames);
  /// The payload ops named `opName`.
  Value match(Location loc, StringRef opName);
  /// Tiles `target` by `sizes` (0: not tiled); the tiled ops.
  Value tile(Location loc, Value target, ArrayRef<int64_t> sizes);
  /// Decomposes `target` into lower-dimensional ops; those ops.
  Value decompose(Location loc, Value target);
  void vectorize(Location loc, Value target);

  OpBuilder &b;
  Value root;
  Type anyOp;
};

} // namespace

Value ScheduleBuilder::matchGroup(const ScheduleGroup &group,
                                  ArrayRef<StringRef> opNames) {
  DictionaryAttr tag = b.getDictionaryAttr(
      b.getNamedAttr(getTagAttrName(group.kind),
                     b.getDenseI64ArrayAttr({group.first, group.second})));
  return transform::MatchOp::create(
             b, group.loc, anyOp, root, b.getStrArrayAttr(opNames),
             /*interface=*/transform::MatchInterfaceEnumAttr(),
             /*op_attrs=*/tag, /*filter_result_type=*/TypeAttr(),
             /*filter_operand_types=*/ArrayAttr())
      .getResults();
}

Value ScheduleBuilder::match(Location loc, StringRef opName) {
  return transform::MatchOp::create(
             b, loc, anyOp, root, b.getStrArrayAttr({opName}),
             /*interface=*/transform::MatchInterfaceEnumAttr(),
             /*op_attrs=*/DictionaryAttr(), /*filter_result_type=*/TypeAttr(),
             /*filter_operand_types=*/ArrayAttr())
      .getResults();
}

Value ScheduleBuilder::tile(Location loc, Value target,
                            ArrayRef<int64_t> sizes) {
  return transform::TileUsingForOp::create(b, loc, TypeRange{anyOp}, target,
                                           sizes)
      .getTiledLinalgOp();
}

Value ScheduleBuilder::decompose(Location loc, Value target) {
  return transform::DecomposeOp::create(b, loc, anyOp, target).getTransformed();
}

void ScheduleBuilder::vectorize(Location loc, Value target) {
  transform::VectorizeOp::create(
      b, loc, target, /*vector_sizes=*/ValueRange(),
      /*static_vector_sizes=*/DenseI64ArrayAttr(),
      /*vectorize_nd_extract=*/UnitAttr(),
      /*assume_dynamic_dims_match_vec_sizes=*/UnitAttr(),
      /*create_named_contraction=*/UnitAttr(),
      /*scalable_sizes=*/DenseBoolArrayAttr());
}

void ScheduleBuilder::addConvGroup(const ScheduleGroup &group) {
  Location loc = group.loc;
  Value convs =
      matchGroup(group, {linalg::Conv2DNhwcHwcfOp::getOperationName()});
  Value rows = tile(loc, convs, {1, 1, 0, group.second, 0, 0, 0});
  Value tiles = tile(loc, rows, {0, 0, group.first, 0, 0, 0, 0});
  Value taps = tile(loc, tiles, {0, 0, 0, 0, 1, 1, 1});
  vectorize(loc, decompose(loc, taps));
}

void ScheduleBuilder::addMatmulGroup(const ScheduleGroup &group) {
  Location loc = group.loc;
  bool batched = group.kind == GroupKind::BatchMatmul;
  Value matmuls =
      matchGroup(group, {batched ? linalg::BatchMatmulOp::getOperationName()
                                 : linalg::MatmulOp::getOperationName()});
  Value tiles, steps;
  if (batched) {
    tiles = tile(loc, matmuls, {1, group.first, group.second, 0});
    steps = tile(loc, tiles, {0, 0, 0, 1});
  } else {
    tiles = tile(loc, matmuls, {group.first, group.second, 0});
    steps = tile(loc, tiles, {0, 0, 1});
  }
  vectorize(loc, steps);
}

void ScheduleBuilder::addDepthwiseGroup(const ScheduleGroup &group) {
  Location loc = group.loc;
  Value convs =
      matchGroup(group, {linalg::DepthwiseConv2DNhwcHwcOp::getOperationName()});
  Value rows = tile(loc, convs, {1, 1, 0, group.second, 0, 0});
  Value tiles = tile(loc, rows, {0, 0, group.first, 0, 0, 0});
  Value taps = tile(loc, tiles, {0, 0, 0, 0, 1, 1});
  vectorize(loc, decompose(loc, taps));
}

void ScheduleBuilder::addElementwiseGroup(const ScheduleGroup &group) {
  Location loc = group.loc;
  Value ops = matchGroup(group, {linalg::GenericOp::getOperationName(),
                                 linalg::FillOp::getOperationName(),
                                 linalg::CopyOp::getOperationName(),
                                 linalg::TransposeOp::getOperationName()});
  SmallVector<int64_t> sizes(group.first, 1);
  sizes.back() = group.second;
  vectorize(loc, tile(loc, ops, sizes));
}

void ScheduleBuilder::addFusedGroup(const ScheduleGroup &group) {
  Location loc = group.loc;
  switch (static_cast<GroupKind>(group.first)) {
  case GroupKind::Conv: {
    Value convs =
        matchGroup(group, {linalg::Conv2DNhwcHwcfOp::getOperationName()});
    Value taps = tile(loc, convs, {0, 0, 0, 0, 1, 1, 1});
    return vectorize(loc, decompose(loc, taps));
  }
  case GroupKind::Depthwise: {
    Value convs = matchGroup(
        group, {linalg::DepthwiseConv2DNhwcHwcOp::getOperationName()});
    Value taps = tile(loc, convs, {0, 0, 0, 0, 1, 1});
    return vectorize(loc, decompose(loc, taps));
  }
  case GroupKind::Matmul: {
    Value matmuls = matchGroup(group, {linalg::MatmulOp::getOperationName()});
    return vectorize(loc, tile(loc, matmuls, {0, 0, 1}));
  }
  case GroupKind::BatchMatmul: {
    Value matmuls =
        matchGroup(group, {linalg::BatchMatmulOp::getOperationName()});
    return vectorize(loc, tile(loc, matmuls, {0, 0, 0, 1}));
  }
  default:
    return;
  }
}

void ScheduleBuilder::addEpilogueGroup(const ScheduleGroup &group) {
  vectorize(group.loc,
            matchGroup(group, {linalg::GenericOp::getOperationName(),
                               linalg::FillOp::getOperationName(),
                               linalg::BroadcastOp::getOperationName()}));
}

void ScheduleBuilder::addGroup(const ScheduleGroup &group) {
  switch (group.kind) {
  case GroupKind::Conv:
    return addConvGroup(group);
  case GroupKind::Matmul:
  case GroupKind::BatchMatmul:
    return addMatmulGroup(group);
  case GroupKind::Depthwise:
    return addDepthwiseGroup(group);
  case GroupKind::Elementwise:
    return addElementwiseGroup(group);
  case GroupKind::Fused:
    return addFusedGroup(group);
  case GroupKind::Epilogue:
    return addEpilogueGroup(group);
  }
}

void ScheduleBuilder::addCleanup(Location loc) {
  Value funcs = match(loc, func::FuncOp::getOperationName());
  transform::ApplyPatternsOp::create(
      b, loc, funcs, [](OpBuilder &b, Location loc) {
        transform::ApplyCanonicalizationPatternsOp::create(b, loc);
      });
  transform::ApplyCommonSubexpressionEliminationOp::create(b, loc, funcs);
  Value loops = match(loc, scf::ForOp::getOperationName());
  transform::ApplyLoopInvariantCodeMotionOp::create(b, loc, loops);
  auto foreach = transform::ForeachOp::create(b, loc, TypeRange(), loops,
                                              /*with_zip_shortest=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *body = b.createBlock(&foreach.getBody(), {}, {anyOp}, {loc});
    transform::HoistLoopInvariantSubsetsOp::create(b, loc,
                                                   body->getArgument(0));
    transform::YieldOp::create(b, loc);
  }
  transform::ApplyPatternsOp::create(
      b, loc, funcs, [](OpBuilder &b, Location loc) {
        transform::ApplyLowerContractionPatternsOp::create(
            b, loc, vector::VectorContractLowering::OuterProduct);
        transform::ApplyTransferPermutationPatternsOp::create(b, loc);
        transform::ApplyLowerOuterProductPatternsOp::create(b, loc);
        transform::ApplyCanonicalizationPatternsOp::create(b, loc);
      });
}

OwningOpRef<ModuleOp>
tessera::cpu_codegen::buildVectorizeSchedule(Location loc,
                                             ArrayRef<ScheduleGroup> groups) {
  MLIRContext *ctx = loc.getContext();
  OpBuilder b(ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  (*module)->setAttr(transform::TransformDialect::kWithNamedSequenceAttrName,
                     b.getUnitAttr());
  b.setInsertionPointToEnd(module->getBody());
  auto entry = transform::NamedSequenceOp::create(
      b, loc, transform::TransformDialect::kTransformEntryPointSymbolName,
      transform::AnyOpType::get(ctx), /*resultTypes=*/TypeRange(),
      [&](OpBuilder &b, Location loc, BlockArgument root) {
        ScheduleBuilder schedule(b, root);
        for (const ScheduleGroup &group : groups)
          schedule.addGroup(group);
        schedule.addCleanup(loc);
        transform::YieldOp::create(b, loc);
      });
  entry.setArgAttr(0, transform::TransformDialect::kArgReadOnlyAttrName,
                   b.getUnitAttr());
  return module;
}
