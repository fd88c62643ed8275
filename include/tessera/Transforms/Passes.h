//===- Passes.h - Tessera target-independent passes -------------*- C++ -*-===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TRANSFORMS_PASSES_H
#define TESSERA_TRANSFORMS_PASSES_H

#include "NN/NNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace tessera {

#define GEN_PASS_DECL
#include "tessera/Transforms/Passes.h.inc"

/// Sets the result types of `op` to the more static ones its shape function
/// infers (nn ops accept any shape of their element types, so users stay
/// valid); fails when nothing changed.
llvm::LogicalResult refineResultTypes(nn::ShapeInferenceOpInterface op);

/// The rewrites of `tessera-fold-graph`.
void populateFoldGraphPatterns(mlir::RewritePatternSet &patterns);

/// The rewrites of `tessera-recognize-patterns`.
void populateRecognizePatternsPatterns(mlir::RewritePatternSet &patterns);

/// Whether `op` is an activation `tessera-fuse-epilogues` takes into an
/// anchor's group (the one table of them: add new activation ops here).
bool isEpilogueActivation(mlir::Operation *op);

#define GEN_PASS_REGISTRATION
#include "tessera/Transforms/Passes.h.inc"

} // namespace tessera

#endif // TESSERA_TRANSFORMS_PASSES_H
