//===- Numerics.h - Tessera integer numerics, defined once ------*- C++ -*-===//
//
// The NPU's requantization, used by the simulator and by the CPU int8 path so
// that the two agree to the bit (docs/npu/numerics.md).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_NPU_NUMERICS_H
#define TESSERA_NPU_NUMERICS_H

#include <algorithm>
#include <cstdint>

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

} // namespace tessera::npu

#endif // TESSERA_NPU_NUMERICS_H
