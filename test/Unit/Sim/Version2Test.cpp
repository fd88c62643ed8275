//===- Version2Test.cpp - NPU simulator: the ISA version 2 additions ------===//
//
// vec func=lut, config_quant bias and wide, config_taps with the depthwise
// matmul: semantics against references written from docs/npu/isa.md, their
// runtime errors, their cycles and actions, and the isa_version 1 refusal.
//
//===----------------------------------------------------------------------===//

#include "SimTestUtil.h"

#include "tessera/NPU/Numerics.h"
#include "tessera/Sim/CostModel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <random>

using namespace tessera;
using namespace tessera::sim;
using namespace tessera::sim::test;
using npu::Mem;
using npu::VecFunc;

namespace {

template <typename Setup>
std::string runWith(Simulator &sim, Setup setup, bool timing = true) {
  if (auto err = sim.initialize())
    return errorText(std::move(err));
  setup(sim);
  SimOptions options;
  options.timing = timing;
  return errorText(sim.run(options));
}

Inst &configTaps(Builder &b, int64_t cols, int64_t stride, int64_t rowStride) {
  Inst &i = b.add(Opcode::ConfigTaps);
  i.tap_cols = cols;
  i.tap_stride = stride;
  i.tap_row_stride = rowStride;
  return i;
}

TEST(Version2, LutLooksUpClampedIndices) {
  // Table t[i] = 3*i - 100 (wrapping to int8) at sp 0x301 (any alignment);
  // source values in and out of [-128, 127] into sp and acc.
  std::vector<int32_t> src = {0, -128,      127,       128,  -129, -1,
                              5, INT32_MAX, INT32_MIN, 1000, -77,  42};
  auto table = [](int idx) { return int8_t(uint8_t(3 * idx - 100)); };
  auto want = [&](int32_t a) { return table(std::clamp(a, -128, 127) + 128); };
  for (bool timing : {true, false}) {
    Builder b;
    b.configExec(/*src=*/24, 0, /*dst=*/8);
    b.vec(VecFunc::Lut, 0x0, 0x301, Mem::Scratchpad, 0x40, 2, 6);
    b.configExec(24, 0, 32);
    b.vec(VecFunc::Lut, 0x0, 0x301, Mem::Accumulator, 0x400, 2, 6);
    npu::Program &p = b.finish();
    npu::HardwareDesc hw = edgeHw();
    Simulator sim(p, hw);
    ASSERT_EQ(runWith(
                  sim,
                  [&](Simulator &s) {
                    for (int i = 0; i < 256; ++i)
                      s.getScratchpadMut()[0x301 + i] = uint8_t(table(i));
                    for (size_t i = 0; i < src.size(); ++i)
                      put32(s.getAccumulatorMut(), 24 * (i / 6) + 4 * (i % 6),
                            src[i]);
                  },
                  timing),
              "");
    for (size_t i = 0; i < src.size(); ++i) {
      uint64_t r = i / 6, c = i % 6;
      EXPECT_EQ(int8_t(sim.getScratchpad()[0x40 + 8 * r + c]), want(src[i]))
          << i;
      EXPECT_EQ(sim.getAcc32(0x400 + 32 * r + 4 * c), int32_t(want(src[i])))
          << i;
    }
    if (timing) {
      const InstActions &a = sim.getResult().total.actions;
      EXPECT_EQ(a.vectorOps, 24u);
      EXPECT_EQ(a.scratchpadRead, 24u); // one table byte per element
      EXPECT_EQ(a.accumulatorRead, 24u * 4);
      EXPECT_EQ(a.scratchpadWritten, 12u);
      EXPECT_EQ(a.accumulatorWritten, 12u * 4);
    }
  }
}

TEST(Version2, RequantBiasPerChannelWraps) {
  // Column c: (multiplier, shift, bias) at 0x200 + 12c; acc + bias wraps in
  // int32 before the 64-bit product.
  const int32_t mult[] = {1, 1 << 30, 3, 1};
  const int32_t shift[] = {0, 31, 1, 0};
  const int32_t bias[] = {-5, 1000, INT32_MAX, INT32_MIN};
  const int32_t acc[2][4] = {{10, -3000, 1, -1}, {-10, 3001, 2, 0}};
  Builder b;
  b.configExec(16, 0, 4);
  Inst &q = b.configQuant(0, 0, /*zp=*/2, -100, 100);
  q.per_channel = 1;
  q.bias = 1;
  q.param_addr = 0x200;
  b.vec(VecFunc::Requant, 0x0, 0, Mem::Scratchpad, 0x80, 2, 4);
  npu::Program &p = b.finish();
  npu::HardwareDesc hw = edgeHw();
  Simulator sim(p, hw);
  ASSERT_EQ(runWith(sim,
                    [&](Simulator &s) {
                      auto &a = s.getAccumulatorMut();
                      for (int c = 0; c < 4; ++c) {
                        put32(a, 0x200 + 12 * c, mult[c]);
                        put32(a, 0x200 + 12 * c + 4, shift[c]);
                        put32(a, 0x200 + 12 * c + 8, bias[c]);
                        put32(a, 4 * c, acc[0][c]);
                        put32(a, 16 + 4 * c, acc[1][c]);
                      }
                    }),
            "");
  // By hand: column 0: (10 - 5) + 2 = 7, (-10 - 5) + 2 = -13; column 1:
  // (-2000)/2 + 2 = -998 -> -100, 4001/2 = 2000.5 -> 2001 + 2 -> 100;
  // column 2: INT32_MAX + 1 wraps to INT32_MIN, * 3 / 2 -> clamped -100,
  // INT32_MAX + 2 = INT32_MIN + 1 -> -100; column 3: -1 + INT32_MIN wraps to
  // INT32_MAX -> 100, INT32_MIN -> -100.
  const int8_t want[2][4] = {{7, -100, -100, 100}, {-13, 100, -100, -100}};
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 4; ++c) {
      int32_t sum = int32_t(uint32_t(acc[r][c]) + uint32_t(bias[c]));
      EXPECT_EQ(int8_t(npu::requantize(sum, mult[c], unsigned(shift[c]), 2,
                                       -100, 100)),
                want[r][c]);
      EXPECT_EQ(int8_t(sim.getScratchpad()[0x80 + 4 * r + c]), want[r][c])
          << r << "," << c;
    }
  // The parameters read: 12 bytes per column.
  EXPECT_EQ(sim.getResult().total.actions.accumulatorRead, 8u * 4 + 4 * 12);
}

TEST(Version2, RequantWideSaturatesToInt32) {
  // wide: the clamps are ignored and r + zero_point saturates to int32.
  Builder b;
  b.configExec(0, 0, 0);
  Inst &q = b.configQuant(INT32_MAX, 0, /*zp=*/-7, /*lo=*/0, /*hi=*/0);
  q.wide = 1;
  b.vec(VecFunc::Requant, 0x0, 0, Mem::Accumulator, 0x100, 1, 5);
  b.configQuant(1 << 30, 20, 3, 0, 0).wide = 1;
  b.vec(VecFunc::Requant, 0x0, 0, Mem::Accumulator, 0x200, 1, 5);
  npu::Program &p = b.finish();
  npu::HardwareDesc hw = edgeHw();
  Simulator sim(p, hw);
  const int32_t src[] = {0, 1, -1, 2, INT32_MIN};
  ASSERT_EQ(runWith(sim,
                    [&](Simulator &s) {
                      for (int c = 0; c < 5; ++c)
                        put32(s.getAccumulatorMut(), 4 * c, src[c]);
                    }),
            "");
  // multiplier INT32_MAX, shift 0: x * (2^31 - 1) - 7 saturates for
  // x = -1 (below INT32_MIN), 2 and INT32_MIN.
  const int32_t want1[] = {-7, INT32_MAX - 7, INT32_MIN, INT32_MAX, INT32_MIN};
  for (int c = 0; c < 5; ++c) {
    EXPECT_EQ(sim.getAcc32(0x100 + 4 * c), want1[c]) << c;
    EXPECT_EQ(sim.getAcc32(0x200 + 4 * c),
              npu::requantize(src[c], 1 << 30, 20, 3, INT32_MIN, INT32_MAX))
        << c;
  }
  // 2^30 / 2^20 = 1024 per unit: 1 -> 1027, INT32_MIN -> -2^41 saturates.
  EXPECT_EQ(sim.getAcc32(0x204), 1027);
  EXPECT_EQ(sim.getAcc32(0x210), INT32_MIN);
}

/// The depthwise matmul of docs/npu/isa.md, written out.
std::vector<int32_t> depthwiseReference(const std::vector<uint8_t> &sp,
                                        uint64_t spAddr, uint64_t spStride,
                                        unsigned m, unsigned k, unsigned n,
                                        const std::vector<int8_t> &w,
                                        unsigned tapCols, uint64_t tapStride,
                                        uint64_t tapRowStride) {
  std::vector<int32_t> out(size_t(m) * n, 0);
  for (unsigned r = 0; r < m; ++r)
    for (unsigned j = 0; j < n; ++j) {
      uint32_t sum = 0;
      for (unsigned i = 0; i < k; ++i) {
        uint64_t addr = spAddr + r * spStride + (i / tapCols) * tapRowStride +
                        (i % tapCols) * tapStride + j;
        sum += uint32_t(int32_t(int8_t(sp[addr])) * w[i * n + j]);
      }
      out[r * n + j] = int32_t(sum);
    }
  return out;
}

TEST(Version2, DepthwiseMatmulAgainstReference) {
  // A 3x3 depthwise kernel over an NHWC image of 13 channels, 6 pixels a
  // row (pixel stride 13, row stride 6*13 + 5 padding bytes): each of the
  // m = 4 output pixels reads its 9 taps; then with stride-2 pixels and
  // accumulate; then tap_cols 1 (a 1-D kernel down the rows).
  const unsigned k = 9, n = 13, m = 4;
  const uint64_t pixel = 13, row = 6 * 13 + 5;
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> dist(-128, 127);
  std::vector<int8_t> w(k * n);
  for (int8_t &x : w)
    x = int8_t(dist(rng));
  Builder b;
  b.preload(0x0, k, n, /*stride=*/16);
  configTaps(b, 3, pixel, row);
  b.matmul(0x400, 0x0, m, /*spStride=*/pixel, /*accStride=*/64, false)
      .depthwise = 1;
  b.matmul(0x400, 0x800, m, 2 * pixel, 64, false).depthwise = 1;
  b.matmul(0x400, 0x800, m, 2 * pixel, 64, true).depthwise = 1;
  configTaps(b, 1, 0, row);
  b.matmul(0x400, 0x1000, m, pixel, 64, false).depthwise = 1;
  // An ordinary matmul after the depthwise ones is unaffected by the taps.
  b.matmul(0x400, 0x1800, m, pixel, 64, false);
  npu::Program &p = b.finish();
  npu::HardwareDesc hw = edgeHw();
  Simulator sim(p, hw);
  std::vector<uint8_t> image(0x400 + 12 * row);
  for (size_t i = 0x400; i < image.size(); ++i)
    image[i] = uint8_t(dist(rng));
  ASSERT_EQ(runWith(sim,
                    [&](Simulator &s) {
                      auto &sp = s.getScratchpadMut();
                      std::copy(image.begin() + 0x400, image.end(),
                                sp.begin() + 0x400);
                      for (unsigned i = 0; i < k; ++i)
                        for (unsigned j = 0; j < n; ++j)
                          sp[16 * i + j] = uint8_t(w[i * n + j]);
                    }),
            "");
  std::vector<int32_t> ref1 =
      depthwiseReference(image, 0x400, pixel, m, k, n, w, 3, pixel, row);
  std::vector<int32_t> ref2 =
      depthwiseReference(image, 0x400, 2 * pixel, m, k, n, w, 3, pixel, row);
  std::vector<int32_t> ref3 =
      depthwiseReference(image, 0x400, pixel, m, k, n, w, 1, 0, row);
  for (unsigned r = 0; r < m; ++r)
    for (unsigned j = 0; j < n; ++j) {
      EXPECT_EQ(sim.getAcc32(64 * r + 4 * j), ref1[r * n + j]) << r << "," << j;
      EXPECT_EQ(sim.getAcc32(0x800 + 64 * r + 4 * j), 2 * ref2[r * n + j])
          << r << "," << j;
      EXPECT_EQ(sim.getAcc32(0x1000 + 64 * r + 4 * j), ref3[r * n + j])
          << r << "," << j;
      // Ordinary: row r of the image times W (input element i, not i's tap).
      int32_t plain = 0;
      for (unsigned i = 0; i < k; ++i)
        plain += int8_t(image[0x400 + r * pixel + i]) * w[i * n + j];
      EXPECT_EQ(sim.getAcc32(0x1800 + 64 * r + 4 * j), plain);
    }
  // Actions: every PE reads its own byte; MACs as a matmul.
  EXPECT_EQ(sim.getResult().total.actions.macs, 5ull * m * k * n);
  EXPECT_EQ(sim.getResult().total.actions.scratchpadRead,
            uint64_t(k * n) +      // preload
                4ull * m * k * n + // four depthwise matmuls
                uint64_t(m) * k);  // the ordinary one
}

TEST(Version2, RuntimeErrors) {
  npu::HardwareDesc hw = edgeHw();
  {
    // Depthwise without tap geometry.
    Builder b;
    b.preload(0, 9, 16, 16);
    b.matmul(0x100, 0, 1, 16, 64, false).depthwise = 1;
    Simulator sim(b.finish(), hw);
    EXPECT_EQ(errorText(sim.run()),
              "instruction 1 (matmul): depthwise matmul with tap_cols = 0 "
              "(no config_taps set the tap geometry)");
  }
  {
    // The farthest tap is outside the scratchpad: 0x3ff00 + 2*0x80 + 16.
    Builder b;
    b.preload(0, 9, 16, 16);
    configTaps(b, 3, 0, 0x80);
    b.matmul(0x3ff00, 0, 1, 16, 64, false).depthwise = 1;
    Simulator sim(b.finish(), hw);
    EXPECT_EQ(errorText(sim.run()),
              "instruction 2 (matmul): scratchpad access [0x3ff00, 0x40010) "
              "outside the 256 KiB scratchpad");
  }
  {
    // wide requant into the scratchpad.
    Builder b;
    b.configQuant(1, 0).wide = 1;
    b.vec(VecFunc::Requant, 0, 0, Mem::Scratchpad, 0, 1, 1);
    Simulator sim(b.finish(), hw);
    EXPECT_EQ(errorText(sim.run()),
              "instruction 1 (vec): requant with config_quant wide=1 writes "
              "int32 and needs dst_mem=acc");
  }
  {
    // A lut table that does not fit.
    Builder b;
    b.vec(VecFunc::Lut, 0, 0x3ff80, Mem::Scratchpad, 0, 1, 1);
    Simulator sim(b.finish(), hw);
    EXPECT_EQ(errorText(sim.run()),
              "instruction 0 (vec): scratchpad access [0x3ff80, 0x40080) "
              "outside the 256 KiB scratchpad (lut table)");
  }
  {
    // Bias triples past the end of the accumulator: 12 bytes per column.
    Builder b;
    Inst &q = b.configQuant(0, 0);
    q.per_channel = 1;
    q.bias = 1;
    q.param_addr = 0x10000 - 36;
    b.vec(VecFunc::Requant, 0, 0, Mem::Scratchpad, 0, 1, 4);
    Simulator sim(b.finish(), hw);
    EXPECT_EQ(errorText(sim.run()),
              "instruction 1 (vec): accumulator access [0xffdc, 0x1000c) "
              "outside the 64 KiB accumulator (per-channel requantization "
              "parameters)");
  }
}

TEST(Version2, IsaVersion1HardwareRefuses) {
  npu::HardwareDesc v1 = edgeHw();
  v1.isaVersion = 1;
  auto refusal = [&](Builder &b) {
    Simulator sim(b.finish(), v1);
    return errorText(sim.initialize());
  };
  Builder taps;
  configTaps(taps, 3, 1, 1);
  EXPECT_EQ(refusal(taps), "instruction 0 (config_taps): config_taps is an "
                           "ISA version 2 instruction, but hardware 'edge' "
                           "has isa_version 1");
  Builder lut;
  lut.configExec(0, 0, 0);
  lut.vec(VecFunc::Lut, 0, 0, Mem::Scratchpad, 0, 1, 1);
  EXPECT_EQ(refusal(lut), "instruction 1 (vec): vec func=lut is an ISA "
                          "version 2 instruction, but hardware 'edge' has "
                          "isa_version 1");
  Builder dw;
  dw.preload(0, 1, 1, 1);
  dw.matmul(0, 0, 1, 1, 4, false).depthwise = 1;
  EXPECT_NE(refusal(dw).find("instruction 1 (matmul): matmul depthwise is an "
                             "ISA version 2 instruction"),
            std::string::npos);
  Builder wide;
  wide.configQuant(1, 0).wide = 1;
  EXPECT_NE(refusal(wide).find("config_quant wide is an ISA version 2"),
            std::string::npos);
  // Version-1 programs run on it unchanged.
  Builder plain;
  plain.configQuant(1, 0);
  plain.vec(VecFunc::Requant, 0, 0, Mem::Scratchpad, 0, 1, 1);
  Simulator sim(plain.finish(), v1);
  EXPECT_EQ(errorText(sim.run()), "");
}

TEST(Version2Timing, ClosedForms) {
  // config_taps: 1 cycle; lut as every vec; a depthwise matmul as a matmul
  // (m + R + C - 2), and with weight_buffers 2 the same streaming rule.
  npu::HardwareDesc hw = edgeHw(); // 16 x 16, 16 lanes, latency 4
  auto build = [] {
    Builder b;
    b.configExec(68, 0, 17);
    b.vec(VecFunc::Lut, 0, 0x1000, Mem::Scratchpad, 0x2000, 3, 17);
    b.preload(0, 9, 16, 16);
    configTaps(b, 3, 16, 64);
    b.matmul(0x100, 0, 10, 16, 64, false).depthwise = 1;
    b.preload(0, 9, 16, 16);
    b.matmul(0x100, 0, 10, 16, 64, true).depthwise = 1;
    return b;
  };
  Builder b1 = build(), b2 = build();
  Simulator sim(b1.finish(), hw);
  ASSERT_EQ(errorText(sim.run()), "");
  const SimResult &r = sim.getResult();
  auto busy = [](const SimResult &res, size_t i) {
    return res.insts[i].end - res.insts[i].start;
  };
  EXPECT_EQ(busy(r, 1), 3u * 2 + 4);
  EXPECT_EQ(busy(r, 3), 1u);
  EXPECT_EQ(busy(r, 4), 10u + 16 + 16 - 2);
  EXPECT_EQ(busy(r, 6), 10u + 16 + 16 - 2);
  for (size_t i = 0; i + 1 < b1.program.insts.size(); ++i)
    EXPECT_EQ(busy(r, i), getInstCycles(b1.program.insts[i], hw)) << i;

  npu::HardwareDesc dual = edgeHw();
  dual.weightBuffers = 2;
  Simulator sim2(b2.finish(), dual);
  ASSERT_EQ(errorText(sim2.run()), "");
  const SimResult &r2 = sim2.getResult();
  EXPECT_EQ(busy(r2, 4), 10u + 30); // the chain's fill and drain
  EXPECT_EQ(busy(r2, 5), 16u - 10); // preload in the shadow of 10 rows
  EXPECT_EQ(busy(r2, 6), 10u);      // config_taps did not stop the stream
  // Each instruction's actions as getInstActions states them.
  InstActions lut = getInstActions(b1.program.insts[1], 0, 0, 0);
  EXPECT_EQ(lut.scratchpadRead, 51u);
  EXPECT_EQ(lut.vectorOps, 51u);
  InstActions dw = getInstActions(b1.program.insts[4], 0, 9, 16);
  EXPECT_EQ(dw.macs, 10u * 9 * 16);
  EXPECT_EQ(dw.scratchpadRead, 10u * 9 * 16);
  EXPECT_EQ(dw.accumulatorWritten, 10u * 16 * 4);
}

} // namespace
