//===- CostModel.cpp - closed-form NPU timing and energy rules ------------===//
//
// The rules are stated in docs/npu/simulator.md; the unit tests check the
// simulator's single-instruction cycle counts against them exactly.
//
//===----------------------------------------------------------------------===//

#include "tessera/Sim/CostModel.h"

#include <algorithm>
#include <cmath>

using namespace tessera;
using namespace tessera::sim;
using npu::Inst;
using npu::Opcode;

InstActions &InstActions::operator+=(const InstActions &other) {
  macs += other.macs;
  scratchpadRead += other.scratchpadRead;
  scratchpadWritten += other.scratchpadWritten;
  accumulatorRead += other.accumulatorRead;
  accumulatorWritten += other.accumulatorWritten;
  dramRead += other.dramRead;
  dramWritten += other.dramWritten;
  vectorOps += other.vectorOps;
  return *this;
}

InstActions &InstActions::operator-=(const InstActions &other) {
  macs -= other.macs;
  scratchpadRead -= other.scratchpadRead;
  scratchpadWritten -= other.scratchpadWritten;
  accumulatorRead -= other.accumulatorRead;
  accumulatorWritten -= other.accumulatorWritten;
  dramRead -= other.dramRead;
  dramWritten -= other.dramWritten;
  vectorOps -= other.vectorOps;
  return *this;
}

Energy &Energy::operator+=(const Energy &other) {
  array += other.array;
  scratchpad += other.scratchpad;
  accumulator += other.accumulator;
  dram += other.dram;
  vector += other.vector;
  leakage += other.leakage;
  return *this;
}

Energy sim::getActionEnergy(const InstActions &a,
                            const npu::EnergyTable &table) {
  Energy e;
  e.array = double(a.macs) * table.macInt8;
  e.scratchpad = double(a.scratchpadRead) * table.scratchpadReadByte +
                 double(a.scratchpadWritten) * table.scratchpadWriteByte;
  e.accumulator = double(a.accumulatorRead) * table.accumulatorReadByte +
                  double(a.accumulatorWritten) * table.accumulatorWriteByte;
  e.dram = double(a.dramRead + a.dramWritten) * table.dramByte;
  e.vector = double(a.vectorOps) * table.vectorOp;
  return e;
}

static uint64_t elemBytes(const Inst &inst) {
  return inst.mem == int64_t(npu::Mem::Accumulator) ? 4 : 1;
}

uint64_t sim::getDmaBytes(const Inst &inst) {
  return uint64_t(inst.rows) * uint64_t(inst.cols) * elemBytes(inst);
}

uint64_t sim::getDmaPadBytes(const Inst &inst) {
  if (inst.op != Opcode::DmaLoad)
    return 0;
  uint64_t height = uint64_t(inst.pad_top + inst.rows + inst.pad_bottom);
  uint64_t width = uint64_t(inst.pad_left + inst.cols + inst.pad_right);
  return (height * width - uint64_t(inst.rows) * uint64_t(inst.cols)) *
         elemBytes(inst);
}

/// ceil(bytes / bytesPerCycle) for a positive, possibly fractional rate.
static uint64_t transferCycles(uint64_t bytes, double bytesPerCycle) {
  if (bytes == 0)
    return 0;
  if (!(bytesPerCycle > 0))
    return bytes;
  double cycles = std::ceil(double(bytes) / bytesPerCycle);
  // Validation keeps the rate >= 0.001 B/cycle; saturate rather than convert
  // an out-of-range double (undefined behaviour) should a caller not validate.
  if (!(cycles < 0x1p62))
    return uint64_t(1) << 62;
  return uint64_t(cycles);
}

uint64_t sim::getInstCycles(const Inst &inst, const npu::HardwareDesc &hw) {
  uint64_t cycles = 1;
  double dmaRate = std::min(double(hw.dmaBytesPerCycle), hw.dramBytesPerCycle);
  switch (inst.op) {
  case Opcode::ConfigLoad:
  case Opcode::ConfigStore:
  case Opcode::ConfigExec:
  case Opcode::ConfigQuant:
  case Opcode::ConfigTaps:
  case Opcode::Fence:
  case Opcode::Finish:
    cycles = 1;
    break;
  case Opcode::DmaLoad:
    cycles = hw.dramLatencyCycles + transferCycles(getDmaBytes(inst), dmaRate) +
             transferCycles(getDmaPadBytes(inst), double(hw.dmaBytesPerCycle));
    break;
  case Opcode::DmaStore:
    cycles = hw.dramLatencyCycles + transferCycles(getDmaBytes(inst), dmaRate);
    break;
  case Opcode::Preload:
    cycles = hw.rows;
    break;
  case Opcode::Matmul:
    cycles = uint64_t(inst.m) + hw.rows + hw.cols - 2;
    break;
  case Opcode::Vec: {
    uint64_t lanes = std::max(1u, hw.vectorLanes);
    cycles = uint64_t(inst.rows) * ((uint64_t(inst.cols) + lanes - 1) / lanes) +
             hw.vectorLatencyCycles;
    break;
  }
  }
  return std::max<uint64_t>(cycles, 1);
}

InstActions sim::getInstActions(const Inst &inst, unsigned perChannel,
                                unsigned weightsK, unsigned weightsN) {
  InstActions a;
  bool toAcc = inst.mem == int64_t(npu::Mem::Accumulator);
  switch (inst.op) {
  case Opcode::DmaLoad: {
    uint64_t bytes = getDmaBytes(inst);
    a.dramRead = bytes;
    (toAcc ? a.accumulatorWritten : a.scratchpadWritten) =
        bytes + getDmaPadBytes(inst);
    break;
  }
  case Opcode::DmaStore: {
    uint64_t bytes = getDmaBytes(inst);
    a.dramWritten = bytes;
    (toAcc ? a.accumulatorRead : a.scratchpadRead) = bytes;
    break;
  }
  case Opcode::Preload:
    a.scratchpadRead = uint64_t(inst.k) * uint64_t(inst.n);
    break;
  case Opcode::Matmul: {
    uint64_t m = uint64_t(inst.m);
    a.macs = m * weightsK * weightsN;
    // A depthwise matmul's PEs each read their own input byte.
    a.scratchpadRead = m * weightsK * (inst.depthwise ? weightsN : 1);
    a.accumulatorWritten = m * weightsN * 4;
    if (inst.accumulate)
      a.accumulatorRead = m * weightsN * 4;
    break;
  }
  case Opcode::Vec: {
    uint64_t elems = uint64_t(inst.rows) * uint64_t(inst.cols);
    auto func = npu::VecFunc(inst.func);
    bool twoSources = func == npu::VecFunc::Add || func == npu::VecFunc::Max;
    a.vectorOps = elems;
    a.accumulatorRead = elems * 4 * (twoSources ? 2 : 1);
    if (func == npu::VecFunc::Requant && perChannel)
      a.accumulatorRead += uint64_t(inst.cols) * (perChannel >= 2 ? 12 : 8);
    if (func == npu::VecFunc::Lut)
      a.scratchpadRead = elems; // one table byte per element
    if (inst.dst_mem == int64_t(npu::Mem::Accumulator))
      a.accumulatorWritten = elems * 4;
    else
      a.scratchpadWritten = elems;
    break;
  }
  default:
    break;
  }
  return a;
}

void sim::ArrayState::update(const Inst &inst) {
  switch (inst.op) {
  case Opcode::Matmul:
    streaming = true;
    lastMatmulRows = uint64_t(inst.m);
    return;
  case Opcode::Preload:
    lastMatmulRows = 0;
    return; // the array keeps streaming while the shadow weights load
  case Opcode::ConfigExec:
  case Opcode::ConfigQuant:
    return; // registers of the vector unit: the array is not involved
  case Opcode::ConfigTaps:
    return; // address registers of later matmuls: the array keeps streaming
  default:
    streaming = false;
    lastMatmulRows = 0;
    return;
  }
}

uint64_t sim::getInstCycles(const Inst &inst, const npu::HardwareDesc &hw,
                            const ArrayState &state) {
  if (hw.weightBuffers < 2)
    return getInstCycles(inst, hw);
  if (inst.op == Opcode::Preload && state.lastMatmulRows)
    return std::max<uint64_t>(1, uint64_t(hw.rows) > state.lastMatmulRows
                                     ? uint64_t(hw.rows) - state.lastMatmulRows
                                     : 1);
  if (inst.op == Opcode::Matmul && state.streaming)
    return std::max<uint64_t>(1, uint64_t(inst.m));
  return getInstCycles(inst, hw);
}
