//===- HostCode.h - the host side of npu-target artifacts -------*- C++ -*-===//
//
// Part of Tessera. After the npu partition, a module holds the host graph in
// `@main` (with `npu.launch` ops) and one `npu.program` per NPU segment. The
// host code generation turns each program into its binary container, embeds
// the bytes in the host module, replaces every launch by a call of the
// artifact's runtime support (`tessera_npu_launch`, CPURuntimeSupport.c) and
// removes the programs, so the CPU pipeline compiles what is left.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_NPU_HOSTCODE_H
#define TESSERA_CODEGEN_NPU_HOSTCODE_H

#include "tessera/NPU/Program.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace tessera {

/// One npu.program of a module, translated.
struct NPUProgramInfo {
  std::string name;
  npu::Program program;
  /// The manifest's description: name, sizes, and per layer its name and
  /// the predicted numbers of the npu.layer attributes (docs/npu/compiler.md).
  llvm::json::Object manifest;
};

/// Translates every npu.program of `module` (verified; diagnostics at the
/// offending op), in module order.
mlir::FailureOr<std::vector<NPUProgramInfo>>
translateNPUPrograms(mlir::ModuleOp module);

/// The ops of `@main` the npu partition left on the host (`npu.place =
/// "host"`), as manifest entries: ONNX node names, op and `npu.reason`.
llvm::json::Array collectHostPlacement(mlir::ModuleOp module);

/// The ONNX node names of `loc` (a NameLoc, or a FusedLoc of them) joined
/// with '+'; empty when it has none.
std::string getONNXNodeNames(mlir::Location loc);

/// Embeds each program's binary container as a constant memref.global,
/// replaces each npu.launch of a function by a call of
/// `tessera_npu_launch(index, bytes, size, inputs, outputs)` on contiguous
/// buffers (the index is the program's position in `programs`), and erases
/// the programs and the module's `npu.hardware`. Runs on tensors, before
/// bufferization.
mlir::LogicalResult lowerNPULaunches(mlir::ModuleOp module,
                                     llvm::ArrayRef<NPUProgramInfo> programs);

} // namespace tessera

#endif // TESSERA_CODEGEN_NPU_HOSTCODE_H
