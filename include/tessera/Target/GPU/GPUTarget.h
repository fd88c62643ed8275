//===- GPUTarget.h - the CUDA runtime of GPU artifacts ----------*- C++ -*-===//
//
// Part of Tessera. GPU artifacts are host artifacts (CPUTarget.h) whose host
// code calls MLIR's `mgpu*` runtime functions; the object that implements
// them over the CUDA driver (lib/Target/GPU/GPURuntimeSupport.c) is embedded
// here and linked into each artifact besides the CPU runtime support:
//
//   writeHostArtifact(c, dir, "gpu", extra, {gpu::getGPURuntimeObject()});
//
// The functions the artifact exports for the runtime (docs/gpu.md, "Runtime")
// are named below.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TARGET_GPU_GPUTARGET_H
#define TESSERA_TARGET_GPU_GPUTARGET_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>

namespace tessera::gpu {

/// The object file of GPURuntimeSupport.c, compiled when Tessera was built.
llvm::ArrayRef<uint8_t> getGPURuntimeObject();

/// `int32_t tessera_gpu_status(void)`: 0, the CUresult of the first failed
/// CUDA call, or -1 (no driver), -2 (no device), -3 (another failure). The
/// host code's `tessera_run` returns it (lowerHostToLLVM's statusFunction).
constexpr const char *kGPUStatusFunction = "tessera_gpu_status";
/// `const char *tessera_gpu_error(void)`: the first failure's message, or "".
constexpr const char *kGPUErrorFunction = "tessera_gpu_error";
/// `void tessera_gpu_clear_error(void)`: forgets the failure.
constexpr const char *kGPUClearErrorFunction = "tessera_gpu_clear_error";
/// `int32_t tessera_gpu_init(void)`: loads the driver and picks the device;
/// the status.
constexpr const char *kGPUInitFunction = "tessera_gpu_init";
/// `void tessera_gpu_set_profiling(int32_t on)`: times every launch.
constexpr const char *kGPUSetProfilingFunction = "tessera_gpu_set_profiling";
/// `const char *tessera_gpu_profile_json(void)`: the per-kernel times.
constexpr const char *kGPUProfileFunction = "tessera_gpu_profile_json";

/// `void tessera_gpu_shutdown(void)`: gives the device memory, modules and
/// events back and unloads the driver (the next call starts again); the
/// runtime calls it before it unloads an artifact.
constexpr const char *kGPUShutdownFunction = "tessera_gpu_shutdown";

/// The status values of the runtime's own failures.
constexpr int32_t kGPUNoDriver = -1, kGPUNoDevice = -2, kGPURuntimeError = -3;

} // namespace tessera::gpu

#endif // TESSERA_TARGET_GPU_GPUTARGET_H
