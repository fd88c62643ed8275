//===- CABI.h - the C ABI of a CPU artifact ---------------------*- C++ -*-===//
//
// Part of Tessera. What makes `@main` callable from C. The C ABI of an
// artifact:
//   int32_t tessera_run(void *const *inputs, void *const *outputs);
// `inputs[i]` and `outputs[i]` point to dense row-major buffers in the order
// and with the dtypes and shapes the manifest lists (a zero-element tensor's
// buffer must still hold one element). It returns 0.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_CPU_CABI_H
#define TESSERA_CODEGEN_CPU_CABI_H

#include "tessera/Pipelines/ModelSignature.h"

#include "mlir/IR/BuiltinOps.h"

namespace tessera {

/// Makes `@main` (on tensors, before bufferization) fit the C ABI: every
/// output gets its own buffer (a value returned twice is copied), and
/// zero-element inputs and outputs cross it as one unread element.
llvm::LogicalResult prepareForCABI(mlir::ModuleOp module);

/// Adds `tessera_run` (the C ABI above) calling `@main`, which must take
/// bare pointers to its inputs then its outputs; LLVM dialect level. With
/// `statusFunction` (a C function `int32_t f(void)` of the runtime support,
/// e.g. the NPU launches' `tessera_npu_status`), `tessera_run` returns what
/// it returns after `@main`; otherwise 0.
llvm::LogicalResult addRunEntryPoint(mlir::ModuleOp module,
                                     const ModelSignature &signature,
                                     llvm::StringRef statusFunction = "");

} // namespace tessera

#endif // TESSERA_CODEGEN_CPU_CABI_H
