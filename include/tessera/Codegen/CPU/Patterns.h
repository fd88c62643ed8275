//===- Patterns.h - rewrite patterns of the CPU code generation -*- C++ -*-===//
//
// Part of Tessera. The pattern-based parts of the passes in lib/Codegen/CPU,
// for pipelines and passes that want them without the pass around them.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_CPU_PATTERNS_H
#define TESSERA_CODEGEN_CPU_PATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace tessera {

/// The patterns of `tessera-cpu-conv-layout`: NCHW (and depthwise CHW)
/// convolutions computed in NHWC between transposes, transposes of constants
/// folded at compile time, and the transposes back to NCHW sunk through
/// elementwise ops, pads, crops, pooling, reductions and bias broadcasts
/// until they cancel against the next convolution's transpose to NHWC.
void populateCPUConvLayoutPatterns(mlir::RewritePatternSet &patterns);

/// `acc + a * b` on f32 vectors, the k step that vectorization leaves for a
/// matmul register tile, as one `vector.fma` (run by `tessera-cpu-vectorize`
/// after its transform schedule).
void populateCPUVectorFMAPatterns(mlir::RewritePatternSet &patterns);

/// Fuses the elementwise generic producing `operand` into the generic that
/// reads it (linalg::fuseElementwiseOps), the fused op located at both,
/// the producer erased when nothing else reads it. The caller decided the
/// fusion is wanted (the CPU and GPU back ends decide differently).
mlir::LogicalResult fuseElementwiseProducer(mlir::PatternRewriter &rewriter,
                                            mlir::OpOperand *operand);

} // namespace tessera

#endif // TESSERA_CODEGEN_CPU_PATTERNS_H
