//===- Simulator.cpp - event-driven timing of the NPU queues --------------===//
//
// The event model (docs/npu/simulator.md, "Event model"): the fetch unit
// dispatches one instruction per cycle in program order into the load,
// execute and store queues; each unit runs its queue in order, popping
// dependency tokens before an instruction starts and pushing them when it
// completes. Time jumps from event to event (a completion, an instruction
// becoming visible in its queue, the next dispatch slot); between two events
// nothing changes, so each unit's state over the interval is charged to one
// cause. An instruction's functional effects are applied when it starts, so
// a program with a missing token computes what the timing says it would.
//
//===----------------------------------------------------------------------===//

#include "tessera/Sim/Simulator.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <chrono>
#include <cstring>

using namespace tessera;
using namespace tessera::sim;
using npu::DepFlag;
using npu::Inst;
using npu::Opcode;
using npu::Queue;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::StringRef sim::getUnitName(Unit unit) {
  static const char *const names[] = {"fetch", "load", "execute", "store"};
  return names[unsigned(unit)];
}

llvm::StringRef sim::getCauseName(Cause cause) {
  static const char *const names[] = {"busy",
                                      "wait_token_load",
                                      "wait_token_execute",
                                      "wait_token_store",
                                      "queue_empty",
                                      "drained",
                                      "dispatch_load_full",
                                      "dispatch_execute_full",
                                      "dispatch_store_full",
                                      "fence"};
  return names[unsigned(cause)];
}

double Counters::macUtilization(const npu::HardwareDesc &hw) const {
  if (cycles == 0 || hw.peakMacsPerCycle() == 0)
    return 0;
  return double(actions.macs) /
         (double(cycles) * double(hw.peakMacsPerCycle()));
}

Simulator::Simulator(const npu::Program &program, const npu::HardwareDesc &hw)
    : program(program), hw(hw) {}

llvm::Error Simulator::initialize() {
  if (initialized)
    return llvm::Error::success();
  if (auto err = npu::verifyProgram(program))
    return err;
  if (auto err = npu::validateHardwareDesc(hw))
    return err;
  // Hardware of an older ISA decodes no newer instruction.
  for (size_t i = 0; i < program.insts.size(); ++i) {
    std::string feature;
    if (npu::getInstIsaVersion(program.insts[i], &feature) <= hw.isaVersion)
      continue;
    return makeError(llvm::formatv(
        "instruction {0} ({1}): {2} is an ISA version 2 instruction, but "
        "hardware '{3}' has isa_version {4}",
        i, npu::getOpcodeInfo(program.insts[i].op).mnemonic, feature,
        hw.name.empty() ? "<unnamed>" : hw.name, hw.isaVersion));
  }
  uint64_t hwHash = npu::hashHardwareDesc(hw);
  if (program.hwHash != 0 && program.hwHash != hwHash)
    return makeError(llvm::formatv(
        "program was compiled for hardware hash {0:x16}, but hardware '{1}' "
        "has hash {2:x16} (recompile it, or use a program with .hw_hash 0)",
        program.hwHash, hw.name.empty() ? "<unnamed>" : hw.name, hwHash));
  if (program.dramBytes > kMaxDramBytes)
    return makeError("program needs " + formatBytes(program.dramBytes) +
                     " of DRAM, more than the simulator's limit of " +
                     formatBytes(kMaxDramBytes));
  dram.assign(program.dramBytes, 0);
  scratchpad.assign(hw.scratchpadBytes, 0);
  accumulator.assign(hw.accumulatorBytes, 0);
  // verifyProgram checked that the image lies inside dram_bytes.
  std::copy(program.constants.begin(), program.constants.end(),
            dram.begin() + program.constantsAddr);
  initialized = true;
  return llvm::Error::success();
}

static const npu::TensorDesc *findTensor(const npu::Program &program,
                                         llvm::StringRef name) {
  for (const npu::TensorDesc &tensor : program.tensors)
    if (tensor.name == name)
      return &tensor;
  return nullptr;
}

static std::string tensorNames(const npu::Program &program,
                               npu::TensorKind kind) {
  llvm::SmallVector<llvm::StringRef> names;
  for (const npu::TensorDesc &tensor : program.tensors)
    if (tensor.kind == kind)
      names.push_back(tensor.name);
  return names.empty() ? "none" : llvm::join(names, ", ");
}

llvm::Error Simulator::setInput(llvm::StringRef name,
                                llvm::ArrayRef<uint8_t> bytes) {
  if (auto err = initialize())
    return err;
  const npu::TensorDesc *tensor = findTensor(program, name);
  if (!tensor || tensor->kind != npu::TensorKind::Input)
    return makeError("program has no input named '" + name + "' (inputs: " +
                     tensorNames(program, npu::TensorKind::Input) + ")");
  if (bytes.size() != tensor->bytes())
    return makeError("input '" + name + "' needs " +
                     llvm::Twine(tensor->bytes()) + " bytes, got " +
                     llvm::Twine(bytes.size()));
  std::copy(bytes.begin(), bytes.end(), dram.begin() + tensor->dramAddr);
  return llvm::Error::success();
}

llvm::Expected<std::vector<uint8_t>>
Simulator::getTensor(llvm::StringRef name) const {
  const npu::TensorDesc *tensor = findTensor(program, name);
  if (!tensor)
    return makeError("program has no tensor named '" + name + "'");
  if (!initialized)
    return makeError("the simulator is not initialized");
  auto begin = dram.begin() + tensor->dramAddr;
  return std::vector<uint8_t>(begin, begin + tensor->bytes());
}

llvm::Error Simulator::run(const SimOptions &options) {
  if (auto err = initialize())
    return err;
  uint32_t numInsts = uint32_t(program.insts.size());
  if (options.range) {
    auto [begin, end] = *options.range;
    if (begin > end)
      return makeError(llvm::formatv(
          "instruction range {0}:{1}: begin is greater than end", begin, end));
    if (end > numInsts)
      return makeError(llvm::formatv("instruction range {0}:{1}: end exceeds "
                                     "the program's {2} instructions",
                                     begin, end, numInsts));
  }
  result = SimResult();
  result.timed = options.timing;
  result.insts.assign(numInsts, InstTiming());
  auto begin = std::chrono::steady_clock::now();
  if (auto err = options.timing ? runTimed() : runFunctional())
    return err;
  computeCounters(options);
  result.hostSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  return llvm::Error::success();
}

llvm::Error Simulator::runFunctional() {
  for (uint32_t i = 0, e = uint32_t(program.insts.size()); i < e; ++i) {
    if (auto err = executeInst(i, result.insts[i]))
      return err;
    if (program.insts[i].op == Opcode::Finish)
      break;
  }
  return llvm::Error::success();
}

namespace {
/// The four token channels (a counter each, initially 0).
enum Channel : unsigned {
  LoadToExec = 0,  ///< load push_next -> execute pop_prev
  ExecToLoad = 1,  ///< execute push_prev -> load pop_next
  ExecToStore = 2, ///< execute push_next -> store pop_prev
  StoreToExec = 3, ///< store push_prev -> execute pop_next
  NoChannel = 4,
};

/// The channel a queue pops from / pushes to for one flag.
Channel popChannel(Queue queue, DepFlag flag) {
  switch (queue) {
  case Queue::Load:
    return flag == npu::PopNext ? ExecToLoad : NoChannel;
  case Queue::Execute:
    return flag == npu::PopPrev   ? LoadToExec
           : flag == npu::PopNext ? StoreToExec
                                  : NoChannel;
  case Queue::Store:
    return flag == npu::PopPrev ? ExecToStore : NoChannel;
  case Queue::Control:
    return NoChannel;
  }
  return NoChannel;
}

Channel pushChannel(Queue queue, DepFlag flag) {
  switch (queue) {
  case Queue::Load:
    return flag == npu::PushNext ? LoadToExec : NoChannel;
  case Queue::Execute:
    return flag == npu::PushPrev   ? ExecToLoad
           : flag == npu::PushNext ? ExecToStore
                                   : NoChannel;
  case Queue::Store:
    return flag == npu::PushPrev ? StoreToExec : NoChannel;
  case Queue::Control:
    return NoChannel;
  }
  return NoChannel;
}

/// The queue that pushes into a channel (the cause of waiting on it).
Queue channelSource(Channel channel) {
  switch (channel) {
  case LoadToExec:
    return Queue::Load;
  case ExecToLoad:
  case ExecToStore:
    return Queue::Execute;
  default:
    return Queue::Store;
  }
}
} // namespace

static llvm::StringRef mnemonic(const Inst &inst) {
  return npu::getOpcodeInfo(inst.op).mnemonic;
}

llvm::Error Simulator::runTimed() {
  const std::vector<Inst> &insts = program.insts;
  std::vector<InstTiming> &rec = result.insts;
  uint32_t numInsts = uint32_t(insts.size());
  constexpr unsigned kQueues = 3;

  std::vector<Queue> queueOf(numInsts);
  std::array<std::vector<uint32_t>, kQueues> perQueue;
  for (uint32_t i = 0; i < numInsts; ++i) {
    queueOf[i] = npu::getOpcodeInfo(insts[i].op).queue;
    if (queueOf[i] != Queue::Control)
      perQueue[unsigned(queueOf[i])].push_back(i);
  }
  // Queue q holds perQueue[q][started[q] .. dispatched[q]).
  std::array<size_t, kQueues> dispatched{}, started{};
  std::array<bool, kQueues> busy{};
  std::array<uint32_t, kQueues> running{};
  std::array<uint64_t, kQueues> endAt{};
  // What the array did before the execute queue's next instruction (timing
  // of double-buffered weights).
  ArrayState array;
  std::array<unsigned, kQueues> depth = {
      hw.loadQueueDepth, hw.executeQueueDepth, hw.storeQueueDepth};
  std::array<uint64_t, 4> tokens{};
  std::vector<bool> hasStarted(numInsts);
  auto &unitCycles = result.total.unitCycles;

  // The channels an instruction pops, in flag order.
  auto pops = [&](uint32_t i, llvm::SmallVectorImpl<Channel> &out) {
    for (DepFlag flag : {npu::PopPrev, npu::PopNext})
      if (insts[i].deps & flag)
        out.push_back(popChannel(queueOf[i], flag));
  };
  auto firstMissing = [&](uint32_t i) -> Channel {
    llvm::SmallVector<Channel, 2> need;
    pops(i, need);
    // Both pops may use different channels; each needs one token.
    for (Channel c : need)
      if (tokens[c] == 0)
        return c;
    return NoChannel;
  };

  uint32_t pc = 0;
  uint64_t fetchReady = 0, t = 0;
  while (true) {
    // 1. Completions: tokens pushed now are visible to starts in this cycle.
    for (unsigned q = 0; q < kQueues; ++q) {
      if (!busy[q] || endAt[q] != t)
        continue;
      busy[q] = false;
      for (DepFlag flag : {npu::PushPrev, npu::PushNext})
        if (insts[running[q]].deps & flag)
          ++tokens[pushChannel(Queue(q), flag)];
    }
    // 2. Starts: the head of an idle unit starts once it was dispatched in
    // an earlier cycle and its tokens are there. Its effects apply now.
    for (unsigned q = 0; q < kQueues; ++q) {
      if (busy[q] || started[q] == dispatched[q])
        continue;
      uint32_t head = perQueue[q][started[q]];
      if (rec[head].dispatch >= t || firstMissing(head) != NoChannel)
        continue;
      llvm::SmallVector<Channel, 2> need;
      pops(head, need);
      for (Channel c : need)
        --tokens[c];
      ++started[q];
      busy[q] = true;
      running[q] = head;
      hasStarted[head] = true;
      rec[head].start = t;
      if (q == unsigned(Queue::Execute)) {
        rec[head].end = endAt[q] = t + getInstCycles(insts[head], hw, array);
        array.update(insts[head]);
      } else {
        rec[head].end = endAt[q] = t + getInstCycles(insts[head], hw);
      }
      if (auto err = executeInst(head, rec[head]))
        return err;
    }
    // 3. Dispatch, one instruction per cycle.
    bool dispatchedNow = false;
    std::optional<Cause> fetchStall;
    bool finished = false;
    if (pc < numInsts && t >= fetchReady) {
      Queue queue = queueOf[pc];
      if (queue == Queue::Control) {
        bool drained = true;
        for (unsigned q = 0; q < kQueues; ++q)
          drained &= !busy[q] && started[q] == dispatched[q];
        if (!drained) {
          fetchStall = Cause::Fence;
        } else if (insts[pc].op == Opcode::Finish) {
          rec[pc].dispatch = rec[pc].start = rec[pc].end = t;
          finished = true;
        } else {
          rec[pc].dispatch = rec[pc].start = t;
          rec[pc].end = t + 1;
          ++pc;
          fetchReady = t + 1;
          dispatchedNow = true;
        }
      } else {
        unsigned q = unsigned(queue);
        if (dispatched[q] - started[q] < depth[q]) {
          rec[pc].dispatch = t;
          ++dispatched[q];
          ++pc;
          fetchReady = t + 1;
          dispatchedNow = true;
        } else {
          fetchStall = Cause(unsigned(Cause::LoadQueueFull) + q);
        }
      }
    }
    if (finished || pc >= numInsts)
      break;

    // 4. The next event.
    uint64_t next = UINT64_MAX;
    for (unsigned q = 0; q < kQueues; ++q) {
      if (busy[q])
        next = std::min(next, endAt[q]);
      else if (started[q] < dispatched[q] &&
               rec[perQueue[q][started[q]]].dispatch >= t)
        next = std::min(next, t + 1);
    }
    if (dispatchedNow)
      next = std::min(next, fetchReady);
    if (next == UINT64_MAX) {
      // Nothing can change any more: describe who waits for what.
      llvm::SmallVector<std::string> waits;
      for (unsigned q = 0; q < kQueues; ++q) {
        if (started[q] == dispatched[q])
          continue;
        uint32_t head = perQueue[q][started[q]];
        Channel missing = firstMissing(head);
        Queue source = channelSource(missing);
        std::string pusher;
        for (uint32_t j = 0; j < numInsts && pusher.empty(); ++j) {
          if (hasStarted[j] || queueOf[j] != source)
            continue;
          for (DepFlag flag : {npu::PushPrev, npu::PushNext})
            if ((insts[j].deps & flag) &&
                pushChannel(queueOf[j], flag) == missing)
              pusher = llvm::formatv(", which instruction {0} ({1}) would "
                                     "push but cannot reach",
                                     j, mnemonic(insts[j]));
        }
        if (pusher.empty())
          pusher = ", which no remaining instruction pushes";
        waits.push_back(llvm::formatv(
            "instruction {0} ({1}) on the {2} queue waits for a token from "
            "the {3} queue{4}",
            head, mnemonic(insts[head]), npu::getQueueName(Queue(q)),
            npu::getQueueName(source), pusher));
      }
      if (fetchStall && *fetchStall != Cause::Fence)
        waits.push_back(llvm::formatv(
            "dispatch of instruction {0} ({1}) waits for the full {2} queue",
            pc, mnemonic(insts[pc]), npu::getQueueName(queueOf[pc])));
      return makeError(llvm::formatv("deadlock at cycle {0}: {1}", t,
                                     llvm::join(waits, "; ")));
    }

    // 5. Charge [t, next) to each unit's state.
    uint64_t span = next - t;
    for (unsigned q = 0; q < kQueues; ++q) {
      auto &row = unitCycles[q + 1];
      if (busy[q]) {
        row[unsigned(Cause::Busy)] += span;
        continue;
      }
      if (started[q] < dispatched[q]) {
        uint32_t head = perQueue[q][started[q]];
        if (rec[head].dispatch >= t) {
          row[unsigned(Cause::QueueEmpty)] += span;
          rec[head].unitWait[3] += span;
          continue;
        }
        unsigned source = unsigned(channelSource(firstMissing(head)));
        row[unsigned(Cause::TokenFromLoad) + source] += span;
        rec[head].unitWait[source] += span;
        continue;
      }
      if (dispatched[q] < perQueue[q].size()) {
        row[unsigned(Cause::QueueEmpty)] += span;
        rec[perQueue[q][dispatched[q]]].unitWait[3] += span;
        continue;
      }
      row[unsigned(Cause::Drained)] += span;
    }
    auto &fetchRow = unitCycles[unsigned(Unit::Fetch)];
    if (dispatchedNow) {
      fetchRow[unsigned(Cause::Busy)] += span;
    } else if (fetchStall) {
      fetchRow[unsigned(*fetchStall)] += span;
      rec[pc].dispatchStall += span;
    }
    t = next;
  }
  result.total.cycles = t;
  result.total.endCycle = t;
  return llvm::Error::success();
}

namespace {
using Interval = std::pair<uint64_t, uint64_t>;

/// Total length of the intersection of two sorted lists of disjoint
/// intervals.
uint64_t intersection(llvm::ArrayRef<Interval> a, llvm::ArrayRef<Interval> b) {
  uint64_t total = 0;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    uint64_t lo = std::max(a[i].first, b[j].first);
    uint64_t hi = std::min(a[i].second, b[j].second);
    if (lo < hi)
      total += hi - lo;
    if (a[i].second < b[j].second)
      ++i;
    else
      ++j;
  }
  return total;
}

/// The union of intervals as a sorted list of disjoint intervals.
std::vector<Interval> unite(std::vector<Interval> intervals) {
  llvm::sort(intervals);
  std::vector<Interval> out;
  for (const Interval &iv : intervals) {
    if (!out.empty() && iv.first <= out.back().second)
      out.back().second = std::max(out.back().second, iv.second);
    else
      out.push_back(iv);
  }
  return out;
}
} // namespace

void Simulator::computeCounters(const SimOptions &options) {
  const std::vector<Inst> &insts = program.insts;
  auto fill = [&](Counters &c, uint32_t begin, uint32_t end, bool program) {
    c.begin = begin;
    c.end = end;
    c.instructions = end - begin;
    std::vector<Interval> dma, compute;
    uint64_t first = UINT64_MAX, last = 0;
    for (uint32_t i = begin; i < end; ++i) {
      const Inst &inst = insts[i];
      const InstTiming &r = result.insts[i];
      c.actions += getInstActions(inst, r.perChannel, r.weightsK, r.weightsN);
      if (!result.timed)
        continue;
      first = std::min(first, r.dispatch);
      last = std::max(last, r.end);
      if (inst.op == Opcode::DmaLoad || inst.op == Opcode::DmaStore)
        dma.push_back({r.start, r.end});
      else if (inst.op == Opcode::Preload || inst.op == Opcode::Matmul ||
               inst.op == Opcode::Vec)
        compute.push_back({r.start, r.end});
      if (program)
        continue; // the engine charged the whole program's cycles itself
      Queue queue = npu::getOpcodeInfo(inst.op).queue;
      auto &fetch = c.unitCycles[unsigned(Unit::Fetch)];
      if (queue == Queue::Control) {
        fetch[unsigned(Cause::Busy)] += r.end - r.start;
        fetch[unsigned(Cause::Fence)] += r.dispatchStall;
        continue;
      }
      unsigned q = unsigned(queue);
      fetch[unsigned(Cause::Busy)] += 1;
      fetch[unsigned(Cause::LoadQueueFull) + q] += r.dispatchStall;
      auto &row = c.unitCycles[q + 1];
      row[unsigned(Cause::Busy)] += r.end - r.start;
      for (unsigned s = 0; s < 3; ++s)
        row[unsigned(Cause::TokenFromLoad) + s] += r.unitWait[s];
      row[unsigned(Cause::QueueEmpty)] += r.unitWait[3];
    }
    c.energy = getActionEnergy(c.actions, hw.energy);
    if (!result.timed)
      return;
    if (!program) {
      c.startCycle = first == UINT64_MAX ? 0 : first;
      c.endCycle = first == UINT64_MAX ? 0 : last;
      c.cycles = c.endCycle - c.startCycle;
    }
    // Units run their instructions in order, so compute intervals are sorted
    // and disjoint; loads and stores may overlap each other.
    c.overlapCycles = intersection(unite(std::move(dma)), compute);
    c.energy.leakage = double(c.cycles) * hw.energy.leakagePerCycle;
  };

  uint32_t numInsts = uint32_t(insts.size());
  result.total.name = "program";
  fill(result.total, 0, numInsts, /*program=*/true);
  for (const npu::LayerRange &layer : program.layers) {
    Counters c;
    c.name = layer.name;
    fill(c, layer.begin, layer.end, /*program=*/false);
    result.layers.push_back(std::move(c));
  }
  if (options.range) {
    Counters c;
    c.name =
        llvm::formatv("{0}:{1}", options.range->first, options.range->second);
    fill(c, options.range->first, options.range->second, /*program=*/false);
    result.range = std::move(c);
  }
}
