//===- Passes.h - NPU code generation passes --------------------*- C++ -*-===//
//
// Part of Tessera. The passes of lib/Codegen/NPU, one file each, and the
// partition pipeline that the `npu` target runs at the end of its `nn`
// stage: placement of the quantized nn graph's layers, segments of NPU
// layers outlined into `npu.program`s launched from the host function.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_NPU_PASSES_H
#define TESSERA_CODEGEN_NPU_PASSES_H

#include "NPU/NPUOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace tessera {

#define GEN_PASS_DECL
#include "tessera/Codegen/NPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "tessera/Codegen/NPU/Passes.h.inc"

/// What the partition of a quantized nn module for the NPU takes.
struct NPUPartitionOptions {
  /// Preset name (edge, mid, large) or YAML hardware description.
  std::string hw = "edge";
  /// JSON placement override file, may be empty (docs/npu/compiler.md).
  std::string placementFile;
  /// Where to write the placement report as JSON: "" none, "-" stdout.
  std::string placementReportJSON;
  /// Print the placement table on stdout.
  bool printPlacementReport = false;
  /// A layer that no tiling fits is an error rather than a host fallback.
  bool strict = false;
  /// "search" (the cost model's best tiling) or "greedy" (the Gemmini
  /// baseline, greedyConvTiling).
  std::string tiling = "search";
};

/// tessera-npu-attach-hw, tessera-npu-place, tessera-npu-outline,
/// canonicalize and cse: the end of the `nn` stage for `--target=npu`.
void buildNPUPartitionPipeline(mlir::OpPassManager &pm,
                               const NPUPartitionOptions &options);

/// Registers the passes and `tessera-opt --tessera-npu-partition`.
void registerNPUCodegenPasses();

} // namespace tessera

#endif // TESSERA_CODEGEN_NPU_PASSES_H
