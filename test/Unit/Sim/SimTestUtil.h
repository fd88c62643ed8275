//===- SimTestUtil.h - building NPU programs in simulator tests -*- C++ -*-===//

#ifndef TESSERA_TEST_UNIT_SIM_SIMTESTUTIL_H
#define TESSERA_TEST_UNIT_SIM_SIMTESTUTIL_H

#include "tessera/NPU/Hardware.h"
#include "tessera/NPU/Program.h"
#include "tessera/Sim/Simulator.h"

#include <cstring>
#include <string>

namespace tessera::sim::test {

using npu::Inst;
using npu::Opcode;

inline std::string errorText(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : std::string();
}

/// Appends instructions to a program; `finish()` closes it.
struct Builder {
  npu::Program program;

  explicit Builder(uint64_t dramBytes = 1 << 16) {
    program.dramBytes = dramBytes;
  }
  Inst &add(Opcode op, uint8_t deps = 0) {
    Inst inst;
    inst.op = op;
    inst.deps = deps;
    program.insts.push_back(inst);
    return program.insts.back();
  }
  Inst &configLoad(int64_t dramStride, int64_t sramStride, int64_t pad = 0) {
    Inst &i = add(Opcode::ConfigLoad);
    i.dram_stride = dramStride;
    i.sram_stride = sramStride;
    i.pad_value = pad;
    return i;
  }
  Inst &configStore(int64_t dramStride, int64_t sramStride) {
    Inst &i = add(Opcode::ConfigStore);
    i.dram_stride = dramStride;
    i.sram_stride = sramStride;
    return i;
  }
  Inst &configExec(int64_t src, int64_t src2, int64_t dst) {
    Inst &i = add(Opcode::ConfigExec);
    i.src_stride = src;
    i.src2_stride = src2;
    i.dst_stride = dst;
    return i;
  }
  Inst &configQuant(int64_t multiplier, int64_t shift, int64_t zp = 0,
                    int64_t lo = -128, int64_t hi = 127) {
    Inst &i = add(Opcode::ConfigQuant);
    i.multiplier = multiplier;
    i.shift = shift;
    i.zero_point = zp;
    i.clamp_lo = lo;
    i.clamp_hi = hi;
    return i;
  }
  Inst &dma(Opcode op, npu::Mem mem, int64_t sram, int64_t dram, int64_t rows,
            int64_t cols, uint8_t deps = 0) {
    Inst &i = add(op, deps);
    i.mem = int64_t(mem);
    i.sram_addr = sram;
    i.dram_addr = dram;
    i.rows = rows;
    i.cols = cols;
    return i;
  }
  Inst &load(int64_t sram, int64_t dram, int64_t rows, int64_t cols,
             uint8_t deps = 0) {
    return dma(Opcode::DmaLoad, npu::Mem::Scratchpad, sram, dram, rows, cols,
               deps);
  }
  Inst &store(int64_t sram, int64_t dram, int64_t rows, int64_t cols,
              uint8_t deps = 0) {
    return dma(Opcode::DmaStore, npu::Mem::Scratchpad, sram, dram, rows, cols,
               deps);
  }
  Inst &preload(int64_t sp, int64_t k, int64_t n, int64_t stride,
                uint8_t deps = 0) {
    Inst &i = add(Opcode::Preload, deps);
    i.sp_addr = sp;
    i.k = k;
    i.n = n;
    i.sp_stride = stride;
    return i;
  }
  Inst &matmul(int64_t sp, int64_t acc, int64_t m, int64_t spStride,
               int64_t accStride, bool accumulate, uint8_t deps = 0) {
    Inst &i = add(Opcode::Matmul, deps);
    i.sp_addr = sp;
    i.acc_addr = acc;
    i.m = m;
    i.sp_stride = spStride;
    i.acc_stride = accStride;
    i.accumulate = accumulate;
    return i;
  }
  Inst &vec(npu::VecFunc func, int64_t src, int64_t src2, npu::Mem dstMem,
            int64_t dst, int64_t rows, int64_t cols, uint8_t deps = 0) {
    Inst &i = add(Opcode::Vec, deps);
    i.func = int64_t(func);
    i.src_addr = src;
    i.src2_addr = src2;
    i.dst_mem = int64_t(dstMem);
    i.dst_addr = dst;
    i.rows = rows;
    i.cols = cols;
    return i;
  }
  npu::Program &finish() {
    add(Opcode::Finish);
    return program;
  }
};

/// The edge preset's numbers with its default energy table (a default
/// HardwareDesc has the geometry but a zero energy table).
inline npu::HardwareDesc edgeHw() {
  npu::HardwareDesc hw;
  hw.name = "edge";
  hw.energy = npu::getDefaultEnergyTable(hw);
  return hw;
}

inline void put32(std::vector<uint8_t> &mem, uint64_t addr, int32_t v) {
  std::memcpy(mem.data() + addr, &v, 4);
}

} // namespace tessera::sim::test

#endif // TESSERA_TEST_UNIT_SIM_SIMTESTUTIL_H
