//===- SemanticsTest.cpp - NPU simulator: per-instruction semantics -------===//
//
// Each instruction against the ISA's definition (docs/npu/isa.md), with
// expected values written out by hand or computed by a naive reference,
// plus the located runtime errors.
//
//===----------------------------------------------------------------------===//

#include "SimTestUtil.h"

#include "tessera/NPU/Numerics.h"

#include <gtest/gtest.h>

#include <climits>
#include <random>

using namespace tessera;
using namespace tessera::sim;
using namespace tessera::sim::test;
using npu::Mem;
using npu::VecFunc;

namespace {

/// Runs `program` (timed unless told otherwise) after `setup`.
template <typename Setup>
std::string runWith(Simulator &sim, Setup setup, bool timing = true) {
  if (auto err = sim.initialize())
    return errorText(std::move(err));
  setup(sim);
  SimOptions options;
  options.timing = timing;
  return errorText(sim.run(options));
}

int8_t sp8(const Simulator &sim, uint64_t addr) {
  return int8_t(sim.getScratchpad()[addr]);
}

TEST(Semantics, DmaLoadPaddingAndStrides) {
  // 3 x 5 bytes at DRAM 0x100 with an 8-byte row stride, padded by 1 row
  // above/below, 2 columns left, 1 right, into rows 10 bytes apart.
  Builder b;
  b.configLoad(/*dram=*/8, /*sram=*/10, /*pad=*/-7);
  Inst &load = b.load(/*sram=*/0x40, /*dram=*/0x100, 3, 5);
  load.pad_top = 1;
  load.pad_bottom = 1;
  load.pad_left = 2;
  load.pad_right = 1;
  npu::Program &p = b.finish();
  npu::HardwareDesc hw = edgeHw();
  Simulator sim(p, hw);
  ASSERT_EQ(runWith(sim,
                    [](Simulator &s) {
                      for (unsigned i = 0; i < 3 * 8; ++i)
                        s.getDramMut()[0x100 + i] = uint8_t(i + 1);
                    }),
            "");
  for (unsigned r = 0; r < 5; ++r) {
    for (unsigned c = 0; c < 10; ++c) {
      int8_t got = sp8(sim, 0x40 + r * 10 + c);
      if (c >= 8) { // beyond the block's width: untouched
        EXPECT_EQ(got, 0) << r << "," << c;
        continue;
      }
      bool data = r >= 1 && r < 4 && c >= 2 && c < 7;
      int8_t want = data ? int8_t((r - 1) * 8 + (c - 2) + 1) : int8_t(-7);
      EXPECT_EQ(got, want) << r << "," << c;
    }
  }
  EXPECT_EQ(sp8(sim, 0x3f), 0);
}

TEST(Semantics, DmaLoadAccumulatorAndStore) {
  // int32 rows into the accumulator, then back out to DRAM with new strides.
  Builder b;
  b.configLoad(/*dram=*/12, /*sram=*/64);
  b.dma(Opcode::DmaLoad, Mem::Accumulator, 0x80, 0x0, 2, 3, npu::PushNext);
  Inst &cfg = b.configStore(/*dram=*/16, /*sram=*/64);
  cfg.deps = 0;
  // The store must wait for the load: tokens go load -> execute -> store.
  b.configExec(0, 0, 0).deps = npu::PopPrev | npu::PushNext;
  b.dma(Opcode::DmaStore, Mem::Accumulator, 0x80, 0x200, 2, 3, npu::PopPrev);
  npu::Program &p = b.finish();
  npu::HardwareDesc hw = edgeHw();
  Simulator sim(p, hw);
  ASSERT_EQ(runWith(sim,
                    [](Simulator &s) {
                      for (int i = 0; i < 6; ++i)
                        put32(s.getDramMut(), 4 * i, -1000 * (i + 1));
                    }),
            "");
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {
      EXPECT_EQ(sim.getAcc32(0x80 + 64 * r + 4 * c), -1000 * (3 * r + c + 1));
      int32_t stored;
      std::memcpy(&stored, sim.getDram().data() + 0x200 + 16 * r + 4 * c, 4);
      EXPECT_EQ(stored, -1000 * (3 * r + c + 1));
    }
}

TEST(Semantics, DmaStoreScratchpadStrided) {
  Builder b;
  b.configStore(/*dram=*/7, /*sram=*/16);
  b.store(0x10, 0x300, 3, 4);
  npu::Program &p = b.finish();
  npu::HardwareDesc hw = edgeHw();
  Simulator sim(p, hw);
  ASSERT_EQ(runWith(sim,
                    [](Simulator &s) {
                      for (unsigned i = 0; i < 64; ++i)
                        s.getScratchpadMut()[0x10 + i] = uint8_t(100 + i);
                    }),
            "");
  for (unsigned r = 0; r < 3; ++r)
    for (unsigned c = 0; c < 7; ++c)
      EXPECT_EQ(sim.getDram()[0x300 + 7 * r + c],
                c < 4 ? uint8_t(100 + 16 * r + c) : 0)
          << r << "," << c;
}

/// C = A (m x k) * W (k x n) by the naive definition.
std::vector<int32_t> reference(const std::vector<int8_t> &a,
                               const std::vector<int8_t> &w, unsigned m,
                               unsigned k, unsigned n) {
  std::vector<int32_t> c(m * n);
  for (unsigned r = 0; r < m; ++r)
    for (unsigned j = 0; j < n; ++j)
      for (unsigned i = 0; i < k; ++i)
        c[r * n + j] += int32_t(a[r * k + i]) * int32_t(w[i * n + j]);
  return c;
}

TEST(Semantics, PreloadMatmulAndAccumulate) {
  // A partial block (k=13, n=11 on a 16x16 array), strided operands, then a
  // second matmul accumulating onto the first.
  const unsigned m = 37, k = 13, n = 11;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> dist(-128, 127);
  std::vector<int8_t> a(m * k), w(k * n), a2(m * k);
  for (auto *v : {&a, &w, &a2})
    for (int8_t &x : *v)
      x = int8_t(dist(rng));
  Builder b;
  b.preload(/*sp=*/0x1000, k, n, /*stride=*/20);
  b.matmul(/*sp=*/0x2000, /*acc=*/0x100, m, /*spStride=*/16,
           /*accStride=*/48, /*accumulate=*/false);
  b.matmul(/*sp=*/0x3000, /*acc=*/0x100, m, 16, 48, /*accumulate=*/true);
  npu::Program &p = b.finish();
  npu::HardwareDesc hw = edgeHw();
  Simulator sim(p, hw);
  ASSERT_EQ(runWith(sim,
                    [&](Simulator &s) {
                      auto &sp = s.getScratchpadMut();
                      for (unsigned i = 0; i < k; ++i)
                        for (unsigned j = 0; j < n; ++j)
                          sp[0x1000 + 20 * i + j] = uint8_t(w[i * n + j]);
                      for (unsigned r = 0; r < m; ++r)
                        for (unsigned i = 0; i < k; ++i) {
                          sp[0x2000 + 16 * r + i] = uint8_t(a[r * k + i]);
                          sp[0x3000 + 16 * r + i] = uint8_t(a2[r * k + i]);
                        }
                    }),
            "");
  std::vector<int32_t> c1 = reference(a, w, m, k, n);
  std::vector<int32_t> c2 = reference(a2, w, m, k, n);
  for (unsigned r = 0; r < m; ++r) {
    for (unsigned j = 0; j < n; ++j)
      EXPECT_EQ(sim.getAcc32(0x100 + 48 * r + 4 * j),
                c1[r * n + j] + c2[r * n + j])
          << r << "," << j;
    // Columns n..11 of the 48-byte row stride are untouched.
    EXPECT_EQ(sim.getAcc32(0x100 + 48 * r + 44), 0);
  }
  EXPECT_EQ(sim.getResult().total.actions.macs, 2ull * m * k * n);
}

TEST(Semantics, MatmulSignedExtremesAndWrap) {
  // -128 * -128 summed over k = 16: 16 * 16384 = 262144; -128 * 127 rows;
  // and int32 wrap-around when accumulating onto INT32_MAX.
  Builder b;
  b.preload(0, 16, 16, 16);
  b.matmul(0x100, 0x0, 2, 16, 64, false);
  b.matmul(0x100, 0x400, 1, 16, 64, true);
  npu::Program &p = b.finish();
  npu::HardwareDesc hw = edgeHw();
  Simulator sim(p, hw);
  ASSERT_EQ(runWith(sim,
                    [](Simulator &s) {
                      auto &sp = s.getScratchpadMut();
                      std::fill(sp.begin(), sp.begin() + 256, uint8_t(0x80));
                      std::fill(sp.begin() + 0x100, sp.begin() + 0x110,
                                uint8_t(0x80)); // row 0: -128
                      std::fill(sp.begin() + 0x110, sp.begin() + 0x120,
                                uint8_t(127)); // row 1: 127
                      for (int j = 0; j < 16; ++j)
                        put32(s.getAccumulatorMut(), 0x400 + 4 * j, INT32_MAX);
                    }),
            "");
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(sim.getAcc32(4 * j), 262144);
    EXPECT_EQ(sim.getAcc32(64 + 4 * j), 16 * (-128 * 127));
    EXPECT_EQ(sim.getAcc32(0x400 + 4 * j),
              int32_t(uint32_t(INT32_MAX) + 262144u));
  }
}

/// Runs one requant over `acc` values (one row) and returns the int8 results.
std::vector<int8_t> requantRow(const std::vector<int32_t> &acc,
                               int64_t multiplier, int64_t shift, int64_t zp,
                               int64_t lo, int64_t hi) {
  Builder b;
  b.configQuant(multiplier, shift, zp, lo, hi);
  b.vec(VecFunc::Requant, 0, 0, Mem::Scratchpad, 0x40, 1, acc.size());
  npu::Program &p = b.finish();
  npu::HardwareDesc hw = edgeHw();
  Simulator sim(p, hw);
  std::string err = runWith(sim, [&](Simulator &s) {
    for (size_t i = 0; i < acc.size(); ++i)
      put32(s.getAccumulatorMut(), 4 * i, acc[i]);
  });
  EXPECT_EQ(err, "");
  std::vector<int8_t> out;
  for (size_t i = 0; i < acc.size(); ++i)
    out.push_back(int8_t(sim.getScratchpad()[0x40 + i]));
  return out;
}

TEST(Semantics, RequantRoundsHalfUpAndSaturates) {
  // multiplier 1, shift 1: x / 2 rounded half toward +infinity
  // (numerics.md's table): 3/2 = 1.5 -> 2, -3/2 = -1.5 -> -1,
  // 5/2 -> 3, -5/2 -> -2, 1/2 -> 1, -1/2 -> 0, -2/2 -> -1.
  EXPECT_EQ(requantRow({3, -3, 5, -5, 1, -1, -2, 4}, 1, 1, 0, -128, 127),
            (std::vector<int8_t>{2, -1, 3, -2, 1, 0, -1, 2}));
  // Saturation at the int8 range and at narrower clamps, after the zero
  // point: 1000 -> 127, -1000 -> -128; zp 10 clamp [0, 20]: 7 -> 17, 30 ->
  // 20, -30 -> 0.
  EXPECT_EQ(requantRow({1000, -1000}, 1, 0, 0, -128, 127),
            (std::vector<int8_t>{127, -128}));
  EXPECT_EQ(requantRow({7, 30, -30}, 1, 0, 10, 0, 20),
            (std::vector<int8_t>{17, 20, 0}));
  // A realistic multiplier: 0.75 as 0x60000000 / 2^31; 10 * 0.75 = 7.5 -> 8,
  // -10 * 0.75 = -7.5 -> -7, and INT32_MIN * INT32_MIN / 2^63 (the 64-bit
  // product's extreme) = 0.5 -> 1 (shift 63 without overflow).
  EXPECT_EQ(requantRow({10, -10}, 0x60000000, 31, 0, -128, 127),
            (std::vector<int8_t>{8, -7}));
  EXPECT_EQ(requantRow({INT32_MIN}, INT32_MIN, 63, 0, -128, 127),
            (std::vector<int8_t>{1}));
  // The same function as Numerics.h for a sweep.
  std::vector<int32_t> sweep;
  for (int32_t x = -300; x <= 300; x += 7)
    sweep.push_back(x * 1237);
  std::vector<int8_t> got = requantRow(sweep, 1518500250, 38, -3, -100, 90);
  for (size_t i = 0; i < sweep.size(); ++i)
    EXPECT_EQ(got[i], npu::requantize(sweep[i], 1518500250, 38, -3, -100, 90));
}

TEST(Semantics, RequantPerChannelToAccumulator) {
  // Column c uses (multiplier, shift) = (c + 1, c) from the table at 0x200;
  // the result goes to the accumulator as int32.
  Builder b;
  b.configExec(/*src=*/16, 0, /*dst=*/16);
  Inst &q = b.configQuant(0, 0, /*zp=*/1, -128, 127);
  q.per_channel = 1;
  q.param_addr = 0x200;
  b.vec(VecFunc::Requant, 0x0, 0, Mem::Accumulator, 0x100, 2, 4);
  npu::Program &p = b.finish();
  npu::HardwareDesc hw = edgeHw();
  Simulator sim(p, hw);
  ASSERT_EQ(runWith(sim,
                    [](Simulator &s) {
                      auto &acc = s.getAccumulatorMut();
                      for (int c = 0; c < 4; ++c) {
                        put32(acc, 0x200 + 8 * c, c + 1);
                        put32(acc, 0x200 + 8 * c + 4, c);
                        put32(acc, 4 * c, 21);       // row 0
                        put32(acc, 16 + 4 * c, -21); // row 1
                      }
                    }),
            "");
  // 21 * (c+1) / 2^c: 21, 21, 15.75 -> 16, 10.5 -> 11; plus zp 1.
  // -21 * (c+1) / 2^c: -21, -21, -15.75 -> -16, -10.5 -> -10; plus zp 1.
  int32_t row0[] = {22, 22, 17, 12}, row1[] = {-20, -20, -15, -9};
  for (int c = 0; c < 4; ++c) {
    EXPECT_EQ(sim.getAcc32(0x100 + 4 * c), row0[c]) << c;
    EXPECT_EQ(sim.getAcc32(0x110 + 4 * c), row1[c]) << c;
  }
}

TEST(Semantics, ReluAddMaxInPlace) {
  Builder b;
  b.configExec(/*src=*/8, /*src2=*/8, /*dst=*/8);
  // relu in place, then add and max of rows 0x0 and 0x40 into 0x80.
  b.vec(VecFunc::Relu, 0x0, 0, Mem::Accumulator, 0x0, 2, 2);
  b.vec(VecFunc::Add, 0x0, 0x40, Mem::Accumulator, 0x80, 2, 2);
  b.vec(VecFunc::Max, 0x0, 0x40, Mem::Accumulator, 0xc0, 2, 2);
  npu::Program &p = b.finish();
  npu::HardwareDesc hw = edgeHw();
  Simulator sim(p, hw);
  ASSERT_EQ(runWith(sim,
                    [](Simulator &s) {
                      auto &acc = s.getAccumulatorMut();
                      int32_t a[] = {-5, 7, INT32_MAX, INT32_MIN};
                      int32_t c[] = {3, -9, 1, -1};
                      for (int i = 0; i < 4; ++i) {
                        put32(acc, 8 * (i / 2) + 4 * (i % 2), a[i]);
                        put32(acc, 0x40 + 8 * (i / 2) + 4 * (i % 2), c[i]);
                      }
                    }),
            "");
  int32_t relu[] = {0, 7, INT32_MAX, 0};
  int32_t add[] = {3, -2, INT32_MIN, -1}; // INT32_MAX + 1 wraps
  int32_t max[] = {3, 7, INT32_MAX, 0};
  for (int i = 0; i < 4; ++i) {
    uint64_t off = 8 * (i / 2) + 4 * (i % 2);
    EXPECT_EQ(sim.getAcc32(off), relu[i]) << i;
    EXPECT_EQ(sim.getAcc32(0x80 + off), add[i]) << i;
    EXPECT_EQ(sim.getAcc32(0xc0 + off), max[i]) << i;
  }
}

TEST(Semantics, ConfigRegistersApplyInQueueOrder) {
  // A second config_load changes strides and padding for later loads only;
  // functional-only and timed runs agree.
  for (bool timing : {true, false}) {
    Builder b;
    b.configLoad(4, 4, 9);
    Inst &l1 = b.load(0x0, 0x0, 2, 2);
    l1.pad_left = 1;
    b.configLoad(2, 8, -1);
    Inst &l2 = b.load(0x20, 0x0, 2, 2);
    l2.pad_left = 1;
    npu::Program &p = b.finish();
    npu::HardwareDesc hw = edgeHw();
    Simulator sim(p, hw);
    ASSERT_EQ(runWith(
                  sim,
                  [](Simulator &s) {
                    for (int i = 0; i < 8; ++i)
                      s.getDramMut()[i] = uint8_t(i + 1);
                  },
                  timing),
              "");
    // First: rows 4 apart in DRAM and SRAM, pad 9: [9 1 2] [9 5 6].
    EXPECT_EQ(sp8(sim, 0), 9);
    EXPECT_EQ(sp8(sim, 1), 1);
    EXPECT_EQ(sp8(sim, 2), 2);
    EXPECT_EQ(sp8(sim, 4), 9);
    EXPECT_EQ(sp8(sim, 5), 5);
    // Second: DRAM rows 2 apart, SRAM rows 8 apart, pad -1: [-1 1 2] [-1 3 4].
    EXPECT_EQ(sp8(sim, 0x20), -1);
    EXPECT_EQ(sp8(sim, 0x21), 1);
    EXPECT_EQ(sp8(sim, 0x28), -1);
    EXPECT_EQ(sp8(sim, 0x29), 3);
    EXPECT_EQ(sp8(sim, 0x2a), 4);
  }
}

TEST(SemanticsErrors, AccumulatorOutOfBounds) {
  Builder b;
  b.preload(0, 16, 16, 16);
  b.matmul(0, 0x10000, 16, 16, 64, false);
  npu::Program &p = b.finish();
  npu::HardwareDesc hw = edgeHw();
  Simulator sim(p, hw);
  EXPECT_EQ(errorText(sim.run()),
            "instruction 1 (matmul): accumulator access [0x10000, 0x10400) "
            "outside the 64 KiB accumulator");
}

TEST(SemanticsErrors, ScratchpadAndDramOutOfBounds) {
  {
    Builder b(4096);
    b.configLoad(16, 16);
    b.load(0x3fff0, 0, 2, 16);
    npu::Program &p = b.finish();
    npu::HardwareDesc hw = edgeHw();
    Simulator sim(p, hw);
    EXPECT_EQ(errorText(sim.run()),
              "instruction 1 (dma_load): scratchpad access [0x3fff0, 0x40010) "
              "outside the 256 KiB scratchpad");
  }
  {
    Builder b(4096);
    b.configStore(100, 16);
    b.store(0, 0xf80, 3, 16);
    npu::Program &p = b.finish();
    npu::HardwareDesc hw = edgeHw();
    Simulator sim(p, hw);
    EXPECT_EQ(errorText(sim.run(SimOptions{false, {}})),
              "instruction 1 (dma_store): dram access [0xf80, 0x1058) outside "
              "the 4 KiB DRAM (the program's dram_bytes)");
  }
}

TEST(SemanticsErrors, PreloadAndMatmulRules) {
  {
    Builder b;
    b.matmul(0, 0, 1, 16, 64, false);
    npu::Program &p = b.finish();
    npu::HardwareDesc hw = edgeHw();
    Simulator sim(p, hw);
    EXPECT_EQ(errorText(sim.run()),
              "instruction 0 (matmul): no preload before this matmul (the "
              "array holds no weights)");
  }
  {
    Builder b;
    b.preload(0, 17, 16, 16);
    npu::Program &p = b.finish();
    npu::HardwareDesc hw = edgeHw();
    Simulator sim(p, hw);
    EXPECT_EQ(errorText(sim.run()),
              "instruction 0 (preload): k = 17 exceeds the array's 16 rows");
  }
  {
    Builder b;
    b.preload(0, 16, 20, 16);
    npu::Program &p = b.finish();
    npu::HardwareDesc hw = edgeHw();
    Simulator sim(p, hw);
    EXPECT_EQ(errorText(sim.run()),
              "instruction 0 (preload): n = 20 exceeds the array's 16 columns");
  }
}

TEST(SemanticsErrors, PerChannelShiftAndDstStride) {
  {
    Builder b;
    Inst &q = b.configQuant(0, 0);
    q.per_channel = 1;
    q.param_addr = 0x100;
    b.vec(VecFunc::Requant, 0, 0, Mem::Scratchpad, 0, 1, 2);
    npu::Program &p = b.finish();
    npu::HardwareDesc hw = edgeHw();
    Simulator sim(p, hw);
    ASSERT_EQ(errorText(sim.initialize()), "");
    put32(sim.getAccumulatorMut(), 0x10c, 64);
    EXPECT_EQ(errorText(sim.run()),
              "instruction 1 (vec): per-channel shift 64 of column 1 (at "
              "0x10c) outside [0, 63]");
  }
  {
    Builder b;
    b.configExec(0, 0, 6);
    b.vec(VecFunc::Relu, 0, 0, Mem::Accumulator, 0, 2, 2);
    npu::Program &p = b.finish();
    npu::HardwareDesc hw = edgeHw();
    Simulator sim(p, hw);
    EXPECT_EQ(errorText(sim.run()),
              "instruction 1 (vec): dst_stride 6 of config_exec is not a "
              "multiple of 4 (dst_mem=acc)");
  }
}

TEST(SemanticsErrors, HardwareHashAndSetInput) {
  Builder b;
  b.program.hwHash = 0x1234;
  npu::TensorDesc t;
  t.name = "x";
  t.shape = {4};
  t.dramAddr = 0;
  b.program.tensors.push_back(t);
  npu::Program &p = b.finish();
  npu::HardwareDesc hw = edgeHw();
  Simulator sim(p, hw);
  std::string err = errorText(sim.initialize());
  EXPECT_NE(err.find("program was compiled for hardware hash "
                     "0x0000000000001234, but hardware 'edge' has hash 0x"),
            std::string::npos)
      << err;
  p.hwHash = npu::hashHardwareDesc(hw);
  Simulator ok(p, hw);
  EXPECT_EQ(errorText(ok.setInput("y", {})),
            "program has no input named 'y' (inputs: x)");
  EXPECT_EQ(errorText(ok.setInput("x", {1, 2})),
            "input 'x' needs 4 bytes, got 2");
  EXPECT_EQ(errorText(ok.setInput("x", {1, 2, 3, 4})), "");
  EXPECT_EQ(errorText(ok.run()), "");
  EXPECT_EQ(*ok.getTensor("x"), (std::vector<uint8_t>{1, 2, 3, 4}));
}

} // namespace
