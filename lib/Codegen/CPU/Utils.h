//===- Utils.h - helpers of the CPU code generation passes ------*- C++ -*-===//
//
// Part of Tessera. Internal to lib/Codegen/CPU.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CODEGEN_CPU_UTILS_H
#define TESSERA_LIB_CODEGEN_CPU_UTILS_H

#include "mlir/IR/PatternMatch.h"

namespace tessera::cpu_codegen {

/// Permutes a constant at compile time, its data read as a row-major tensor
/// of `viewShape` (the constant's own shape when empty; same element count)
/// and written as a new dense resource (a resized splat for splats); null
/// when `v` is not a statically shaped tensor constant with readable bytes.
mlir::Value permuteConstant(mlir::RewriterBase &rewriter, mlir::Location loc,
                            mlir::Value v, llvm::ArrayRef<int64_t> perm,
                            llvm::ArrayRef<int64_t> viewShape = {});

/// Pads a constant's last dimension with zeros up to `size` at compile time,
/// as a new dense resource; null when `v` is not a statically shaped
/// constant with readable bytes.
mlir::Value padConstantLastDim(mlir::RewriterBase &rewriter, mlir::Location loc,
                               mlir::Value v, int64_t size);

} // namespace tessera::cpu_codegen

#endif // TESSERA_LIB_CODEGEN_CPU_UTILS_H
