//===- Codegen.h - the GPU code generation steps ----------------*- C++ -*-===//
//
// Part of Tessera. The steps of the GPU back end's pipeline, in order
// (docs/gpu.md): GEMM form of convolutions and matrix products, elementwise
// fusion, tiling into the pre-mapping loop nest (stage `tiled`), mapping to
// gpu.launch with device memory (stage `gpu`), and NVVM/PTX (stage `ptx`).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CODEGEN_GPU_CODEGEN_H
#define TESSERA_LIB_CODEGEN_GPU_CODEGEN_H

#include "tessera/Codegen/GPU/GPU.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace tessera::gpu {

/// How the matrix products are computed.
enum class GemmKind {
  /// fp32 FMAs, operands staged in shared memory.
  Simt,
  /// f16 operands, f32 accumulators, mma.sync m16n8k16 + ldmatrix (sm_80+).
  MmaSync,
  /// f16 operands, f32 accumulators, TMA + wgmma.mma_async (sm_90a).
  Wgmma,
};

/// The block tile of one GEMM kind: rows, columns, reduction step, threads.
struct GemmTile {
  int64_t m, n, k, threads;
};
GemmTile getGemmTile(GemmKind kind);

struct CodegenConfig {
  GPUTargetDesc target;
  /// "fp32" or "fp16" (f16 GEMM operands, f32 accumulation).
  std::string precision = "fp32";
  GemmKind getGemmKind() const;
};

/// The attribute marking the linalg.matmul / batch_matmul a GEMM kernel
/// computes (its value: the GemmKind's name).
inline constexpr llvm::StringLiteral kGemmAttr = "tessera.gpu.gemm";

/// Marks the elementwise op applied in place to a GEMM's C (the activation
/// after a conv + bias): the GEMM kernel computes it before storing C.
inline constexpr llvm::StringLiteral kEpilogueAttr = "tessera.gpu.epilogue";

/// Rewrites every 2-D convolution (NCHW, one group) and matrix product of
/// `func` into a pack of its operands into padded GEMM operands (im2col for
/// convolutions; constants packed at compile time), one padded linalg.matmul
/// (or batch_matmul) marked with kGemmAttr, and an unpack of the result that
/// adds the original accumulator (the bias).
mlir::LogicalResult gemmify(mlir::func::FuncOp func,
                            const CodegenConfig &config);

/// An all-parallel generic updating `target` (a tensor) in place with a
/// copy of `body`, whose first argument stands for the element (the body of
/// a one-input elementwise generic that does not read its output).
mlir::linalg::GenericOp buildInPlaceElementwise(mlir::OpBuilder &b,
                                                mlir::Location loc,
                                                mlir::Value target,
                                                mlir::Block &body);

/// Merges an elementwise generic into its only, elementwise consumer (one
/// kernel instead of two; the GPU has no vectorization constraint).
mlir::LogicalResult fuseElementwise(mlir::func::FuncOp func);

/// Tiles every linalg op of `func` on tensors into scf.forall loops with GPU
/// block and thread mappings (the pre-mapping loop nest, which runs on the
/// CPU as well): GEMMs with their K loop and padded operand copies, every
/// other op one element per thread.
mlir::LogicalResult tileForGPU(mlir::func::FuncOp func,
                               const CodegenConfig &config);

/// From the tiled module to host code with gpu.launch ops: shared-memory
/// staging, bufferization, vectorization, mapping to blocks and threads,
/// device memory for every buffer and the copies in and out. Appends what
/// it knows of each kernel to `kernels`.
mlir::LogicalResult mapToGPU(mlir::ModuleOp module, const CodegenConfig &config,
                             std::vector<KernelInfo> &kernels);

/// Outlines the launches into a gpu.module and compiles it with NVVM to a
/// gpu.binary holding PTX; host code is left for the LLVM stage.
mlir::LogicalResult lowerKernelsToPTX(mlir::ModuleOp module,
                                      const CodegenConfig &config);

/// The PTX text of the module's gpu.binary (after lowerKernelsToPTX).
mlir::FailureOr<std::string> getPTX(mlir::ModuleOp module);

/// Lowers the tiled module for the CPU (the `gpu-emulate` target): the
/// forall loops run as sequential loops.
mlir::LogicalResult lowerTiledForCPU(mlir::ModuleOp module);

/// Applies a transform-dialect sequence to `payload`: `body` is the body
/// of a named sequence whose one argument, `%root`, is `payload` (consumed).
mlir::LogicalResult applyTransformScript(mlir::Operation *payload,
                                         llvm::StringRef body);

/// Records each linalg op's FLOPs (before tiling) for the kernel list.
void annotateFlops(mlir::func::FuncOp func);

} // namespace tessera::gpu

#endif // TESSERA_LIB_CODEGEN_GPU_CODEGEN_H
