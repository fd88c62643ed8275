//===- NPUPasses.h - npu dialect passes -------------------------*- C++ -*-===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_NPU_NPUPASSES_H
#define TESSERA_DIALECT_NPU_NPUPASSES_H

#include "NPU/NPUOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace tessera {

#define GEN_PASS_DECL
#include "NPU/NPUPasses.h.inc"

namespace npu {
/// Replaces `op` (an npu.tile_matmul or npu.tile_conv) by its instructions
/// for the array of `hw`; emits a located error and fails if an instruction
/// field does not fit (the op is then left in place).
llvm::LogicalResult expandTileOp(mlir::Operation *op, HardwareAttr hw);
} // namespace npu

#define GEN_PASS_REGISTRATION
#include "NPU/NPUPasses.h.inc"

} // namespace tessera

#endif // TESSERA_DIALECT_NPU_NPUPASSES_H
