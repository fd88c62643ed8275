//===- Observers.h - ranges and int8 parameters from statistics -*- C++ -*-===//
//
// Part of Tessera. From what calibration recorded for an activation (a
// TensorStats: min, max, histogram) the range to quantize (min/max, a
// percentile of the histogram, or the KL-divergence threshold of TensorRT's
// entropy calibrator), and from a range the int8 scale and zero point
// (symmetric or asymmetric); per-channel symmetric scales of int8 weights.
// docs/npu/numerics.md describes the choices.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_QUANTIZATION_OBSERVERS_H
#define TESSERA_QUANTIZATION_OBSERVERS_H

#include "tessera/Quantization/Calibration.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace tessera::quant {

enum class ObserverKind { MinMax, Percentile, Entropy };

/// "minmax", "percentile" or "entropy"; nullopt for anything else.
std::optional<ObserverKind> parseObserverKind(llvm::StringRef name);

/// A real range [lo, hi] to map onto int8.
struct Range {
  double lo = 0, hi = 0;
};

/// The int8 parameters of a tensor: q = round(x / scale) + zeroPoint.
struct QuantParams {
  double scale = 1;
  int32_t zeroPoint = 0;
};

/// The histogram of |x| over [0, max|x|] in `bins` equal bins, from a
/// histogram of x: each source bin's count is spread uniformly over its
/// interval (a bin straddling 0 splits in proportion to its two sides).
std::vector<double> getAbsHistogram(const Histogram &histogram, size_t bins,
                                    double &absMax);

/// The value below which a fraction `fraction` (0 to 1) of the histogram's
/// count lies, interpolating linearly inside the bin that crosses it.
double getHistogramPercentile(const Histogram &histogram, double fraction);

/// TensorRT's entropy (KL-divergence) threshold on the |x| histogram of
/// `histogram` (resampled to 2048 bins); see Observers.cpp for the variant.
double getEntropyThreshold(const Histogram &histogram);

/// The range `observer` chooses for `stats`: symmetric ranges are [-t, t]
/// (t from |x|), asymmetric ones [lo, hi]. `percentile` is in percent
/// (99.99). Without a histogram, percentile and entropy fall back to
/// min/max; the result never exceeds the observed [min, max] (or its
/// symmetric hull).
Range chooseRange(const TensorStats &stats, ObserverKind observer,
                  bool symmetric, double percentile);

/// Symmetric int8: zero point 0, scale t / 127 (1 when t is 0).
QuantParams getSymmetricParams(double threshold);

/// Asymmetric int8 over [lo, hi] widened to include 0: scale (hi - lo) /
/// 255 (1 when the range is empty), zero point round(-128 - lo / scale)
/// clamped to [-128, 127].
QuantParams getAsymmetricParams(double lo, double hi);

/// The activation parameters for `stats`.
QuantParams chooseActivationParams(const TensorStats &stats,
                                   ObserverKind observer, bool symmetric,
                                   double percentile);

/// Symmetric per-channel scales of weights `values` (row-major, channel the
/// outermost dim, `channels` of them): max|w[c]| / 127, 1 for an all-zero
/// channel. With `channels` = 1, one per-tensor scale.
std::vector<double> getWeightScales(llvm::ArrayRef<double> values,
                                    int64_t channels);

/// round_half_to_even(x / scale), saturated to int8.
int32_t quantizeValue(double x, double scale, int32_t zeroPoint);

} // namespace tessera::quant

#endif // TESSERA_QUANTIZATION_OBSERVERS_H
