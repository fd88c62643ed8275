//===- TimingTest.cpp - NPU simulator: timing, tokens, counters -----------===//
//
// Single-instruction cycle counts equal the closed-form rules of
// docs/npu/simulator.md exactly; dispatch, queues, tokens and fences follow
// the event model; hardware parameters move the counters in the documented
// direction.
//
//===----------------------------------------------------------------------===//

#include "SimTestUtil.h"

#include <gtest/gtest.h>

#include <random>

using namespace tessera;
using namespace tessera::sim;
using namespace tessera::sim::test;
using npu::Mem;
using npu::VecFunc;

namespace {

/// Runs a program (all-zero memories) and returns the result; fails the test
/// on an error.
SimResult runProgram(const npu::Program &p, const npu::HardwareDesc &hw) {
  Simulator sim(p, hw);
  std::string err = errorText(sim.run());
  EXPECT_EQ(err, "");
  return sim.getResult();
}

TEST(Timing, DmaLoadClosedForm) {
  npu::HardwareDesc hw = edgeHw(); // latency 100, 16 B/cycle
  {
    // 16 x 64 bytes: 100 + 1024 / 16 = 164 cycles; dispatched at 0, started
    // at 1 (visible the cycle after dispatch), program ends at 165.
    Builder b;
    b.load(0, 0, 16, 64);
    SimResult r = runProgram(b.finish(), hw);
    EXPECT_EQ(r.insts[0].dispatch, 0u);
    EXPECT_EQ(r.insts[0].start, 1u);
    EXPECT_EQ(r.insts[0].end - r.insts[0].start, 164u);
    EXPECT_EQ(r.total.cycles, 165u);
    EXPECT_EQ(getInstCycles(b.program.insts[0], hw), 164u);
  }
  {
    // Padding 1 on every side: 18 x 66 - 1024 = 164 padding bytes at the DMA
    // width, ceil(164 / 16) = 11 more cycles.
    Builder b;
    b.configLoad(64, 66);
    Inst &l = b.load(0, 0, 16, 64);
    l.pad_top = l.pad_bottom = l.pad_left = l.pad_right = 1;
    SimResult r = runProgram(b.finish(), hw);
    EXPECT_EQ(r.insts[1].end - r.insts[1].start, 175u);
    EXPECT_EQ(r.total.actions.scratchpadWritten, 18u * 66u);
    EXPECT_EQ(r.total.actions.dramRead, 1024u);
  }
  {
    // int32 into the accumulator: 4 x 8 x 4 = 128 bytes, 100 + 8.
    Builder b;
    b.dma(Opcode::DmaLoad, Mem::Accumulator, 0, 0, 4, 8);
    SimResult r = runProgram(b.finish(), hw);
    EXPECT_EQ(r.insts[0].end - r.insts[0].start, 108u);
  }
  {
    // A fractional DRAM rate is the narrower one: ceil(1024 / 10.5) = 98.
    npu::HardwareDesc slow = hw;
    slow.dramBytesPerCycle = 10.5;
    Builder b;
    b.load(0, 0, 16, 64);
    SimResult r = runProgram(b.finish(), slow);
    EXPECT_EQ(r.insts[0].end - r.insts[0].start, 198u);
  }
}

TEST(Timing, DmaStoreClosedForm) {
  npu::HardwareDesc hw = edgeHw();
  hw.dmaBytesPerCycle = 8; // the DMA engine is now the narrower path
  Builder b;
  b.store(0, 0, 10, 20);
  SimResult r = runProgram(b.finish(), hw);
  EXPECT_EQ(r.insts[0].end - r.insts[0].start, 100u + 200u / 8);
  EXPECT_EQ(r.total.actions.dramWritten, 200u);
  EXPECT_EQ(r.total.actions.scratchpadRead, 200u);
}

TEST(Timing, PreloadFillAndMatmulFillDrain) {
  // An 8 x 4 array: preload takes R = 8 cycles, a matmul of m = 10 rows
  // m + R + C - 2 = 20 (10 rows streamed, 7 + 3 cycles of skew fill/drain).
  npu::HardwareDesc hw = edgeHw();
  hw.rows = 8;
  hw.cols = 4;
  Builder b;
  b.preload(0, 8, 4, 8);
  b.matmul(0x100, 0, 10, 8, 16, false);
  SimResult r = runProgram(b.finish(), hw);
  EXPECT_EQ(r.insts[0].start, 1u);
  EXPECT_EQ(r.insts[0].end, 9u);
  EXPECT_EQ(r.insts[1].start, 9u);
  EXPECT_EQ(r.insts[1].end, 29u);
  EXPECT_EQ(r.total.cycles, 29u);
  EXPECT_EQ(r.total.get(Unit::Execute, Cause::Busy), 28u);
  EXPECT_EQ(r.total.get(Unit::Execute, Cause::QueueEmpty), 1u);
  EXPECT_EQ(r.total.get(Unit::Fetch, Cause::Busy), 2u);
  EXPECT_EQ(r.total.get(Unit::Fetch, Cause::Fence), 27u);
  EXPECT_EQ(r.total.get(Unit::Load, Cause::Drained), 29u);
  EXPECT_EQ(r.total.actions.macs, 10u * 8 * 4);
  // On the 16 x 16 edge array the same block costs 16 and 10 + 30.
  SimResult edge = runProgram(b.program, edgeHw());
  EXPECT_EQ(edge.insts[0].end - edge.insts[0].start, 16u);
  EXPECT_EQ(edge.insts[1].end - edge.insts[1].start, 40u);
}

TEST(Timing, VecAndConfigClosedForm) {
  npu::HardwareDesc hw = edgeHw(); // 16 lanes, latency 4
  Builder b;
  b.configExec(68, 0, 68);
  b.vec(VecFunc::Relu, 0, 0, Mem::Accumulator, 0x1000, 3, 17);
  SimResult r = runProgram(b.finish(), hw);
  EXPECT_EQ(r.insts[0].end - r.insts[0].start, 1u);
  // 3 rows of ceil(17 / 16) = 2 lane groups, plus the pipeline depth.
  EXPECT_EQ(r.insts[1].end - r.insts[1].start, 3u * 2 + 4);
  EXPECT_EQ(r.total.actions.vectorOps, 51u);
}

TEST(Timing, TokenWaitIsChargedToTheWaitingInstruction) {
  Builder b;
  b.load(0, 0, 16, 16, npu::PushNext); // 100 + 16 cycles: [1, 117)
  b.preload(0, 16, 16, 16, npu::PopPrev);
  SimResult r = runProgram(b.finish(), edgeHw());
  // The token is pushed at 117 and popped in the same cycle.
  EXPECT_EQ(r.insts[1].start, 117u);
  // Preload is visible from cycle 2: 115 cycles waiting for load's token.
  EXPECT_EQ(r.insts[1].unitWait[0], 115u);
  EXPECT_EQ(r.total.get(Unit::Execute, Cause::TokenFromLoad), 115u);
  EXPECT_EQ(r.total.get(Unit::Execute, Cause::QueueEmpty), 2u);
  EXPECT_EQ(r.total.cycles, 117u + 16);
}

TEST(Timing, FullQueueStallsDispatch) {
  npu::HardwareDesc hw = edgeHw();
  hw.executeQueueDepth = 2;
  Builder b;
  for (int i = 0; i < 4; ++i)
    b.preload(0, 16, 16, 16);
  b.configLoad(0, 0);
  SimResult r = runProgram(b.finish(), hw);
  // p0 starts at 1; p1, p2 fill the queue; p3 is dispatched when p1 leaves
  // the queue (starts) at 17: 14 cycles stalled, charged to p3.
  EXPECT_EQ(r.insts[3].dispatch, 17u);
  EXPECT_EQ(r.insts[3].dispatchStall, 14u);
  EXPECT_EQ(r.total.get(Unit::Fetch, Cause::ExecuteQueueFull), 14u);
  // The config_load behind the stall is dispatched at 18 although its queue
  // is empty: dispatch is in order.
  EXPECT_EQ(r.insts[4].dispatch, 18u);
  EXPECT_EQ(r.total.get(Unit::Load, Cause::QueueEmpty), 19u);
  EXPECT_EQ(r.total.cycles, 1u + 4 * 16);
}

TEST(Timing, FenceWaitsForAllQueues) {
  npu::HardwareDesc hw = edgeHw();
  Builder b;
  b.load(0, 0, 1, 16); // 101 cycles: [1, 102)
  b.add(Opcode::Fence);
  b.configExec(0, 0, 0);
  SimResult r = runProgram(b.finish(), hw);
  EXPECT_EQ(r.insts[1].dispatch, 102u);
  EXPECT_EQ(r.insts[1].dispatchStall, 101u);
  EXPECT_EQ(r.insts[2].dispatch, 103u);
  EXPECT_EQ(r.insts[2].start, 104u);
  EXPECT_EQ(r.total.cycles, 105u);
  EXPECT_EQ(r.total.get(Unit::Fetch, Cause::Fence), 101u + 1);
}

TEST(Timing, DeadlockNamesInstructionsAndTokens) {
  {
    Builder b;
    b.preload(0, 16, 16, 16, npu::PopPrev);
    npu::Program p = b.finish();
    npu::HardwareDesc hw = edgeHw();
    Simulator sim(p, hw);
    EXPECT_EQ(errorText(sim.run()),
              "deadlock at cycle 1: instruction 0 (preload) on the execute "
              "queue waits for a token from the load queue, which no "
              "remaining instruction pushes");
  }
  {
    // The pusher sits behind a full queue.
    npu::HardwareDesc hw = edgeHw();
    hw.loadQueueDepth = 1;
    Builder b;
    b.load(0, 0, 1, 16, npu::PopNext);
    b.load(0, 0, 1, 16);
    b.configExec(0, 0, 0).deps = npu::PushPrev;
    npu::Program p = b.finish();
    Simulator sim(p, hw);
    EXPECT_EQ(errorText(sim.run()),
              "deadlock at cycle 1: instruction 0 (dma_load) on the load "
              "queue waits for a token from the execute queue, which "
              "instruction 2 (config_exec) would push but cannot reach; "
              "dispatch of instruction 1 (dma_load) waits for the full load "
              "queue");
  }
  // Without timing there are no tokens: the same program runs.
  Builder b;
  b.preload(0, 16, 16, 16, npu::PopPrev);
  npu::HardwareDesc hw = edgeHw();
  npu::Program p = b.finish();
  Simulator sim(p, hw);
  EXPECT_EQ(errorText(sim.run(SimOptions{false, {}})), "");
}

/// C = requant(A (M x K) * B (K x N)) with A, B and C in one scratchpad
/// load/store each and blocks of the array's size: load -> execute -> store
/// with one token each way. Layers: "load", "compute", "store".
npu::Program tiledMatmul(unsigned M, unsigned K, unsigned N,
                         const npu::HardwareDesc &hw) {
  unsigned R = hw.rows, C = hw.cols;
  Builder b(3 * 65536);
  auto tensor = [&](const char *name, npu::TensorKind kind,
                    llvm::ArrayRef<int64_t> shape, uint64_t addr) {
    npu::TensorDesc t;
    t.name = name;
    t.kind = kind;
    t.shape.assign(shape.begin(), shape.end());
    t.dramAddr = addr;
    b.program.tensors.push_back(t);
  };
  tensor("a", npu::TensorKind::Input, {M, K}, 0);
  tensor("b", npu::TensorKind::Input, {K, N}, 65536);
  tensor("c", npu::TensorKind::Output, {M, N}, 131072);
  const uint64_t spA = 0, spB = 0x10000, spC = 0x20000;
  b.program.layers.push_back({"load", 0, 3});
  b.configLoad(K, K);
  b.load(spA, 0, M, K);
  b.configLoad(N, N);
  b.load(spB, 65536, K, N, npu::PushNext);
  b.program.layers[0].end = b.program.insts.size();
  uint32_t computeBegin = b.program.insts.size();
  b.configExec(4 * N, 0, N).deps = npu::PopPrev;
  b.configQuant(1 << 30, 36, 0, -128, 127);
  for (unsigned n0 = 0; n0 < N; n0 += C)
    for (unsigned k0 = 0; k0 < K; k0 += R) {
      unsigned kb = std::min(R, K - k0), nb = std::min(C, N - n0);
      b.preload(spB + k0 * N + n0, kb, nb, N);
      b.matmul(spA + k0, 4 * n0, M, K, 4 * N, k0 > 0);
    }
  b.vec(VecFunc::Requant, 0, 0, Mem::Scratchpad, spC, M, N, npu::PushNext);
  b.program.layers.push_back(
      {"compute", computeBegin, uint32_t(b.program.insts.size())});
  uint32_t storeBegin = b.program.insts.size();
  b.configStore(N, N);
  b.store(spC, 131072, M, N, npu::PopPrev);
  b.program.layers.push_back(
      {"store", storeBegin, uint32_t(b.program.insts.size())});
  return b.finish();
}

/// Runs tiledMatmul with fixed random inputs; returns the result and C.
std::pair<SimResult, std::vector<uint8_t>>
runTiled(unsigned M, unsigned K, unsigned N, const npu::HardwareDesc &hw) {
  npu::Program p = tiledMatmul(M, K, N, hw);
  Simulator sim(p, hw);
  std::mt19937 rng(1);
  std::vector<uint8_t> a(M * K), w(K * N);
  for (uint8_t &x : a)
    x = uint8_t(rng());
  for (uint8_t &x : w)
    x = uint8_t(rng());
  EXPECT_EQ(errorText(sim.setInput("a", a)), "");
  EXPECT_EQ(errorText(sim.setInput("b", w)), "");
  EXPECT_EQ(errorText(sim.run()), "");
  return {sim.getResult(), *sim.getTensor("c")};
}

TEST(Counters, CausesSumToCyclesAndLayersAddUp) {
  npu::HardwareDesc hw = edgeHw();
  auto [r, c] = runTiled(64, 64, 64, hw);
  for (unsigned u = 0; u < kNumUnits; ++u) {
    uint64_t sum = 0;
    for (uint64_t v : r.total.unitCycles[u])
      sum += v;
    EXPECT_EQ(sum, r.total.cycles) << getUnitName(Unit(u)).str();
  }
  ASSERT_EQ(r.layers.size(), 3u);
  InstActions layers;
  uint64_t busy = 0;
  for (const Counters &layer : r.layers) {
    layers += layer.actions;
    busy += layer.get(Unit::Execute, Cause::Busy);
  }
  EXPECT_EQ(layers.macs, r.total.actions.macs);
  EXPECT_EQ(layers.dramRead, r.total.actions.dramRead);
  EXPECT_EQ(busy, r.total.get(Unit::Execute, Cause::Busy));
  EXPECT_EQ(r.total.actions.macs, 64u * 64 * 64);
  EXPECT_EQ(r.layers[1].actions.macs, 64u * 64 * 64);
  // The load/compute/store chain is serialized by its tokens.
  EXPECT_EQ(r.total.overlapCycles, 0u);
  EXPECT_GT(r.total.energy.total(), 0);
  EXPECT_DOUBLE_EQ(r.total.energy.leakage,
                   double(r.total.cycles) * hw.energy.leakagePerCycle);
}

TEST(Counters, RangeCounters) {
  npu::HardwareDesc hw = edgeHw();
  npu::Program p = tiledMatmul(32, 32, 32, hw);
  Simulator sim(p, hw);
  SimOptions options;
  options.range = std::make_pair(uint32_t(6), uint32_t(8)); // preload+matmul
  ASSERT_EQ(errorText(sim.run(options)), "");
  const Counters &range = *sim.getResult().range;
  EXPECT_EQ(range.instructions, 2u);
  EXPECT_EQ(range.actions.macs, 32u * 16 * 16);
  EXPECT_EQ(range.get(Unit::Execute, Cause::Busy), 16u + 32 + 30);
  options.range = std::make_pair(uint32_t(9), uint32_t(8));
  Simulator bad(p, hw);
  EXPECT_EQ(errorText(bad.run(options)),
            "instruction range 9:8: begin is greater than end");
}

TEST(Sensitivity, ResultsDoNotDependOnHardwareParameters) {
  npu::HardwareDesc hw = edgeHw();
  auto [base, c] = runTiled(48, 40, 24, hw);
  npu::HardwareDesc other = hw;
  other.dramBytesPerCycle = 3;
  other.dramLatencyCycles = 7;
  other.vectorLanes = 5;
  EXPECT_EQ(runTiled(48, 40, 24, other).second, c);
}

TEST(Sensitivity, DramBandwidthAndLatency) {
  npu::HardwareDesc hw = edgeHw();
  SimResult base = runTiled(64, 64, 64, hw).first;
  uint64_t baseLoad = base.total.get(Unit::Load, Cause::Busy);

  npu::HardwareDesc wide = hw;
  wide.dramBytesPerCycle = 64;
  wide.dmaBytesPerCycle = 64;
  SimResult fast = runTiled(64, 64, 64, wide).first;
  EXPECT_LT(fast.total.get(Unit::Load, Cause::Busy), baseLoad);
  EXPECT_LT(fast.total.cycles, base.total.cycles);
  // More DMA width alone does not help past the DRAM rate.
  npu::HardwareDesc dmaOnly = hw;
  dmaOnly.dmaBytesPerCycle = 64;
  EXPECT_EQ(runTiled(64, 64, 64, dmaOnly).first.total.cycles,
            base.total.cycles);

  npu::HardwareDesc slow = hw;
  slow.dramLatencyCycles = 400;
  SimResult late = runTiled(64, 64, 64, slow).first;
  // Two loads and one store on the critical path: 3 * 300 more cycles.
  EXPECT_EQ(late.total.cycles, base.total.cycles + 3 * 300);
}

TEST(Sensitivity, ArraySizeAndVectorLanes) {
  npu::HardwareDesc hw = edgeHw();
  SimResult small = runTiled(64, 64, 64, hw).first;
  npu::HardwareDesc big = hw;
  big.rows = big.cols = 32;
  big.vectorLanes = 32;
  big.energy = npu::getDefaultEnergyTable(big);
  SimResult large = runTiled(64, 64, 64, big).first;
  // Fewer, larger blocks: fewer execute cycles and fewer total cycles.
  EXPECT_LT(large.total.get(Unit::Execute, Cause::Busy),
            small.total.get(Unit::Execute, Cause::Busy));
  EXPECT_LT(large.total.cycles, small.total.cycles);
  EXPECT_EQ(large.total.actions.macs, small.total.actions.macs);

  // The 16 x 16-block program on a 32 x 32 array: every preload and matmul
  // pays the bigger array's fill and drain, and utilization drops.
  npu::Program p = tiledMatmul(64, 64, 64, hw);
  SimResult misfit = runProgram(p, big);
  EXPECT_GT(misfit.total.get(Unit::Execute, Cause::Busy),
            small.total.get(Unit::Execute, Cause::Busy));
  EXPECT_LT(misfit.total.macUtilization(big), small.total.macUtilization(hw));

  npu::HardwareDesc lanes = hw;
  lanes.vectorLanes = 64;
  SimResult wide = runTiled(64, 64, 64, lanes).first;
  // The one requant vec: 64 rows of ceil(64/16) = 4 groups vs 1 group.
  EXPECT_EQ(small.total.get(Unit::Execute, Cause::Busy) -
                wide.total.get(Unit::Execute, Cause::Busy),
            64u * 3);
}

TEST(Sensitivity, EnergyTableScaling) {
  npu::HardwareDesc hw = edgeHw();
  SimResult base = runTiled(32, 32, 32, hw).first;
  npu::HardwareDesc costly = hw;
  costly.energy.macInt8 *= 2;
  costly.energy.dramByte *= 3;
  SimResult r = runTiled(32, 32, 32, costly).first;
  EXPECT_DOUBLE_EQ(r.total.energy.array, 2 * base.total.energy.array);
  EXPECT_DOUBLE_EQ(r.total.energy.dram, 3 * base.total.energy.dram);
  EXPECT_DOUBLE_EQ(r.total.energy.scratchpad, base.total.energy.scratchpad);
  EXPECT_EQ(r.total.cycles, base.total.cycles);
  EXPECT_GT(r.total.energy.total(), base.total.energy.total());
  // Energy actions of the matmul block: 32*32*32 MACs at 0.3 pJ.
  EXPECT_DOUBLE_EQ(base.total.energy.array, 32.0 * 32 * 32 * 0.3);
}

} // namespace

namespace {

/// array.weight_buffers = 2: a preload right after a matmul loads the second
/// weight registers in its shadow (max(1, R - m) cycles), and consecutive
/// matmuls pay one fill and drain; the results are the same bits.
TEST(Timing, DoubleBufferedWeights) {
  auto build = [] {
    Builder b;
    b.configExec(64, 0, 64);
    b.preload(0, 16, 16, 16);
    b.matmul(256, 0, 32, 16, 64, false);
    b.preload(512, 16, 16, 16);
    b.matmul(256, 0, 8, 16, 64, true);
    b.preload(768, 16, 16, 16);
    b.matmul(256, 0, 8, 16, 64, true);
    b.vec(VecFunc::Relu, 0, 0, Mem::Accumulator, 0, 8, 16);
    b.preload(0, 16, 16, 16);
    return b;
  };
  npu::HardwareDesc single = edgeHw(), dual = edgeHw();
  dual.weightBuffers = 2;
  Builder b1 = build(), b2 = build();
  SimResult one = runProgram(b1.finish(), single);
  SimResult two = runProgram(b2.finish(), dual);
  auto busy = [](const SimResult &r, size_t i) {
    return r.insts[i].end - r.insts[i].start;
  };
  // R = C = 16: fill and drain 30 cycles.
  EXPECT_EQ(busy(one, 1), 16u);      // preload
  EXPECT_EQ(busy(one, 2), 32u + 30); // matmul
  EXPECT_EQ(busy(one, 3), 16u);
  EXPECT_EQ(busy(one, 4), 8u + 30);
  EXPECT_EQ(busy(two, 1), 16u);      // nothing streams yet
  EXPECT_EQ(busy(two, 2), 32u + 30); // the chain's fill and drain
  EXPECT_EQ(busy(two, 3), 1u);       // in the shadow of 32 rows
  EXPECT_EQ(busy(two, 4), 8u);       // the array keeps streaming
  EXPECT_EQ(busy(two, 5), 16u - 8);  // 8 rows hide only half of it
  EXPECT_EQ(busy(two, 6), 8u);
  EXPECT_EQ(busy(two, 8), 16u); // after a vec the chain starts over
  EXPECT_LT(two.total.cycles, one.total.cycles);
  EXPECT_EQ(two.total.actions.macs, one.total.actions.macs);
  // The hash tells the two apart; a description without the key keeps the
  // hash it always had.
  EXPECT_NE(npu::hashHardwareDesc(single), npu::hashHardwareDesc(dual));
}

} // namespace
