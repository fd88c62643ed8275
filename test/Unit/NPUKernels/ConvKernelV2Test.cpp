//===- ConvKernelV2Test.cpp - the convolution kernel on ISA version 2 -----===//
//
// Part of Tessera. The ISA v2 paths of the convolution kernel on the
// simulator, bit for bit against ConvLayer's formula: the bias added by the
// requantize (config_quant bias) with per-tensor and per-channel scales, the
// array's depthwise mode (config_taps, matmul depthwise) with strides,
// padding and kernels taller than the array, the activation table (vec lut);
// the cost model on real depthwise and 3x3 layer shapes; and hardware of ISA
// version 1, which never gets a version-2 instruction.
//
//===----------------------------------------------------------------------===//

#include "ConvTestUtil.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

using namespace tessera;
using namespace tessera::npu;
using namespace tessera::npu::test;

namespace {

HardwareDesc getHardware(llvm::StringRef preset, unsigned isaVersion) {
  HardwareDesc hw = test::getHardware(preset);
  hw.isaVersion = isaVersion;
  return hw;
}

/// A table of a monotone activation over int8 (a hard-swish-like curve).
std::vector<int8_t> makeTable() {
  std::vector<int8_t> table(256);
  for (int i = 0; i < 256; ++i) {
    int q = i - 128;
    table[size_t(i)] =
        int8_t(std::clamp(q * std::clamp(q + 64, 0, 128) / 128, -128, 127));
  }
  return table;
}

/// The ISA v2 features of `insts`.
std::set<std::string> getFeatures(const std::vector<Inst> &insts) {
  std::set<std::string> features;
  for (const Inst &inst : insts)
    if (std::string feature = getIsaV2Feature(inst); !feature.empty())
      features.insert(feature);
  return features;
}

bool hasVecAdd(const std::vector<Inst> &insts) {
  return llvm::any_of(insts, [](const Inst &inst) {
    return inst.op == Opcode::Vec && VecFunc(inst.func) == VecFunc::Add;
  });
}

struct V2Case {
  const char *name;
  int64_t batch, h, w, c, k, kernel, stride, pad, groups;
  bool perChannel, lut;
  const char *hw;
  unsigned isa;
};

class ConvKernelV2Test : public ::testing::TestWithParam<V2Case> {};

/// Every tiling the search enumerates: bit-exact, counting prices what
/// emitting produces, and exactly the expected ISA v2 features.
TEST_P(ConvKernelV2Test, EveryTilingIsBitExact) {
  const V2Case &c = GetParam();
  std::mt19937 rng(23);
  ConvLayer l = makeLayer(rng, c.batch, c.h, c.w, c.c, c.k, c.kernel, c.stride,
                          c.pad, c.groups, c.perChannel);
  if (c.lut)
    l.table = makeTable();
  HardwareDesc hw = getHardware(c.hw, c.isa);
  std::vector<int8_t> x = randomBytes(rng, l.inputBytes());
  std::vector<int8_t> want = reference(l, x);
  std::vector<ConvTiling> tilings = enumerateConvTilings(l, hw);
  ASSERT_FALSE(tilings.empty());
  bool depthwiseLayer = c.groups == c.c && c.c == c.k;
  unsigned dwTilings = 0;
  double worst = 0;
  for (const ConvTiling &t : tilings) {
    SCOPED_TRACE(t.str());
    RunResult r = run(l, t, hw, x);
    ASSERT_EQ(r.output, want) << c.name << " " << t.str();
    llvm::Expected<LayerCost> counted = estimateConv(l, t, hw);
    ASSERT_TRUE(bool(counted));
    EXPECT_EQ(counted->cycles, r.predicted.cycles);
    EXPECT_EQ(counted->instructions, r.predicted.instructions);
    EXPECT_EQ(counted->energy.total(), r.predicted.energy.total());
    double error = std::abs(double(r.predicted.cycles) - double(r.cycles)) /
                   double(r.cycles);
    worst = std::max(worst, error);
    EXPECT_LT(error, 0.5) << "predicted " << r.predicted.cycles
                          << ", simulated " << r.cycles;

    llvm::Expected<LayerCode> code = emitConv(l, t, hw, LayerAddresses());
    ASSERT_TRUE(bool(code));
    std::set<std::string> features = getFeatures(code->insts);
    std::set<std::string> expected;
    if (c.isa >= 2) {
      expected.insert("config_quant bias"); // the layers have a bias
      if (c.lut)
        expected.insert("vec func=lut");
      if (t.depthwise)
        expected.insert({"config_taps", "matmul depthwise"});
    }
    EXPECT_EQ(features, expected);
    // The bias add is gone exactly where the requantize adds the bias.
    EXPECT_EQ(hasVecAdd(code->insts), c.isa < 2);
    dwTilings += t.depthwise;
  }
  // The depthwise mode is enumerated next to the block-diagonal weights.
  if (depthwiseLayer && c.isa >= 2)
    EXPECT_GT(dwTilings, 0u);
  else
    EXPECT_EQ(dwTilings, 0u);
  RecordProperty("tilings", int(tilings.size()));
  RecordProperty("depthwise_tilings", int(dwTilings));
  RecordProperty("worst_cycle_error_pct", int(worst * 100));
}

INSTANTIATE_TEST_SUITE_P(
    Layers, ConvKernelV2Test,
    ::testing::Values(
        // Fused bias, per-channel and per-tensor scales (zero points and
        // biases are random and non-zero), and the same on ISA v1.
        V2Case{"bias_per_channel", 1, 9, 11, 8, 20, 3, 1, 1, 1, true, false,
               "edge", 2},
        V2Case{"bias_per_tensor", 1, 9, 11, 8, 20, 3, 1, 1, 1, false, false,
               "edge", 2},
        V2Case{"bias_per_tensor_s2", 1, 12, 10, 5, 40, 3, 2, 1, 1, false, false,
               "edge", 2},
        V2Case{"bias_matmul", 1, 1, 37, 70, 33, 1, 1, 0, 1, false, false, "mid",
               2},
        V2Case{"bias_grouped", 1, 7, 7, 16, 32, 3, 1, 1, 4, true, false, "edge",
               2},
        V2Case{"bias_per_channel_v1", 1, 9, 11, 8, 20, 3, 1, 1, 1, true, false,
               "edge", 1},
        V2Case{"bias_per_tensor_v1", 1, 9, 11, 8, 20, 3, 1, 1, 1, false, false,
               "edge", 1},
        // The depthwise mode: 3x3 stride 1 and 2 with padding, a channel
        // count that is not a multiple of the array's columns, 5x5 (25 taps
        // > 16 rows: split by kernel rows), a 32x32 array, batch 2.
        V2Case{"dw3x3_s1", 1, 10, 9, 32, 32, 3, 1, 1, 32, true, false, "edge",
               2},
        V2Case{"dw3x3_s2", 1, 11, 12, 24, 24, 3, 2, 1, 24, true, false, "edge",
               2},
        V2Case{"dw5x5_s1", 1, 9, 9, 16, 16, 5, 1, 2, 16, true, false, "edge",
               2},
        V2Case{"dw5x5_s2", 1, 12, 11, 40, 40, 5, 2, 2, 40, false, false, "edge",
               2},
        V2Case{"dw3x3_mid", 1, 8, 8, 64, 64, 3, 1, 1, 64, true, false, "mid",
               2},
        V2Case{"dw3x3_batch2", 2, 6, 7, 16, 16, 3, 1, 1, 16, true, false,
               "edge", 2},
        V2Case{"dw3x3_v1", 1, 11, 12, 24, 24, 3, 2, 1, 24, true, false, "edge",
               1},
        // The activation table after the requantize.
        V2Case{"lut_conv", 1, 7, 7, 16, 24, 3, 1, 1, 1, true, true, "edge", 2},
        V2Case{"lut_dw", 1, 8, 8, 32, 32, 3, 2, 1, 32, false, true, "edge", 2},
        V2Case{"lut_dw5x5", 1, 7, 9, 16, 16, 5, 1, 2, 16, true, true, "edge",
               2}),
    [](const ::testing::TestParamInfo<V2Case> &info) {
      return std::string(info.param.name);
    });

TEST(ConvKernelV2, NoBiasKeepsTheVersion1Code) {
  // Nothing to add: the requantize is the version-1 one on both versions.
  std::mt19937 rng(5);
  ConvLayer l = makeLayer(rng, 1, 6, 6, 16, 16, 3, 1, 1, 1, false);
  l.bias.clear();
  l.inZeroPoint = 0;
  std::vector<int8_t> x = randomBytes(rng, l.inputBytes());
  for (unsigned isa : {1u, 2u}) {
    HardwareDesc hw = getHardware("edge", isa);
    for (const ConvTiling &t : enumerateConvTilings(l, hw)) {
      llvm::Expected<LayerCode> code = emitConv(l, t, hw, LayerAddresses());
      ASSERT_TRUE(bool(code));
      EXPECT_TRUE(getFeatures(code->insts).empty()) << t.str();
      EXPECT_FALSE(hasVecAdd(code->insts)) << t.str();
    }
    llvm::Expected<ConvTiling> t = chooseConvTiling(l, hw);
    ASSERT_TRUE(bool(t));
    EXPECT_EQ(run(l, *t, hw, x).output, reference(l, x));
  }
}

/// Hardware of ISA version 1 never gets a version-2 instruction, on any
/// tiling of any layer kind.
TEST(ConvKernelV2, IsaVersion1GetsNoVersion2Instruction) {
  std::mt19937 rng(8);
  HardwareDesc hw = getHardware("edge", 1);
  std::vector<ConvLayer> layers = {
      makeLayer(rng, 1, 14, 14, 32, 32, 3, 1, 1, 32),
      makeLayer(rng, 1, 14, 14, 48, 48, 5, 2, 2, 48, false),
      makeLayer(rng, 1, 9, 9, 24, 40, 3, 1, 1, 1, false),
      makeLayer(rng, 1, 7, 7, 64, 64, 1, 1, 0, 1)};
  unsigned scanned = 0;
  for (const ConvLayer &l : layers)
    for (const ConvTiling &t : enumerateConvTilings(l, hw)) {
      EXPECT_FALSE(t.depthwise) << t.str();
      llvm::Expected<LayerCode> code = emitConv(l, t, hw, LayerAddresses());
      ASSERT_TRUE(bool(code));
      for (const Inst &inst : code->insts)
        ASSERT_EQ(getInstIsaVersion(inst), 1u)
            << t.str() << ": " << getIsaV2Feature(inst);
      ++scanned;
    }
  EXPECT_GT(scanned, 20u);
}

TEST(ConvKernelV2, ErrorsNameTheLayerAndTheConstraint) {
  std::mt19937 rng(4);
  HardwareDesc v1 = getHardware("edge", 1), v2 = getHardware("edge", 2);
  ConvLayer dw = makeLayer(rng, 1, 8, 8, 32, 32, 3, 1, 1, 32);
  dw.name = "Conv_dw";
  ConvTiling tiling{8, 32, ConvTiling::Order::WeightsOuter, true, 0, true};
  auto message = [](llvm::Error e) {
    return e ? llvm::toString(std::move(e)) : std::string("success");
  };
  EXPECT_FALSE(bool(checkConvTiling(dw, tiling, v2)));
  std::string m = message(checkConvTiling(dw, tiling, v1));
  EXPECT_NE(m.find("Conv_dw"), std::string::npos) << m;
  EXPECT_NE(m.find("depthwise mode needs ISA version 2"), std::string::npos)
      << m;
  // Grouped but not depthwise.
  ConvLayer grouped = makeLayer(rng, 1, 8, 8, 32, 32, 3, 1, 1, 8);
  m = message(checkConvTiling(grouped, tiling, v2));
  EXPECT_NE(m.find("groups = input channels = output channels"),
            std::string::npos)
      << m;
  // Reduction split by kernel rows.
  tiling.kernelRowsPerFill = 1;
  m = message(checkConvTiling(dw, tiling, v2));
  EXPECT_NE(m.find("every kernel row in one fill"), std::string::npos) << m;
  // A kernel wider than the array's rows.
  ConvLayer wide = makeLayer(rng, 1, 4, 20, 16, 16, 1, 1, 0, 16);
  wide.kernelW = 17;
  wide.weights.resize(17 * 16);
  tiling.kernelRowsPerFill = 0;
  tiling.tileRows = 4;
  tiling.tileChannels = 16;
  m = message(checkConvTiling(wide, tiling, v2));
  EXPECT_NE(m.find("kernel width 17"), std::string::npos) << m;
  // The activation table: its size, and the ISA version it needs.
  ConvLayer lut = makeLayer(rng, 1, 6, 6, 16, 16, 3, 1, 1, 1);
  lut.name = "Conv_lut";
  lut.table.assign(255, 0);
  m = message(lut.verify());
  EXPECT_NE(m.find("activation table has 255 entries, expected 256"),
            std::string::npos)
      << m;
  lut.table = makeTable();
  EXPECT_FALSE(bool(lut.verify()));
  llvm::Expected<ConvTiling> chosen = chooseConvTiling(lut, v1);
  ASSERT_FALSE(bool(chosen));
  m = llvm::toString(chosen.takeError());
  EXPECT_NE(m.find("Conv_lut"), std::string::npos) << m;
  EXPECT_NE(m.find("(vec lut) needs ISA version 2"), std::string::npos) << m;
  llvm::Expected<LayerCode> code =
      emitConv(lut, ConvTiling{6, 16}, v1, LayerAddresses());
  ASSERT_FALSE(bool(code));
  EXPECT_NE(llvm::toString(code.takeError()).find("needs ISA version 2"),
            std::string::npos);
  EXPECT_TRUE(enumerateConvTilings(lut, v1).empty());
}

TEST(ConvKernelV2, TilingNamesTheDepthwiseMode) {
  ConvTiling t{4, 32, ConvTiling::Order::InputsOuter, true, 0, true};
  EXPECT_EQ(t.str(), "rows=4 ch=32 inputs-outer flat dw");
  ConvTiling dense = t;
  dense.depthwise = false;
  EXPECT_FALSE(t == dense);
  EXPECT_TRUE(t == t);
}

} // namespace

namespace {

struct ShapeCase {
  const char *name;
  int64_t h, w, c, k, kernel, stride, pad, groups;
};

/// Real-model shapes on edge with the tiling the search picks: bit-exact,
/// the prediction within 5% of the simulation; the speed-up over the same
/// layer on ISA v1 (the block-diagonal depthwise, the separate bias add).
class ModelShapeV2Test : public ::testing::TestWithParam<ShapeCase> {};

TEST_P(ModelShapeV2Test, ChosenTilingIsBitExact) {
  const ShapeCase &c = GetParam();
  std::mt19937 rng(31);
  ConvLayer l = makeLayer(rng, 1, c.h, c.w, c.c, c.k, c.kernel, c.stride, c.pad,
                          c.groups);
  HardwareDesc hw = getHardware("edge", 2);
  std::vector<int8_t> x = randomBytes(rng, l.inputBytes());
  LayerCost v2Cost, v1Cost;
  llvm::Expected<ConvTiling> t = chooseConvTiling(l, hw, &v2Cost);
  ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
  llvm::Expected<ConvTiling> t1 =
      chooseConvTiling(l, getHardware("edge", 1), &v1Cost);
  ASSERT_TRUE(bool(t1)) << llvm::toString(t1.takeError());
  RunResult r = run(l, *t, hw, x);
  EXPECT_EQ(r.output, reference(l, x)) << c.name << " " << t->str();
  double error = std::abs(double(r.predicted.cycles) - double(r.cycles)) /
                 double(r.cycles);
  EXPECT_LT(error, 0.05) << c.name << " " << t->str() << ": predicted "
                         << r.predicted.cycles << ", simulated " << r.cycles;
  EXPECT_LE(v2Cost.cycles, v1Cost.cycles);
  bool depthwise = c.groups == c.c && c.c == c.k;
  EXPECT_EQ(t->depthwise, depthwise) << t->str();
  // The depthwise mode fills the array's rows with taps instead of 1/16 of
  // it with a diagonal block.
  if (depthwise) {
    EXPECT_GT(double(v1Cost.cycles), 2.0 * double(v2Cost.cycles));
  }
  RecordProperty("tiling", t->str());
  RecordProperty("simulated_cycles", std::to_string(r.cycles));
  RecordProperty("predicted_cycles", std::to_string(r.predicted.cycles));
  RecordProperty("utilization_pct",
                 std::to_string(100.0 * double(l.macs()) /
                                (double(r.cycles) * hw.peakMacsPerCycle())));
  // With one weight register per PE (ISA v1's array) as well.
  HardwareDesc wb1 = hw;
  wb1.weightBuffers = 1;
  llvm::Expected<ConvTiling> tw = chooseConvTiling(l, wb1);
  ASSERT_TRUE(bool(tw)) << llvm::toString(tw.takeError());
  RunResult rw = run(l, *tw, wb1, x);
  EXPECT_EQ(rw.output, reference(l, x)) << c.name << " " << tw->str();
  double errorWb1 = std::abs(double(rw.predicted.cycles) - double(rw.cycles)) /
                    double(rw.cycles);
  EXPECT_LT(errorWb1, 0.05)
      << c.name << " " << tw->str() << " (weight_buffers 1): predicted "
      << rw.predicted.cycles << ", simulated " << rw.cycles;
  RecordProperty("wb1_tiling", tw->str());
  RecordProperty("wb1_simulated_cycles", std::to_string(rw.cycles));
  RecordProperty("v1_tiling", t1->str());
  RecordProperty("v1_predicted_cycles", std::to_string(v1Cost.cycles));
  RecordProperty("speedup_over_v1",
                 std::to_string(double(v1Cost.cycles) / double(r.cycles)));
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ModelShapeV2Test,
    ::testing::Values(
        // MobileNetV2's depthwise layers.
        ShapeCase{"mnv2_dw_112x32", 112, 112, 32, 32, 3, 1, 1, 32},
        ShapeCase{"mnv2_dw_112x96_s2", 112, 112, 96, 96, 3, 2, 1, 96},
        ShapeCase{"mnv2_dw_56x144", 56, 56, 144, 144, 3, 1, 1, 144},
        ShapeCase{"mnv2_dw_28x192", 28, 28, 192, 192, 3, 1, 1, 192},
        ShapeCase{"mnv2_dw_56x144_s2", 56, 56, 144, 144, 3, 2, 1, 144},
        ShapeCase{"mnv2_dw_28x192_s2", 28, 28, 192, 192, 3, 2, 1, 192},
        ShapeCase{"mnv2_dw_14x384", 14, 14, 384, 384, 3, 1, 1, 384},
        ShapeCase{"mnv2_dw_14x576", 14, 14, 576, 576, 3, 1, 1, 576},
        ShapeCase{"mnv2_dw_14x576_s2", 14, 14, 576, 576, 3, 2, 1, 576},
        ShapeCase{"mnv2_dw_7x960", 7, 7, 960, 960, 3, 1, 1, 960},
        // ResNet-50's 3x3 convolutions (the bias fused in the requantize).
        ShapeCase{"resnet_3x3_56", 56, 56, 64, 64, 3, 1, 1, 1},
        ShapeCase{"resnet_3x3_28", 28, 28, 128, 128, 3, 1, 1, 1},
        ShapeCase{"resnet_3x3_14", 14, 14, 256, 256, 3, 1, 1, 1},
        ShapeCase{"resnet_3x3_7", 7, 7, 512, 512, 3, 1, 1, 1},
        ShapeCase{"resnet_3x3_s2_56", 56, 56, 128, 128, 3, 2, 1, 1},
        ShapeCase{"resnet_3x3_s2_28", 28, 28, 256, 256, 3, 2, 1, 1},
        ShapeCase{"resnet_3x3_s2_14", 14, 14, 512, 512, 3, 2, 1, 1}),
    [](const ::testing::TestParamInfo<ShapeCase> &info) {
      return std::string(info.param.name);
    });

} // namespace
