// Runs the kernels of requantize-kernels.mlir (compiled through the CPU path)
// and compares every nn.requantize element against tessera::npu::requantize
// and against the formula (p + 2^(s-1)) >> s evaluated in 128 bits, and
// nn.quantize / nn.dequantize against their float formulas.

#include "tessera/NPU/Numerics.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <vector>

constexpr int Rows = 20, Cols = 64;
struct Pair {
  int32_t multiplier;
  unsigned shift;
};
// The (multiplier, shift) of each row, as in requantize-kernels.mlir.
static const Pair table[Rows] = {
    {1, 0},          {1, 1},           {1, 2},           {3, 2},
    {1, 5},          {5, 3},           {0x60000000, 31}, {2147483647, 31},
    {2147483647, 1}, {2147483647, 0},  {1073741824, 31}, {1690499128, 37},
    {INT32_MIN, 63}, {2147483647, 63}, {1, 63},          {1073741824, 40},
    {-1, 1},         {-7, 3},          {1, 31},          {65536, 17}};

extern "C" {
void per_axis_i32(const int32_t *, int32_t *);
void per_axis_i8_relu(const int32_t *, int8_t *);
void per_axis_multiplier(const int32_t *, int8_t *);
void shift0(const int32_t *, int8_t *);
void shift1_clamp(const int32_t *, int8_t *);
void shift31(const int32_t *, int32_t *);
void shift37_zp(const int32_t *, int8_t *);
void shift63(const int32_t *, int8_t *);
void quantize_ties(const float *, int8_t *);
void dequantize_all(const int8_t *, float *);
}

static int ties = 0;

/// Row r's inputs: the int32 extremes, every acc whose product with the
/// row's multiplier is an exact tie (2k+1) * 2^(s-1) near 0 and near the
/// int8 saturation bounds, its neighbours, then pseudo-random values.
static void fillRow(int r, int32_t *row) {
  std::vector<int32_t> values = {
      INT32_MIN, INT32_MIN + 1, INT32_MAX, INT32_MAX - 1, -1, 0, 1};
  Pair pair = table[r];
  if (pair.shift >= 1) {
    const int ks[] = {-130, -129, -128, -6, -5, -4, -3,  -2, -1,
                      0,    1,    2,    3,  4,  5,  126, 127};
    for (int k : ks) {
      __int128 p = __int128(2 * k + 1) << (pair.shift - 1);
      if (p % pair.multiplier != 0)
        continue;
      __int128 acc = p / pair.multiplier;
      if (acc < INT32_MIN + 1 || acc > INT32_MAX - 1)
        continue;
      ++ties;
      values.push_back(int32_t(acc));
      values.push_back(int32_t(acc - 1));
      values.push_back(int32_t(acc + 1));
    }
  }
  uint64_t state = 0x9e3779b97f4a7c15ull * uint64_t(r + 1);
  for (int c = 0; c < Cols; ++c) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    int32_t random = int32_t(state >> 32) >> ((state >> 20) % 32);
    row[c] = c < int(values.size()) ? values[c] : random;
  }
}

/// The formula of docs/npu/numerics.md in 128 bits, independent of Numerics.h.
static int32_t reference(int32_t acc, Pair pair, int32_t zp, int32_t lo,
                         int32_t hi) {
  __int128 p = __int128(acc) * pair.multiplier;
  if (pair.shift > 0)
    p = (p + (__int128(1) << (pair.shift - 1))) >> pair.shift;
  p += zp;
  return int32_t(p < lo ? lo : p > hi ? hi : p);
}

static int failures = 0;

template <typename T>
static void check(const char *name, const std::vector<T> &got,
                  const std::vector<int32_t> &acc, bool perAxis, Pair pair,
                  int32_t zp, int32_t lo, int32_t hi) {
  int bad = 0;
  for (int i = 0; i < Rows * Cols; ++i) {
    Pair p = pair;
    if (perAxis)
      p.multiplier = table[i / Cols].multiplier;
    if (perAxis && pair.shift == 64)
      p.shift = table[i / Cols].shift;
    int32_t expected =
        tessera::npu::requantize(acc[i], p.multiplier, p.shift, zp, lo, hi);
    if (expected != reference(acc[i], p, zp, lo, hi)) {
      std::printf("%s: Numerics.h disagrees with the formula at %d\n", name,
                  acc[i]);
      ++bad;
    }
    if (int32_t(got[i]) != expected && bad++ < 5)
      std::printf("%s: acc %d multiplier %d shift %u: got %d, expected %d\n",
                  name, acc[i], p.multiplier, p.shift, int32_t(got[i]),
                  expected);
  }
  std::printf("%s: %d values, %d mismatches\n", name, Rows * Cols, bad);
  failures += bad;
}

/// nn.quantize rounds half to even (x / 0.5 = 1.5 * k hits every tie) and
/// saturates; nn.dequantize is (q - 3) * 0.1f rounded once in f32.
static void checkQuantize() {
  std::vector<float> x(256), back(256);
  std::vector<int8_t> q(256), all(256);
  for (int i = 0; i < 256; ++i) {
    x[i] = float(i - 128) * 0.75f;
    all[i] = int8_t(i - 128);
  }
  quantize_ties(x.data(), q.data());
  dequantize_all(all.data(), back.data());
  int bad = 0;
  for (int i = 0; i < 256; ++i) {
    float r = std::nearbyint(x[i] / 0.5f) - 3.0f;
    int32_t expected = int32_t(r < -128.0f ? -128.0f : r > 127.0f ? 127.0f : r);
    if (q[i] != expected && bad++ < 5)
      std::printf("quantize: %g: got %d, expected %d\n", x[i], q[i], expected);
    float dequantized = float(int32_t(all[i]) - 3) * 0.1f;
    if (back[i] != dequantized && bad++ < 5)
      std::printf("dequantize: %d: got %g, expected %g\n", all[i], back[i],
                  dequantized);
  }
  std::printf("quantize/dequantize: 512 values, %d mismatches\n", bad);
  failures += bad;
}

int main() {
  std::vector<int32_t> acc(Rows * Cols);
  for (int r = 0; r < Rows; ++r)
    fillRow(r, &acc[r * Cols]);
  std::printf("ties: %d\n", ties);
  std::vector<int32_t> out32(Rows * Cols);
  std::vector<int8_t> out8(Rows * Cols);
  const Pair perRowShift = {0, 64};
  per_axis_i32(acc.data(), out32.data());
  check("per_axis_i32", out32, acc, true, perRowShift, 0, -128, 127);
  per_axis_i8_relu(acc.data(), out8.data());
  check("per_axis_i8_relu", out8, acc, true, perRowShift, -3, -3, 127);
  per_axis_multiplier(acc.data(), out8.data());
  check("per_axis_multiplier", out8, acc, true, {0, 31}, 7, -128, 127);
  shift0(acc.data(), out8.data());
  check("shift0", out8, acc, false, {1, 0}, -3, -128, 127);
  shift1_clamp(acc.data(), out8.data());
  check("shift1_clamp", out8, acc, false, {1, 1}, 10, 0, 20);
  shift31(acc.data(), out32.data());
  check("shift31", out32, acc, false, {2147483647, 31}, 0, -128, 127);
  shift37_zp(acc.data(), out8.data());
  check("shift37_zp", out8, acc, false, {1690499128, 37}, 5, -128, 127);
  shift63(acc.data(), out8.data());
  check("shift63", out8, acc, false, {INT32_MIN, 63}, 0, -128, 127);
  checkQuantize();
  std::printf(failures ? "FAILED\n" : "all bit-exact\n");
  return failures ? 1 : 0;
}
