//===- GPUTargetTest.cpp - GPU back end: the target descriptions ----------===//
//
// The chips `--gpu-chip` takes, their published numbers and the error for an
// unknown one.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/GPU/GPU.h"

#include <gtest/gtest.h>

using namespace tessera::gpu;

namespace {

TEST(GPUTarget, KnownChips) {
  std::vector<std::string> chips = getKnownGPUChips();
  EXPECT_EQ(chips, (std::vector<std::string>{"sm_80", "sm_86", "sm_89", "sm_90",
                                             "sm_90a"}));
  for (const std::string &chip : chips) {
    llvm::Expected<GPUTargetDesc> desc = lookupGPUTarget(chip);
    ASSERT_TRUE(bool(desc)) << llvm::toString(desc.takeError());
    EXPECT_EQ(desc->chip, chip);
    EXPECT_FALSE(desc->part.empty());
    EXPECT_GT(desc->smCount, 0);
    EXPECT_GT(desc->sharedPerSM, desc->sharedPerBlock);
    EXPECT_EQ(desc->registersPerSM, 65536);
    EXPECT_EQ(desc->maxRegistersPerThread, 255);
    EXPECT_EQ(desc->maxThreadsPerBlock, 1024);
    EXPECT_EQ(desc->warpSize, 32);
    EXPECT_EQ(desc->registerAllocUnit, 256);
    EXPECT_GT(desc->peakFP16TensorTFlops, desc->peakFP32TFlops);
    EXPECT_GT(desc->dramTBps, 0);
    EXPECT_TRUE(desc->hasMmaSync);
    EXPECT_EQ(desc->hasWgmma, chip == "sm_90a");
  }
}

TEST(GPUTarget, A100) {
  GPUTargetDesc a100 = llvm::cantFail(lookupGPUTarget("sm_80"));
  EXPECT_EQ(a100.part, "NVIDIA A100 SXM4 80GB");
  EXPECT_EQ(a100.features, "+ptx70");
  EXPECT_EQ(a100.smCount, 108);
  EXPECT_EQ(a100.sharedPerSM, 164 * 1024);
  EXPECT_EQ(a100.sharedPerBlock, 163 * 1024);
  EXPECT_EQ(a100.maxThreadsPerSM, 2048);
  EXPECT_EQ(a100.maxBlocksPerSM, 32);
  EXPECT_DOUBLE_EQ(a100.peakFP32TFlops, 19.5);
  EXPECT_DOUBLE_EQ(a100.peakFP16TensorTFlops, 312);
  EXPECT_DOUBLE_EQ(a100.dramTBps, 2.039);
}

TEST(GPUTarget, AmpereAndAdaWorkstationParts) {
  GPUTargetDesc a6000 = llvm::cantFail(lookupGPUTarget("sm_86"));
  EXPECT_EQ(a6000.features, "+ptx71");
  EXPECT_EQ(a6000.smCount, 84);
  EXPECT_EQ(a6000.sharedPerSM, 100 * 1024);
  EXPECT_EQ(a6000.sharedPerBlock, 99 * 1024);
  EXPECT_EQ(a6000.maxThreadsPerSM, 1536);
  EXPECT_EQ(a6000.maxBlocksPerSM, 16);
  GPUTargetDesc l40s = llvm::cantFail(lookupGPUTarget("sm_89"));
  EXPECT_EQ(l40s.features, "+ptx78");
  EXPECT_EQ(l40s.smCount, 142);
  EXPECT_EQ(l40s.maxThreadsPerSM, 1536);
  EXPECT_EQ(l40s.maxBlocksPerSM, 24);
}

TEST(GPUTarget, H100) {
  for (const char *chip : {"sm_90", "sm_90a"}) {
    GPUTargetDesc h100 = llvm::cantFail(lookupGPUTarget(chip));
    EXPECT_EQ(h100.part, "NVIDIA H100 SXM5 80GB");
    EXPECT_EQ(h100.features, "+ptx80");
    EXPECT_EQ(h100.smCount, 132);
    EXPECT_EQ(h100.sharedPerSM, 228 * 1024);
    EXPECT_EQ(h100.sharedPerBlock, 227 * 1024);
    EXPECT_EQ(h100.maxThreadsPerSM, 2048);
    EXPECT_EQ(h100.maxBlocksPerSM, 32);
    EXPECT_DOUBLE_EQ(h100.peakFP32TFlops, 66.9);
    EXPECT_DOUBLE_EQ(h100.peakFP16TensorTFlops, 989.4);
    EXPECT_DOUBLE_EQ(h100.dramTBps, 3.35);
  }
}

TEST(GPUTarget, UnknownChip) {
  llvm::Expected<GPUTargetDesc> desc = lookupGPUTarget("sm_100");
  ASSERT_FALSE(bool(desc));
  EXPECT_EQ(llvm::toString(desc.takeError()),
            "unknown GPU chip 'sm_100'; known chips: sm_80, sm_86, sm_89, "
            "sm_90, sm_90a");
}

} // namespace
