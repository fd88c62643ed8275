//===- CPUTarget.h - host CPU artifacts -------------------------*- C++ -*-===//
//
// Part of Tessera. The last steps of the CPU path: an LLVM-dialect module
// becomes an object for the host CPU and a shared library with a small C ABI
// plus a JSON manifest that tessera-run (and any C program) reads.
//
// The artifact's C ABI is described in tessera/Codegen/CPU/CABI.h.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TARGET_CPU_CPUTARGET_H
#define TESSERA_TARGET_CPU_CPUTARGET_H

#include "tessera/Pipelines/ModelSignature.h"
#include "tessera/Target/CPU/ArtifactFormat.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/JSON.h"

#include <string>

namespace tessera {

/// Translates an LLVM-dialect module to LLVM IR, optimizes it (O3, host CPU
/// and features) and writes an object file. With `llvmIR`, writes the
/// optimized LLVM IR as text instead.
llvm::LogicalResult emitHostObject(mlir::ModuleOp module, llvm::StringRef path,
                                   bool llvmIR = false);

/// Links an object into a shared library in-process with LLD, together with
/// the runtime support built with Tessera (buffer allocation, `memrefCopy`,
/// the compiler builtins of f16/bf16 conversions and `llvm.powi`). Needs no C
/// compiler: the library records the process's own libc/libm as DT_NEEDED,
/// and every symbol must resolve at link time. LLD's diagnostics become an
/// error at `loc`. Calls are serialized (LLD keeps global state).
/// `extraObjects` are more object files (their bytes) linked after the
/// support, such as the GPU runtime (tessera/Target/GPU/GPUTarget.h).
llvm::LogicalResult
linkSharedLibrary(mlir::Location loc, llvm::StringRef object,
                  llvm::StringRef library,
                  llvm::ArrayRef<llvm::ArrayRef<uint8_t>> extraObjects = {});

/// Writes `manifest.json` for an artifact of `target`; `extra` holds more
/// top-level keys (the npu target's "npu" section).
llvm::LogicalResult writeManifest(mlir::Location loc, llvm::StringRef path,
                                  const ModelSignature &signature,
                                  llvm::StringRef library,
                                  llvm::StringRef target = "cpu",
                                  llvm::json::Object extra = {});

} // namespace tessera

#endif // TESSERA_TARGET_CPU_CPUTARGET_H
