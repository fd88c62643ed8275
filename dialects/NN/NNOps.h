//===- NNOps.h - nn dialect -------------------------------------*- C++ -*-===//
//
// Part of Tessera. The `nn` dialect: tensor operations with ONNX semantics.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_NN_NNOPS_H
#define TESSERA_DIALECT_NN_NNOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "NN/NNDialect.h.inc"
#include "NN/NNInterfaces.h.inc"
#include "NN/NNShapeFunctions.h"

#define GET_OP_CLASSES
#include "NN/NNOps.h.inc"

namespace tessera::nn {
/// The ONNX node names in `loc` (the importer's NameLoc, or several in the
/// FusedLoc of a rewrite that merged nodes), in order, each once: the key
/// every report uses to name what an op came from.
llvm::SmallVector<llvm::StringRef> getONNXNodeNames(mlir::Location loc);
/// The number of iterations of `op` when it runs exactly its constant trip
/// count (no condition can end it early); nullopt otherwise.
std::optional<int64_t> getLoopTripCount(LoopOp op);
} // namespace tessera::nn

#endif // TESSERA_DIALECT_NN_NNOPS_H
