//===- Execute.cpp - functional semantics of NPU instructions -------------===//
//
// One function per opcode, exactly as ISA.def and docs/npu/isa.md state
// them. Every memory access is bounds-checked once per instruction (its whole
// strided extent), so the inner loops run unchecked. The matmul kernel is
// the hot loop: weights are widened to int32 once per preload so that the
// k x n inner product vectorizes over the n output columns.
//
//===----------------------------------------------------------------------===//

#include "tessera/NPU/Numerics.h"
#include "tessera/Sim/Simulator.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cstring>

using namespace tessera;
using namespace tessera::sim;
using npu::Inst;
using npu::Mem;
using npu::Opcode;
using npu::VecFunc;

// The kernels are compiled for the baseline ISA and for AVX2/AVX-512 and
// picked at load time, so the default (portable) build still runs the wide
// vector code where the host has it.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TESSERA_SIM_KERNEL                                                     \
  __attribute__((target_clones("default", "avx2", "arch=skylake-avx512")))
#else
#define TESSERA_SIM_KERNEL
#endif

std::string sim::formatBytes(uint64_t bytes) {
  if (bytes >= (uint64_t(1) << 30) && bytes % (uint64_t(1) << 30) == 0)
    return llvm::formatv("{0} GiB", bytes >> 30).str();
  if (bytes >= (uint64_t(1) << 20) && bytes % (uint64_t(1) << 20) == 0)
    return llvm::formatv("{0} MiB", bytes >> 20).str();
  if (bytes >= 1024 && bytes % 1024 == 0)
    return llvm::formatv("{0} KiB", bytes >> 10).str();
  return llvm::formatv("{0} bytes", bytes).str();
}

static std::string hex(uint64_t value) {
  return llvm::formatv("{0:x}", value).str();
}

namespace {
/// Formats the located runtime errors of one instruction.
struct InstErrors {
  uint32_t index;
  const Inst &inst;

  llvm::Error make(const llvm::Twine &message) const {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "instruction " + llvm::Twine(index) + " (" +
                                       npu::getOpcodeInfo(inst.op).mnemonic +
                                       "): " + message);
  }

  /// The strided extent [addr, addr + (rows-1)*stride + rowBytes) must lie
  /// in [0, size). Rows never wrap: addresses and strides are at most 32
  /// bits and rows 14 bits, so the extent fits 64 bits.
  llvm::Error check(llvm::StringRef memName, llvm::StringRef what,
                    uint64_t size, uint64_t addr, uint64_t rows,
                    uint64_t stride, uint64_t rowBytes) const {
    if (rows == 0 || rowBytes == 0)
      return llvm::Error::success();
    uint64_t end = addr + (rows - 1) * stride + rowBytes;
    if (end <= size)
      return llvm::Error::success();
    return make(memName + " access [" + hex(addr) + ", " + hex(end) +
                ") outside the " + formatBytes(size) + " " + what);
  }
};

struct Memories {
  std::vector<uint8_t> &dram, &sp, &acc;
  uint64_t size(Mem mem) const {
    return mem == Mem::Accumulator ? acc.size() : sp.size();
  }
  uint8_t *data(Mem mem) const {
    return mem == Mem::Accumulator ? acc.data() : sp.data();
  }
};
} // namespace

static llvm::StringRef memName(Mem mem) {
  return mem == Mem::Accumulator ? "accumulator" : "scratchpad";
}

static llvm::Error checkSram(const InstErrors &err, Mem mem,
                             const Memories &mems, uint64_t addr, uint64_t rows,
                             uint64_t stride, uint64_t rowBytes) {
  return err.check(memName(mem), memName(mem), mems.size(mem), addr, rows,
                   stride, rowBytes);
}

static llvm::Error checkDram(const InstErrors &err, const Memories &mems,
                             uint64_t addr, uint64_t rows, uint64_t stride,
                             uint64_t rowBytes) {
  return err.check("dram", "DRAM (the program's dram_bytes)", mems.dram.size(),
                   addr, rows, stride, rowBytes);
}

static int32_t load32(const uint8_t *p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

/// out[r][j] (+)= sum_i a[r][i] * w[i][j] over m rows. Sums are computed in
/// uint32 so that int32 wrap-around is defined; each product fits int16.
TESSERA_SIM_KERNEL
static void matmulKernel(const int8_t *a, uint64_t aStride, uint8_t *out,
                         uint64_t outStride, unsigned m, unsigned k, unsigned n,
                         const int32_t *w, bool accumulate) {
  uint32_t row[npu::kMaxArraySide];
  for (unsigned r = 0; r < m; ++r) {
    const int8_t *ar = a + uint64_t(r) * aStride;
    uint8_t *outRow = out + uint64_t(r) * outStride;
    if (accumulate)
      std::memcpy(row, outRow, size_t(n) * 4);
    else
      std::memset(row, 0, size_t(n) * 4);
    for (unsigned i = 0; i < k; ++i) {
      int32_t ai = ar[i];
      const int32_t *wi = w + size_t(i) * n;
      for (unsigned j = 0; j < n; ++j)
        row[j] += uint32_t(ai * wi[j]);
    }
    std::memcpy(outRow, row, size_t(n) * 4);
  }
}

/// The depthwise matmul: out[r][j] (+)= sum_i a[r][tap[i] + j] * w[i][j],
/// tap[i] the byte offset of weight row i (config_taps).
TESSERA_SIM_KERNEL
static void depthwiseKernel(const int8_t *a, uint64_t aStride, uint8_t *out,
                            uint64_t outStride, unsigned m, unsigned k,
                            unsigned n, const int32_t *w, const uint64_t *taps,
                            bool accumulate) {
  uint32_t row[npu::kMaxArraySide];
  for (unsigned r = 0; r < m; ++r) {
    const int8_t *ar = a + uint64_t(r) * aStride;
    uint8_t *outRow = out + uint64_t(r) * outStride;
    if (accumulate)
      std::memcpy(row, outRow, size_t(n) * 4);
    else
      std::memset(row, 0, size_t(n) * 4);
    for (unsigned i = 0; i < k; ++i) {
      const int8_t *ai = ar + taps[i];
      const int32_t *wi = w + size_t(i) * n;
      for (unsigned j = 0; j < n; ++j)
        row[j] += uint32_t(int32_t(ai[j]) * wi[j]);
    }
    std::memcpy(outRow, row, size_t(n) * 4);
  }
}

llvm::Error Simulator::executeInst(uint32_t index, InstTiming &timing) {
  const Inst &inst = program.insts[index];
  InstErrors err{index, inst};
  Memories mems{dram, scratchpad, accumulator};

  switch (inst.op) {
  case Opcode::ConfigLoad:
    regs.loadDramStride = inst.dram_stride;
    regs.loadSramStride = inst.sram_stride;
    regs.padValue = inst.pad_value;
    return llvm::Error::success();
  case Opcode::ConfigStore:
    regs.storeDramStride = inst.dram_stride;
    regs.storeSramStride = inst.sram_stride;
    return llvm::Error::success();
  case Opcode::ConfigExec:
    regs.srcStride = inst.src_stride;
    regs.src2Stride = inst.src2_stride;
    regs.dstStride = inst.dst_stride;
    return llvm::Error::success();
  case Opcode::ConfigQuant:
    // verifyInst guarantees clamp_lo <= clamp_hi and shift <= 63.
    regs.multiplier = int32_t(inst.multiplier);
    regs.shift = unsigned(inst.shift);
    regs.zeroPoint = int32_t(inst.zero_point);
    regs.clampLo = int32_t(inst.clamp_lo);
    regs.clampHi = int32_t(inst.clamp_hi);
    regs.perChannel = inst.per_channel != 0;
    regs.paramAddr = uint64_t(inst.param_addr);
    regs.bias = inst.bias != 0;
    regs.wide = inst.wide != 0;
    return llvm::Error::success();
  case Opcode::ConfigTaps:
    regs.tapCols = uint64_t(inst.tap_cols);
    regs.tapStride = uint64_t(inst.tap_stride);
    regs.tapRowStride = uint64_t(inst.tap_row_stride);
    return llvm::Error::success();

  case Opcode::DmaLoad: {
    Mem mem = Mem(inst.mem);
    uint64_t elem = mem == Mem::Accumulator ? 4 : 1;
    uint64_t rows = inst.rows, cols = inst.cols;
    uint64_t height = inst.pad_top + rows + inst.pad_bottom;
    uint64_t width = inst.pad_left + cols + inst.pad_right;
    uint64_t dramStride = uint64_t(regs.loadDramStride);
    uint64_t sramStride = uint64_t(regs.loadSramStride);
    if (auto e =
            checkDram(err, mems, inst.dram_addr, rows, dramStride, cols * elem))
      return e;
    if (auto e = checkSram(err, mem, mems, inst.sram_addr, height, sramStride,
                           width * elem))
      return e;
    uint8_t *sram = mems.data(mem);
    uint8_t pad = uint8_t(int8_t(regs.padValue));
    for (uint64_t r = 0; r < height; ++r) {
      uint8_t *dst = sram + inst.sram_addr + r * sramStride;
      bool dataRow = r >= uint64_t(inst.pad_top) && r < inst.pad_top + rows;
      if (!dataRow) {
        std::memset(dst, mem == Mem::Accumulator ? 0 : pad, width * elem);
        continue;
      }
      std::memset(dst, pad, inst.pad_left * elem);
      const uint8_t *src =
          dram.data() + inst.dram_addr + (r - inst.pad_top) * dramStride;
      std::memmove(dst + inst.pad_left * elem, src, cols * elem);
      std::memset(dst + (inst.pad_left + cols) * elem, pad,
                  inst.pad_right * elem);
    }
    return llvm::Error::success();
  }

  case Opcode::DmaStore: {
    Mem mem = Mem(inst.mem);
    uint64_t elem = mem == Mem::Accumulator ? 4 : 1;
    uint64_t rows = inst.rows, rowBytes = inst.cols * elem;
    uint64_t dramStride = uint64_t(regs.storeDramStride);
    uint64_t sramStride = uint64_t(regs.storeSramStride);
    if (auto e = checkSram(err, mem, mems, inst.sram_addr, rows, sramStride,
                           rowBytes))
      return e;
    if (auto e =
            checkDram(err, mems, inst.dram_addr, rows, dramStride, rowBytes))
      return e;
    const uint8_t *sram = mems.data(mem);
    for (uint64_t r = 0; r < rows; ++r)
      std::memmove(dram.data() + inst.dram_addr + r * dramStride,
                   sram + inst.sram_addr + r * sramStride, rowBytes);
    return llvm::Error::success();
  }

  case Opcode::Preload: {
    if (uint64_t(inst.k) > hw.rows)
      return err.make("k = " + llvm::Twine(inst.k) + " exceeds the array's " +
                      llvm::Twine(hw.rows) + " rows");
    if (uint64_t(inst.n) > hw.cols)
      return err.make("n = " + llvm::Twine(inst.n) + " exceeds the array's " +
                      llvm::Twine(hw.cols) + " columns");
    unsigned k = unsigned(inst.k), n = unsigned(inst.n);
    if (auto e = checkSram(err, Mem::Scratchpad, mems, inst.sp_addr, k,
                           inst.sp_stride, n))
      return e;
    weights.resize(size_t(k) * n);
    for (unsigned i = 0; i < k; ++i) {
      const int8_t *src = reinterpret_cast<const int8_t *>(
          scratchpad.data() + inst.sp_addr + uint64_t(i) * inst.sp_stride);
      for (unsigned j = 0; j < n; ++j)
        weights[size_t(i) * n + j] = src[j];
    }
    preloaded = true;
    weightsK = k;
    weightsN = n;
    return llvm::Error::success();
  }

  case Opcode::Matmul: {
    if (!preloaded)
      return err.make("no preload before this matmul (the array holds no "
                      "weights)");
    unsigned m = unsigned(inst.m);
    if (inst.depthwise) {
      if (regs.tapCols == 0)
        return err.make("depthwise matmul with tap_cols = 0 (no config_taps "
                        "set the tap geometry)");
      // Byte offset of each weight row's input; the row extent is the
      // farthest tap plus the n columns.
      uint64_t taps[npu::kMaxArraySide];
      uint64_t farthest = 0;
      for (unsigned i = 0; i < weightsK; ++i) {
        taps[i] = (i / regs.tapCols) * regs.tapRowStride +
                  (i % regs.tapCols) * regs.tapStride;
        farthest = std::max(farthest, taps[i]);
      }
      if (auto e = checkSram(err, Mem::Scratchpad, mems, inst.sp_addr, m,
                             inst.sp_stride, farthest + weightsN))
        return e;
      if (auto e = checkSram(err, Mem::Accumulator, mems, inst.acc_addr, m,
                             inst.acc_stride, uint64_t(weightsN) * 4))
        return e;
      timing.weightsK = uint16_t(weightsK);
      timing.weightsN = uint16_t(weightsN);
      depthwiseKernel(
          reinterpret_cast<const int8_t *>(scratchpad.data() + inst.sp_addr),
          inst.sp_stride, accumulator.data() + inst.acc_addr, inst.acc_stride,
          m, weightsK, weightsN, weights.data(), taps, inst.accumulate != 0);
      return llvm::Error::success();
    }
    if (auto e = checkSram(err, Mem::Scratchpad, mems, inst.sp_addr, m,
                           inst.sp_stride, weightsK))
      return e;
    if (auto e = checkSram(err, Mem::Accumulator, mems, inst.acc_addr, m,
                           inst.acc_stride, uint64_t(weightsN) * 4))
      return e;
    timing.weightsK = uint16_t(weightsK);
    timing.weightsN = uint16_t(weightsN);
    matmulKernel(
        reinterpret_cast<const int8_t *>(scratchpad.data() + inst.sp_addr),
        inst.sp_stride, accumulator.data() + inst.acc_addr, inst.acc_stride, m,
        weightsK, weightsN, weights.data(), inst.accumulate != 0);
    return llvm::Error::success();
  }

  case Opcode::Vec: {
    auto func = VecFunc(inst.func);
    Mem dstMem = Mem(inst.dst_mem);
    uint64_t rows = inst.rows, cols = inst.cols;
    uint64_t dstElem = dstMem == Mem::Accumulator ? 4 : 1;
    if (func != VecFunc::Requant && func != VecFunc::Lut &&
        dstMem != Mem::Accumulator)
      return err.make(npu::getVecFuncName(func) +
                      " writes int32 and needs dst_mem=acc");
    bool wide = func == VecFunc::Requant && regs.wide;
    if (wide && dstMem != Mem::Accumulator)
      return err.make("requant with config_quant wide=1 writes int32 and "
                      "needs dst_mem=acc");
    if (dstMem == Mem::Accumulator && regs.dstStride % 4 != 0)
      return err.make("dst_stride " + llvm::Twine(regs.dstStride) +
                      " of config_exec is not a multiple of 4 (dst_mem=acc)");
    if (auto e = checkSram(err, Mem::Accumulator, mems, inst.src_addr, rows,
                           regs.srcStride, cols * 4))
      return e;
    bool twoSources = func == VecFunc::Add || func == VecFunc::Max;
    if (twoSources)
      if (auto e = checkSram(err, Mem::Accumulator, mems, inst.src2_addr, rows,
                             regs.src2Stride, cols * 4))
        return e;
    if (func == VecFunc::Lut)
      if (auto e = err.check("scratchpad", "scratchpad (lut table)",
                             scratchpad.size(), inst.src2_addr, 1, 0, 256))
        return e;
    if (auto e = checkSram(err, dstMem, mems, inst.dst_addr, rows,
                           regs.dstStride, cols * dstElem))
      return e;

    // Per-channel (multiplier, shift[, bias]) entries, read and checked
    // once.
    std::vector<int32_t> multipliers, shifts, biases;
    bool perChannel = func == VecFunc::Requant && regs.perChannel;
    bool bias = perChannel && regs.bias;
    uint64_t entry = bias ? 12 : 8;
    timing.perChannel = perChannel ? (bias ? 2 : 1) : 0;
    if (perChannel) {
      if (auto e =
              err.check("accumulator",
                        "accumulator (per-channel "
                        "requantization parameters)",
                        accumulator.size(), regs.paramAddr, 1, 0, cols * entry))
        return e;
      multipliers.resize(cols);
      shifts.resize(cols);
      biases.assign(cols, 0);
      for (uint64_t c = 0; c < cols; ++c) {
        const uint8_t *p = accumulator.data() + regs.paramAddr + entry * c;
        multipliers[c] = load32(p);
        shifts[c] = load32(p + 4);
        if (bias)
          biases[c] = load32(p + 8);
        if (shifts[c] < 0 || shifts[c] > 63)
          return err.make("per-channel shift " + llvm::Twine(shifts[c]) +
                          " of column " + llvm::Twine(c) + " (at " +
                          hex(regs.paramAddr + entry * c + 4) +
                          ") outside [0, 63]");
      }
    }
    int32_t clampLo = wide ? INT32_MIN : regs.clampLo;
    int32_t clampHi = wide ? INT32_MAX : regs.clampHi;
    const int8_t *table = reinterpret_cast<const int8_t *>(
        func == VecFunc::Lut ? scratchpad.data() + inst.src2_addr : nullptr);

    // Every element is read before any is written (isa.md), so the whole
    // result is computed first: the destination may alias a source.
    std::vector<int32_t> out(rows * cols);
    for (uint64_t r = 0; r < rows; ++r) {
      const uint8_t *a =
          accumulator.data() + inst.src_addr + r * uint64_t(regs.srcStride);
      const uint8_t *b =
          accumulator.data() + inst.src2_addr + r * uint64_t(regs.src2Stride);
      int32_t *o = out.data() + r * cols;
      switch (func) {
      case VecFunc::Requant:
        for (uint64_t c = 0; c < cols; ++c) {
          int32_t acc = load32(a + 4 * c);
          if (bias)
            acc = int32_t(uint32_t(acc) + uint32_t(biases[c]));
          o[c] = npu::requantize(acc,
                                 perChannel ? multipliers[c] : regs.multiplier,
                                 perChannel ? unsigned(shifts[c]) : regs.shift,
                                 regs.zeroPoint, clampLo, clampHi);
        }
        break;
      case VecFunc::Lut:
        for (uint64_t c = 0; c < cols; ++c)
          o[c] = table[std::clamp(load32(a + 4 * c), -128, 127) + 128];
        break;
      case VecFunc::Relu:
        for (uint64_t c = 0; c < cols; ++c)
          o[c] = std::max(load32(a + 4 * c), 0);
        break;
      case VecFunc::Add:
        for (uint64_t c = 0; c < cols; ++c)
          o[c] = int32_t(uint32_t(load32(a + 4 * c)) +
                         uint32_t(load32(b + 4 * c)));
        break;
      case VecFunc::Max:
        for (uint64_t c = 0; c < cols; ++c)
          o[c] = std::max(load32(a + 4 * c), load32(b + 4 * c));
        break;
      }
    }
    for (uint64_t r = 0; r < rows; ++r) {
      const int32_t *o = out.data() + r * cols;
      if (dstMem == Mem::Accumulator) {
        uint8_t *d =
            accumulator.data() + inst.dst_addr + r * uint64_t(regs.dstStride);
        std::memcpy(d, o, cols * 4);
        continue;
      }
      uint8_t *d =
          scratchpad.data() + inst.dst_addr + r * uint64_t(regs.dstStride);
      for (uint64_t c = 0; c < cols; ++c)
        d[c] = uint8_t(int8_t(o[c]));
    }
    return llvm::Error::success();
  }

  case Opcode::Fence:
  case Opcode::Finish:
    return llvm::Error::success();
  }
  return err.make("unknown opcode");
}

int32_t Simulator::getAcc32(uint64_t addr) const {
  if (addr + 4 > accumulator.size())
    return 0;
  return load32(accumulator.data() + addr);
}
