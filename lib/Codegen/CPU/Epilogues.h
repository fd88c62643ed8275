//===- Epilogues.h - elementwise epilogues in register tiles ----*- C++ -*-===//
//
// Part of Tessera. Internal to lib/Codegen/CPU: `tessera-cpu-vectorize`
// computes the elementwise consumers of a conv, depthwise conv or matmul
// (activation, residual add, ...) inside the anchor's register tile, before
// the tile is written back, instead of in another pass over the output.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CODEGEN_CPU_EPILOGUES_H
#define TESSERA_LIB_CODEGEN_CPU_EPILOGUES_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace tessera::cpu_codegen {

/// Whether the body of `generic` holds only arithmetic and the math ops LLVM
/// has vector instructions for (erf, tanh and friends become libm calls).
bool hasVectorizableBody(mlir::linalg::GenericOp generic);

/// The elementwise epilogue of `anchor` merged into one generic, or null when
/// it has none. The epilogue is the largest set of all-parallel f32 generics
/// over the anchor's result shape, reading the anchor and each other with
/// identity maps (other operands may broadcast), whose results are used only
/// inside the set but for one: the generic computing the epilogue's result.
/// Several generics become one (upstream elementwise fusion), located at the
/// fused locations of all of them.
mlir::linalg::GenericOp mergeEpilogue(mlir::RewriterBase &rewriter,
                                      mlir::Operation *anchor);

/// Moves unit-dim-only tensor.expand_shapes between `anchor` and its
/// elementwise consumers below them (the consumers lose their unit loop
/// dims, upstream dropUnitDims), so that an epilogue behind a reshape (a
/// matmul on rows of a [1, S, D] activation) reads the anchor directly.
void sinkUnitDimExpands(mlir::RewriterBase &rewriter, mlir::Operation *anchor);

/// The ops computing one register tile of an epilogue.
struct EpilogueTile {
  /// The anchor (conv, depthwise conv, matmul) on one tile.
  mlir::Operation *anchor;
  /// The epilogue on that tile, and the anchor's fill or bias broadcast init
  /// on it when there is one: the elementwise ops of the tile.
  llvm::SmallVector<mlir::Operation *> elementwise;
};

/// Tiles `epilogue` by `sizes` (one per loop, loops in the order of
/// `interchange`) and fuses `anchor`, and its init when that is a fill or a
/// broadcast, into the innermost loop; the originals are erased once unused.
/// Fails, leaving the anchor as it is, when the anchor does not fuse.
mlir::FailureOr<EpilogueTile>
tileWithEpilogue(mlir::RewriterBase &rewriter, mlir::Operation *anchor,
                 mlir::linalg::GenericOp epilogue,
                 llvm::ArrayRef<int64_t> sizes,
                 llvm::ArrayRef<int64_t> interchange);

/// Makes the tiled `anchor` read its weights (operand `operand`, sliced along
/// its last dim by blocks of `block`) from `packed`, the same weights laid
/// out as [blocks][...][block], so that each block is one contiguous slice.
mlir::LogicalResult usePackedWeights(mlir::RewriterBase &rewriter,
                                     mlir::Operation *anchor, unsigned operand,
                                     mlir::Value packed, int64_t block);

/// Vector transfers on tensors: a read of exactly the elements a write just
/// wrote becomes the written vector (a shape cast of it when they differ only
/// in unit dims), so that the anchor's accumulator and the epilogue stay in
/// registers; plus the folding of tensor slices into the transfers.
void populateEpilogueForwardingPatterns(mlir::RewritePatternSet &patterns);

} // namespace tessera::cpu_codegen

#endif // TESSERA_LIB_CODEGEN_CPU_EPILOGUES_H
