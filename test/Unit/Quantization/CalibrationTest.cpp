//===- CalibrationTest.cpp - quantization points and statistics files -----===//
//
// Part of Tessera. The keys calibration and quantization agree on (argument
// names, ONNX node names of plain and fused locations, multi-result ops,
// repeats), and the statistics file: a round trip that keeps every number,
// and a located error for each kind of damage.
//
//===----------------------------------------------------------------------===//

#include "tessera/Quantization/Calibration.h"
#include "NN/NNOps.h"
#include "tessera/NPU/Numerics.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace tessera::quant;
using llvm::Expected;

namespace {

const char *kGraph = R"mlir(
func.func @main(%x: tensor<1x4xf32> {nn.name = "input"}, %i: tensor<2xi64>) -> tensor<1x4xf32> {
  %w = nn.constant dense<1.0> : tensor<4x4xf32> loc("w")
  %none = nn.none
  %g = nn.gemm %x, %w, %none : (tensor<1x4xf32>, tensor<4x4xf32>, none) -> tensor<1x4xf32> loc(fused["fc", "bn"])
  %r = nn.relu %g : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("relu")
  %s = nn.relu %r : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("relu")
  %a, %b = nn.split %s, %none {axis = 1 : i64} : (tensor<1x4xf32>, none) -> (tensor<1x2xf32>, tensor<1x2xf32>) loc("split")
  %c = nn.concat %a, %b {axis = 1 : i64} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}
)mlir";

TEST(CalibrationTest, EnumeratesFloatActivationsWithStableKeys) {
  MLIRContext context;
  context.loadDialect<tessera::nn::NNDialect, func::FuncDialect>();
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(kGraph, &context);
  ASSERT_TRUE(module);
  auto func = *module->getOps<func::FuncOp>().begin();
  SmallVector<QuantPoint> points = enumerateQuantPoints(func);
  std::vector<std::string> keys;
  for (const QuantPoint &point : points)
    keys.push_back(point.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"input", "fc+bn", "relu", "relu#1",
                                            "split:0", "split:1", "value"}));
  EXPECT_EQ(points[0].value, func.getArgument(0));
}

CalibrationStats makeStats() {
  CalibrationStats stats;
  stats.modelDigest = "abc123";
  stats.numInputs = 32;
  TensorStats a;
  a.min = -1.5;
  a.max = 6.25;
  a.count = 100;
  a.histogram.lo = -1.5;
  a.histogram.hi = 6.25;
  a.histogram.counts = {10, 0, 90};
  stats.add("conv1+bn1", a);
  TensorStats b;
  b.min = 0.1;
  b.max = 0.1;
  b.count = 3;
  stats.add("input", b);
  return stats;
}

TEST(CalibrationTest, StatisticsFileRoundTrips) {
  SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("stats", "json", path));
  ASSERT_FALSE(llvm::errorToBool(writeCalibrationStats(path, makeStats())));
  Expected<CalibrationStats> read = readCalibrationStats(path);
  ASSERT_TRUE(bool(read)) << llvm::toString(read.takeError());
  EXPECT_EQ(read->modelDigest, "abc123");
  EXPECT_EQ(read->numInputs, 32);
  EXPECT_EQ(read->keys, (std::vector<std::string>{"conv1+bn1", "input"}));
  const TensorStats *a = read->lookup("conv1+bn1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->min, -1.5);
  EXPECT_EQ(a->max, 6.25);
  EXPECT_EQ(a->count, 100u);
  EXPECT_EQ(a->histogram.counts, (std::vector<uint64_t>{10, 0, 90}));
  EXPECT_TRUE(read->lookup("input")->histogram.counts.empty());
  EXPECT_FALSE(read->lookup("missing"));

  // Deterministic bytes.
  SmallString<128> again;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("stats", "json", again));
  ASSERT_FALSE(llvm::errorToBool(writeCalibrationStats(again, *read)));
  auto first = llvm::MemoryBuffer::getFile(path);
  auto second = llvm::MemoryBuffer::getFile(again);
  ASSERT_TRUE(first && second);
  EXPECT_EQ((*first)->getBuffer(), (*second)->getBuffer());
  llvm::sys::fs::remove(path);
  llvm::sys::fs::remove(again);
}

std::string parseError(StringRef text) {
  Expected<CalibrationStats> stats = parseCalibrationStats(text, "s.json");
  if (stats)
    return "";
  return llvm::toString(stats.takeError());
}

TEST(CalibrationTest, DamagedFilesGiveLocatedErrors) {
  EXPECT_NE(parseError("{").find("s.json: not a calibration statistics file"),
            std::string::npos);
  EXPECT_NE(parseError(R"({"format": "other"})").find("no \"format\""),
            std::string::npos);
  EXPECT_NE(parseError(R"({"format": "tessera-calibration", "version": 9})")
                .find("unsupported statistics version"),
            std::string::npos);
  const char *prefix =
      R"({"format": "tessera-calibration", "version": 1, "model_digest": "d",
          "num_inputs": 2, "tensors": [)";
  auto withTensor = [&](StringRef tensor) {
    return parseError((Twine(prefix) + tensor + "]}").str());
  };
  EXPECT_EQ(withTensor(R"({"key": "a", "min": 0, "max": 1, "count": 4})"), "");
  EXPECT_NE(withTensor(R"({"key": "a", "min": 2, "max": 1, "count": 4})")
                .find("tensors[0].max: less than min"),
            std::string::npos);
  EXPECT_NE(withTensor(R"({"key": "a", "max": 1, "count": 4})")
                .find("tensors[0].min: missing field"),
            std::string::npos);
  EXPECT_NE(withTensor(R"({"key": "a", "min": 0, "max": 1, "count": 4,
                           "histogram": {"lo": 0, "hi": 1, "counts": []}})")
                .find("tensors[0].histogram.counts: expected a non-empty"),
            std::string::npos);
  EXPECT_NE(withTensor(R"({"key": "a", "min": 0, "max": 1, "count": 4,
                           "histogram": {"lo": 0, "hi": 1, "counts": [1, -2]}})")
                .find("tensors[0].histogram.counts[1]: expected a non-neg"),
            std::string::npos);
  EXPECT_NE(withTensor(R"({"key": "a", "min": 0, "max": 1, "count": 4},
                          {"key": "a", "min": 0, "max": 1, "count": 4})")
                .find("tensors[1].key: repeats an earlier key"),
            std::string::npos);
  EXPECT_NE(parseError(R"({"format": "tessera-calibration", "version": 1,
                          "num_inputs": 2, "tensors": []})")
                .find("model_digest: expected a string"),
            std::string::npos);
}

TEST(CalibrationTest, HistogramBins) {
  Histogram h;
  h.lo = -1;
  h.hi = 1;
  h.counts.assign(4, 0);
  EXPECT_EQ(h.getBin(-5), 0u);
  EXPECT_EQ(h.getBin(-0.6), 0u);
  EXPECT_EQ(h.getBin(-0.4), 1u);
  EXPECT_EQ(h.getBin(0.0), 2u);
  EXPECT_EQ(h.getBin(1.0), 3u);
  EXPECT_EQ(h.getBin(7), 3u);
}

} // namespace

namespace {

TEST(RequantizeScaleTest, EncodesTheClosestFixedPointValue) {
  using tessera::npu::encodeRequantizeScale;
  EXPECT_EQ(encodeRequantizeScale(0.5), std::make_pair(int32_t(1) << 30, 31u));
  EXPECT_EQ(encodeRequantizeScale(1.0), std::make_pair(int32_t(1) << 30, 30u));
  for (double scale : {1e-9, 3.3e-5, 0.0123, 0.2, 0.999999999, 1.7, 123.4}) {
    auto [multiplier, shift] = encodeRequantizeScale(scale);
    EXPECT_GE(multiplier, int32_t(1) << 30) << scale;
    EXPECT_LE(shift, 63u);
    double value = std::ldexp(double(multiplier), -int(shift));
    EXPECT_NEAR(value / scale, 1.0, 1e-9) << scale;
  }
  // Below 2^-32 the multiplier shrinks at shift 63.
  auto [tiny, tinyShift] = encodeRequantizeScale(std::ldexp(1.0, -40));
  EXPECT_EQ(tinyShift, 63u);
  EXPECT_EQ(tiny, int32_t(1) << 23);
  EXPECT_EQ(encodeRequantizeScale(std::ldexp(1.0, 40)),
            std::make_pair(INT32_MAX, 0u));
  // Rounding the mantissa up to 2^31 renormalizes.
  auto [up, upShift] = encodeRequantizeScale(std::nextafter(1.0, 0.0));
  EXPECT_EQ(up, int32_t(1) << 30);
  EXPECT_EQ(upShift, 30u);
  // The encoded value drives the NPU's requantize exactly.
  auto [m, s] = encodeRequantizeScale(0.25);
  EXPECT_EQ(tessera::npu::requantize(10, m, s, 0, -128, 127), 3); // 2.5 -> 3
  EXPECT_EQ(tessera::npu::requantize(-10, m, s, 0, -128, 127), -2);
}

} // namespace
