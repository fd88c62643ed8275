//===- ObserversTest.cpp - ranges and int8 parameters from statistics -----===//
//
// Part of Tessera. The observers of tessera/Quantization/Observers.h on
// known histograms: uniform, Gaussian with an outlier (percentile and
// entropy below the max, min/max at it), all-positive data for the
// asymmetric scheme, and the degenerate all-zero and single-value tensors.
//
//===----------------------------------------------------------------------===//

#include "tessera/Quantization/Observers.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace tessera::quant;

namespace {

TensorStats makeStats(double lo, double hi, std::vector<uint64_t> counts) {
  TensorStats stats;
  stats.min = lo;
  stats.max = hi;
  stats.histogram.lo = lo;
  stats.histogram.hi = hi;
  for (uint64_t c : counts)
    stats.count += c;
  stats.histogram.counts = std::move(counts);
  return stats;
}

/// N(0, 1) sampled into 2000 bins over [-10, 10] (1e6 values), and one
/// outlier at 10.
TensorStats gaussianWithOutlier() {
  std::vector<uint64_t> counts(2000);
  for (size_t i = 0; i < counts.size(); ++i) {
    double a = -10 + 0.01 * double(i), b = a + 0.01;
    double p =
        0.5 * (std::erf(b / std::sqrt(2.0)) - std::erf(a / std::sqrt(2.0)));
    counts[i] = uint64_t(std::llround(p * 1e6));
  }
  counts.back() += 1;
  return makeStats(-10, 10, counts);
}

TEST(ObserversTest, ParsesObserverNames) {
  EXPECT_EQ(parseObserverKind("minmax"), ObserverKind::MinMax);
  EXPECT_EQ(parseObserverKind("percentile"), ObserverKind::Percentile);
  EXPECT_EQ(parseObserverKind("entropy"), ObserverKind::Entropy);
  EXPECT_FALSE(parseObserverKind("kl"));
}

TEST(ObserversTest, UniformHistogram) {
  TensorStats stats = makeStats(-1, 1, std::vector<uint64_t>(100, 1000));
  Range minmax = chooseRange(stats, ObserverKind::MinMax, true, 99.99);
  EXPECT_DOUBLE_EQ(minmax.hi, 1.0);
  EXPECT_DOUBLE_EQ(minmax.lo, -1.0);
  // |x| is uniform on [0, 1]: its 90th percentile is 0.9.
  Range p90 = chooseRange(stats, ObserverKind::Percentile, true, 90);
  EXPECT_NEAR(p90.hi, 0.9, 1e-3);
  // Signed: the 5th and 95th percentiles.
  Range asym = chooseRange(stats, ObserverKind::Percentile, false, 95);
  EXPECT_NEAR(asym.lo, -0.9, 1e-9);
  EXPECT_NEAR(asym.hi, 0.9, 1e-9);
  // Interpolation inside a bin.
  EXPECT_NEAR(getHistogramPercentile(stats.histogram, 0.505), 0.01, 1e-9);
  // Clipping a uniform distribution only loses: entropy keeps ~all of it.
  double t = getEntropyThreshold(stats.histogram);
  EXPECT_GT(t, 0.95);
  EXPECT_LE(t, 1.0);
}

TEST(ObserversTest, GaussianWithOutlier) {
  TensorStats stats = gaussianWithOutlier();
  Range minmax = chooseRange(stats, ObserverKind::MinMax, true, 99.99);
  EXPECT_DOUBLE_EQ(minmax.hi, 10.0);
  // P(|x| > 3.89) = 1e-4 (the tail bins rounded to whole counts hold a
  // little less).
  Range percentile = chooseRange(stats, ObserverKind::Percentile, true, 99.99);
  EXPECT_NEAR(percentile.hi, 3.87, 0.03);
  Range entropy = chooseRange(stats, ObserverKind::Entropy, true, 99.99);
  // TensorRT-style KL threshold of N(0, 1) with 1e6 samples: about 4.2.
  EXPECT_GT(entropy.hi, 3.5);
  EXPECT_LT(entropy.hi, 5.0);
  EXPECT_DOUBLE_EQ(entropy.lo, -entropy.hi);
  QuantParams params =
      chooseActivationParams(stats, ObserverKind::Entropy, true, 99.99);
  EXPECT_EQ(params.zeroPoint, 0);
  EXPECT_DOUBLE_EQ(params.scale, entropy.hi / 127);
}

TEST(ObserversTest, AsymmetricAllPositive) {
  TensorStats stats = makeStats(0.5, 4.5, std::vector<uint64_t>(8, 10));
  Range range = chooseRange(stats, ObserverKind::MinMax, false, 99.99);
  EXPECT_DOUBLE_EQ(range.lo, 0.5);
  QuantParams params =
      chooseActivationParams(stats, ObserverKind::MinMax, false, 99.99);
  // Widened to [0, 4.5]: 0 is exactly -128.
  EXPECT_DOUBLE_EQ(params.scale, 4.5 / 255);
  EXPECT_EQ(params.zeroPoint, -128);
  EXPECT_EQ(quantizeValue(0.0, params.scale, params.zeroPoint), -128);
  EXPECT_EQ(quantizeValue(4.5, params.scale, params.zeroPoint), 127);
  // A range of both signs: zero point round(-128 - lo / scale).
  QuantParams mixed = getAsymmetricParams(-1.0, 3.0);
  EXPECT_DOUBLE_EQ(mixed.scale, 4.0 / 255);
  EXPECT_EQ(mixed.zeroPoint, int32_t(std::nearbyint(-128 + 255.0 / 4)));
}

TEST(ObserversTest, Degenerate) {
  TensorStats zeros = makeStats(0, 0, {16});
  for (ObserverKind kind : {ObserverKind::MinMax, ObserverKind::Percentile,
                            ObserverKind::Entropy}) {
    QuantParams sym = chooseActivationParams(zeros, kind, true, 99.99);
    EXPECT_DOUBLE_EQ(sym.scale, 1.0);
    EXPECT_EQ(sym.zeroPoint, 0);
    QuantParams asym = chooseActivationParams(zeros, kind, false, 99.99);
    EXPECT_DOUBLE_EQ(asym.scale, 1.0);
    EXPECT_EQ(asym.zeroPoint, -128);
  }
  TensorStats single = makeStats(3, 3, {10});
  for (ObserverKind kind : {ObserverKind::MinMax, ObserverKind::Percentile,
                            ObserverKind::Entropy}) {
    QuantParams sym = chooseActivationParams(single, kind, true, 99.99);
    // (the |x| histogram of the percentile observer interpolates to 3 up
    // to rounding)
    EXPECT_NEAR(sym.scale, 3.0 / 127, 1e-12 + 1e-6 * 3.0 / 127) << int(kind);
    QuantParams asym = chooseActivationParams(single, kind, false, 99.99);
    EXPECT_NEAR(asym.scale, 3.0 / 255, 1e-12) << int(kind);
    EXPECT_EQ(asym.zeroPoint, -128);
  }
  // No histogram: percentile and entropy fall back to min/max.
  TensorStats bare;
  bare.min = -2;
  bare.max = 1;
  EXPECT_DOUBLE_EQ(chooseRange(bare, ObserverKind::Entropy, true, 99.99).hi,
                   2.0);
}

TEST(ObserversTest, PerChannelWeightScales) {
  std::vector<double> w = {0, 0, 0, 1, -2, 0.5};
  std::vector<double> scales = getWeightScales(w, 2);
  ASSERT_EQ(scales.size(), 2u);
  EXPECT_DOUBLE_EQ(scales[0], 1.0);
  EXPECT_DOUBLE_EQ(scales[1], 2.0 / 127);
  std::vector<double> perTensor = getWeightScales(w, 1);
  ASSERT_EQ(perTensor.size(), 1u);
  EXPECT_DOUBLE_EQ(perTensor[0], 2.0 / 127);
  // Ties round to even, results saturate.
  EXPECT_EQ(quantizeValue(2.5, 1.0, 0), 2);
  EXPECT_EQ(quantizeValue(-3.5, 1.0, 0), -4);
  EXPECT_EQ(quantizeValue(1000, 1.0, 0), 127);
}

} // namespace
