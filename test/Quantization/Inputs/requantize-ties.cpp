// The fixed-point requantize of tessera-lower-qdq (encodeRequantizeScale,
// then requantize: rounding half toward +infinity on a 31-bit multiplier)
// against ONNX's float requantize of QLinearConv/QLinearMatMul (round half
// to even of acc * real scale), for 10^6 accumulators per scale: the exact
// real product (long double) and ONNX Runtime's f32 product
// float(acc) * float(scale). Prints how many int8 outputs differ and by how
// much, for random scales and for scales that are powers of two (where
// exact ties are common).

#include "tessera/NPU/Numerics.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

static int32_t clampI8(long double v) {
  return int32_t(std::clamp<long double>(v, -128, 127));
}

struct Counts {
  long total = 0, diffExact = 0, diffFloat = 0, ties = 0;
  int maxExact = 0, maxFloat = 0;
};

static void sweep(const char *name, int scales, int accs, bool powerOfTwo,
                  std::mt19937_64 &rng) {
  Counts c;
  std::uniform_real_distribution<double> logScale(std::log(1e-5),
                                                  std::log(1e-1));
  for (int s = 0; s < scales; ++s) {
    // f32 scales as ONNX stores them; the real factor s_x * s_w / s_y.
    float sx = float(std::exp(logScale(rng))) * 100, sw = 0.01f, sy = 1.0f;
    if (powerOfTwo) {
      sx = std::ldexp(1.0f, -int(rng() % 14) - 1);
      sw = 1.0f;
    }
    double real = double(sx) * double(sw) / double(sy);
    auto [multiplier, shift] = tessera::npu::encodeRequantizeScale(real);
    float realF = float(sx) * float(sw) / float(sy);
    int64_t range = int64_t(std::min(130.0 / real, 2147483647.0));
    std::uniform_int_distribution<int64_t> acc(-range, range);
    for (int i = 0; i < accs; ++i) {
      int32_t a = int32_t(acc(rng));
      int32_t fixed =
          tessera::npu::requantize(a, multiplier, shift, 0, -128, 127);
      long double product = (long double)a * (long double)real;
      if (product - std::floor(product) == 0.5L)
        ++c.ties;
      int32_t exact = clampI8(std::nearbyint(product));
      int32_t flt = clampI8(std::nearbyintf(float(a) * realF));
      int de = std::abs(fixed - exact), df = std::abs(fixed - flt);
      c.diffExact += de != 0;
      c.diffFloat += df != 0;
      c.maxExact = std::max(c.maxExact, de);
      c.maxFloat = std::max(c.maxFloat, df);
      ++c.total;
    }
  }
  std::printf("%s: %ld outputs, %ld exact ties; vs exact real: %ld differ "
              "(%.2e), max %d; vs f32 product: %ld differ (%.2e), max %d\n",
              name, c.total, c.ties, c.diffExact,
              double(c.diffExact) / c.total, c.maxExact, c.diffFloat,
              double(c.diffFloat) / c.total, c.maxFloat);
}

int main(int argc, char **argv) {
  int accs = argc > 1 ? std::atoi(argv[1]) : 1000000;
  std::mt19937_64 rng(13);
  sweep("random scales", 100, accs, false, rng);
  sweep("power-of-two scales", 100, accs, true, rng);
  return 0;
}
