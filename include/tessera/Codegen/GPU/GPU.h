//===- GPU.h - the GPU back end's shared declarations -----------*- C++ -*-===//
//
// Part of Tessera. The NVIDIA GPU back end (`--target=gpu`): the description
// of a GPU the tile sizes and the reports read, the options of the driver,
// what is known about each generated kernel, the ptxas check of the PTX and
// the static kernel report, and the Hopper warpgroup-MMA GEMM emitter.
// docs/gpu.md describes the pipeline.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_GPU_GPU_H
#define TESSERA_CODEGEN_GPU_GPU_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tessera::gpu {

//===----------------------------------------------------------------------===//
// Target description
//===----------------------------------------------------------------------===//

/// One GPU as the code generator and the reports see it. The numbers are the
/// vendor's published ones for the part named in `part`.
struct GPUTargetDesc {
  /// The `--gpu-chip` spelling: sm_80, sm_86, sm_89, sm_90, sm_90a.
  std::string chip;
  /// PTX features passed to NVVM (`+ptx80`).
  std::string features;
  /// The part the numbers are of ("NVIDIA H100 SXM5 80GB").
  std::string part;
  int smCount = 0;
  /// Shared memory a block may use (with the opt-in above 48 KiB) and an SM
  /// has, in bytes.
  int64_t sharedPerBlock = 0, sharedPerSM = 0;
  int64_t registersPerSM = 0;
  int maxRegistersPerThread = 255;
  int maxThreadsPerSM = 0, maxThreadsPerBlock = 1024, maxBlocksPerSM = 0;
  int warpSize = 32;
  /// Register allocation granularity per warp (256 on sm_80 and sm_90).
  int registerAllocUnit = 256;
  /// Peak rates: fp32 FMA (non-tensor) and dense f16 tensor-core math with
  /// f32 accumulation, in TFLOP/s; DRAM bandwidth in TB/s.
  double peakFP32TFlops = 0, peakFP16TensorTFlops = 0, dramTBps = 0;
  /// Tensor-core instructions the chip has: mma.sync (sm_80+) and the
  /// warpgroup MMA `wgmma.mma_async` (sm_90a only).
  bool hasMmaSync = false, hasWgmma = false;
};

/// The description of `chip`, or an error naming the chips known.
llvm::Expected<GPUTargetDesc> lookupGPUTarget(llvm::StringRef chip);

/// The chips lookupGPUTarget knows, for --help and errors.
std::vector<std::string> getKnownGPUChips();

//===----------------------------------------------------------------------===//
// Generated kernels
//===----------------------------------------------------------------------===//

/// What the code generator knows about one kernel it emitted.
struct KernelInfo {
  /// The kernel's symbol in the PTX (`main_kernel_3`).
  std::string name;
  /// The ONNX nodes whose ops the kernel computes (from the ops' locations).
  std::vector<std::string> nodes;
  /// How it was generated: "gemm-simt", "gemm-mma", "gemm-wgmma",
  /// "elementwise", "reduction", "conv-direct", "copy", ...
  std::string strategy;
  std::array<int64_t, 3> grid = {1, 1, 1}, block = {1, 1, 1};
  /// Static shared memory (from the kernel's shared globals) and the dynamic
  /// shared memory of its launch, in bytes.
  int64_t staticSharedBytes = 0, dynamicSharedBytes = 0;
  /// Arithmetic (a multiply-add counts 2) and DRAM bytes read + written,
  /// counted from the ops the kernel computes (each operand once).
  double flops = 0, bytes = 0;
  /// Whether its math runs on tensor cores (mma.sync or wgmma).
  bool tensorCores = false;
};

/// What ptxas says about one kernel (`ptxas -v`).
struct PtxasKernelInfo {
  int registers = 0;
  int64_t spillStoreBytes = 0, spillLoadBytes = 0, stackBytes = 0;
  int64_t sharedBytes = 0;
};

/// Parses the report `ptxas -v` writes (to its stderr): per entry function
/// ("Compiling entry function 'X'"), its registers and static shared memory
/// ("Used N registers, used N barriers, N bytes smem") and its stack frame
/// and spills ("N bytes stack frame, N bytes spill stores, N bytes spill
/// loads"). Other lines are ignored.
llvm::StringMap<PtxasKernelInfo> parsePtxasOutput(llvm::StringRef output);

/// The ptxas on PATH (or in $CUDA_HOME/bin, /usr/local/cuda/bin), or none.
std::optional<std::string> findPtxas();

/// Assembles `ptx` with `ptxas -arch=<chip> -v -O3` and parses its report
/// per kernel. An error carries ptxas's own message when it rejects the PTX.
llvm::Expected<llvm::StringMap<PtxasKernelInfo>>
runPtxas(llvm::StringRef ptxasPath, llvm::StringRef ptx, llvm::StringRef chip);

/// Blocks of `kernel` resident per SM, limited by threads, registers (when
/// known), shared memory and the block limit; and occupancy as active warps /
/// max warps.
struct Occupancy {
  int blocksPerSM = 0;
  double occupancy = 0;
  /// "threads", "registers", "shared memory" or "blocks".
  std::string limiter;
};
Occupancy computeOccupancy(const KernelInfo &kernel,
                           const PtxasKernelInfo *ptxas,
                           const GPUTargetDesc &target);

/// A roofline estimate of one kernel's time on `target`, in microseconds:
/// max(flops / peak, bytes / bandwidth), the peak being the tensor-core one
/// for tensor-core kernels; and which bound it is.
struct Roofline {
  double microseconds = 0;
  bool computeBound = false;
};
Roofline estimateRoofline(const KernelInfo &kernel,
                          const GPUTargetDesc &target);

/// The static kernel report (`tessera-compile --target=gpu --report=kernels`):
/// one row per kernel (name, ONNX nodes, strategy, grid, block, registers,
/// spills, shared memory, occupancy, FLOPs, bytes, roofline time and bound)
/// and totals. `ptxas` maps kernel names to ptxas's figures; kernels missing
/// from it (no ptxas) print "-" for registers and spills.
void printKernelReport(llvm::raw_ostream &os,
                       llvm::ArrayRef<KernelInfo> kernels,
                       const llvm::StringMap<PtxasKernelInfo> &ptxas,
                       const GPUTargetDesc &target);
/// The same as JSON (`--report-json`).
llvm::json::Value
kernelReportToJSON(llvm::ArrayRef<KernelInfo> kernels,
                   const llvm::StringMap<PtxasKernelInfo> &ptxas,
                   const GPUTargetDesc &target);

//===----------------------------------------------------------------------===//
// Hopper warpgroup-MMA GEMM (sm_90a)
//===----------------------------------------------------------------------===//

/// Computes, per element of C, the value to store from the f32 accumulator
/// `acc` at row `row` and column `col` (index values) of C; may load from
/// other memrefs (a bias). Called inside the kernel body.
using GemmEpilogue = std::function<mlir::Value(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Value acc, mlir::Value row,
    mlir::Value col)>;

/// C[M,N] (f32) = epilogue(A[M,K] (f16, row-major) x B[K,N] (f16,
/// row-major)), all three static, identity-layout memrefs in global (device)
/// memory, with M % 128 == 0, N % 128 == 0 and K % 64 == 0.
struct HopperGemmSpec {
  mlir::Value a, b, c;
  /// Null for none: then the accumulator is stored as is.
  GemmEpilogue epilogue;
};

/// Builds at the builder's insertion point, in host code (a func.func body),
/// the TMA descriptors of A and B and a `gpu.launch` of a kernel that loads
/// 128x128x64 tiles (128x256x64 on two warpgroups when N % 256 == 0) with
/// TMA into shared memory (mbarrier-synchronized) and
/// multiplies them with `nvgpu.warpgroup.mma` (wgmma.mma_async on sm_90a),
/// applies the epilogue and stores C. Returns the launch op, or an error at
/// `loc` for shapes it does not take.
mlir::FailureOr<mlir::Operation *> emitHopperGemm(mlir::OpBuilder &b,
                                                  mlir::Location loc,
                                                  const HopperGemmSpec &spec);

/// Registers the GPU code generation steps as tessera-opt passes
/// (tessera-gpu-gemmify, -fuse-elementwise, -tile, -map, -ptx).
void registerGPUCodegenPasses();

} // namespace tessera::gpu

#endif // TESSERA_CODEGEN_GPU_GPU_H
