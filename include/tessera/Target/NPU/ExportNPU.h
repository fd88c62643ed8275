//===- ExportNPU.h - npu IR <-> NPU programs --------------------*- C++ -*-===//
//
// Part of Tessera. Translates the npu.program of a module into a
// tessera::npu::Program (then binary or assembly) and back.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TARGET_NPU_EXPORTNPU_H
#define TESSERA_TARGET_NPU_EXPORTNPU_H

#include "tessera/NPU/Program.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace tessera {

/// Translates the one npu.program of `module`: instructions in program order
/// (layers flattened into ranges), tensors, the constants merged into one
/// DRAM image, the hash of the module's `npu.hardware`. Every problem (a
/// macro op not expanded, an npu op outside the program, a program the ISA
/// library rejects) is a diagnostic located at the offending op.
mlir::FailureOr<npu::Program> exportNPUProgram(mlir::ModuleOp module);

/// Translates one npu.program op (`program`; a module may hold several, as
/// the npu target's segments), with the hardware hash of the closest
/// `npu.hardware` above it. Diagnostics as exportNPUProgram.
mlir::FailureOr<npu::Program> exportNPUProgramOp(mlir::Operation *program);

/// Builds a module holding `program` as an npu.program named `name`: one op
/// per instruction, layers as npu.layer regions (they must not overlap), the
/// constant image as one npu.constant and the hash as the program's
/// `hw_hash`. Fails with a diagnostic at `loc`.
mlir::OwningOpRef<mlir::ModuleOp>
importNPUProgram(const npu::Program &program, mlir::Location loc,
                 llvm::StringRef name = "main");

/// Registers tessera-translate's --npu-to-bin and --npu-to-asm (npu IR to
/// the binary container / assembly) and --import-npu (binary or assembly to
/// npu IR).
void registerNPUExportTranslations();

} // namespace tessera

#endif // TESSERA_TARGET_NPU_EXPORTNPU_H
