//===- Quantize.h - post-training int8 quantization -------------*- C++ -*-===//
//
// Part of Tessera. The `tessera-quantize` pass and how pipelines run it.
//
// Calibration and quantization must see the same graph, or the keys of
// enumerateQuantPoints (tessera/Quantization/Calibration.h) do not match:
// both start from the imported graph and run buildPreQuantizePipeline
// (shape inference, canonicalize, CSE, static shape inference,
// tessera-fold-graph, tessera-recognize-patterns, canonicalize, CSE: the
// `nn` stage up to, not including, tessera-fuse-epilogues). Calibration
// enumerates the points of that graph and records their statistics;
// buildNNStagePipeline with QuantizeOptions runs the same passes, then
// tessera-quantize, then fusion.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_QUANTIZATION_QUANTIZE_H
#define TESSERA_QUANTIZATION_QUANTIZE_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <memory>
#include <string>

namespace tessera {

#define GEN_PASS_DECL
#include "tessera/Quantization/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "tessera/Quantization/Passes.h.inc"

namespace quant {

/// The options of `tessera-quantize` (Passes.td describes each).
struct QuantizeOptions {
  /// The calibration statistics file (JSON).
  std::string statsFile;
  /// "minmax", "percentile" or "entropy".
  std::string observer = "minmax";
  /// Percent, for the percentile observer.
  double percentile = 99.99;
  /// Symmetric activations (zero point 0) instead of asymmetric.
  bool symmetricActivations = false;
  /// One weight scale per output channel.
  bool perChannel = true;
};

/// The passes the graph has been through when calibration enumerates its
/// quantization points: the `nn` stage before tessera-quantize (on
/// func.func, nested in `pm`).
void buildPreQuantizePipeline(mlir::OpPassManager &pm, bool requireStatic);

/// Adds tessera-quantize with `options` (nested on func.func in `pm`).
void addQuantizePass(mlir::OpPassManager &pm, const QuantizeOptions &options);

} // namespace quant
} // namespace tessera

#endif // TESSERA_QUANTIZATION_QUANTIZE_H
