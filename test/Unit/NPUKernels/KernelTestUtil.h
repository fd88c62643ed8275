//===- KernelTestUtil.h - running one NPU layer on the simulator -*- C++
//-*-===//
//
// Part of Tessera. Shared by the kernel tests: hardware presets, random int8
// tensors, and a layer's code wrapped into a program (input x, output y,
// constants after both) and simulated with timing.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TEST_UNIT_NPUKERNELS_KERNELTESTUTIL_H
#define TESSERA_TEST_UNIT_NPUKERNELS_KERNELTESTUTIL_H

#include "tessera/Codegen/NPU/Layer.h"
#include "tessera/NPU/Program.h"
#include "tessera/Sim/Simulator.h"

#include "gtest/gtest.h"

#include <functional>
#include <random>

namespace tessera::npu::test {

inline HardwareDesc getHardware(llvm::StringRef spec) {
  llvm::Expected<HardwareDesc> hw = loadHardwareDesc(spec);
  EXPECT_TRUE(bool(hw)) << (hw ? "" : llvm::toString(hw.takeError()));
  return hw ? *hw : HardwareDesc();
}

inline std::vector<int8_t> randomBytes(std::mt19937 &rng, uint64_t count) {
  std::uniform_int_distribution<int> i8(-128, 127);
  std::vector<int8_t> bytes(count);
  for (int8_t &v : bytes)
    v = int8_t(i8(rng));
  return bytes;
}

struct RunResult {
  std::vector<int8_t> output;
  uint64_t cycles = 0;
  LayerCost predicted;
};

/// Emits a layer (`emit` at the given addresses), wraps it into a program
/// with input x of `inShape` and output y of `outShape`, and simulates it.
inline RunResult simulateLayer(
    const HardwareDesc &hw, llvm::ArrayRef<int64_t> inShape,
    llvm::ArrayRef<int64_t> outShape, const std::vector<int8_t> &x,
    const std::function<llvm::Expected<LayerCode>(const LayerAddresses &)>
        &emit) {
  RunResult result;
  uint64_t outBytes = 1;
  for (int64_t d : outShape)
    outBytes *= uint64_t(d);
  LayerAddresses addr;
  addr.output = (x.size() + 63) / 64 * 64;
  addr.constants = (addr.output + outBytes + 63) / 64 * 64;
  llvm::Expected<LayerCode> code = emit(addr);
  if (!code) {
    ADD_FAILURE() << llvm::toString(code.takeError());
    return result;
  }
  Program p;
  p.hwHash = hashHardwareDesc(hw);
  p.constantsAddr = addr.constants;
  p.constants = code->constants;
  p.dramBytes = addr.constants + std::max<uint64_t>(p.constants.size(), 1);
  p.tensors = {{"x", TensorKind::Input, ElemType::I8,
                llvm::SmallVector<int64_t, 4>(inShape), addr.input},
               {"y", TensorKind::Output, ElemType::I8,
                llvm::SmallVector<int64_t, 4>(outShape), addr.output}};
  p.insts = code->insts;
  Inst finish;
  finish.op = Opcode::Finish;
  p.insts.push_back(finish);
  p.layers.push_back({"layer", 0, uint32_t(p.insts.size())});
  sim::Simulator simulator(p, hw);
  EXPECT_FALSE(bool(simulator.setInput(
      "x",
      llvm::ArrayRef(reinterpret_cast<const uint8_t *>(x.data()), x.size()))));
  if (llvm::Error e = simulator.run()) {
    ADD_FAILURE() << llvm::toString(std::move(e));
    return result;
  }
  llvm::Expected<std::vector<uint8_t>> y = simulator.getTensor("y");
  EXPECT_TRUE(bool(y));
  if (!y)
    return result;
  result.output.assign(y->begin(), y->end());
  result.cycles = simulator.getResult().total.cycles;
  result.predicted = code->cost;
  return result;
}

} // namespace tessera::npu::test

#endif // TESSERA_TEST_UNIT_NPUKERNELS_KERNELTESTUTIL_H
