//===- Pipelines.h - Tessera's compiler pipelines ---------------*- C++ -*-===//
//
// Part of Tessera. The pipelines as library code with named stages, so that
// `tessera-compile --emit=<stage>` stops after a stage (the stages are
// assembled per target in tessera/Driver/Target.h) and `tessera-opt` runs
// each stage by name.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_PIPELINES_PIPELINES_H
#define TESSERA_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace tessera {
namespace quant {
struct QuantizeOptions;
} // namespace quant

/// Stage `nn`: the imported graph with shapes inferred and shape subgraphs
/// folded; every tensor static when `requireStatic`. With `fuse`, ends in
/// graph fusion (`tessera-fuse-epilogues`: nn.fused groups). With
/// `quantize`, runs `tessera-quantize` before the fusion (after the passes
/// of quant::buildPreQuantizePipeline, which calibration runs too). With
/// `lowerQDQ`, a pre-quantized model's QDQ pairs and QLinear ops become the
/// integer graph (`tessera-lower-qdq`) before fusion; otherwise they keep
/// their ONNX semantics.
void buildNNStagePipeline(mlir::OpPassManager &pm, bool requireStatic = true,
                          bool fuse = true,
                          const quant::QuantizeOptions *quantize = nullptr,
                          bool lowerQDQ = false);

/// Stage `linalg`: nn lowered to linalg/tensor/arith/math on tensors.
void buildLinalgStagePipeline(mlir::OpPassManager &pm);

/// CPU code generation on linalg: NHWC convolutions, register tiling and
/// vectorization (between the `linalg` and `llvm` stages). `vectorBits`:
/// the target CPU's vector width, 256 or 512 (0: the host's).
void buildCPUCodegenPipeline(
    mlir::OpPassManager &pm, bool vectorizeElementwise = true,
    bool fuseElementwise = true, int64_t convChannelTile = 0,
    int64_t convPixelTile = 0, bool fuseEpilogues = true,
    bool approximateMath = true, bool fuseRows = true, int64_t vectorBits = 0);

/// Stage `llvm` (CPU): bufferized, out-params for results, lowered to the
/// LLVM dialect with bare-pointer calling convention.
void buildCPULLVMStagePipeline(mlir::OpPassManager &pm);

/// Registers the upstream passes the pipelines name.
void registerPipelineDependencies();

/// Registers `tessera-nn-stage`, `tessera-linalg-stage` and
/// `tessera-cpu-llvm-stage` as named pipelines for tessera-opt.
void registerTesseraPipelines();

} // namespace tessera

#endif // TESSERA_PIPELINES_PIPELINES_H
