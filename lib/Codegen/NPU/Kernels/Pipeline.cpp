//===- Pipeline.cpp - the software-pipelined step loop of a layer ---------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "Pipeline.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>

using namespace tessera;
using namespace tessera::npu;
using namespace tessera::npu::kernels;

llvm::Error kernels::noTilingFits(llvm::StringRef layer, llvm::Error smallest) {
  if (smallest)
    return makeError("no tiling fits the hardware; the smallest: " +
                     llvm::toString(std::move(smallest)));
  return makeError("layer '" + layer + "': no tiling fits the hardware");
}

LayerCode kernels::emitLayerCode(
    const HardwareDesc &hw,
    llvm::function_ref<void(Emitter &, std::vector<uint8_t> *)> emit,
    llvm::function_ref<LayerCost(const Emitter &)> price) {
  LayerCode code;
  // Counting first (its run cache makes that cheap) sizes the instruction
  // vector: a layer has up to tens of thousands of them.
  Emitter counter(hw, /*keep=*/false);
  emit(counter, nullptr);
  Emitter e(hw, /*keep=*/true);
  e.reserve(counter.getNumInsts());
  emit(e, &code.constants);
  code.cost = price(e);
  code.insts = e.takeInsts();
  return code;
}

std::vector<int64_t> kernels::getTileSizes(int64_t extent) {
  std::vector<int64_t> sizes;
  for (int64_t tiles = 1; tiles <= extent; ++tiles) {
    int64_t size = ceilDiv(extent, tiles);
    if (sizes.empty() || sizes.back() != size)
      sizes.push_back(size);
  }
  return sizes;
}

llvm::Error kernels::checkDramRanges(llvm::StringRef layer,
                                     const LayerAddresses &at,
                                     uint64_t inputBytes, uint64_t outputBytes,
                                     uint64_t constantBytes) {
  constexpr uint64_t kMaxDramAddr = uint64_t(1) << 32;
  for (auto [base, bytes, what] : {std::tuple{at.input, inputBytes, "input"},
                                   {at.output, outputBytes, "output"},
                                   {at.constants, constantBytes, "constants"}})
    if (base + bytes > kMaxDramAddr)
      return makeError("layer '" + layer + "': the " + what +
                       " ends beyond the 4 GiB the DMA addresses");
  return llvm::Error::success();
}

Schedule kernels::makeSchedule(int64_t batch, int64_t rowTiles,
                               int64_t channelTiles, bool weightsOuter,
                               bool inputPerChannelTile, bool weightsOnce,
                               int64_t chunks) {
  Schedule s;
  for (int64_t b = 0; b < batch; ++b) {
    int64_t outer = weightsOuter ? channelTiles : rowTiles;
    int64_t inner = weightsOuter ? rowTiles : channelTiles;
    for (int64_t i = 0; i < outer; ++i)
      for (int64_t j = 0; j < inner; ++j)
        for (int64_t k = 0; k < chunks; ++k) {
          Step step;
          step.b = b;
          step.t = weightsOuter ? i : j;
          step.r = weightsOuter ? j : i;
          step.k = k;
          step.firstChunk = k == 0;
          step.lastChunk = k == chunks - 1;
          if (step.lastChunk)
            step.output = s.outputs++;
          const Step *prev = s.steps.empty() ? nullptr : &s.steps.back();
          step.fillInput = !prev || prev->b != step.b || prev->r != step.r ||
                           (inputPerChannelTile && prev->t != step.t);
          step.fillWeights =
              !prev || (!weightsOnce && (prev->t != step.t || prev->k != k));
          s.steps.push_back(step);
        }
  }
  unsigned inFills = 0, wFills = 0;
  for (const Step &step : s.steps) {
    inFills += step.fillInput;
    wFills += step.fillWeights;
  }
  s.inSlots = inFills > 1 ? 2 : 1;
  s.wSlots = wFills > 1 ? 2 : 1;
  s.outSlots = s.outputs > 1 ? 2 : 1;
  // Slots round-robin; a fill waits for the last reader of its slot.
  int64_t inLast[2] = {-1, -1}, wLast[2] = {-1, -1};
  unsigned inFill = 0, wFill = 0;
  for (auto [k, step] : llvm::enumerate(s.steps)) {
    if (step.fillInput) {
      step.inSlot = inFill++ % s.inSlots;
      step.loadGuard = std::max(step.loadGuard, inLast[step.inSlot]);
    } else {
      step.inSlot = s.steps[k - 1].inSlot;
    }
    if (step.fillWeights) {
      step.wSlot = wFill++ % s.wSlots;
      step.loadGuard = std::max(step.loadGuard, wLast[step.wSlot]);
    } else {
      step.wSlot = s.steps[k - 1].wSlot;
    }
    step.outSlot = step.output < 0 ? 0 : unsigned(step.output % s.outSlots);
    inLast[step.inSlot] = int64_t(k);
    wLast[step.wSlot] = int64_t(k);
  }
  return s;
}

void kernels::emitSchedule(const Schedule &schedule, Emitter &e,
                           const StepEmitters &emit) {
  const std::vector<Step> &steps = schedule.steps;
  int64_t loadPopped = 0, execPoppedStores = 0;
  auto fills = [&](size_t k) {
    const Step &s = steps[k];
    e.setStep(Queue::Load, k);
    for (; loadPopped <= s.loadGuard; ++loadPopped)
      e.pop(Channel::ExecToLoad);
    if (s.fillWeights) {
      emit.loadWeights(s);
      e.push(Channel::LoadToExec);
    }
    if (s.fillInput) {
      emit.loadInput(s);
      e.push(Channel::LoadToExec);
    }
  };
  auto exec = [&](size_t k) {
    const Step &s = steps[k];
    e.setStep(Queue::Execute, k);
    if (s.fillWeights)
      e.pop(Channel::LoadToExec);
    if (s.fillInput)
      e.pop(Channel::LoadToExec);
    emit.compute(s);
    if (s.output >= 0) {
      // The output buffer is free once the store of its previous tile is
      // done.
      for (; execPoppedStores <= s.output - int64_t(schedule.outSlots);
           ++execPoppedStores)
        e.pop(Channel::StoreToExec);
      emit.writeOutput(s);
      e.push(Channel::ExecToStore);
    }
    e.push(Channel::ExecToLoad);
  };
  auto store = [&](size_t k) {
    if (steps[k].output < 0)
      return;
    e.setStep(Queue::Store, k);
    e.pop(Channel::ExecToStore);
    emit.store(steps[k]);
    e.push(Channel::StoreToExec);
  };
  fills(0);
  for (size_t k = 0; k < steps.size(); ++k) {
    if (k + 1 < steps.size())
      fills(k + 1);
    exec(k);
    store(k);
  }
  // Consume every token still in a channel, so the next layer starts clean.
  uint64_t last = steps.size() - 1;
  e.setStep(Queue::Load, last);
  e.setStep(Queue::Execute, last);
  for (; loadPopped < int64_t(steps.size()); ++loadPopped)
    e.pop(Channel::ExecToLoad);
  for (; execPoppedStores < schedule.outputs; ++execPoppedStores)
    e.pop(Channel::StoreToExec);
  e.flushPops();
  e.fence();
}

LayerCost kernels::priceSchedule(const Schedule &schedule, const Emitter &e,
                                 const HardwareDesc &hw) {
  const std::vector<Step> &steps = schedule.steps;
  const std::vector<StepCycles> &cyc = e.getSteps();
  size_t n = steps.size();
  auto cycles = [&](size_t k) {
    return k < cyc.size() ? cyc[k] : StepCycles();
  };
  // When a step has more instructions than its queue holds, the fetch unit
  // stalls on the full queue, and nothing after them in program order is
  // dispatched before the last one is: when the one `depth` places before
  // it leaves the queue (starts), i.e. once the `insts - 1 - depth` before
  // that have completed. A step's configuration instructions (one cycle
  // each) come first; its DMAs share the rest of the busy cycles.
  auto dispatched = [](uint64_t start, uint64_t busy, uint64_t insts,
                       uint64_t configs, unsigned depth) -> uint64_t {
    if (insts <= depth)
      return 0;
    uint64_t done = insts - 1 - depth, dmas = insts - configs;
    uint64_t doneConfigs = std::min(done, configs);
    uint64_t doneDmas = done - doneConfigs;
    return start + doneConfigs +
           (dmas ? (busy - configs) * doneDmas / dmas : 0);
  };
  std::vector<uint64_t> loadStart(n), loadEnd(n), execEnd(n), storeEnd(n);
  std::vector<size_t> outputStep; // the step of each output
  auto priceLoad = [&](size_t k) {
    uint64_t start = k ? loadEnd[k - 1] : 0;
    if (steps[k].loadGuard >= 0)
      start = std::max(start, execEnd[steps[k].loadGuard]);
    loadStart[k] = start;
    loadEnd[k] = start + cycles(k).load;
  };
  if (n)
    priceLoad(0);
  uint64_t storeDispatched = 0;
  for (size_t k = 0; k < n; ++k) {
    const Step &s = steps[k];
    StepCycles c = cycles(k);
    // Program order: fills(k+1), compute(k), stores(k), fills(k+2), ...
    if (k + 1 < n)
      priceLoad(k + 1);
    uint64_t execStart = k ? execEnd[k - 1] : 0;
    if (s.fillInput || s.fillWeights)
      execStart = std::max(execStart, loadEnd[k]);
    execStart = std::max(execStart, storeDispatched);
    if (k + 1 < n)
      execStart = std::max(
          execStart, dispatched(loadStart[k + 1], cycles(k + 1).load,
                                cycles(k + 1).loadInsts,
                                cycles(k + 1).loadConfigs, hw.loadQueueDepth));
    execEnd[k] = execStart + c.execute;
    if (s.output < 0) {
      storeEnd[k] = k ? storeEnd[k - 1] : 0;
      continue;
    }
    outputStep.push_back(k);
    if (s.output >= int64_t(schedule.outSlots))
      execEnd[k] = std::max(
          execEnd[k], storeEnd[outputStep[s.output - schedule.outSlots]] + 1);
    uint64_t storeStart = std::max(k ? storeEnd[k - 1] : 0, execEnd[k]);
    storeEnd[k] = storeStart + c.store;
    storeDispatched = dispatched(storeStart, c.store, c.storeInsts,
                                 c.storeConfigs, hw.storeQueueDepth);
  }
  LayerCost cost;
  StepCycles total = e.getTotals();
  cost.loadCycles = total.load;
  cost.executeCycles = total.execute;
  cost.storeCycles = total.store;
  cost.instructions = e.getNumInsts();
  cost.cycles = std::max<uint64_t>(n ? storeEnd[n - 1] : 0, cost.instructions);
  cost.dramRead = e.getActions().dramRead;
  cost.dramWritten = e.getActions().dramWritten;
  cost.energy = sim::getActionEnergy(e.getActions(), hw.energy);
  cost.energy.leakage = double(cost.cycles) * hw.energy.leakagePerCycle;
  uint64_t busiest =
      std::max({cost.loadCycles, cost.executeCycles, cost.storeCycles});
  if (busiest * 10 < cost.cycles * 6)
    cost.bound = Bound::Issue;
  else if (busiest == cost.executeCycles)
    cost.bound = Bound::Compute;
  else
    cost.bound = Bound::Dram;
  return cost;
}
