//===- Passes.h - CPU code generation passes --------------------*- C++ -*-===//
//
// Part of Tessera. The passes of lib/Codegen/CPU, one file each; their
// rewrite patterns are in Patterns.h.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_CPU_PASSES_H
#define TESSERA_CODEGEN_CPU_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace tessera {

#define GEN_PASS_DECL
#include "tessera/Codegen/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "tessera/Codegen/CPU/Passes.h.inc"

} // namespace tessera

#endif // TESSERA_CODEGEN_CPU_PASSES_H
