//===- EltwiseKernelTest.cpp - NPU elementwise kernels on the simulator ---===//
//
// Part of Tessera. Every enumerated tiling of the ISA v2 elementwise Add
// (integer residual Add) and Lut runs bit-exact on the simulator against the
// formulas of Layer.h; on the residual Adds of ResNet-50 and MobileNetV2 and
// a Lut activation over 112x112x32 the chosen tiling's predicted cycles are
// within 5% of the simulated ones; the errors name the layer.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/NPU/Layer.h"
#include "tessera/NPU/Numerics.h"

#include "KernelTestUtil.h"

#include "gtest/gtest.h"

#include <climits>
#include <cmath>
#include <random>

using namespace tessera;
using namespace tessera::npu;
using namespace tessera::npu::test;

namespace {

/// Layer.h's formulas, element by element.
std::vector<int8_t> reference(const EltwiseLayer &l,
                              const std::vector<int8_t> &x,
                              const std::vector<int8_t> &x2) {
  std::vector<int8_t> y(l.elements());
  for (size_t i = 0; i < y.size(); ++i) {
    if (l.kind == EltwiseLayer::Kind::Lut) {
      y[i] = l.table[x[i] + 128];
      continue;
    }
    int32_t r1 = requantize(x[i] - l.inZeroPoint, l.inMultiplier,
                            unsigned(l.inShift), 0, INT32_MIN, INT32_MAX);
    int32_t r2 = requantize(x2[i] - l.in2ZeroPoint, l.in2Multiplier,
                            unsigned(l.in2Shift), 0, INT32_MIN, INT32_MAX);
    int32_t sum = int32_t(uint32_t(r1) + uint32_t(r2));
    y[i] = int8_t(requantize(sum, l.multiplier, unsigned(l.shift),
                             l.outZeroPoint, l.clampLo, l.clampHi));
  }
  return y;
}

/// The residual Add of docs/npu/numerics.md for input scales s1, s2 and
/// output scale sy: s_c = 2 max(s1, s2) / 2^20.
EltwiseLayer makeAdd(llvm::StringRef name, int64_t rows, int64_t cols,
                     double s1, int32_t z1, double s2, int32_t z2, double sy,
                     int32_t zy) {
  EltwiseLayer l;
  l.kind = EltwiseLayer::Kind::Add;
  l.name = name.str();
  l.rows = rows;
  l.cols = cols;
  double sc = 2 * std::max(s1, s2) / double(1 << 20);
  auto [m1, sh1] = encodeRequantizeScale(s1 / sc);
  auto [m2, sh2] = encodeRequantizeScale(s2 / sc);
  auto [m, sh] = encodeRequantizeScale(sc / sy);
  l.inZeroPoint = z1;
  l.inMultiplier = m1;
  l.inShift = int32_t(sh1);
  l.in2ZeroPoint = z2;
  l.in2Multiplier = m2;
  l.in2Shift = int32_t(sh2);
  l.multiplier = m;
  l.shift = int32_t(sh);
  l.outZeroPoint = zy;
  return l;
}

/// A hard-swish-like table: any 256 int8 values do.
EltwiseLayer makeLut(llvm::StringRef name, int64_t rows, int64_t cols) {
  EltwiseLayer l;
  l.kind = EltwiseLayer::Kind::Lut;
  l.name = name.str();
  l.rows = rows;
  l.cols = cols;
  for (int v = -128; v < 128; ++v) {
    double x = v * 0.05;
    double y = x * std::min(std::max(x + 3, 0.0), 6.0) / 6;
    l.table.push_back(
        int8_t(std::clamp<long>(std::lround(y / 0.03), -128, 127)));
  }
  return l;
}

/// Runs `l` with `t`: x (and x2 for Add, right after x in DRAM: the input
/// tensor of the test program is [2][rows][cols]).
RunResult run(const EltwiseLayer &l, const EltwiseTiling &t,
              const HardwareDesc &hw, const std::vector<int8_t> &x,
              const std::vector<int8_t> &x2) {
  SCOPED_TRACE(t.str());
  bool add = l.kind == EltwiseLayer::Kind::Add;
  std::vector<int8_t> input = x;
  if (add)
    input.insert(input.end(), x2.begin(), x2.end());
  llvm::SmallVector<int64_t, 3> inShape = {l.rows, l.cols};
  if (add)
    inShape.insert(inShape.begin(), 2);
  return simulateLayer(hw, inShape, {l.rows, l.cols}, input,
                       [&](const LayerAddresses &at) {
                         LayerAddresses addr = at;
                         addr.input2 = at.input + l.elements();
                         return emitEltwise(l, t, hw, addr);
                       });
}

void checkEveryTiling(const EltwiseLayer &l, llvm::StringRef hwName) {
  HardwareDesc hw = getHardware(hwName);
  std::mt19937 rng(3);
  std::vector<int8_t> x = randomBytes(rng, l.elements());
  std::vector<int8_t> x2 = randomBytes(rng, l.elements());
  std::vector<int8_t> want = reference(l, x, x2);
  std::vector<EltwiseTiling> tilings = enumerateEltwiseTilings(l, hw);
  ASSERT_FALSE(tilings.empty());
  for (const EltwiseTiling &t : tilings) {
    RunResult r = run(l, t, hw, x, x2);
    EXPECT_EQ(r.output, want) << l.name << " " << t.str();
    // The counting emitter predicts what the keeping one emitted.
    llvm::Expected<LayerCost> counted = estimateEltwise(l, t, hw);
    ASSERT_TRUE(bool(counted)) << llvm::toString(counted.takeError());
    EXPECT_EQ(counted->cycles, r.predicted.cycles) << t.str();
    EXPECT_EQ(counted->instructions, r.predicted.instructions) << t.str();
    EXPECT_EQ(counted->dramRead, r.predicted.dramRead) << t.str();
    EXPECT_EQ(counted->dramRead,
              l.inputBytes() + getEltwiseConstantBytes(l, t, hw))
        << t.str();
    EXPECT_EQ(counted->dramWritten, l.outputBytes()) << t.str();
  }
}

TEST(EltwiseKernel, AddEveryTiling) {
  // 37 rows of 24 channels: tiles of odd element counts leave a partial
  // identity block (24 * odd rows % 16 = 8) and a short vector row.
  checkEveryTiling(makeAdd("add", 37, 24, 0.05, -3, 0.021, 7, 0.06, -10),
                   "edge");
  // Wider rows and a clamp (a fused ReLU) on the mid preset.
  EltwiseLayer relu = makeAdd("add_relu", 9, 300, 0.2, 0, 0.2, 0, 0.3, -128);
  relu.clampLo = -128;
  checkEveryTiling(relu, "mid");
}

TEST(EltwiseKernel, AddExtremeParameters) {
  // Zero points at the ends of int8, very different scales, the output
  // saturating on both sides.
  checkEveryTiling(
      makeAdd("add_extreme", 5, 64, 1.0, -128, 1e-3, 127, 0.004, 0), "edge");
}

TEST(EltwiseKernel, LutEveryTiling) {
  checkEveryTiling(makeLut("hswish", 21, 40), "edge");
  checkEveryTiling(makeLut("hswish_mid", 6, 1000), "mid");
}

TEST(EltwiseKernel, VectorRowsSplitAtTheFieldLimit) {
  // One tile of 1100 x 256 elements: 1100 vector rows of 256, more than the
  // 1023 one vec holds, so every pass is split (the lut keeps its table).
  HardwareDesc hw = getHardware("large");
  std::mt19937 rng(4);
  for (const EltwiseLayer &l :
       {makeAdd("big_add", 1100, 256, 0.05, 1, 0.07, -1, 0.1, 2),
        makeLut("big_lut", 1100, 256)}) {
    std::vector<int8_t> x = randomBytes(rng, l.elements());
    std::vector<int8_t> x2 = randomBytes(rng, l.elements());
    RunResult r = run(l, EltwiseTiling{1100}, hw, x, x2);
    EXPECT_EQ(r.output, reference(l, x, x2)) << l.name;
  }
}

/// The chosen tiling of a realistic layer: bit-exact, and the cost model
/// within 5% of the simulator.
void checkChosen(const EltwiseLayer &l, llvm::StringRef hwName) {
  HardwareDesc hw = getHardware(hwName);
  std::mt19937 rng(9);
  std::vector<int8_t> x = randomBytes(rng, l.elements());
  std::vector<int8_t> x2 = randomBytes(rng, l.elements());
  LayerCost predicted;
  llvm::Expected<EltwiseTiling> t = chooseEltwiseTiling(l, hw, &predicted);
  ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
  RunResult r = run(l, *t, hw, x, x2);
  EXPECT_EQ(r.output, reference(l, x, x2)) << l.name << " " << t->str();
  EXPECT_EQ(r.predicted.cycles, predicted.cycles);
  double error = std::abs(double(r.predicted.cycles) - double(r.cycles)) /
                 double(r.cycles);
  EXPECT_LT(error, 0.05) << l.name << " " << t->str() << ": predicted "
                         << r.predicted.cycles << ", simulated " << r.cycles;
  std::string prefix = l.name + "_" + hwName.str() + "_";
  ::testing::Test::RecordProperty(prefix + "tiling", t->str());
  ::testing::Test::RecordProperty(prefix + "simulated_cycles",
                                  std::to_string(r.cycles));
  ::testing::Test::RecordProperty(prefix + "predicted_cycles",
                                  std::to_string(r.predicted.cycles));
}

TEST(EltwiseKernel, ResNet50ResidualAdds) {
  for (auto [hw, c] : {std::pair{"edge", 256},
                       {"edge", 512},
                       {"edge", 1024},
                       {"edge", 2048},
                       {"mid", 256},
                       {"mid", 2048}}) {
    int64_t side = c == 256 ? 56 : c == 512 ? 28 : c == 1024 ? 14 : 7;
    checkChosen(makeAdd("res" + std::to_string(c), side * side, c, 0.04, -5,
                        0.03, 12, 0.05, -8),
                hw);
  }
}

TEST(EltwiseKernel, MobileNetV2ResidualAdds) {
  for (auto [side, c] :
       {std::pair{56, 24}, {28, 32}, {14, 64}, {14, 96}, {7, 160}})
    checkChosen(makeAdd("mbv2_" + std::to_string(c), side * side, c, 0.1, 3,
                        0.08, -2, 0.12, 0),
                "edge");
}

TEST(EltwiseKernel, LutActivation) {
  checkChosen(makeLut("lut112", 112 * 112, 32), "edge");
  checkChosen(makeLut("lut112", 112 * 112, 32), "mid");
}

TEST(EltwiseKernel, Errors) {
  auto errorOf = [](llvm::Error e) {
    return e ? llvm::toString(std::move(e)) : std::string();
  };
  EltwiseLayer lut = makeLut("act", 4, 4);
  lut.table.resize(255);
  EXPECT_EQ(errorOf(lut.verify()),
            "layer 'act': the Lut table has 255 entries, it needs 256 (one "
            "per int8 input)");
  EltwiseLayer add = makeAdd("res", 4, 4, 1, 0, 1, 0, 1, 0);
  add.in2Shift = 64;
  EXPECT_EQ(errorOf(add.verify()),
            "layer 'res': requantize shift 64 outside [0, 63]");
  add = makeAdd("res", 4, 4, 1, 0, 1, 0, 1, 0);
  add.inZeroPoint = 128;
  EXPECT_EQ(errorOf(add.verify()),
            "layer 'res': zero points and clamps must be int8");
  add = makeAdd("res", 4, 4, 1, 0, 1, 0, 1, 0);
  add.table.assign(256, 0);
  EXPECT_EQ(errorOf(add.verify()),
            "layer 'res': an Add has no table (it has 256 entries)");
  add = makeAdd("res", 0, 4, 1, 0, 1, 0, 1, 0);
  EXPECT_EQ(errorOf(add.verify()),
            "layer 'res': rows and cols must be at least 1");

  // Hardware of ISA version 1: every entry point says why, naming the layer.
  HardwareDesc v1 = getHardware("edge");
  v1.isaVersion = 1;
  add = makeAdd("res", 4, 4, 1, 0, 1, 0, 1, 0);
  std::string want = "layer 'res': the elementwise Add needs ISA version 2 "
                     "(config_quant bias and wide), but hardware 'edge' has "
                     "isa_version 1";
  EXPECT_EQ(errorOf(checkEltwiseTiling(add, EltwiseTiling{1}, v1)), want);
  EXPECT_EQ(errorOf(chooseEltwiseTiling(add, v1).takeError()), want);
  EXPECT_EQ(
      errorOf(
          emitEltwise(add, EltwiseTiling{1}, v1, LayerAddresses()).takeError()),
      want);
  EXPECT_TRUE(enumerateEltwiseTilings(add, v1).empty());
  EXPECT_EQ(
      errorOf(estimateEltwise(makeLut("act", 4, 4), EltwiseTiling{2}, v1)
                  .takeError()),
      "layer 'act': the elementwise Lut needs ISA version 2 (vec lut), but "
      "hardware 'edge' has isa_version 1");

  // Tilings that do not fit.
  HardwareDesc edge = getHardware("edge");
  EXPECT_EQ(errorOf(checkEltwiseTiling(add, EltwiseTiling{5}, edge)),
            "layer 'res' (tiling rows=5): tile rows must lie in [1, 4]");
  EltwiseLayer big = makeAdd("big", 64, 4096, 1, 0, 1, 0, 1, 0);
  std::string tooBig = errorOf(checkEltwiseTiling(big, EltwiseTiling{2}, edge));
  EXPECT_EQ(tooBig, "layer 'big' (tiling rows=2): needs 71680 bytes of "
                    "accumulator (8192 int32 tiles x2); the hardware has "
                    "65536");
  // One row of 8192 channels is too much for the accumulator: no tiling.
  EltwiseLayer huge = makeAdd("huge", 2, 8192, 1, 0, 1, 0, 1, 0);
  std::string none = errorOf(chooseEltwiseTiling(huge, edge).takeError());
  EXPECT_NE(none.find("no tiling fits the hardware; the smallest: layer "
                      "'huge' (tiling rows=1): needs"),
            std::string::npos)
      << none;
}

} // namespace
