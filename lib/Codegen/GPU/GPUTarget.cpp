//===- GPUTarget.cpp - the GPUs the GPU back end knows --------------------===//
//
// Part of Tessera. One representative part per `--gpu-chip`, with the
// vendor's published numbers; docs/gpu.md ("Target descriptions") lists them
// with their sources.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/GPU/GPU.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace llvm;

namespace tessera::gpu {

static constexpr int64_t KiB = 1024;

/// The limits common to compute capabilities 8.x and 9.0 (CUDA C++
/// Programming Guide, "Features and Technical Specifications"): 64K 32-bit
/// registers per SM, 255 per thread, 1024 threads per block, registers
/// allocated per warp in units of 256.
static GPUTargetDesc makeCommon(StringRef chip, StringRef features,
                                StringRef part) {
  GPUTargetDesc desc;
  desc.chip = chip.str();
  desc.features = features.str();
  desc.part = part.str();
  desc.registersPerSM = 64 * 1024;
  desc.maxRegistersPerThread = 255;
  desc.maxThreadsPerBlock = 1024;
  desc.warpSize = 32;
  desc.registerAllocUnit = 256;
  desc.hasMmaSync = true;
  return desc;
}

/// Compute capability 8.0: NVIDIA A100 SXM4 80GB.
static GPUTargetDesc makeSM80() {
  GPUTargetDesc desc = makeCommon("sm_80", "+ptx70", "NVIDIA A100 SXM4 80GB");
  desc.smCount = 108;
  desc.sharedPerSM = 164 * KiB;
  desc.sharedPerBlock = 163 * KiB;
  desc.maxThreadsPerSM = 2048;
  desc.maxBlocksPerSM = 32;
  desc.peakFP32TFlops = 19.5;
  desc.peakFP16TensorTFlops = 312;
  desc.dramTBps = 2.039;
  return desc;
}

/// Compute capability 8.6: NVIDIA RTX A6000 (GA102, 84 SMs at 1800 MHz
/// boost; f16 tensor math with f32 accumulation at the full rate).
static GPUTargetDesc makeSM86() {
  GPUTargetDesc desc = makeCommon("sm_86", "+ptx71", "NVIDIA RTX A6000");
  desc.smCount = 84;
  desc.sharedPerSM = 100 * KiB;
  desc.sharedPerBlock = 99 * KiB;
  desc.maxThreadsPerSM = 1536;
  desc.maxBlocksPerSM = 16;
  desc.peakFP32TFlops = 38.7;
  desc.peakFP16TensorTFlops = 154.8;
  desc.dramTBps = 0.768;
  return desc;
}

/// Compute capability 8.9: NVIDIA L40S (AD102, 142 SMs at 2520 MHz boost).
static GPUTargetDesc makeSM89() {
  GPUTargetDesc desc = makeCommon("sm_89", "+ptx78", "NVIDIA L40S");
  desc.smCount = 142;
  desc.sharedPerSM = 100 * KiB;
  desc.sharedPerBlock = 99 * KiB;
  desc.maxThreadsPerSM = 1536;
  desc.maxBlocksPerSM = 24;
  desc.peakFP32TFlops = 91.6;
  desc.peakFP16TensorTFlops = 362.05;
  desc.dramTBps = 0.864;
  return desc;
}

/// Compute capability 9.0: NVIDIA H100 SXM5 80GB. `sm_90a` is the same part
/// with the architecture-specific instructions (wgmma, setmaxnreg) that PTX
/// for plain sm_90 may not use.
static GPUTargetDesc makeSM90(bool archSpecific) {
  GPUTargetDesc desc = makeCommon(archSpecific ? "sm_90a" : "sm_90", "+ptx80",
                                  "NVIDIA H100 SXM5 80GB");
  desc.smCount = 132;
  desc.sharedPerSM = 228 * KiB;
  desc.sharedPerBlock = 227 * KiB;
  desc.maxThreadsPerSM = 2048;
  desc.maxBlocksPerSM = 32;
  desc.peakFP32TFlops = 66.9;
  desc.peakFP16TensorTFlops = 989.4;
  desc.dramTBps = 3.35;
  desc.hasWgmma = archSpecific;
  return desc;
}

static std::vector<GPUTargetDesc> getTargets() {
  return {makeSM80(), makeSM86(), makeSM89(), makeSM90(false), makeSM90(true)};
}

std::vector<std::string> getKnownGPUChips() {
  std::vector<std::string> chips;
  for (const GPUTargetDesc &desc : getTargets())
    chips.push_back(desc.chip);
  return chips;
}

Expected<GPUTargetDesc> lookupGPUTarget(StringRef chip) {
  for (GPUTargetDesc &desc : getTargets())
    if (desc.chip == chip)
      return std::move(desc);
  return createStringError(inconvertibleErrorCode(),
                           "unknown GPU chip '" + chip + "'; known chips: " +
                               join(getKnownGPUChips(), ", "));
}

} // namespace tessera::gpu
