//===- Emitter.cpp - instruction streams with tokens and step costs -------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "Emitter.h"

#include <algorithm>
#include <cassert>
#include <tuple>

using namespace tessera;
using namespace tessera::npu;
using namespace tessera::npu::kernels;

namespace {
// Field limits of ISA.def (checked by unit tests against the table).
constexpr int64_t kMaxDmaRows = (1 << 10) - 1;
constexpr int64_t kMaxCols = (1 << 14) - 1;
constexpr int64_t kMaxMatmulRows = (1 << 14) - 1;
constexpr int64_t kMaxVecRows = (1 << 10) - 1;
/// Elements per row of a linear copy: a multiple of every element size.
constexpr int64_t kLinearChunk = 4096;

/// A configuration register's value, 0 when not set by this emitter.
int64_t orZero(int64_t reg) { return reg == kUnset ? 0 : reg; }

struct Endpoint {
  Queue queue;
  DepFlag flag;
};
Endpoint getPopper(Channel channel) {
  switch (channel) {
  case Channel::LoadToExec:
    return {Queue::Execute, PopPrev};
  case Channel::ExecToLoad:
    return {Queue::Load, PopNext};
  case Channel::ExecToStore:
    return {Queue::Store, PopPrev};
  case Channel::StoreToExec:
    return {Queue::Execute, PopNext};
  }
  return {Queue::Execute, PopPrev};
}
Endpoint getPusher(Channel channel) {
  switch (channel) {
  case Channel::LoadToExec:
    return {Queue::Load, PushNext};
  case Channel::ExecToLoad:
    return {Queue::Execute, PushPrev};
  case Channel::ExecToStore:
    return {Queue::Execute, PushNext};
  case Channel::StoreToExec:
    return {Queue::Store, PushPrev};
  }
  return {Queue::Load, PushNext};
}
} // namespace

Emitter::Emitter(const HardwareDesc &hw, bool keep) : hw(hw), keep(keep) {}

void Emitter::setStep(Queue queue, uint64_t step) {
  currentStep[unsigned(queue)] = step;
}

StepCycles Emitter::getTotals() const {
  StepCycles total;
  for (const StepCycles &s : steps) {
    total.load += s.load;
    total.execute += s.execute;
    total.store += s.store;
  }
  return total;
}

void Emitter::emit(Inst inst) {
  Queue queue = getOpcodeInfo(inst.op).queue;
  if (queue != Queue::Control) {
    unsigned q = unsigned(queue);
    inst.deps |= pendingPops[q];
    pendingPops[q] = 0;
    uint64_t step = currentStep[q];
    if (steps.size() <= step)
      steps.resize(step + 1);
    uint64_t cycles = queue == Queue::Execute
                          ? sim::getInstCycles(inst, hw, array)
                          : sim::getInstCycles(inst, hw);
    if (queue == Queue::Execute)
      array.update(inst);
    StepCycles &s = steps[step];
    (queue == Queue::Load      ? s.load
     : queue == Queue::Execute ? s.execute
                               : s.store) += cycles;
    ++(queue == Queue::Load      ? s.loadInsts
       : queue == Queue::Execute ? s.executeInsts
                                 : s.storeInsts);
    if (inst.op == Opcode::ConfigLoad)
      ++s.loadConfigs;
    else if (inst.op == Opcode::ConfigStore)
      ++s.storeConfigs;
    lastDeps[q] = inst.deps;
    lastInst[q] = keep ? int64_t(insts.size()) : 0;
  }
  actions += sim::getInstActions(inst, perChannel, weightsK, weightsN);
  if (inst.op == Opcode::Preload) {
    weightsK = unsigned(inst.k);
    weightsN = unsigned(inst.n);
  } else if (inst.op == Opcode::ConfigQuant) {
    perChannel = inst.per_channel ? (inst.bias ? 2 : 1) : 0;
  }
  ++numInsts;
  if (keep)
    insts.push_back(inst);
}

void Emitter::carrier(Queue queue) {
  // The current configuration again: it changes nothing but carries flags.
  switch (queue) {
  case Queue::Load:
    return configLoad(orZero(loadDram), orZero(loadSram), orZero(loadPad),
                      /*force=*/true);
  case Queue::Execute:
    return configExec(orZero(execSrc), orZero(execSrc2), orZero(execDst),
                      /*force=*/true);
  case Queue::Store:
    return configStore(orZero(storeDram), orZero(storeSram), /*force=*/true);
  case Queue::Control:
    return;
  }
}

void Emitter::pop(Channel channel) {
  Endpoint end = getPopper(channel);
  unsigned q = unsigned(end.queue);
  if (pendingPops[q] & end.flag)
    carrier(end.queue);
  pendingPops[q] |= end.flag;
}

void Emitter::push(Channel channel) {
  Endpoint end = getPusher(channel);
  unsigned q = unsigned(end.queue);
  if (lastInst[q] < 0 || (lastDeps[q] & end.flag))
    carrier(end.queue);
  lastDeps[q] |= end.flag;
  if (keep)
    insts[lastInst[q]].deps |= end.flag;
}

void Emitter::flushPops() {
  for (Queue queue : {Queue::Load, Queue::Execute, Queue::Store})
    if (pendingPops[unsigned(queue)])
      carrier(queue);
}

void Emitter::configLoad(int64_t dramStride, int64_t sramStride,
                         int64_t padValue, bool force) {
  if (!force && dramStride == loadDram && sramStride == loadSram &&
      padValue == loadPad)
    return;
  Inst inst;
  inst.op = Opcode::ConfigLoad;
  inst.dram_stride = dramStride;
  inst.sram_stride = sramStride;
  inst.pad_value = padValue;
  loadDram = dramStride;
  loadSram = sramStride;
  loadPad = padValue;
  emit(inst);
}

void Emitter::configStore(int64_t dramStride, int64_t sramStride, bool force) {
  if (!force && dramStride == storeDram && sramStride == storeSram)
    return;
  Inst inst;
  inst.op = Opcode::ConfigStore;
  inst.dram_stride = dramStride;
  inst.sram_stride = sramStride;
  storeDram = dramStride;
  storeSram = sramStride;
  emit(inst);
}

void Emitter::configExec(int64_t srcStride, int64_t src2Stride,
                         int64_t dstStride, bool force) {
  if (!force && srcStride == execSrc && src2Stride == execSrc2 &&
      dstStride == execDst)
    return;
  Inst inst;
  inst.op = Opcode::ConfigExec;
  inst.src_stride = srcStride;
  inst.src2_stride = src2Stride;
  inst.dst_stride = dstStride;
  execSrc = srcStride;
  execSrc2 = src2Stride;
  execDst = dstStride;
  emit(inst);
}

void Emitter::dmaLoad(Mem mem, uint64_t sramAddr, uint64_t dramAddr,
                      int64_t rows, int64_t cols, int64_t dramStride,
                      int64_t sramStride, int64_t padTop, int64_t padBottom,
                      int64_t padLeft, int64_t padRight, int64_t padValue) {
  int64_t elem = mem == Mem::Accumulator ? 4 : 1;
  // The padding value matters to scratchpad loads only.
  configLoad(dramStride, sramStride,
             mem == Mem::Scratchpad ? padValue : orZero(loadPad));
  for (int64_t r0 = 0; r0 < rows; r0 += kMaxDmaRows) {
    int64_t r1 = std::min(rows, r0 + kMaxDmaRows);
    bool firstRows = r0 == 0, lastRows = r1 == rows;
    uint64_t rowSram =
        sramAddr + uint64_t(firstRows ? 0 : padTop + r0) * sramStride;
    for (int64_t c0 = 0; c0 < cols; c0 += kMaxCols) {
      int64_t c1 = std::min(cols, c0 + kMaxCols);
      bool firstCols = c0 == 0, lastCols = c1 == cols;
      Inst inst;
      inst.op = Opcode::DmaLoad;
      inst.mem = int64_t(mem);
      inst.sram_addr =
          int64_t(rowSram + uint64_t(firstCols ? 0 : padLeft + c0) * elem);
      inst.dram_addr =
          int64_t(dramAddr + uint64_t(r0) * dramStride + uint64_t(c0) * elem);
      inst.rows = r1 - r0;
      inst.cols = c1 - c0;
      inst.pad_top = firstRows ? padTop : 0;
      inst.pad_bottom = lastRows ? padBottom : 0;
      inst.pad_left = firstCols ? padLeft : 0;
      inst.pad_right = lastCols ? padRight : 0;
      emit(inst);
    }
  }
}

void Emitter::linearLoad(Mem mem, uint64_t sramAddr, uint64_t dramAddr,
                         uint64_t bytes) {
  int64_t elem = mem == Mem::Accumulator ? 4 : 1;
  int64_t elems = int64_t(bytes) / elem;
  int64_t full = elems / kLinearChunk, rest = elems % kLinearChunk;
  int64_t stride = kLinearChunk * elem;
  if (full)
    dmaLoad(mem, sramAddr, dramAddr, full, kLinearChunk, stride, stride);
  if (rest)
    dmaLoad(mem, sramAddr + full * stride, dramAddr + full * stride, 1, rest,
            stride, stride);
}

void Emitter::dmaStore(Mem mem, uint64_t sramAddr, uint64_t dramAddr,
                       int64_t rows, int64_t cols, int64_t dramStride,
                       int64_t sramStride) {
  int64_t elem = mem == Mem::Accumulator ? 4 : 1;
  configStore(dramStride, sramStride);
  for (int64_t r0 = 0; r0 < rows; r0 += kMaxDmaRows)
    for (int64_t c0 = 0; c0 < cols; c0 += kMaxCols) {
      Inst inst;
      inst.op = Opcode::DmaStore;
      inst.mem = int64_t(mem);
      inst.sram_addr =
          int64_t(sramAddr + uint64_t(r0) * sramStride + uint64_t(c0) * elem);
      inst.dram_addr =
          int64_t(dramAddr + uint64_t(r0) * dramStride + uint64_t(c0) * elem);
      inst.rows = std::min(kMaxDmaRows, rows - r0);
      inst.cols = std::min(kMaxCols, cols - c0);
      emit(inst);
    }
}

void Emitter::preload(uint64_t spAddr, int64_t k, int64_t n, int64_t spStride) {
  Inst inst;
  inst.op = Opcode::Preload;
  inst.sp_addr = int64_t(spAddr);
  inst.k = k;
  inst.n = n;
  inst.sp_stride = spStride;
  emit(inst);
}

void Emitter::matmul(uint64_t spAddr, uint64_t accAddr, int64_t m,
                     int64_t spStride, int64_t accStride, bool accumulate,
                     bool depthwise) {
  for (int64_t m0 = 0; m0 < m; m0 += kMaxMatmulRows) {
    Inst inst;
    inst.op = Opcode::Matmul;
    inst.sp_addr = int64_t(spAddr + uint64_t(m0) * spStride);
    inst.acc_addr = int64_t(accAddr + uint64_t(m0) * accStride);
    inst.m = std::min(kMaxMatmulRows, m - m0);
    inst.sp_stride = spStride;
    inst.acc_stride = accStride;
    inst.accumulate = accumulate;
    inst.depthwise = depthwise;
    emit(inst);
  }
}

void Emitter::configQuant(int64_t multiplier, int64_t shift, int64_t zeroPoint,
                          int64_t clampLo, int64_t clampHi, bool perChannel,
                          uint64_t paramAddr, bool bias, bool wide) {
  Inst inst;
  inst.op = Opcode::ConfigQuant;
  inst.multiplier = perChannel ? 0 : multiplier;
  inst.shift = perChannel ? 0 : shift;
  inst.zero_point = zeroPoint;
  inst.clamp_lo = clampLo;
  inst.clamp_hi = clampHi;
  inst.per_channel = perChannel;
  inst.param_addr = perChannel ? int64_t(paramAddr) : 0;
  inst.bias = perChannel && bias;
  inst.wide = wide;
  if (quantSet && inst == quant)
    return;
  quant = inst;
  quantSet = true;
  emit(inst);
}

void Emitter::configTaps(int64_t cols, int64_t stride, int64_t rowStride) {
  if (cols == tapCols && stride == tapStride && rowStride == tapRowStride)
    return;
  Inst inst;
  inst.op = Opcode::ConfigTaps;
  inst.tap_cols = cols;
  inst.tap_stride = stride;
  inst.tap_row_stride = rowStride;
  tapCols = cols;
  tapStride = stride;
  tapRowStride = rowStride;
  emit(inst);
}

void Emitter::vec(VecFunc func, uint64_t src, int64_t srcStride, uint64_t src2,
                  int64_t src2Stride, Mem dstMem, uint64_t dst,
                  int64_t dstStride, int64_t rows, int64_t cols) {
  configExec(srcStride, src2Stride, dstStride);
  int64_t dstElem = dstMem == Mem::Accumulator ? 4 : 1;
  for (int64_t r0 = 0; r0 < rows; r0 += kMaxVecRows)
    for (int64_t c0 = 0; c0 < cols; c0 += kMaxCols) {
      Inst inst;
      inst.op = Opcode::Vec;
      inst.func = int64_t(func);
      inst.src_addr = int64_t(src + uint64_t(r0) * srcStride + 4 * c0);
      inst.src2_addr = func == VecFunc::Lut
                           ? int64_t(src2)
                           : int64_t(src2 + uint64_t(r0) * src2Stride + 4 * c0);
      inst.dst_mem = int64_t(dstMem);
      inst.dst_addr =
          int64_t(dst + uint64_t(r0) * dstStride + uint64_t(dstElem * c0));
      inst.rows = std::min(kMaxVecRows, rows - r0);
      inst.cols = std::min(kMaxCols, cols - c0);
      emit(inst);
    }
}

void Emitter::fence() {
  Inst inst;
  inst.op = Opcode::Fence;
  emit(inst);
}

void Emitter::finish() {
  Inst inst;
  inst.op = Opcode::Finish;
  emit(inst);
}

bool Emitter::ExecState::operator<(const ExecState &o) const {
  return std::tie(src, src2, dst, streaming, lastMatmulRows, weightsK,
                  weightsN) < std::tie(o.src, o.src2, o.dst, o.streaming,
                                       o.lastMatmulRows, o.weightsK,
                                       o.weightsN);
}

Emitter::ExecState Emitter::getExecState() const {
  return {execSrc,  execSrc2, execDst, array.streaming, array.lastMatmulRows,
          weightsK, weightsN};
}

void Emitter::setExecState(const ExecState &state) {
  execSrc = state.src;
  execSrc2 = state.src2;
  execDst = state.dst;
  array.streaming = state.streaming;
  array.lastMatmulRows = state.lastMatmulRows;
  weightsK = state.weightsK;
  weightsN = state.weightsN;
}

void Emitter::executeRun(const std::string &key,
                         const std::function<void()> &emitRun) {
  if (keep)
    return emitRun();
  unsigned q = unsigned(Queue::Execute);
  auto cacheKey = std::make_pair(key, getExecState());
  auto it = runs.find(cacheKey);
  uint64_t step = currentStep[q];
  if (steps.size() <= step)
    steps.resize(step + 1);
  if (it != runs.end()) {
    // The run's first instruction takes the pending pops, its last one is
    // the queue's last: flags only, they cost nothing.
    pendingPops[q] = 0;
    lastDeps[q] = 0;
    lastInst[q] = 0;
    steps[step].execute += it->second.cycles;
    steps[step].executeInsts += it->second.insts;
    numInsts += it->second.insts;
    actions += it->second.actions;
    setExecState(it->second.end);
    return;
  }
  StepCycles before = steps[step];
  uint64_t instsBefore = numInsts;
  sim::InstActions actionsBefore = actions;
  emitRun();
  CachedRun run;
  run.end = getExecState();
  run.cycles = steps[step].execute - before.execute;
  run.insts = numInsts - instsBefore;
  run.actions = actions;
  run.actions -= actionsBefore;
  runs.emplace(std::move(cacheKey), run);
}
