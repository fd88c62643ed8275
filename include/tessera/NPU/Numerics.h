//===- Numerics.h - Tessera integer numerics, defined once ------*- C++ -*-===//
//
// The NPU's requantization, used by the simulator and by the CPU int8 path so
// that the two agree to the bit (docs/npu/numerics.md).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_NPU_NUMERICS_H
#define TESSERA_NPU_NUMERICS_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

namespace tessera::npu {

/// clamp(((acc * multiplier) + 2^(shift-1)) >> shift + zeroPoint, lo, hi):
/// a 64-bit product, rounded half toward +infinity by an arithmetic shift
/// (shift = 0: no rounding), then the zero point, then saturation to
/// [lo, hi]. The rounding is computed as floor(p / 2^s) + bit (s-1) of p,
/// which equals (p + 2^(s-1)) >> s without its overflow at p = 2^62, s = 63.
inline int32_t requantize(int32_t acc, int32_t multiplier, unsigned shift,
                          int32_t zeroPoint, int32_t lo, int32_t hi) {
  int64_t product = int64_t(acc) * int64_t(multiplier);
  int64_t rounded = shift == 0
                        ? product
                        : (product >> shift) + ((product >> (shift - 1)) & 1);
  int64_t result = rounded + zeroPoint;
  return int32_t(std::clamp<int64_t>(result, lo, hi));
}

/// The (multiplier, shift) of `requantize` whose value multiplier * 2^-shift
/// is closest to `realScale` (> 0, finite): the multiplier normalized to
/// [2^30, 2^31) for 31 significant bits, the shift in [0, 63]. A scale below
/// 2^-32 (shift would exceed 63) gets a smaller multiplier at shift 63, down
/// to 0; a scale of 2^31 or more saturates at (2^31 - 1, 0).
inline std::pair<int32_t, unsigned> encodeRequantizeScale(double realScale) {
  if (!(realScale > 0) || !std::isfinite(realScale))
    return {0, 0};
  int exponent;
  double mantissa = std::frexp(realScale, &exponent); // [0.5, 1)
  int64_t multiplier = std::llround(std::ldexp(mantissa, 31));
  if (multiplier == (int64_t(1) << 31)) { // rounded up to the next power
    multiplier >>= 1;
    ++exponent;
  }
  int shift = 31 - exponent;
  if (shift < 0)
    return {INT32_MAX, 0};
  if (shift > 63) {
    multiplier = std::llround(std::ldexp(realScale, 63));
    shift = 63;
  }
  return {int32_t(multiplier), unsigned(shift)};
}

} // namespace tessera::npu

#endif // TESSERA_NPU_NUMERICS_H
