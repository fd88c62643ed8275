//===- Observers.cpp - ranges and int8 parameters from statistics ---------===//
//
// Part of Tessera. Implements tessera/Quantization/Observers.h.
//
// The entropy observer is the calibrator of TensorRT ("8-bit Inference with
// TensorRT", Migacz 2017) in the form pytorch-quantization implements it:
// the |x| histogram (here resampled to 2048 bins) is cut at every bin i from
// 128 to 2048; the reference P is bins [0, i) with the count of every bin
// past i added to bin i-1; the candidate Q merges bins [0, i) into 128
// levels (i / 128 bins each, the last level also taking the remainder) and
// spreads each level's count evenly over its non-empty bins (empty bins stay
// 0). Both are normalized and KL(P || Q) = sum P log(P / Q) over P > 0 (a
// candidate with Q = 0 where P > 0 is infinite); the threshold is the upper
// edge of bin i - 1 for the minimal KL, the largest such i on ties.
//
//===----------------------------------------------------------------------===//

#include "tessera/Quantization/Observers.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace tessera::quant;

namespace {
/// Bins of the |x| histograms the percentile and entropy observers use.
constexpr size_t kAbsBins = 2048;
/// Quantized levels of the entropy observer (int8: 0..127 for |x|).
constexpr size_t kLevels = 128;
} // namespace

std::optional<ObserverKind>
tessera::quant::parseObserverKind(llvm::StringRef name) {
  if (name == "minmax")
    return ObserverKind::MinMax;
  if (name == "percentile")
    return ObserverKind::Percentile;
  if (name == "entropy")
    return ObserverKind::Entropy;
  return std::nullopt;
}

/// Adds `count` spread uniformly over [a, b] (0 <= a <= b) to `out`, bins of
/// `width` from 0.
static void spread(std::vector<double> &out, double width, double a, double b,
                   double count) {
  if (count <= 0)
    return;
  size_t n = out.size();
  auto binOf = [&](double x) {
    double bin = std::floor(x / width);
    return size_t(std::clamp(bin, 0.0, double(n - 1)));
  };
  if (!(b > a)) {
    out[binOf(a)] += count;
    return;
  }
  for (size_t i = binOf(a), e = binOf(b); i <= e; ++i) {
    double lo = std::max(a, double(i) * width);
    double hi = i + 1 == n ? b : std::min(b, double(i + 1) * width);
    if (hi > lo)
      out[i] += count * (hi - lo) / (b - a);
  }
}

std::vector<double> tessera::quant::getAbsHistogram(const Histogram &histogram,
                                                    size_t bins,
                                                    double &absMax) {
  std::vector<double> out(bins, 0.0);
  absMax = std::max(std::fabs(histogram.lo), std::fabs(histogram.hi));
  if (histogram.counts.empty() || !(absMax > 0))
    return out;
  double width = absMax / double(bins);
  double srcWidth =
      (histogram.hi - histogram.lo) / double(histogram.counts.size());
  for (auto [i, count] : llvm::enumerate(histogram.counts)) {
    double a = histogram.lo + double(i) * srcWidth;
    double b = i + 1 == histogram.counts.size() ? histogram.hi : a + srcWidth;
    double c = double(count);
    if (a >= 0) {
      spread(out, width, a, b, c);
    } else if (b <= 0) {
      spread(out, width, -b, -a, c);
    } else {
      spread(out, width, 0, -a, c * -a / (b - a));
      spread(out, width, 0, b, c * b / (b - a));
    }
  }
  return out;
}

/// The `fraction` percentile of counts in equal bins of `width` from `lo`.
static double percentileOf(llvm::ArrayRef<double> counts, double lo,
                           double width, double fraction) {
  double total = 0;
  for (double c : counts)
    total += c;
  if (!(total > 0))
    return lo;
  double target = std::clamp(fraction, 0.0, 1.0) * total;
  double cumulative = 0;
  size_t last = 0;
  for (auto [i, c] : llvm::enumerate(counts)) {
    if (c <= 0)
      continue;
    last = i;
    if (cumulative + c >= target)
      return lo + width * (double(i) + (target - cumulative) / c);
    cumulative += c;
  }
  return lo + width * double(last + 1);
}

double tessera::quant::getHistogramPercentile(const Histogram &histogram,
                                              double fraction) {
  std::vector<double> counts(histogram.counts.begin(), histogram.counts.end());
  if (counts.empty())
    return fraction < 0.5 ? histogram.lo : histogram.hi;
  double width = (histogram.hi - histogram.lo) / double(counts.size());
  return percentileOf(counts, histogram.lo, width, fraction);
}

double tessera::quant::getEntropyThreshold(const Histogram &histogram) {
  double absMax;
  std::vector<double> bins = getAbsHistogram(histogram, kAbsBins, absMax);
  if (!(absMax > 0))
    return 0;
  double width = absMax / double(kAbsBins);
  std::vector<double> suffix(kAbsBins + 1, 0.0);
  for (size_t i = kAbsBins; i-- > 0;)
    suffix[i] = suffix[i + 1] + bins[i];
  double bestKL = std::numeric_limits<double>::infinity();
  size_t bestI = kAbsBins;
  std::vector<double> p(kAbsBins), q(kAbsBins);
  for (size_t i = kLevels; i <= kAbsBins; ++i) {
    for (size_t j = 0; j < i; ++j)
      p[j] = bins[j];
    p[i - 1] += suffix[i];
    size_t merged = i / kLevels;
    for (size_t level = 0; level < kLevels; ++level) {
      size_t start = level * merged;
      size_t stop = level + 1 == kLevels ? i : start + merged;
      double sum = 0, nonEmpty = 0;
      for (size_t j = start; j < stop; ++j) {
        sum += bins[j];
        nonEmpty += bins[j] > 0 ? 1 : 0;
      }
      for (size_t j = start; j < stop; ++j)
        q[j] = bins[j] > 0 ? sum / nonEmpty : 0;
    }
    double pTotal = 0, qTotal = 0;
    for (size_t j = 0; j < i; ++j) {
      pTotal += p[j];
      qTotal += q[j];
    }
    if (!(pTotal > 0) || !(qTotal > 0))
      continue;
    double kl = 0;
    for (size_t j = 0; j < i && std::isfinite(kl); ++j) {
      if (p[j] <= 0)
        continue;
      if (q[j] <= 0) {
        kl = std::numeric_limits<double>::infinity();
        break;
      }
      double pj = p[j] / pTotal, qj = q[j] / qTotal;
      kl += pj * std::log(pj / qj);
    }
    if (kl <= bestKL) {
      bestKL = kl;
      bestI = i;
    }
  }
  return double(bestI) * width;
}

Range tessera::quant::chooseRange(const TensorStats &stats,
                                  ObserverKind observer, bool symmetric,
                                  double percentile) {
  double absMax = std::max(std::fabs(stats.min), std::fabs(stats.max));
  bool hasHistogram = !stats.histogram.counts.empty();
  if (observer == ObserverKind::MinMax || !hasHistogram) {
    if (symmetric)
      return {-absMax, absMax};
    return {stats.min, stats.max};
  }
  double fraction = percentile / 100.0;
  if (observer == ObserverKind::Percentile) {
    if (symmetric) {
      double histMax;
      std::vector<double> abs =
          getAbsHistogram(stats.histogram, kAbsBins, histMax);
      double t = percentileOf(abs, 0, histMax / double(kAbsBins), fraction);
      t = std::min(t, absMax);
      return {-t, t};
    }
    double lo = getHistogramPercentile(stats.histogram, 1.0 - fraction);
    double hi = getHistogramPercentile(stats.histogram, fraction);
    return {std::clamp(lo, stats.min, stats.max),
            std::clamp(hi, stats.min, stats.max)};
  }
  // Entropy: the threshold of |x|; asymmetric ranges are [min, max] cut to
  // [-t, t].
  double t = std::min(getEntropyThreshold(stats.histogram), absMax);
  if (symmetric)
    return {-t, t};
  return {std::max(stats.min, -t), std::min(stats.max, t)};
}

QuantParams tessera::quant::getSymmetricParams(double threshold) {
  threshold = std::fabs(threshold);
  if (!(threshold > 0) || !std::isfinite(threshold))
    return {1.0, 0};
  return {threshold / 127.0, 0};
}

QuantParams tessera::quant::getAsymmetricParams(double lo, double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  double scale = (hi - lo) / 255.0;
  if (!(scale > 0) || !std::isfinite(scale))
    scale = 1.0;
  double zp = std::nearbyint(-128.0 - lo / scale);
  return {scale, int32_t(std::clamp(zp, -128.0, 127.0))};
}

QuantParams tessera::quant::chooseActivationParams(const TensorStats &stats,
                                                   ObserverKind observer,
                                                   bool symmetric,
                                                   double percentile) {
  Range range = chooseRange(stats, observer, symmetric, percentile);
  if (symmetric)
    return getSymmetricParams(range.hi);
  return getAsymmetricParams(range.lo, range.hi);
}

std::vector<double>
tessera::quant::getWeightScales(llvm::ArrayRef<double> values,
                                int64_t channels) {
  channels = std::max<int64_t>(channels, 1);
  std::vector<double> scales(channels, 1.0);
  size_t perChannel = values.size() / size_t(channels);
  for (int64_t c = 0; c < channels; ++c) {
    double m = 0;
    for (size_t i = 0; i < perChannel; ++i)
      m = std::max(m, std::fabs(values[size_t(c) * perChannel + i]));
    if (m > 0 && std::isfinite(m))
      scales[c] = m / 127.0;
  }
  return scales;
}

int32_t tessera::quant::quantizeValue(double x, double scale,
                                      int32_t zeroPoint) {
  double q = std::nearbyint(x / scale) + double(zeroPoint);
  return int32_t(std::clamp(q, -128.0, 127.0));
}
