//===- PoolKernelTest.cpp - NPU pooling kernels on the simulator ----------===//
//
// Part of Tessera. Every enumerated tiling of max pooling (padding, strides,
// channel tiles with per-row DMAs), of the quantized average pooling (ISA
// v2: bias in the requantize; v1: a bias row) and of the quantized global
// average pooling runs bit-exact on the simulator against a direct
// evaluation.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/NPU/Layer.h"
#include "tessera/NPU/Numerics.h"
#include "tessera/NPU/Program.h"
#include "tessera/Sim/Simulator.h"

#include "KernelTestUtil.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace tessera;
using namespace tessera::npu;
using namespace tessera::npu::test;

namespace {

std::vector<int8_t> reference(const PoolLayer &l,
                              const std::vector<int8_t> &x) {
  std::vector<int8_t> y(l.outputBytes());
  int64_t oh = l.outH(), ow = l.outW(), c = l.channels;
  for (int64_t b = 0; b < l.batch; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox)
        for (int64_t ch = 0; ch < c; ++ch) {
          int32_t v;
          if (l.kind == PoolLayer::Kind::GlobalSum) {
            int32_t sum = 0;
            for (int64_t i = 0; i < l.inH * l.inW; ++i)
              sum += x[(b * l.inH * l.inW + i) * c + ch] - l.inZeroPoint;
            v = requantize(sum, l.multiplier, unsigned(l.shift), l.outZeroPoint,
                           l.clampLo, l.clampHi);
          } else if (l.kind == PoolLayer::Kind::Avg) {
            // Padding contributes 0 (count_include_pad: the 1/K is in the
            // scale).
            int32_t sum = 0;
            for (int64_t ky = 0; ky < l.kernelH; ++ky)
              for (int64_t kx = 0; kx < l.kernelW; ++kx) {
                int64_t iy = oy * l.strideH + ky - l.padTop;
                int64_t ix = ox * l.strideW + kx - l.padLeft;
                if (iy >= 0 && iy < l.inH && ix >= 0 && ix < l.inW)
                  sum += x[((b * l.inH + iy) * l.inW + ix) * c + ch] -
                         l.inZeroPoint;
              }
            v = requantize(sum, l.multiplier, unsigned(l.shift), l.outZeroPoint,
                           l.clampLo, l.clampHi);
          } else {
            v = -128;
            for (int64_t ky = 0; ky < l.kernelH; ++ky)
              for (int64_t kx = 0; kx < l.kernelW; ++kx) {
                int64_t iy = oy * l.strideH + ky - l.padTop;
                int64_t ix = ox * l.strideW + kx - l.padLeft;
                if (iy >= 0 && iy < l.inH && ix >= 0 && ix < l.inW)
                  v = std::max<int32_t>(
                      v, x[((b * l.inH + iy) * l.inW + ix) * c + ch]);
              }
          }
          y[((b * oh + oy) * ow + ox) * c + ch] = int8_t(v);
        }
  return y;
}

std::vector<int8_t> run(const PoolLayer &l, const PoolTiling &t,
                        const HardwareDesc &hw, const std::vector<int8_t> &x) {
  SCOPED_TRACE(t.str());
  return simulateLayer(hw, {l.batch, l.inH, l.inW, l.channels},
                       {l.batch, l.outH(), l.outW(), l.channels}, x,
                       [&](const LayerAddresses &addr) {
                         return emitPool(l, t, hw, addr);
                       })
      .output;
}

void checkEveryTiling(const PoolLayer &l, const HardwareDesc &hw) {
  std::mt19937 rng(5);
  std::vector<int8_t> x = randomBytes(rng, l.inputBytes());
  std::vector<int8_t> want = reference(l, x);
  std::vector<PoolTiling> tilings = enumeratePoolTilings(l, hw);
  ASSERT_FALSE(tilings.empty());
  for (const PoolTiling &t : tilings)
    EXPECT_EQ(run(l, t, hw, x), want) << l.name << " " << t.str();
}

void checkEveryTiling(const PoolLayer &l, llvm::StringRef hwName) {
  checkEveryTiling(l, getHardware(hwName));
}

PoolLayer makeAvg(llvm::StringRef name, int64_t h, int64_t w, int64_t c,
                  int64_t k, int64_t stride, int64_t pad, int32_t inZp) {
  PoolLayer l;
  l.kind = PoolLayer::Kind::Avg;
  l.name = name.str();
  l.inH = h;
  l.inW = w;
  l.channels = c;
  l.kernelH = l.kernelW = k;
  l.strideH = l.strideW = stride;
  l.padTop = l.padLeft = l.padBottom = l.padRight = pad;
  l.inZeroPoint = inZp;
  auto [m, s] = encodeRequantizeScale(1.0 / double(k * k) * 0.9);
  l.multiplier = m;
  l.shift = int32_t(s);
  l.outZeroPoint = -7;
  return l;
}

TEST(PoolKernel, AvgPool3x3Pad1ZeroPointBothIsaVersions) {
  // A nonzero input zero point: the padding is the zero point, the bias
  // -9*z is added by the requantize (v2) or by a bias row (v1).
  PoolLayer l = makeAvg("avg", 11, 9, 40, 3, 1, 1, -128);
  checkEveryTiling(l, "edge");
  HardwareDesc v1 = getHardware("edge");
  v1.isaVersion = 1;
  checkEveryTiling(l, v1);
  l = makeAvg("avg_s2", 10, 7, 24, 3, 2, 1, 37);
  checkEveryTiling(l, "edge");
  checkEveryTiling(l, v1);
}

TEST(PoolKernel, AvgPoolBiasByIsaVersion) {
  // v2: the bias is in the requantize (no vec add); v1: a bias row and one
  // vec add per tile, and no version-2 instruction.
  PoolLayer l = makeAvg("avg", 6, 6, 16, 3, 1, 1, 20);
  HardwareDesc v2 = getHardware("edge"), v1 = v2;
  v1.isaVersion = 1;
  PoolTiling t{6, 16};
  for (const HardwareDesc *hw : {&v2, &v1}) {
    llvm::Expected<LayerCode> code = emitPool(l, t, *hw, LayerAddresses());
    ASSERT_TRUE(bool(code)) << llvm::toString(code.takeError());
    unsigned adds = 0, biasQuants = 0;
    for (const Inst &inst : code->insts) {
      adds += inst.op == Opcode::Vec && inst.func == int64_t(VecFunc::Add);
      biasQuants += inst.op == Opcode::ConfigQuant && inst.bias;
    }
    bool isV2 = hw->isaVersion == 2;
    EXPECT_EQ(adds, isV2 ? 0u : 1u);
    EXPECT_EQ(biasQuants, isV2 ? 1u : 0u);
    EXPECT_EQ(getBinaryVersionMajor(code->insts), isV2 ? 2u : 1u);
  }
}

TEST(PoolKernel, AvgPool2x2ZeroPointZeroBatch2) {
  PoolLayer l = makeAvg("avg2", 8, 8, 16, 2, 2, 0, 0);
  l.batch = 2;
  checkEveryTiling(l, "mid");
  // Asymmetric padding and a clamp (a fused ReLU).
  l = makeAvg("avg_asym", 6, 5, 20, 3, 1, 0, 0);
  l.padTop = 1;
  l.padRight = 2;
  l.clampLo = -7;
  checkEveryTiling(l, "edge");
}

TEST(PoolKernel, AvgPoolCostModel) {
  // An Inception-style 3x3/1 average pool: the chosen tiling is bit-exact
  // and its cycles are predicted within 5%.
  HardwareDesc hw = getHardware("edge");
  PoolLayer l = makeAvg("avg_inception", 28, 28, 192, 3, 1, 1, -128);
  std::mt19937 rng(8);
  std::vector<int8_t> x = randomBytes(rng, l.inputBytes());
  llvm::Expected<PoolTiling> t = choosePoolTiling(l, hw);
  ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
  RunResult r = simulateLayer(
      hw, {l.batch, l.inH, l.inW, l.channels},
      {l.batch, l.outH(), l.outW(), l.channels}, x,
      [&](const LayerAddresses &addr) { return emitPool(l, *t, hw, addr); });
  EXPECT_EQ(r.output, reference(l, x));
  double error = std::abs(double(r.predicted.cycles) - double(r.cycles)) /
                 double(r.cycles);
  EXPECT_LT(error, 0.05) << t->str() << ": predicted " << r.predicted.cycles
                         << ", simulated " << r.cycles;
  ::testing::Test::RecordProperty("avg_inception_tiling", t->str());
  ::testing::Test::RecordProperty("avg_inception_simulated_cycles",
                                  std::to_string(r.cycles));
  ::testing::Test::RecordProperty("avg_inception_predicted_cycles",
                                  std::to_string(r.predicted.cycles));
}

TEST(PoolKernel, AvgPoolErrors) {
  PoolLayer l = makeAvg("avg", 4, 4, 8, 3, 1, 3, 0);
  llvm::Error e = l.verify();
  ASSERT_TRUE(bool(e));
  EXPECT_EQ(llvm::toString(std::move(e)),
            "layer 'avg': padding must be smaller than the kernel");
  l = makeAvg("avg", 4, 4, 8, 3, 1, 1, 0);
  l.shift = 64;
  e = l.verify();
  ASSERT_TRUE(bool(e));
  EXPECT_EQ(llvm::toString(std::move(e)),
            "layer 'avg': requantize shift 64 outside [0, 63]");
}

TEST(PoolKernel, MaxPool3x3Stride2Pad1) {
  PoolLayer l;
  l.name = "pool";
  l.inH = 11;
  l.inW = 9;
  l.channels = 40;
  l.kernelH = l.kernelW = 3;
  l.strideH = l.strideW = 2;
  l.padTop = l.padLeft = l.padBottom = l.padRight = 1;
  checkEveryTiling(l, "edge");
}

TEST(PoolKernel, MaxPool2x2Batch2) {
  PoolLayer l;
  l.name = "pool2";
  l.batch = 2;
  l.inH = l.inW = 8;
  l.channels = 16;
  l.kernelH = l.kernelW = 2;
  l.strideH = l.strideW = 2;
  checkEveryTiling(l, "mid");
}

TEST(PoolKernel, GlobalSum) {
  PoolLayer l;
  l.kind = PoolLayer::Kind::GlobalSum;
  l.name = "gap";
  l.inH = l.inW = 7;
  l.channels = 48;
  l.inZeroPoint = -128;
  auto [m, s] = encodeRequantizeScale(1.0 / 49 * 0.7);
  l.multiplier = m;
  l.shift = int32_t(s);
  l.outZeroPoint = -100;
  checkEveryTiling(l, "edge");
}

TEST(PoolKernel, PaddingNotBelowKernelIsRejected) {
  PoolLayer l;
  l.name = "pool";
  l.inH = l.inW = 4;
  l.kernelH = l.kernelW = 2;
  l.padTop = 2;
  llvm::Error e = l.verify();
  ASSERT_TRUE(bool(e));
  EXPECT_NE(llvm::toString(std::move(e)).find("smaller than the kernel"),
            std::string::npos);
}

} // namespace
