//===- Statistics.cpp - accumulating calibration statistics ---------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Quantization/Statistics.h"

#include <algorithm>
#include <cmath>

namespace tessera::quant {

void StatsAccumulator::observeRange(const float *data, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    double x = data[i];
    if (!std::isfinite(x))
      continue;
    if (count == 0) {
      min = max = x;
    } else {
      min = std::min(min, x);
      max = std::max(max, x);
    }
    ++count;
  }
}

void StatsAccumulator::beginHistogram() {
  histogram.lo = min;
  histogram.hi = max;
  histogram.counts.assign(count ? bins : 0, 0);
}

void StatsAccumulator::observeHistogram(const float *data, size_t n) {
  if (histogram.counts.empty())
    return;
  for (size_t i = 0; i < n; ++i) {
    double x = data[i];
    if (std::isfinite(x))
      ++histogram.counts[histogram.getBin(x)];
  }
}

TensorStats StatsAccumulator::finish() const {
  TensorStats stats;
  stats.min = min;
  stats.max = max;
  stats.count = count;
  stats.histogram = histogram;
  return stats;
}

} // namespace tessera::quant
