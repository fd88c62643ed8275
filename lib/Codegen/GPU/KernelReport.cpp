//===- KernelReport.cpp - occupancy, roofline and the kernel report -------===//
//
// Part of Tessera. The static report of the kernels a GPU artifact launches
// (`tessera-compile --target=gpu --report=kernels`): the occupancy by the
// CUDA occupancy calculator's rules, a roofline time per kernel and totals.
// docs/gpu.md ("Kernel report") describes every column.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/GPU/GPU.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <climits>
#include <cmath>

using namespace llvm;

namespace tessera::gpu {

/// Shared memory the driver reserves per block on compute capability 8.0 and
/// later (cudaDevAttrReservedSharedMemoryPerBlock), and the unit shared
/// memory is allocated in.
static constexpr int64_t kReservedSharedPerBlock = 1024;
static constexpr int64_t kSharedAllocUnit = 128;
/// The SM's sub-partitions (warp schedulers), each with a quarter of the
/// register file.
static constexpr int64_t kSubPartitions = 4;

static int64_t divideCeil(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t roundUp(int64_t a, int64_t b) { return divideCeil(a, b) * b; }

/// Static (ptxas's figure when there is one) plus dynamic shared memory.
static int64_t getSharedBytes(const KernelInfo &kernel,
                              const PtxasKernelInfo *ptxas) {
  int64_t staticBytes = kernel.staticSharedBytes;
  if (ptxas)
    staticBytes = std::max(staticBytes, ptxas->sharedBytes);
  return staticBytes + kernel.dynamicSharedBytes;
}

Occupancy computeOccupancy(const KernelInfo &kernel,
                           const PtxasKernelInfo *ptxas,
                           const GPUTargetDesc &target) {
  Occupancy result;
  int64_t threads = kernel.block[0] * kernel.block[1] * kernel.block[2];
  int64_t warpSize = std::max(target.warpSize, 1);
  int64_t maxWarps = target.maxThreadsPerSM / warpSize;
  if (threads <= 0 || threads > target.maxThreadsPerBlock || maxWarps <= 0) {
    result.limiter = "threads";
    return result;
  }
  int64_t warpsPerBlock = divideCeil(threads, warpSize);

  // Each limit in blocks per SM, in the order that names the limiter on a
  // tie.
  int64_t byThreads = maxWarps / warpsPerBlock;

  int64_t byRegisters = INT64_MAX;
  if (ptxas && ptxas->registers > 0) {
    // Registers go to warps in units of registerAllocUnit, each warp within
    // one sub-partition's quarter of the register file.
    int64_t perWarp = roundUp(int64_t(ptxas->registers) * warpSize,
                              std::max(target.registerAllocUnit, 1));
    // The launch check assumes the block's warps rounded up to the
    // sub-partitions.
    int64_t assumedPerBlock = perWarp * roundUp(warpsPerBlock, kSubPartitions);
    if (assumedPerBlock > target.registersPerSM ||
        ptxas->registers > target.maxRegistersPerThread)
      byRegisters = 0;
    else
      byRegisters = (target.registersPerSM / kSubPartitions / perWarp) *
                    kSubPartitions / warpsPerBlock;
  }

  int64_t shared = getSharedBytes(kernel, ptxas);
  int64_t bySharedMemory = INT64_MAX;
  if (shared > target.sharedPerBlock) {
    bySharedMemory = 0;
  } else {
    int64_t allocated =
        roundUp(shared + kReservedSharedPerBlock, kSharedAllocUnit);
    bySharedMemory = target.sharedPerSM / allocated;
  }

  int64_t byBlocks = target.maxBlocksPerSM;

  std::pair<int64_t, const char *> limits[] = {
      {byThreads, "threads"},
      {byRegisters, "registers"},
      {bySharedMemory, "shared memory"},
      {byBlocks, "blocks"}};
  auto *min = llvm::min_element(
      limits, [](const auto &a, const auto &b) { return a.first < b.first; });
  result.blocksPerSM = int(min->first);
  result.limiter = min->second;
  result.occupancy =
      double(result.blocksPerSM * warpsPerBlock) / double(maxWarps);
  return result;
}

Roofline estimateRoofline(const KernelInfo &kernel,
                          const GPUTargetDesc &target) {
  double peak =
      kernel.tensorCores ? target.peakFP16TensorTFlops : target.peakFP32TFlops;
  // TFLOP/s = 1e6 FLOP/us, TB/s = 1e6 B/us.
  double computeUs = peak > 0 ? kernel.flops / (peak * 1e6) : 0;
  double memoryUs =
      target.dramTBps > 0 ? kernel.bytes / (target.dramTBps * 1e6) : 0;
  Roofline roofline;
  roofline.microseconds = std::max(computeUs, memoryUs);
  roofline.computeBound = kernel.flops > 0 && computeUs >= memoryUs;
  return roofline;
}

namespace {
/// Everything one report row shows.
struct Row {
  const KernelInfo *kernel;
  const PtxasKernelInfo *ptxas;
  Occupancy occupancy;
  Roofline roofline;
  int64_t sharedBytes;
};

struct Totals {
  int64_t kernels = 0, tensorCoreKernels = 0, kernelsWithSpills = 0,
          checked = 0;
  double microseconds = 0, flops = 0, bytes = 0;
};
} // namespace

static std::vector<Row> getRows(ArrayRef<KernelInfo> kernels,
                                const StringMap<PtxasKernelInfo> &ptxas,
                                const GPUTargetDesc &target) {
  std::vector<Row> rows;
  for (const KernelInfo &kernel : kernels) {
    auto it = ptxas.find(kernel.name);
    const PtxasKernelInfo *info = it == ptxas.end() ? nullptr : &it->second;
    rows.push_back({&kernel, info, computeOccupancy(kernel, info, target),
                    estimateRoofline(kernel, target),
                    getSharedBytes(kernel, info)});
  }
  return rows;
}

static bool spills(const PtxasKernelInfo *ptxas) {
  return ptxas && (ptxas->spillStoreBytes > 0 || ptxas->spillLoadBytes > 0);
}

static Totals getTotals(ArrayRef<Row> rows) {
  Totals totals;
  for (const Row &row : rows) {
    ++totals.kernels;
    totals.microseconds += row.roofline.microseconds;
    totals.flops += row.kernel->flops;
    totals.bytes += row.kernel->bytes;
    totals.tensorCoreKernels += row.kernel->tensorCores;
    totals.kernelsWithSpills += spills(row.ptxas);
    totals.checked += row.ptxas != nullptr;
  }
  return totals;
}

/// "first" or "first +N more"; "-" for none.
static std::string formatNodes(ArrayRef<std::string> nodes) {
  if (nodes.empty())
    return "-";
  if (nodes.size() == 1)
    return nodes.front();
  return formatv("{0} +{1} more", nodes.front(), nodes.size() - 1).str();
}

static std::string formatDims(const std::array<int64_t, 3> &dims) {
  return formatv("{0}x{1}x{2}", dims[0], dims[1], dims[2]).str();
}

/// A rate with as many decimals as it has (989.4, 3.35, 312).
static std::string formatRate(double value) {
  std::string text = formatv("{0:f3}", value).str();
  while (text.back() == '0')
    text.pop_back();
  if (text.back() == '.')
    text.pop_back();
  return text;
}

static StringRef getBound(const Row &row) {
  if (row.kernel->flops <= 0 && row.kernel->bytes <= 0)
    return "-";
  return row.roofline.computeBound ? "compute" : "memory";
}

void printKernelReport(raw_ostream &os, ArrayRef<KernelInfo> kernels,
                       const StringMap<PtxasKernelInfo> &ptxas,
                       const GPUTargetDesc &target) {
  std::vector<Row> rows = getRows(kernels, ptxas, target);
  os << formatv("GPU kernel report: {0} ({1}, {2} SMs, {3} TFLOP/s f16 "
                "tensor, {4} TFLOP/s fp32, {5} TB/s)\n",
                target.part, target.chip, target.smCount,
                formatRate(target.peakFP16TensorTFlops),
                formatRate(target.peakFP32TFlops), formatRate(target.dramTBps));
  const char *format = "  {0,-24} {1,-28} {2,-12} {3,-14} {4,-11} {5,4} "
                       "{6,11} {7,8} {8,5} {9,-13} {10,9} {11,9} {12,10} "
                       "{13}\n";
  os << formatv(format, "kernel", "nodes", "strategy", "grid", "block", "regs",
                "spill st/ld", "smem KiB", "occ", "limiter", "GFLOP", "MB",
                "roof us", "bound");
  for (const Row &row : rows) {
    const KernelInfo &k = *row.kernel;
    std::string regs = "-", spill = "-";
    if (row.ptxas) {
      regs = std::to_string(row.ptxas->registers);
      spill = formatv("{0}/{1}", row.ptxas->spillStoreBytes,
                      row.ptxas->spillLoadBytes)
                  .str();
    }
    os << formatv(format, k.name, formatNodes(k.nodes),
                  k.strategy.empty() ? "-" : k.strategy, formatDims(k.grid),
                  formatDims(k.block), regs, spill,
                  formatv("{0:f1}", double(row.sharedBytes) / 1024).str(),
                  formatv("{0:f0}%", row.occupancy.occupancy * 100).str(),
                  row.occupancy.limiter, formatv("{0:f3}", k.flops / 1e9).str(),
                  formatv("{0:f2}", k.bytes / 1e6).str(),
                  formatv("{0:f2}", row.roofline.microseconds).str(),
                  getBound(row));
  }
  Totals totals = getTotals(rows);
  os << formatv("\n  total: {0} kernels, roofline {1:f2} us, {2:f3} GFLOP, "
                "{3:f2} MB\n",
                totals.kernels, totals.microseconds, totals.flops / 1e9,
                totals.bytes / 1e6);
  os << formatv("  tensor-core kernels: {0}; kernels with spills: {1} (of {2} "
                "checked by ptxas)\n",
                totals.tensorCoreKernels, totals.kernelsWithSpills,
                totals.checked);
}

static json::Value number(double value) {
  if (!std::isfinite(value))
    return nullptr;
  return value;
}

static json::Array dimsToJSON(const std::array<int64_t, 3> &dims) {
  return json::Array{dims[0], dims[1], dims[2]};
}

json::Value kernelReportToJSON(ArrayRef<KernelInfo> kernels,
                               const StringMap<PtxasKernelInfo> &ptxas,
                               const GPUTargetDesc &target) {
  std::vector<Row> rows = getRows(kernels, ptxas, target);
  json::Array array;
  for (const Row &row : rows) {
    const KernelInfo &k = *row.kernel;
    json::Array nodes;
    for (const std::string &node : k.nodes)
      nodes.push_back(node);
    json::Object obj{{"name", k.name},
                     {"nodes", std::move(nodes)},
                     {"strategy", k.strategy},
                     {"grid", dimsToJSON(k.grid)},
                     {"block", dimsToJSON(k.block)},
                     {"tensor_cores", k.tensorCores},
                     {"static_shared_bytes", k.staticSharedBytes},
                     {"dynamic_shared_bytes", k.dynamicSharedBytes},
                     {"shared_bytes", row.sharedBytes},
                     {"ptxas", row.ptxas != nullptr},
                     {"registers", nullptr},
                     {"spill_store_bytes", nullptr},
                     {"spill_load_bytes", nullptr},
                     {"stack_bytes", nullptr},
                     {"blocks_per_sm", row.occupancy.blocksPerSM},
                     {"occupancy", number(row.occupancy.occupancy)},
                     {"occupancy_limiter", row.occupancy.limiter},
                     {"flops", number(k.flops)},
                     {"bytes", number(k.bytes)},
                     {"arithmetic_intensity", k.bytes > 0
                                                  ? number(k.flops / k.bytes)
                                                  : json::Value(nullptr)},
                     {"roofline_us", number(row.roofline.microseconds)},
                     {"bound", getBound(row)}};
    if (const PtxasKernelInfo *p = row.ptxas) {
      obj["registers"] = p->registers;
      obj["spill_store_bytes"] = p->spillStoreBytes;
      obj["spill_load_bytes"] = p->spillLoadBytes;
      obj["stack_bytes"] = p->stackBytes;
    }
    array.push_back(std::move(obj));
  }
  Totals totals = getTotals(rows);
  return json::Object{
      {"target",
       json::Object{
           {"chip", target.chip},
           {"part", target.part},
           {"features", target.features},
           {"sm_count", target.smCount},
           {"shared_per_block", target.sharedPerBlock},
           {"shared_per_sm", target.sharedPerSM},
           {"registers_per_sm", target.registersPerSM},
           {"max_threads_per_sm", target.maxThreadsPerSM},
           {"max_blocks_per_sm", target.maxBlocksPerSM},
           {"peak_fp32_tflops", number(target.peakFP32TFlops)},
           {"peak_fp16_tensor_tflops", number(target.peakFP16TensorTFlops)},
           {"dram_tbps", number(target.dramTBps)},
           {"mma_sync", target.hasMmaSync},
           {"wgmma", target.hasWgmma}}},
      {"kernels", std::move(array)},
      {"total", json::Object{{"kernels", totals.kernels},
                             {"roofline_us", number(totals.microseconds)},
                             {"flops", number(totals.flops)},
                             {"bytes", number(totals.bytes)},
                             {"tensor_core_kernels", totals.tensorCoreKernels},
                             {"kernels_with_spills", totals.kernelsWithSpills},
                             {"ptxas_checked", totals.checked}}}};
}

} // namespace tessera::gpu
