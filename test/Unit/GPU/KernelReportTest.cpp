//===- KernelReportTest.cpp - GPU back end: occupancy, roofline, report ---===//
//
// The occupancy against the CUDA occupancy calculator's arithmetic, done by
// hand in the comments; the roofline estimate; the table and the JSON of the
// kernel report on a small synthetic kernel list.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/GPU/GPU.h"

#include <gtest/gtest.h>

using namespace tessera::gpu;

namespace {

GPUTargetDesc getTarget(llvm::StringRef chip) {
  return llvm::cantFail(lookupGPUTarget(chip));
}

KernelInfo makeKernel(int64_t threads, int64_t staticShared = 0,
                      int64_t dynamicShared = 0) {
  KernelInfo kernel;
  kernel.name = "k";
  kernel.block = {threads, 1, 1};
  kernel.staticSharedBytes = staticShared;
  kernel.dynamicSharedBytes = dynamicShared;
  return kernel;
}

PtxasKernelInfo makePtxas(int registers, int64_t shared = 0) {
  PtxasKernelInfo info;
  info.registers = registers;
  info.sharedBytes = shared;
  return info;
}

TEST(Occupancy, RegisterLimited) {
  // sm_90, 256 threads x 168 registers: 8 warps per block; a warp takes
  // 168 * 32 = 5376 registers (a multiple of 256). A sub-partition has
  // 65536 / 4 = 16384 registers: 3 warps, 12 per SM, 12 / 8 = 1 block.
  // Threads: 64 warps / 8 = 8 blocks; shared memory: 228 KiB / 1 KiB
  // (reserved) = 228; blocks: 32. Occupancy 8 / 64 warps.
  PtxasKernelInfo ptxas = makePtxas(168);
  Occupancy occ = computeOccupancy(makeKernel(256), &ptxas, getTarget("sm_90"));
  EXPECT_EQ(occ.blocksPerSM, 1);
  EXPECT_EQ(occ.limiter, "registers");
  EXPECT_DOUBLE_EQ(occ.occupancy, 0.125);
}

TEST(Occupancy, SharedMemoryLimited) {
  // sm_90, 128 threads x 64 registers, 48 KiB of shared memory: 48 KiB +
  // 1 KiB reserved = 50176 bytes (a multiple of 128); 233472 / 50176 = 4.65:
  // 4 blocks. Registers: 64 * 32 = 2048 a warp, 16384 / 2048 = 8 warps a
  // sub-partition, 32 an SM, 32 / 4 = 8 blocks; threads: 64 / 4 = 16 blocks.
  // Occupancy 4 * 4 / 64 warps.
  PtxasKernelInfo ptxas = makePtxas(64);
  Occupancy occ = computeOccupancy(makeKernel(128, 0, 48 * 1024), &ptxas,
                                   getTarget("sm_90"));
  EXPECT_EQ(occ.blocksPerSM, 4);
  EXPECT_EQ(occ.limiter, "shared memory");
  EXPECT_DOUBLE_EQ(occ.occupancy, 0.25);
  // ptxas's static figure counts when it is the larger one: 48 KiB static +
  // 48 KiB dynamic + 1 KiB = 99328 bytes, 233472 / 99328 = 2.35: 2 blocks.
  PtxasKernelInfo withStatic = makePtxas(64, 48 * 1024);
  occ = computeOccupancy(makeKernel(128, 0, 48 * 1024), &withStatic,
                         getTarget("sm_90"));
  EXPECT_EQ(occ.blocksPerSM, 2);
}

TEST(Occupancy, SharedMemoryRoundedUp) {
  // sm_80, 100 bytes + 1 KiB reserved = 1124 bytes, allocated in 128-byte
  // units: 1152; 167936 / 1152 = 145.8, so shared memory does not limit;
  // 32 threads: 64 warps / 1 = 64 blocks; the block limit (32) does.
  Occupancy occ =
      computeOccupancy(makeKernel(32, 100), nullptr, getTarget("sm_80"));
  EXPECT_EQ(occ.blocksPerSM, 32);
  EXPECT_EQ(occ.limiter, "blocks");
  EXPECT_DOUBLE_EQ(occ.occupancy, 0.5);
  // 40 KiB static: 41984 bytes, 167936 / 41984 = 4 exactly.
  occ =
      computeOccupancy(makeKernel(32, 40 * 1024), nullptr, getTarget("sm_80"));
  EXPECT_EQ(occ.blocksPerSM, 4);
  EXPECT_EQ(occ.limiter, "shared memory");
}

TEST(Occupancy, ThreadLimited) {
  // sm_86 (48 warps an SM), 1024 threads without ptxas figures: 32 warps a
  // block, 48 / 32 = 1 block, occupancy 32 / 48.
  Occupancy occ =
      computeOccupancy(makeKernel(1024), nullptr, getTarget("sm_86"));
  EXPECT_EQ(occ.blocksPerSM, 1);
  EXPECT_EQ(occ.limiter, "threads");
  EXPECT_DOUBLE_EQ(occ.occupancy, 32.0 / 48.0);
  // Warps are whole: 48 threads take 2 warps; 24 blocks on sm_89 (48 warps,
  // 24 blocks: a tie, named "threads").
  occ = computeOccupancy(makeKernel(48), nullptr, getTarget("sm_89"));
  EXPECT_EQ(occ.blocksPerSM, 24);
  EXPECT_EQ(occ.limiter, "threads");
  EXPECT_DOUBLE_EQ(occ.occupancy, 1.0);
}

TEST(Occupancy, RegistersRoundedToTheAllocationUnit) {
  // sm_90, 255 registers x 256 threads: 8160 registers a warp, 8192 rounded
  // to 256; 16384 / 8192 = 2 warps a sub-partition, 8 an SM: 1 block.
  PtxasKernelInfo ptxas = makePtxas(255);
  Occupancy occ = computeOccupancy(makeKernel(256), &ptxas, getTarget("sm_90"));
  EXPECT_EQ(occ.blocksPerSM, 1);
  EXPECT_EQ(occ.limiter, "registers");
  // 65 registers x 128 threads: 2080 -> 2304 a warp, 16384 / 2304 = 7 warps a
  // sub-partition, 28 an SM, 28 / 4 = 7 blocks (floor(65536 / 2304) = 28
  // too); occupancy 28 / 64.
  ptxas = makePtxas(65);
  occ = computeOccupancy(makeKernel(128), &ptxas, getTarget("sm_90"));
  EXPECT_EQ(occ.blocksPerSM, 7);
  EXPECT_EQ(occ.limiter, "registers");
  EXPECT_DOUBLE_EQ(occ.occupancy, 28.0 / 64.0);
}

TEST(Occupancy, LaunchesThatCannotRun) {
  GPUTargetDesc h100 = getTarget("sm_90");
  // 1024 threads x 65 registers: 2304 x 32 warps = 73728 > 65536.
  PtxasKernelInfo ptxas = makePtxas(65);
  Occupancy occ = computeOccupancy(makeKernel(1024), &ptxas, h100);
  EXPECT_EQ(occ.blocksPerSM, 0);
  EXPECT_EQ(occ.limiter, "registers");
  EXPECT_DOUBLE_EQ(occ.occupancy, 0);
  // More shared memory than a block may have (227 KiB).
  occ = computeOccupancy(makeKernel(128, 0, 228 * 1024), nullptr, h100);
  EXPECT_EQ(occ.blocksPerSM, 0);
  EXPECT_EQ(occ.limiter, "shared memory");
  // Exactly 227 KiB fits once.
  occ = computeOccupancy(makeKernel(128, 0, 227 * 1024), nullptr, h100);
  EXPECT_EQ(occ.blocksPerSM, 1);
  // More threads than a block may have, and none.
  occ = computeOccupancy(makeKernel(2048), nullptr, h100);
  EXPECT_EQ(occ.blocksPerSM, 0);
  EXPECT_EQ(occ.limiter, "threads");
  occ = computeOccupancy(makeKernel(0), nullptr, h100);
  EXPECT_EQ(occ.blocksPerSM, 0);
}

TEST(Roofline, ComputeAndMemoryBound) {
  // 4096^3 f16 GEMM with f32 C on tensor cores of an H100: 2 * 4096^3 =
  // 137.4 GFLOP / 989.4 TFLOP/s = 138.9 us; 4096^2 * (2 + 2 + 4) = 134.2 MB /
  // 3.35 TB/s = 40.1 us.
  KernelInfo gemm = makeKernel(128);
  gemm.flops = 2.0 * 4096 * 4096 * 4096;
  gemm.bytes = 4096.0 * 4096 * 8;
  gemm.tensorCores = true;
  Roofline r = estimateRoofline(gemm, getTarget("sm_90a"));
  EXPECT_TRUE(r.computeBound);
  EXPECT_NEAR(r.microseconds, gemm.flops / 989.4e6, 1e-9);
  EXPECT_NEAR(r.microseconds, 138.91, 0.01);
  // On the fp32 pipes: 137.4 GFLOP / 66.9 TFLOP/s = 2054.39 us.
  gemm.tensorCores = false;
  r = estimateRoofline(gemm, getTarget("sm_90"));
  EXPECT_NEAR(r.microseconds, 2054.39, 0.01);
  // An elementwise add of 1M floats on an A100: 1 MFLOP / 19.5 TFLOP/s =
  // 0.05 us; 12 MB / 2.039 TB/s = 5.885 us.
  KernelInfo add = makeKernel(256);
  add.flops = 1 << 20;
  add.bytes = 12.0 * (1 << 20);
  r = estimateRoofline(add, getTarget("sm_80"));
  EXPECT_FALSE(r.computeBound);
  EXPECT_NEAR(r.microseconds, add.bytes / 2.039e6, 1e-9);
  // Nothing to do.
  r = estimateRoofline(makeKernel(32), getTarget("sm_80"));
  EXPECT_EQ(r.microseconds, 0);
  EXPECT_FALSE(r.computeBound);
}

/// A GEMM on tensor cores, a spilling elementwise kernel and a copy ptxas
/// did not see.
std::vector<KernelInfo> getKernels() {
  KernelInfo gemm;
  gemm.name = "main_kernel";
  gemm.nodes = {"/fc/MatMul", "/fc/Add", "/act/Relu"};
  gemm.strategy = "gemm-wgmma";
  gemm.grid = {32, 32, 1};
  gemm.block = {128, 1, 1};
  gemm.dynamicSharedBytes = 64 * 1024;
  gemm.flops = 2.0 * 4096 * 4096 * 4096;
  gemm.bytes = 4096.0 * 4096 * 8;
  gemm.tensorCores = true;
  KernelInfo add;
  add.name = "main_kernel_0";
  add.nodes = {"/act/Sigmoid"};
  add.strategy = "elementwise";
  add.grid = {4096, 1, 1};
  add.block = {256, 1, 1};
  add.flops = 4096.0 * 4096;
  add.bytes = 4096.0 * 4096 * 8;
  KernelInfo copy;
  copy.name = "main_kernel_1";
  copy.strategy = "copy";
  copy.grid = {64, 1, 1};
  copy.block = {1024, 1, 1};
  copy.bytes = 1e6;
  return {gemm, add, copy};
}

llvm::StringMap<PtxasKernelInfo> getPtxas() {
  llvm::StringMap<PtxasKernelInfo> ptxas;
  ptxas["main_kernel"] = makePtxas(126, 1024);
  PtxasKernelInfo spilling = makePtxas(40);
  spilling.spillStoreBytes = 16;
  spilling.spillLoadBytes = 24;
  spilling.stackBytes = 16;
  ptxas["main_kernel_0"] = spilling;
  return ptxas;
}

/// Checks that `patterns` occur in `text` in order, FileCheck-like.
void expectInOrder(llvm::StringRef text,
                   llvm::ArrayRef<const char *> patterns) {
  size_t at = 0;
  for (const char *pattern : patterns) {
    size_t found = text.find(pattern, at);
    ASSERT_NE(found, llvm::StringRef::npos)
        << "'" << pattern << "' not found after offset " << at << " in\n"
        << text.str();
    at = found + llvm::StringRef(pattern).size();
  }
}

TEST(KernelReport, Table) {
  std::string text;
  llvm::raw_string_ostream os(text);
  printKernelReport(os, getKernels(), getPtxas(), getTarget("sm_90a"));
  // The GEMM: 126 registers x 128 threads: 4032 -> 4096 a warp, 4 warps a
  // sub-partition, 16 an SM, 4 blocks; shared memory 1 KiB static + 64 KiB
  // dynamic + 1 KiB reserved: 233472 / 67584 = 3 blocks: 12 / 64 warps.
  // The elementwise kernel: 40 x 32 = 1280 a warp, 12 a sub-partition, 48 an
  // SM, 6 blocks of 8 warps: 75%. The copy: 2 blocks of 32 warps: 100%.
  expectInOrder(
      text,
      {"GPU kernel report: NVIDIA H100 SXM5 80GB (sm_90a, 132 SMs, 989.4 "
       "TFLOP/s f16 tensor, 66.9 TFLOP/s fp32, 3.35 TB/s)",
       "kernel", "nodes", "strategy", "grid", "block", "regs", "spill st/ld",
       "smem KiB", "occ", "limiter", "GFLOP", "MB", "roof us", "bound",
       // The GEMM.
       "main_kernel ", "/fc/MatMul +2 more", "gemm-wgmma", "32x32x1", "128x1x1",
       " 126 ", " 0/0 ", " 65.0 ", " 19% ", "shared memory", " 137.439 ",
       " 134.22 ", " 138.91 ", "compute",
       // The elementwise kernel: 8 B/FLOP, memory bound: 134.2 MB / 3.35 TB/s.
       "main_kernel_0 ", "/act/Sigmoid ", "elementwise", "4096x1x1", "256x1x1",
       " 40 ", " 16/24 ", " 0.0 ", " 75% ", "registers", " 0.017 ", " 134.22 ",
       " 40.06 ", "memory",
       // The copy: no ptxas figures, no nodes.
       "main_kernel_1 ", " - ", "copy", "64x1x1", "1024x1x1", " - ", " - ",
       " 0.0 ", " 100% ", "threads", " 0.000 ", " 1.00 ", " 0.30 ", "memory",
       // Totals.
       "total: 3 kernels, roofline 179.27 us, 137.456 GFLOP, 269.44 MB",
       "tensor-core kernels: 1; kernels with spills: 1 (of 2 checked by "
       "ptxas)"});
}

TEST(KernelReport, EmptyList) {
  std::string text;
  llvm::raw_string_ostream os(text);
  printKernelReport(os, {}, {}, getTarget("sm_80"));
  expectInOrder(text, {"NVIDIA A100 SXM4 80GB (sm_80, 108 SMs, 312 TFLOP/s",
                       "total: 0 kernels, roofline 0.00 us",
                       "kernels with spills: 0 (of 0 checked by ptxas)"});
}

TEST(KernelReport, JSON) {
  llvm::json::Value value =
      kernelReportToJSON(getKernels(), getPtxas(), getTarget("sm_90a"));
  const llvm::json::Object *report = value.getAsObject();
  ASSERT_TRUE(report);
  const llvm::json::Object *target = report->getObject("target");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->getString("chip"), "sm_90a");
  EXPECT_EQ(target->getString("part"), "NVIDIA H100 SXM5 80GB");
  EXPECT_EQ(target->getInteger("sm_count"), 132);
  EXPECT_EQ(target->getNumber("peak_fp16_tensor_tflops"), 989.4);
  EXPECT_EQ(target->getBoolean("wgmma"), true);

  const llvm::json::Array *kernels = report->getArray("kernels");
  ASSERT_TRUE(kernels);
  ASSERT_EQ(kernels->size(), 3u);
  const llvm::json::Object *gemm = (*kernels)[0].getAsObject();
  ASSERT_TRUE(gemm);
  EXPECT_EQ(gemm->getString("name"), "main_kernel");
  EXPECT_EQ(gemm->getArray("nodes")->size(), 3u);
  EXPECT_EQ(gemm->getString("strategy"), "gemm-wgmma");
  EXPECT_EQ(*gemm->get("grid"),
            llvm::json::Value(llvm::json::Array{32, 32, 1}));
  EXPECT_EQ(*gemm->get("block"),
            llvm::json::Value(llvm::json::Array{128, 1, 1}));
  EXPECT_EQ(gemm->getBoolean("tensor_cores"), true);
  EXPECT_EQ(gemm->getBoolean("ptxas"), true);
  EXPECT_EQ(gemm->getInteger("registers"), 126);
  EXPECT_EQ(gemm->getInteger("spill_store_bytes"), 0);
  EXPECT_EQ(gemm->getInteger("shared_bytes"), 65 * 1024);
  EXPECT_EQ(gemm->getInteger("dynamic_shared_bytes"), 64 * 1024);
  EXPECT_EQ(gemm->getInteger("blocks_per_sm"), 3);
  EXPECT_NEAR(*gemm->getNumber("occupancy"), 12.0 / 64, 1e-12);
  EXPECT_EQ(gemm->getString("occupancy_limiter"), "shared memory");
  EXPECT_NEAR(*gemm->getNumber("roofline_us"), 138.91, 0.01);
  EXPECT_NEAR(*gemm->getNumber("arithmetic_intensity"), 1024, 1e-9);
  EXPECT_EQ(gemm->getString("bound"), "compute");

  const llvm::json::Object *add = (*kernels)[1].getAsObject();
  EXPECT_EQ(add->getInteger("spill_store_bytes"), 16);
  EXPECT_EQ(add->getInteger("spill_load_bytes"), 24);
  EXPECT_EQ(add->getInteger("stack_bytes"), 16);
  EXPECT_EQ(add->getString("bound"), "memory");

  // No ptxas figures: null registers and spills.
  const llvm::json::Object *copy = (*kernels)[2].getAsObject();
  EXPECT_EQ(copy->getBoolean("ptxas"), false);
  EXPECT_EQ(*copy->get("registers"), llvm::json::Value(nullptr));
  EXPECT_EQ(*copy->get("spill_load_bytes"), llvm::json::Value(nullptr));
  EXPECT_EQ(copy->getArray("nodes")->size(), 0u);
  EXPECT_EQ(copy->getInteger("blocks_per_sm"), 2);

  const llvm::json::Object *total = report->getObject("total");
  ASSERT_TRUE(total);
  EXPECT_EQ(total->getInteger("kernels"), 3);
  EXPECT_EQ(total->getInteger("tensor_core_kernels"), 1);
  EXPECT_EQ(total->getInteger("kernels_with_spills"), 1);
  EXPECT_EQ(total->getInteger("ptxas_checked"), 2);
  EXPECT_NEAR(*total->getNumber("roofline_us"), 179.27, 0.01);
  EXPECT_NEAR(*total->getNumber("bytes"), 4096.0 * 4096 * 16 + 1e6, 1e-3);
}

} // namespace
