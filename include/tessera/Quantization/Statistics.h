//===- Statistics.h - accumulating calibration statistics -------*- C++ -*-===//
//
// Part of Tessera. What calibration does with the values an activation held
// over every input set: a first pass over the inputs finds the range, a
// second pass fills a histogram of `kCalibrationBins` equal-width bins over
// that range (so the histogram is exact, not rebinned). MLIR-free.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_QUANTIZATION_STATISTICS_H
#define TESSERA_QUANTIZATION_STATISTICS_H

#include "tessera/Quantization/Calibration.h"

#include <cstddef>

namespace tessera::quant {

/// The histogram resolution calibration records.
constexpr size_t kCalibrationBins = 2048;

/// The statistics of one activation, accumulated in two passes.
class StatsAccumulator {
public:
  explicit StatsAccumulator(size_t bins = kCalibrationBins) : bins(bins) {}

  /// Pass 1: widens the range by `n` values and counts them. Non-finite
  /// values are ignored.
  void observeRange(const float *data, size_t n);
  /// Ends pass 1: the histogram is over the range seen so far.
  void beginHistogram();
  /// Pass 2: counts `n` values (the same ones pass 1 saw) into the bins.
  void observeHistogram(const float *data, size_t n);

  bool sawValues() const { return count != 0; }
  /// The statistics; an empty histogram when pass 2 did not run.
  TensorStats finish() const;

private:
  size_t bins;
  double min = 0, max = 0;
  uint64_t count = 0;
  Histogram histogram;
};

} // namespace tessera::quant

#endif // TESSERA_QUANTIZATION_STATISTICS_H
