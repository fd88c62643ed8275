//===- ExposeActivations.h - activations as extra results -------*- C++ -*-===//
//
// Part of Tessera. Calibration and the accuracy report run a graph with its
// intermediate activations as extra results of @main, each named (`nn.name`)
// by its quantization key, so one artifact run yields every activation.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_QUANTIZATION_EXPOSEACTIVATIONS_H
#define TESSERA_QUANTIZATION_EXPOSEACTIVATIONS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>
#include <utility>

namespace tessera::quant {

/// Appends each value as a result of `func` (after the existing ones) named
/// by its string, and returns it from every `func.return`.
void exposeValues(mlir::func::FuncOp func,
                  llvm::ArrayRef<std::pair<mlir::Value, std::string>> values);

/// Appends the quantization points of `func` (enumerateQuantPoints) that are
/// op results (arguments are the inputs, which the caller has) as results
/// named by their keys. Returns the keys appended, in order.
llvm::SmallVector<std::string> exposeActivations(mlir::func::FuncOp func);

/// Appends the result of every op carrying `nn.quant_key` (the integer
/// activations of a quantized graph) as a result named by that key. Returns
/// the keys appended, in order.
llvm::SmallVector<std::string>
exposeQuantizedActivations(mlir::func::FuncOp func);

/// `tessera-expose-activations`: exposeActivations on @main (or, with
/// `quantized`, exposeQuantizedActivations).
std::unique_ptr<mlir::Pass> createExposeActivationsPass(bool quantized = false);

/// Registers the passes of this library with the global registry.
void registerQuantizationPasses();

} // namespace tessera::quant

#endif // TESSERA_QUANTIZATION_EXPOSEACTIVATIONS_H
