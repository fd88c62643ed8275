//===- StatisticsTest.cpp - two-pass calibration statistics ---------------===//
//
// Part of Tessera. The accumulation calibration runs per activation: the
// range over every input set, then a histogram over that range that counts
// each value once (the last bin holds the maximum), non-finite values left
// out, and no histogram for an activation that held nothing.
//
//===----------------------------------------------------------------------===//

#include "tessera/Quantization/Statistics.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <numeric>

using namespace tessera::quant;

namespace {

TEST(StatsAccumulator, RangeOverEverySet) {
  StatsAccumulator acc(4);
  float a[] = {1, 2, 3}, b[] = {-5, 0.5f};
  acc.observeRange(a, 3);
  acc.observeRange(b, 2);
  acc.beginHistogram();
  TensorStats stats = acc.finish();
  EXPECT_EQ(stats.min, -5);
  EXPECT_EQ(stats.max, 3);
  EXPECT_EQ(stats.count, 5u);
  EXPECT_EQ(stats.histogram.lo, -5);
  EXPECT_EQ(stats.histogram.hi, 3);
  ASSERT_EQ(stats.histogram.counts.size(), 4u);
}

TEST(StatsAccumulator, TwoPassHistogramCountsEveryValueOnce) {
  StatsAccumulator acc(4);
  // Range [0, 8]: bins of width 2; 8 (the maximum) falls in the last bin.
  float a[] = {0, 1, 2, 3}, b[] = {5, 8, 7.9f};
  acc.observeRange(a, 4);
  acc.observeRange(b, 3);
  acc.beginHistogram();
  acc.observeHistogram(a, 4);
  acc.observeHistogram(b, 3);
  TensorStats stats = acc.finish();
  EXPECT_EQ(stats.histogram.counts, (std::vector<uint64_t>{2, 2, 1, 2}));
  EXPECT_EQ(std::accumulate(stats.histogram.counts.begin(),
                            stats.histogram.counts.end(), uint64_t(0)),
            stats.count);
}

TEST(StatsAccumulator, DefaultResolution) {
  StatsAccumulator acc;
  float a[] = {-1, 1};
  acc.observeRange(a, 2);
  acc.beginHistogram();
  acc.observeHistogram(a, 2);
  TensorStats stats = acc.finish();
  ASSERT_EQ(stats.histogram.counts.size(), kCalibrationBins);
  EXPECT_EQ(stats.histogram.counts.front(), 1u);
  EXPECT_EQ(stats.histogram.counts.back(), 1u);
}

TEST(StatsAccumulator, NonFiniteValuesAreLeftOut) {
  StatsAccumulator acc(2);
  float a[] = {std::numeric_limits<float>::quiet_NaN(),
               std::numeric_limits<float>::infinity(), 2, 4};
  acc.observeRange(a, 4);
  acc.beginHistogram();
  acc.observeHistogram(a, 4);
  TensorStats stats = acc.finish();
  EXPECT_EQ(stats.count, 2u);
  EXPECT_EQ(stats.min, 2);
  EXPECT_EQ(stats.max, 4);
  EXPECT_EQ(stats.histogram.counts, (std::vector<uint64_t>{1, 1}));
}

TEST(StatsAccumulator, ConstantActivation) {
  StatsAccumulator acc(3);
  float a[] = {1.5f, 1.5f};
  acc.observeRange(a, 2);
  acc.beginHistogram();
  acc.observeHistogram(a, 2);
  TensorStats stats = acc.finish();
  EXPECT_EQ(stats.min, 1.5);
  EXPECT_EQ(stats.max, 1.5);
  EXPECT_EQ(stats.histogram.counts, (std::vector<uint64_t>{2, 0, 0}));
}

TEST(StatsAccumulator, NothingObserved) {
  StatsAccumulator acc;
  acc.beginHistogram();
  TensorStats stats = acc.finish();
  EXPECT_FALSE(acc.sawValues());
  EXPECT_EQ(stats.count, 0u);
  EXPECT_TRUE(stats.histogram.counts.empty());
}

} // namespace
