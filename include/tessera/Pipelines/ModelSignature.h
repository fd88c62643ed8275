//===- ModelSignature.h - a compiled model's inputs and outputs -*- C++ -*-===//
//
// Part of Tessera. The I/O of `@main` as every target's artifact manifest
// lists it: names from the ONNX graph, numpy dtype names, static shapes.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_PIPELINES_MODELSIGNATURE_H
#define TESSERA_PIPELINES_MODELSIGNATURE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace tessera {

/// One input or output tensor of a compiled model.
struct TensorDesc {
  std::string name;
  std::string dtype; // numpy spelling: float32, int64, uint8, bool, ...
  llvm::SmallVector<int64_t> shape;
};

/// The I/O of a compiled model.
struct ModelSignature {
  llvm::SmallVector<TensorDesc> inputs, outputs;
};

/// Reads the signature of `@main` from the nn stage (names from `nn.name`).
mlir::FailureOr<ModelSignature> getModelSignature(mlir::ModuleOp module);

/// The numpy dtype name of an nn element type, or "" when it has none.
std::string getDTypeName(mlir::Type elementType);

} // namespace tessera

#endif // TESSERA_PIPELINES_MODELSIGNATURE_H
