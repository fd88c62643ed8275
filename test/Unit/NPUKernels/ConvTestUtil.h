//===- ConvTestUtil.h - the convolution kernel's test reference -*- C++ -*-===//
//
// Part of Tessera. Shared by the convolution kernel tests: random layers,
// a direct evaluation of ConvLayer's formula, a layer run on the simulator,
// and the scan for ISA version 2 instructions.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TEST_UNIT_NPUKERNELS_CONVTESTUTIL_H
#define TESSERA_TEST_UNIT_NPUKERNELS_CONVTESTUTIL_H

#include "KernelTestUtil.h"

#include "tessera/NPU/Numerics.h"

namespace tessera::npu::test {

/// A layer with random weights, bias and per-channel parameters.
inline ConvLayer makeLayer(std::mt19937 &rng, int64_t batch, int64_t h,
                           int64_t w, int64_t c, int64_t k, int64_t kernel,
                           int64_t stride, int64_t pad, int64_t groups,
                           bool perChannel = true) {
  ConvLayer l;
  l.name = "conv";
  l.batch = batch;
  l.inH = h;
  l.inW = w;
  l.inC = c;
  l.outC = k;
  l.kernelH = l.kernelW = kernel;
  l.strideH = l.strideW = stride;
  l.padTop = l.padLeft = l.padBottom = l.padRight = pad;
  l.groups = groups;
  std::uniform_int_distribution<int> i8(-128, 127);
  l.inZeroPoint = int32_t(i8(rng));
  l.outZeroPoint = int32_t(i8(rng) / 2);
  l.weights.resize(kernel * kernel * (c / groups) * k);
  for (int8_t &v : l.weights)
    v = int8_t(i8(rng));
  std::uniform_int_distribution<int32_t> b(-5000, 5000);
  for (int64_t o = 0; o < k; ++o)
    l.bias.push_back(b(rng));
  double fanIn = double(kernel * kernel * (c / groups));
  std::uniform_real_distribution<double> scale(0.3, 1.5);
  for (int64_t o = 0; o < (perChannel ? k : 1); ++o) {
    auto [m, s] = encodeRequantizeScale(scale(rng) / (fanIn * 64));
    l.multiplier.push_back(m);
    l.shift.push_back(int32_t(s));
  }
  l.clampLo = -128 + int32_t(rng() % 2) * 100; // sometimes a fused ReLU
  return l;
}

/// ConvLayer's formula evaluated directly (and its activation table).
inline std::vector<int8_t> reference(const ConvLayer &l,
                                     const std::vector<int8_t> &x) {
  int64_t oh = l.outH(), ow = l.outW(), cg = l.inC / l.groups,
          og = l.outC / l.groups;
  std::vector<int8_t> y(l.outputBytes());
  for (int64_t b = 0; b < l.batch; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox)
        for (int64_t o = 0; o < l.outC; ++o) {
          int32_t acc = l.bias.empty() ? 0 : l.bias[o];
          int64_t g = o / og;
          for (int64_t ky = 0; ky < l.kernelH; ++ky)
            for (int64_t kx = 0; kx < l.kernelW; ++kx) {
              int64_t iy = oy * l.strideH + ky - l.padTop;
              int64_t ix = ox * l.strideW + kx - l.padLeft;
              if (iy < 0 || iy >= l.inH || ix < 0 || ix >= l.inW)
                continue;
              for (int64_t c = 0; c < cg; ++c) {
                int32_t xv =
                    x[((b * l.inH + iy) * l.inW + ix) * l.inC + g * cg + c];
                int32_t wv =
                    l.weights[((ky * l.kernelW + kx) * cg + c) * l.outC + o];
                acc = int32_t(uint32_t(acc) +
                              uint32_t((xv - l.inZeroPoint) * wv));
              }
            }
          size_t i = l.multiplier.size() > 1 ? size_t(o) : 0;
          int32_t q = requantize(acc, l.multiplier[i], unsigned(l.shift[i]),
                                 l.outZeroPoint, l.clampLo, l.clampHi);
          y[((b * oh + oy) * ow + ox) * l.outC + o] =
              l.table.empty() ? int8_t(q) : l.table[size_t(q + 128)];
        }
  return y;
}

/// Emits the layer into a program and simulates it with timing.
inline RunResult run(const ConvLayer &l, const ConvTiling &t,
                     const HardwareDesc &hw, const std::vector<int8_t> &x) {
  SCOPED_TRACE(t.str());
  return simulateLayer(
      hw, {l.batch, l.inH, l.inW, l.inC}, {l.batch, l.outH(), l.outW(), l.outC},
      x, [&](const LayerAddresses &addr) { return emitConv(l, t, hw, addr); });
}

/// What makes `inst` an ISA version 2 instruction ("config_taps",
/// "vec func=lut", "config_quant bias", "matmul depthwise", ...), or "".
inline std::string getIsaV2Feature(const Inst &inst) {
  std::string feature;
  getInstIsaVersion(inst, &feature);
  return feature;
}

} // namespace tessera::npu::test

#endif // TESSERA_TEST_UNIT_NPUKERNELS_CONVTESTUTIL_H
