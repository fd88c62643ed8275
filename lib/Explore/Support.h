//===- Support.h - what the explorer's files share -------------*- C++ -*-===//
//
// Part of Tessera. The seeded generator behind sampling (Sweep.cpp) and the
// drawn calibration and simulation inputs (Evaluate.cpp), and the number
// text of sweep values and merged results (Sweep.cpp, Results.cpp): both
// defined by their code alone, so that results are the same on every
// platform and standard library.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_EXPLORE_SUPPORT_H
#define TESSERA_LIB_EXPLORE_SUPPORT_H

#include <cstdint>
#include <string>

namespace tessera::explore {

/// SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): one 64-bit state, good
/// enough statistics for sampling, and the same stream on every platform
/// (unlike std:: distributions, whose output is implementation-defined).
class SplitMix64 {
public:
  explicit SplitMix64(uint64_t seed) : state(seed) {}

  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n), n > 0, without modulo bias (rejection).
  uint64_t below(uint64_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
      x = next();
    while (x >= limit);
    return x % n;
  }
  /// Uniform in [0, 1), 53 bits.
  double unit() { return double(next() >> 11) * 0x1.0p-53; }
  /// Uniform in (0, 1]: never 0 (a logarithm may follow).
  double openUnit() { return double((next() >> 11) + 1) * 0x1.0p-53; }

private:
  uint64_t state;
};

/// The shortest decimal text that reads back to `value`; integers without a
/// fraction or exponent (800, not 8e+02).
std::string formatShortest(double value);

} // namespace tessera::explore

#endif // TESSERA_LIB_EXPLORE_SUPPORT_H
