//===- VectorizeSchedule.h - tessera-cpu-vectorize's schedule ---*- C++ -*-===//
//
// Part of Tessera. Internal to lib/Codegen/CPU: `tessera-cpu-vectorize`
// tags the ops it picks with their register tiles, and the transform
// schedule built here tiles, decomposes and vectorizes each group of ops
// sharing a tag, then cleans up and lowers the vector contractions.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CODEGEN_CPU_VECTORIZESCHEDULE_H
#define TESSERA_LIB_CODEGEN_CPU_VECTORIZESCHEDULE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace tessera::cpu_codegen {

/// The attribute tagging a conv, depthwise conv or matmul with its register
/// tile.
constexpr llvm::StringLiteral kTileAttrName = "tessera.cpu_tile";
/// The attribute tagging an elementwise-like op with its rank and width.
constexpr llvm::StringLiteral kElementwiseAttrName = "tessera.cpu_ew";
/// The attribute tagging a register tile of a conv, depthwise conv or matmul
/// whose elementwise epilogue is computed in the same loop (Epilogues.h), with
/// the GroupKind of the op.
constexpr llvm::StringLiteral kFusedAttrName = "tessera.cpu_fused";
/// The attribute tagging the elementwise ops of such a register tile.
constexpr llvm::StringLiteral kEpilogueAttrName = "tessera.cpu_epilogue";

/// What a group of tagged ops is; the schedule handles the kinds in this
/// order (matmuls and batch matmuls together, in the order given).
enum class GroupKind {
  Conv,
  Matmul,
  BatchMatmul,
  Depthwise,
  Elementwise,
  /// Register tiles already cut out with their epilogue: `first` is the
  /// GroupKind of the op; only the reduction is tiled.
  Fused,
  /// The epilogues of those tiles, vectorized whole.
  Epilogue
};

/// The ops of one kind tagged with the same values, which one part of the
/// schedule handles together.
struct ScheduleGroup {
  GroupKind kind;
  /// The tag's values: (output pixels, output channels) of a conv or
  /// depthwise conv register tile, (rows, columns) of a matmul one, (rank,
  /// vector width) of an elementwise op, (GroupKind of the op, 0) of a fused
  /// register tile, (0, 0) of an epilogue.
  int64_t first, second;
  /// The first op of the group: the transforms of the group are located
  /// there, so that their diagnostics point into the payload.
  mlir::Location loc;
};

/// The tag attribute of a group of `kind`.
llvm::StringRef getTagAttrName(GroupKind kind);

/// A module holding `@__transform_main`, the schedule for `groups` (sorted
/// by kind in the order above) followed by the cleanup and the lowering of
/// vector contractions to outer-product FMAs; located at `loc` outside the
/// groups. The transform dialect and its linalg, vector and loop extensions
/// must be loaded.
mlir::OwningOpRef<mlir::ModuleOp>
buildVectorizeSchedule(mlir::Location loc,
                       llvm::ArrayRef<ScheduleGroup> groups);

} // namespace tessera::cpu_codegen

#endif // TESSERA_LIB_CODEGEN_CPU_VECTORIZESCHEDULE_H
