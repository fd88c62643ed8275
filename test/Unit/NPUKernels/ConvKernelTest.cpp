//===- ConvKernelTest.cpp - NPU conv/matmul kernel on the simulator -------===//
//
// Part of Tessera. Every tiling the search enumerates for a set of layers
// (padding, strides, groups, depthwise, matrix products, several channel
// tiles, batches) is emitted, run on the simulator with timing and compared
// bit for bit with a direct evaluation of ConvLayer's formula; the cost
// model's prediction is compared with the simulated cycles.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/NPU/Layer.h"
#include "tessera/NPU/Numerics.h"
#include "tessera/NPU/Program.h"
#include "tessera/Sim/Simulator.h"

#include "ConvTestUtil.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace tessera;
using namespace tessera::npu;
using namespace tessera::npu::test;

namespace {

struct Case {
  const char *name;
  int64_t batch, h, w, c, k, kernel, stride, pad, groups;
  const char *hw;
};

class ConvKernelTest : public ::testing::TestWithParam<Case> {};

TEST_P(ConvKernelTest, EveryTilingIsBitExact) {
  const Case &c = GetParam();
  std::mt19937 rng(42);
  ConvLayer l = makeLayer(rng, c.batch, c.h, c.w, c.c, c.k, c.kernel, c.stride,
                          c.pad, c.groups);
  HardwareDesc hw = getHardware(c.hw);
  std::vector<int8_t> x = randomBytes(rng, l.inputBytes());
  std::vector<int8_t> want = reference(l, x);
  std::vector<ConvTiling> tilings = enumerateConvTilings(l, hw);
  ASSERT_FALSE(tilings.empty());
  double worst = 0;
  for (const ConvTiling &t : tilings) {
    RunResult r = run(l, t, hw, x);
    ASSERT_EQ(r.output.size(), want.size()) << t.str();
    size_t mismatches = 0;
    for (size_t i = 0; i < want.size(); ++i)
      mismatches += r.output[i] != want[i];
    EXPECT_EQ(mismatches, 0u) << c.name << " " << t.str();
    double error = std::abs(double(r.predicted.cycles) - double(r.cycles)) /
                   double(r.cycles);
    worst = std::max(worst, error);
    // Counting (with its cache of tile costs) prices exactly what emitting
    // produces.
    llvm::Expected<LayerCost> counted = estimateConv(l, t, hw);
    ASSERT_TRUE(bool(counted));
    EXPECT_EQ(counted->cycles, r.predicted.cycles) << t.str();
    EXPECT_EQ(counted->instructions, r.predicted.instructions) << t.str();
    EXPECT_EQ(counted->dramRead, r.predicted.dramRead) << t.str();
    EXPECT_EQ(counted->energy.total(), r.predicted.energy.total()) << t.str();
    // The prediction is a model of the queues' overlap, not a count.
    EXPECT_LT(error, 0.5) << c.name << " " << t.str() << ": predicted "
                          << r.predicted.cycles << ", simulated " << r.cycles;
  }
  RecordProperty("tilings", int(tilings.size()));
  RecordProperty("worst_cycle_error_pct", int(worst * 100));
}

INSTANTIATE_TEST_SUITE_P(
    Layers, ConvKernelTest,
    ::testing::Values(Case{"conv3x3", 1, 9, 11, 8, 20, 3, 1, 1, 1, "edge"},
                      Case{"conv3x3_s2", 1, 12, 10, 5, 16, 3, 2, 1, 1, "edge"},
                      Case{"conv1x1_k40", 1, 6, 7, 40, 40, 1, 1, 0, 1, "edge"},
                      Case{"grouped", 1, 7, 7, 16, 32, 3, 1, 1, 4, "edge"},
                      Case{"depthwise", 1, 8, 8, 24, 24, 3, 2, 1, 24, "edge"},
                      Case{"matmul", 1, 1, 37, 70, 33, 1, 1, 0, 1, "edge"},
                      Case{"batch2", 2, 5, 5, 3, 17, 3, 1, 1, 1, "edge"},
                      Case{"stem7x7", 1, 20, 20, 3, 16, 7, 2, 3, 1, "mid"},
                      Case{"nonsquare", 1, 9, 9, 20, 36, 3, 1, 1, 1, "edge"},
                      Case{"conv1x1_s2", 1, 13, 14, 32, 48, 1, 2, 0, 1, "edge"},
                      Case{"conv5x5_s3", 1, 17, 16, 8, 16, 5, 3, 2, 1, "edge"}),
    [](const ::testing::TestParamInfo<Case> &info) {
      return std::string(info.param.name);
    });

TEST(ConvKernel, PerTensorRequantizeWithoutBias) {
  std::mt19937 rng(7);
  ConvLayer l = makeLayer(rng, 1, 6, 6, 16, 16, 3, 1, 1, 1, false);
  l.bias.clear();
  l.inZeroPoint = 0;
  HardwareDesc hw = getHardware("edge");
  std::vector<int8_t> x(l.inputBytes(), 3);
  llvm::Expected<ConvTiling> t = chooseConvTiling(l, hw);
  ASSERT_TRUE(bool(t));
  EXPECT_EQ(run(l, *t, hw, x).output, reference(l, x));
}

TEST(ConvKernel, TooSmallHardwareNamesTheConstraint) {
  std::mt19937 rng(1);
  ConvLayer l = makeLayer(rng, 1, 64, 64, 64, 64, 3, 1, 1, 1);
  l.name = "Conv_7";
  HardwareDesc hw = getHardware("edge");
  hw.scratchpadBytes = 4096;
  llvm::Expected<ConvTiling> t = chooseConvTiling(l, hw);
  ASSERT_FALSE(bool(t));
  std::string message = llvm::toString(t.takeError());
  EXPECT_NE(message.find("Conv_7"), std::string::npos) << message;
  EXPECT_NE(message.find("bytes of scratchpad"), std::string::npos) << message;
}

TEST(ConvKernel, InvalidLayersAreRejected) {
  std::mt19937 rng(1);
  ConvLayer l = makeLayer(rng, 1, 4, 4, 6, 8, 3, 1, 1, 1);
  l.groups = 4;
  llvm::Error groups = l.verify();
  ASSERT_TRUE(bool(groups)) << "channels not divisible by groups";
  EXPECT_NE(llvm::toString(std::move(groups)).find("groups"),
            std::string::npos);
  l = makeLayer(rng, 1, 4, 4, 6, 8, 3, 1, 1, 1);
  l.weights.pop_back();
  llvm::Error e = l.verify();
  ASSERT_TRUE(bool(e));
  EXPECT_NE(llvm::toString(std::move(e)).find("weights"), std::string::npos);
}

TEST(ConvKernel, CostNeedsNoWeights) {
  std::mt19937 rng(9);
  HardwareDesc hw = getHardware("edge");
  ConvLayer l = makeLayer(rng, 1, 14, 14, 32, 32, 3, 1, 1, 4);
  ConvLayer shapes = l;
  shapes.weights.clear();
  for (const ConvTiling &t : enumerateConvTilings(l, hw)) {
    llvm::Expected<LayerCost> with = estimateConv(l, t, hw);
    llvm::Expected<LayerCost> without = estimateConv(shapes, t, hw);
    ASSERT_TRUE(with && without) << t.str();
    EXPECT_EQ(with->cycles, without->cycles) << t.str();
    EXPECT_EQ(with->dramRead, without->dramRead) << t.str();
  }
  llvm::Expected<LayerCode> code =
      emitConv(shapes, *chooseConvTiling(shapes, hw), hw, {});
  ASSERT_FALSE(bool(code));
  EXPECT_NE(llvm::toString(code.takeError()).find("weights are needed"),
            std::string::npos);
}

TEST(ConvKernel, PresetChangesTheTiling) {
  std::mt19937 rng(3);
  ConvLayer l = makeLayer(rng, 1, 56, 56, 64, 64, 3, 1, 1, 1);
  llvm::Expected<ConvTiling> edge = chooseConvTiling(l, getHardware("edge"));
  llvm::Expected<ConvTiling> large = chooseConvTiling(l, getHardware("large"));
  ASSERT_TRUE(edge && large);
  EXPECT_FALSE(*edge == *large) << edge->str();
}

} // namespace

namespace {

/// Real-model layer shapes (ResNet-50, MobileNetV2, a transformer block) with
/// the tiling the search chooses on each preset: bit-exact, and the
/// prediction within 5% (the bound the cost model must keep on real layers) of
/// the simulated cycles.
class ModelLayerTest : public ::testing::TestWithParam<Case> {};

/// Runs the layer of `c` with the tiling the search picks on `hw`: bit-exact
/// against the reference, the prediction within 5% of the simulation.
/// Records the tiling, cycles and utilization under `prefix`.
void checkChosenTiling(const Case &c, const HardwareDesc &hw, unsigned seed,
                       const std::string &prefix) {
  std::mt19937 rng(seed);
  ConvLayer l = makeLayer(rng, c.batch, c.h, c.w, c.c, c.k, c.kernel, c.stride,
                          c.pad, c.groups);
  std::vector<int8_t> x = randomBytes(rng, l.inputBytes());
  llvm::Expected<ConvTiling> t = chooseConvTiling(l, hw);
  ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
  RunResult r = run(l, *t, hw, x);
  EXPECT_EQ(r.output, reference(l, x)) << c.name << " " << t->str();
  double error = std::abs(double(r.predicted.cycles) - double(r.cycles)) /
                 double(r.cycles);
  EXPECT_LT(error, 0.05) << c.name << " " << t->str() << ": predicted "
                         << r.predicted.cycles << ", simulated " << r.cycles;
  ::testing::Test::RecordProperty(prefix + "tiling", t->str());
  ::testing::Test::RecordProperty(prefix + "simulated_cycles",
                                  std::to_string(r.cycles));
  ::testing::Test::RecordProperty(prefix + "predicted_cycles",
                                  std::to_string(r.predicted.cycles));
  ::testing::Test::RecordProperty(
      prefix + "utilization_pct",
      std::to_string(100.0 * double(l.macs()) /
                     (double(r.cycles) * hw.peakMacsPerCycle())));
}

TEST_P(ModelLayerTest, ChosenTilingIsBitExact) {
  checkChosenTiling(GetParam(), getHardware(GetParam().hw), 11, "");
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ModelLayerTest,
    ::testing::Values(
        Case{"resnet_stem", 1, 224, 224, 3, 64, 7, 2, 3, 1, "edge"},
        Case{"resnet_3x3_56", 1, 56, 56, 64, 64, 3, 1, 1, 1, "edge"},
        Case{"resnet_1x1_expand", 1, 56, 56, 64, 256, 1, 1, 0, 1, "edge"},
        Case{"resnet_3x3_s2", 1, 56, 56, 128, 128, 3, 2, 1, 1, "mid"},
        Case{"resnet_3x3_s2_14", 1, 14, 14, 512, 512, 3, 2, 1, 1, "edge"},
        Case{"resnet_downsample", 1, 56, 56, 256, 512, 1, 2, 0, 1, "edge"},
        Case{"resnet_1x1_7", 1, 7, 7, 512, 2048, 1, 1, 0, 1, "edge"},
        Case{"resnet_fc", 1, 1, 1, 2048, 1000, 1, 1, 0, 1, "large"},
        Case{"mnv2_depthwise", 1, 112, 112, 32, 32, 3, 1, 1, 32, "edge"},
        Case{"transformer_ffn", 1, 1, 128, 256, 1024, 1, 1, 0, 1, "mid"}),
    [](const ::testing::TestParamInfo<Case> &info) {
      return std::string(info.param.name) + "_" + info.param.hw;
    });

} // namespace

namespace {

/// The Gemmini-greedy baseline: it fits, runs bit-exact, and the search
/// never predicts a slower layer (the baseline is one of its candidates).
TEST_P(ModelLayerTest, SearchNeverPredictsWorseThanGreedy) {
  const Case &c = GetParam();
  std::mt19937 rng(13);
  ConvLayer l = makeLayer(rng, c.batch, c.h, c.w, c.c, c.k, c.kernel, c.stride,
                          c.pad, c.groups);
  HardwareDesc hw = getHardware(c.hw);
  llvm::Expected<ConvTiling> greedy = greedyConvTiling(l, hw);
  ASSERT_TRUE(bool(greedy)) << llvm::toString(greedy.takeError());
  LayerCost searched;
  ASSERT_TRUE(bool(chooseConvTiling(l, hw, &searched)));
  llvm::Expected<LayerCost> baseline = estimateConv(l, *greedy, hw);
  ASSERT_TRUE(bool(baseline));
  EXPECT_LE(searched.cycles, baseline->cycles) << greedy->str();
  std::vector<int8_t> x = randomBytes(rng, l.inputBytes());
  EXPECT_EQ(run(l, *greedy, hw, x).output, reference(l, x)) << greedy->str();
  RecordProperty("greedy", greedy->str());
  RecordProperty("greedy_over_search",
                 std::to_string(double(baseline->cycles) / searched.cycles));
}

TEST(ConvKernel, GreedyShrinksTheLargerDimension) {
  std::mt19937 rng(2);
  HardwareDesc hw = getHardware("edge");
  // Everything fits: the whole layer in one tile.
  ConvLayer small = makeLayer(rng, 1, 8, 8, 16, 32, 3, 1, 1, 1);
  llvm::Expected<ConvTiling> t = greedyConvTiling(small, hw);
  ASSERT_TRUE(bool(t));
  EXPECT_EQ(t->str(), "rows=8 ch=32 weights-outer");
  // 512 channels of 3x3 weights cannot all stay: channels shrink first.
  ConvLayer wide = makeLayer(rng, 1, 14, 14, 512, 512, 3, 1, 1, 1);
  t = greedyConvTiling(wide, hw);
  ASSERT_TRUE(bool(t));
  EXPECT_LT(t->tileChannels, 512);
  EXPECT_EQ(t->tileChannels % 16, 0);
  llvm::Error fits = checkConvTiling(wide, *t, hw);
  EXPECT_FALSE(bool(fits)) << llvm::toString(std::move(fits));
  hw.scratchpadBytes = 1024;
  llvm::Expected<ConvTiling> none = greedyConvTiling(wide, hw);
  ASSERT_FALSE(bool(none));
  EXPECT_NE(llvm::toString(none.takeError()).find("bytes of scratchpad"),
            std::string::npos);
}

} // namespace

namespace {

/// Real-model shapes with double- and with single-buffered weights (edge has
/// two weight registers per PE, mid and large one): bit-exact, the
/// prediction within 5%, never slower with two buffers than with one.
TEST_P(ModelLayerTest, SingleAndDoubleBufferedWeights) {
  const Case &c = GetParam();
  HardwareDesc dualHw = getHardware(c.hw);
  dualHw.weightBuffers = 2;
  HardwareDesc singleHw = dualHw;
  singleHw.weightBuffers = 1;
  checkChosenTiling(c, dualHw, 17, "wb2_");
  checkChosenTiling(c, singleHw, 19, "wb1_");
  std::mt19937 rng(17);
  ConvLayer l = makeLayer(rng, c.batch, c.h, c.w, c.c, c.k, c.kernel, c.stride,
                          c.pad, c.groups);
  LayerCost single, dual;
  ASSERT_TRUE(bool(chooseConvTiling(l, singleHw, &single)));
  ASSERT_TRUE(bool(chooseConvTiling(l, dualHw, &dual)));
  EXPECT_LE(dual.cycles, single.cycles);
}

} // namespace
