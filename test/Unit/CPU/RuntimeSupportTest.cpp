//===- RuntimeSupportTest.cpp - CPU artifacts: runtime support ------------===//
//
// The compiler builtins of lib/Target/CPU/CPURuntimeSupport.c against LLVM's
// APFloat (round to nearest, ties to even): every f16 value, every rounding
// boundary between adjacent f16 and bf16 values (the tie and its neighbours)
// in f32 and f64, and a sample of all f32 values. The buffer functions and
// `memrefCopy` are exercised by every compiled model.
//
//===----------------------------------------------------------------------===//

#include "llvm/ADT/APFloat.h"

#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>

// As the artifact's code calls them: a half or bfloat16 travels in the low
// 16 bits of the register that carries a float (see CPURuntimeSupport.c).
extern "C" {
float __truncsfhf2(float);
float __truncdfhf2(double);
float __truncsfbf2(float);
float __truncdfbf2(double);
float __extendhfsf2(float);
double __extendhfdf2(float);
float __powisf2(float, int);
double __powidf2(double, int);
}

namespace {

using llvm::APFloat;
using llvm::APInt;

float carry(uint16_t bits) {
  uint32_t wide = bits;
  float f;
  std::memcpy(&f, &wide, sizeof(f));
  return f;
}

uint16_t low16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return static_cast<uint16_t>(bits);
}

float fromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

double fromBits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

/// `bits` of `from` converted to `to` by APFloat, as raw bits; NaNs read as
/// any NaN of `to`.
uint64_t reference(const llvm::fltSemantics &from, APInt bits,
                   const llvm::fltSemantics &to) {
  APFloat value(from, bits);
  bool losesInfo;
  value.convert(to, APFloat::rmNearestTiesToEven, &losesInfo);
  return value.bitcastToAPInt().getZExtValue();
}

bool isNaN16(uint16_t bits, int fracBits) {
  uint16_t expMask =
      static_cast<uint16_t>(((1u << (15 - fracBits)) - 1) << fracBits);
  return (bits & expMask) == expMask && (bits & ((1u << fracBits) - 1));
}

/// Checks one f32 and one f64 input against both 16-bit formats.
void checkNarrowing(uint32_t f32Bits, uint64_t f64Bits) {
  struct Format {
    const llvm::fltSemantics &sem;
    int fracBits;
    float (*fromF32)(float);
    float (*fromF64)(double);
    const char *name;
  };
  const Format formats[] = {
      {APFloat::IEEEhalf(), 10, __truncsfhf2, __truncdfhf2, "f16"},
      {APFloat::BFloat(), 7, __truncsfbf2, __truncdfbf2, "bf16"}};
  for (const Format &format : formats) {
    uint16_t expected = static_cast<uint16_t>(
        reference(APFloat::IEEEsingle(), APInt(32, f32Bits), format.sem));
    uint16_t got = low16(format.fromF32(fromBits(f32Bits)));
    if (!(isNaN16(expected, format.fracBits) &&
          isNaN16(got, format.fracBits))) {
      ASSERT_EQ(got, expected)
          << "f32 0x" << std::hex << f32Bits << " to " << format.name;
    }
    expected = static_cast<uint16_t>(
        reference(APFloat::IEEEdouble(), APInt(64, f64Bits), format.sem));
    got = low16(format.fromF64(fromBits(f64Bits)));
    if (!(isNaN16(expected, format.fracBits) &&
          isNaN16(got, format.fracBits))) {
      ASSERT_EQ(got, expected)
          << "f64 0x" << std::hex << f64Bits << " to " << format.name;
    }
  }
}

TEST(CPURuntimeSupport, ExtendHalfIsExact) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    uint32_t expected = static_cast<uint32_t>(
        reference(APFloat::IEEEhalf(), APInt(16, h), APFloat::IEEEsingle()));
    float got = __extendhfsf2(carry(static_cast<uint16_t>(h)));
    double gotDouble = __extendhfdf2(carry(static_cast<uint16_t>(h)));
    if (isNaN16(static_cast<uint16_t>(h), 10)) {
      EXPECT_TRUE(got != got) << std::hex << h;
      EXPECT_TRUE(gotDouble != gotDouble) << std::hex << h;
      continue;
    }
    uint32_t gotBits;
    std::memcpy(&gotBits, &got, sizeof(gotBits));
    ASSERT_EQ(gotBits, expected) << "f16 0x" << std::hex << h;
    ASSERT_EQ(gotDouble, static_cast<double>(fromBits(expected)));
  }
}

/// Around every point halfway between two adjacent 16-bit values (and beyond
/// the largest finite ones): the tie itself and the nearest values either
/// side, in f32 and in f64.
TEST(CPURuntimeSupport, NarrowingRoundsToNearestEven) {
  for (int fracBits : {10, 7}) {
    const llvm::fltSemantics &sem =
        fracBits == 10 ? APFloat::IEEEhalf() : APFloat::BFloat();
    for (uint32_t h = 0; h < 0x8000; ++h) {
      if (isNaN16(static_cast<uint16_t>(h), fracBits))
        continue;
      // The tie between h and h + 1 (beyond the largest finite value: as
      // far above it as the value below it is below), exact in f64 and f32.
      auto toDouble = [&](uint32_t bits) {
        APFloat value(sem, APInt(16, bits));
        bool losesInfo;
        value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                      &losesInfo);
        return value.convertToDouble();
      };
      double low = toDouble(h), high = toDouble(h + 1);
      if (std::isinf(low))
        continue;
      double tie = std::isinf(high) ? low + (low - toDouble(h - 1)) / 2
                                    : (low + high) / 2;
      for (double sign : {1.0, -1.0}) {
        double t = sign * tie;
        uint64_t bits64;
        std::memcpy(&bits64, &t, sizeof(bits64));
        float tf = static_cast<float>(t);
        uint32_t bits32;
        std::memcpy(&bits32, &tf, sizeof(bits32));
        for (int delta : {-1, 0, 1})
          checkNarrowing(bits32 + delta, bits64 + delta);
      }
    }
  }
}

TEST(CPURuntimeSupport, NarrowingSpecialAndSampledValues) {
  const uint32_t specials32[] = {0,          0x80000000, 0x7f800000, 0xff800000,
                                 0x7fc00000, 0x7f800001, 0xffffffff, 1,
                                 0x007fffff, 0x7f7fffff};
  const uint64_t specials64[] = {0,
                                 0x8000000000000000,
                                 0x7ff0000000000000,
                                 0xfff0000000000000,
                                 0x7ff8000000000000,
                                 0x7ff0000000000001,
                                 1,
                                 0x000fffffffffffff,
                                 0x7fefffffffffffff,
                                 0xffffffffffffffff};
  for (uint32_t bits : specials32)
    for (uint64_t bits64 : specials64)
      checkNarrowing(bits, bits64);
  std::mt19937_64 random(0);
  for (uint64_t bits = 0; bits < (uint64_t(1) << 32); bits += 65521)
    checkNarrowing(static_cast<uint32_t>(bits), random());
}

TEST(CPURuntimeSupport, PowI) {
  EXPECT_EQ(__powisf2(2.0f, 10), 1024.0f);
  EXPECT_EQ(__powisf2(-3.0f, 3), -27.0f);
  EXPECT_EQ(__powisf2(2.0f, -2), 0.25f);
  EXPECT_EQ(__powisf2(5.0f, 0), 1.0f);
  EXPECT_EQ(__powidf2(2.0, 62), 4611686018427387904.0);
  EXPECT_EQ(__powidf2(2.0, -3), 0.125);
  EXPECT_EQ(__powidf2(-1.0, INT32_MIN), 1.0);
  EXPECT_EQ(__powidf2(10.0, 3), 1000.0);
}

} // namespace
