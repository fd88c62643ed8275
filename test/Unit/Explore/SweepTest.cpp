//===- SweepTest.cpp - sweep files, sampling, Pareto fronts, JSON --------===//
//
// The parts of the explorer that need no model: the sweep file's parser and
// its messages, grid/random/Latin-hypercube sampling, constraints, digests,
// the Pareto front and the point-file JSON round trip.
//
//===----------------------------------------------------------------------===//

#include "tessera/Explore/Explore.h"

#include "llvm/ADT/StringExtras.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

using namespace tessera::explore;

namespace {

constexpr const char *kModels = "models:\n  - path: /m/a.onnx\n";

SweepSpec mustParse(const std::string &yaml) {
  llvm::Expected<SweepSpec> spec = parseSweepSpec(yaml, "/d/s.yaml");
  if (!spec) {
    ADD_FAILURE() << llvm::toString(spec.takeError());
    return {};
  }
  return *spec;
}

std::string parseError(const std::string &yaml) {
  llvm::Expected<SweepSpec> spec = parseSweepSpec(yaml, "s.yaml");
  if (spec)
    return "";
  return llvm::toString(spec.takeError());
}

std::vector<Point> mustPlan(const SweepSpec &spec) {
  llvm::Expected<std::vector<Point>> plan = planSweep(spec);
  if (!plan) {
    ADD_FAILURE() << llvm::toString(plan.takeError());
    return {};
  }
  return *plan;
}

std::string settingsOf(const Point &p) {
  std::vector<std::string> parts;
  for (const auto &[key, value] : p.settings)
    parts.push_back(key + "=" + value);
  return llvm::join(parts, " ");
}

TEST(SweepSpec, ParsesEveryKey) {
  SweepSpec spec = mustParse(std::string(R"(name: study
hardware: mid
models:
  - path: m/a.onnx
    input_shapes: [input=1,3,32,32, mask=1,32]
    calibration: cal
    calibration_samples: 3
  - path: /abs/b.onnx
    name: bee
    lower_qdq: true
axes:
  array.rows: [8, 16]
  array.cols: {pow2: {from: 8, to: 64}}
  dram.bytes_per_cycle: {range: {from: 4, to: 5, step: 0.5}}
sampling: {method: lhs, points: 7, seed: 3}
constraints: ["area_mm2 <= 20", "sram_kib > 1"]
fidelity: pareto
simulate_max: 4
seed: 9
report: {heatmap: [array.cols, array.rows]}
)"));
  EXPECT_EQ(spec.name, "study");
  EXPECT_EQ(spec.hardware, "mid");
  ASSERT_EQ(spec.models.size(), 2u);
  EXPECT_EQ(spec.models[0].name, "a");
  EXPECT_EQ(spec.models[0].path, "/d/m/a.onnx");
  EXPECT_EQ(spec.models[0].calibrationDir, "/d/cal");
  EXPECT_EQ(spec.models[0].calibrationSamples, 3u);
  EXPECT_EQ(spec.models[0].inputShapes,
            (std::vector<std::string>{"input=1,3,32,32", "mask=1,32"}));
  EXPECT_EQ(spec.models[1].name, "bee");
  EXPECT_TRUE(spec.models[1].lowerQDQ);
  ASSERT_EQ(spec.axes.size(), 3u);
  EXPECT_EQ(spec.axes[1].values,
            (std::vector<std::string>{"8", "16", "32", "64"}));
  EXPECT_EQ(spec.axes[2].values, (std::vector<std::string>{"4", "4.5", "5"}));
  EXPECT_EQ(spec.axes[1].line, 13u);
  EXPECT_EQ(spec.axes[1].column, 3u);
  EXPECT_EQ(spec.sampling, Sampling::LatinHypercube);
  EXPECT_EQ(spec.samples, 7u);
  EXPECT_EQ(spec.samplingSeed, 3u);
  ASSERT_EQ(spec.constraints.size(), 2u);
  EXPECT_EQ(spec.constraints[1].metric, "sram_kib");
  EXPECT_EQ(spec.constraints[1].op, Constraint::Op::GT);
  EXPECT_EQ(spec.constraints[1].value, 1);
  EXPECT_EQ(spec.fidelity, Fidelity::Pareto);
  EXPECT_EQ(spec.simulateMax, 4u);
  EXPECT_EQ(spec.seed, 9u);
  EXPECT_EQ(spec.heatmapAxes,
            (std::vector<std::string>{"array.cols", "array.rows"}));
}

TEST(SweepSpec, Defaults) {
  SweepSpec spec = mustParse(std::string(kModels) +
                             "axes:\n  array.rows: [8]\n  array.cols: [8]\n");
  EXPECT_EQ(spec.name, "s");
  EXPECT_EQ(spec.hardware, "edge");
  EXPECT_EQ(spec.sampling, Sampling::Grid);
  EXPECT_EQ(spec.fidelity, Fidelity::Analytic);
  EXPECT_EQ(spec.heatmapAxes,
            (std::vector<std::string>{"array.rows", "array.cols"}));
}

TEST(SweepSpec, Errors) {
  EXPECT_EQ(parseError(std::string(kModels) + "axis: {}\n"),
            "s.yaml:3:1: error: unknown key 'axis' (keys: name, hardware, "
            "models, axes, sampling, constraints, fidelity, simulate_max, "
            "seed, report)");
  EXPECT_EQ(parseError(std::string(kModels) +
                       "axes:\n  array.rows: {range: {from: 9, to: 8}}\n"),
            "s.yaml:4:24: error: empty range: from 9 is greater than to 8");
  EXPECT_EQ(parseError(std::string(kModels) + "axes:\n  array.rows: []\n"),
            "s.yaml:4:16: error: axis 'array.rows' has no values");
  EXPECT_EQ(
      parseError(std::string(kModels) +
                 "axes:\n  array.rows: {range: {from: 1, to: 8, step: 0}}\n"),
      "s.yaml:4:46: error: range step must be positive, got 0");
  EXPECT_EQ(parseError(std::string(kModels) + "constraints: [\"area_mm2\"]\n"),
            "s.yaml:3:15: error: malformed constraint 'area_mm2': expected "
            "METRIC OP NUMBER, OP one of <, <=, >, >=, ==, !=");
  EXPECT_EQ(parseError(std::string(kModels) + "constraints: [\"ara <= 2\"]\n")
                .substr(0, 47),
            "s.yaml:3:15: error: unknown metric 'ara' (metri");
  EXPECT_EQ(parseError(std::string(kModels) + "sampling: sobol\n"),
            "s.yaml:3:11: error: unknown sampling method 'sobol' (methods: "
            "grid, random, lhs)");
  EXPECT_EQ(parseError(std::string(kModels) + "sampling: {method: random}\n"),
            "s.yaml:3:12: error: sampling method 'random' needs 'points' (how "
            "many points to draw)");
  EXPECT_EQ(parseError("models:\n  - name: x\n"),
            "s.yaml:2:5: error: model without 'path'");
  EXPECT_EQ(parseError("models:\n  - path: a/m.onnx\n  - path: b/m.onnx\n"),
            "s.yaml:3:5: error: duplicate model name 'm' (give one of them a "
            "'name')");
  EXPECT_EQ(parseError("models: [{path: a.onnx}]\naxes: {x: {ranges: 1}}\n"),
            "s.yaml:2:12: error: unknown axis key 'ranges' (keys: range, "
            "pow2)");
  EXPECT_EQ(parseError("axes: {}\n"),
            "s.yaml:1:1: error: the sweep has no models (add 'models: "
            "[{path: model.onnx}]')");
  EXPECT_EQ(parseError("models: [\n"),
            "s.yaml:1:10: error: could not find closing ]");
}

TEST(SweepSpec, MissingFile) {
  llvm::Expected<SweepSpec> spec = loadSweepSpec("/nonexistent/sweep.yaml");
  ASSERT_FALSE(spec);
  EXPECT_EQ(llvm::toString(spec.takeError()),
            "cannot open sweep file '/nonexistent/sweep.yaml': No such file "
            "or directory");
}

TEST(Plan, GridIsAxisMajor) {
  SweepSpec spec =
      mustParse(std::string(kModels) + "axes:\n  array.rows: [8, 16]\n"
                                       "  array.cols: [8, 16, 32]\n");
  std::vector<Point> plan = mustPlan(spec);
  ASSERT_EQ(plan.size(), 6u);
  EXPECT_EQ(plan[0].id, "p0000");
  EXPECT_EQ(settingsOf(plan[0]), "array.rows=8 array.cols=8");
  EXPECT_EQ(settingsOf(plan[1]), "array.rows=8 array.cols=16");
  EXPECT_EQ(settingsOf(plan[3]), "array.rows=16 array.cols=8");
  EXPECT_EQ(plan[5].hw.rows, 16u);
  EXPECT_EQ(plan[5].hw.cols, 32u);
  // The area follows the geometry (default tables are recomputed).
  EXPECT_GT(plan[5].hw.area.total(), plan[0].hw.area.total());
  std::set<std::string> digests;
  for (const Point &p : plan) {
    EXPECT_TRUE(p.isRunnable());
    digests.insert(p.digest);
  }
  EXPECT_EQ(digests.size(), 6u);
}

TEST(Plan, UnknownAxisKeyListsTheKeys) {
  SweepSpec spec =
      mustParse(std::string(kModels) + "axes:\n  array.rowz: [8]\n");
  llvm::Expected<std::vector<Point>> plan = planSweep(spec);
  ASSERT_FALSE(plan);
  std::string message = llvm::toString(plan.takeError());
  EXPECT_TRUE(llvm::StringRef(message).starts_with(
      "/d/s.yaml:4:3: error: unknown hardware key 'array.rowz' (keys: name, "
      "clock_mhz,"))
      << message;
}

TEST(Plan, InvalidAndExcludedPoints) {
  SweepSpec spec =
      mustParse(std::string(kModels) + "axes:\n  array.rows: [16, 300]\n"
                                       "  scratchpad.kib: [64, 1024]\n"
                                       "constraints: [\"sram_kib <= 512\"]\n");
  std::vector<Point> plan = mustPlan(spec);
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_TRUE(plan[0].isRunnable());
  EXPECT_EQ(plan[1].excludedReason, "sram_kib <= 512: 1088");
  EXPECT_EQ(plan[2].invalidReason,
            "edge with --set array.rows=300 scratchpad.kib=64: array.rows "
            "must be in [1, 256], got 300");
  EXPECT_FALSE(plan[3].isRunnable());
}

TEST(Plan, RandomIsDeterministicAndDropsDuplicates) {
  std::string yaml = std::string(kModels) +
                     "axes:\n  array.rows: [8, 16]\n  array.cols: [8, 16]\n"
                     "sampling: {method: random, points: 50, seed: 7}\n";
  std::vector<Point> a = mustPlan(mustParse(yaml));
  std::vector<Point> b = mustPlan(mustParse(yaml));
  // 50 draws from 4 combinations: every one appears, each once.
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 4u);
  std::set<std::string> seen;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(settingsOf(a[i]), settingsOf(b[i]));
    seen.insert(settingsOf(a[i]));
  }
  EXPECT_EQ(seen.size(), 4u);
  std::vector<Point> other =
      mustPlan(mustParse(std::string(kModels) +
                         "axes:\n  array.rows: {range: {from: 1, to: 256}}\n"
                         "sampling: {method: random, points: 5, seed: 8}\n"));
  std::vector<Point> same =
      mustPlan(mustParse(std::string(kModels) +
                         "axes:\n  array.rows: {range: {from: 1, to: 256}}\n"
                         "sampling: {method: random, points: 5, seed: 9}\n"));
  std::vector<std::string> x, y;
  for (const Point &p : other)
    x.push_back(settingsOf(p));
  for (const Point &p : same)
    y.push_back(settingsOf(p));
  EXPECT_NE(x, y);
}

TEST(Plan, LatinHypercubeIsStratified) {
  // 10 points over 100 values per axis: one value in each tenth, per axis.
  SweepSpec spec =
      mustParse(std::string(kModels) +
                "axes:\n  dram.bytes_per_cycle: {range: {from: 1, to: 100}}\n"
                "  dram.latency_cycles: {range: {from: 0, to: 99}}\n"
                "sampling: {method: lhs, points: 10, seed: 1}\n");
  std::vector<Point> plan = mustPlan(spec);
  ASSERT_EQ(plan.size(), 10u);
  std::set<unsigned> bandwidthStrata, latencyStrata;
  for (const Point &p : plan) {
    bandwidthStrata.insert(unsigned(std::stoi(p.settings[0].second) - 1) / 10);
    latencyStrata.insert(unsigned(std::stoi(p.settings[1].second)) / 10);
  }
  EXPECT_EQ(bandwidthStrata.size(), 10u);
  EXPECT_EQ(latencyStrata.size(), 10u);
  // Not the diagonal: the strata are permuted per axis.
  bool diagonal = true;
  for (const Point &p : plan)
    diagonal &= (std::stoi(p.settings[0].second) - 1) / 10 ==
                std::stoi(p.settings[1].second) / 10;
  EXPECT_FALSE(diagonal);
}

TEST(Metrics, DerivedAndKeys) {
  tessera::npu::HardwareDesc hw =
      llvm::cantFail(tessera::npu::loadHardwareDesc("edge"));
  EXPECT_EQ(llvm::cantFail(getHardwareMetric(hw, "peak_macs_per_cycle")), 256);
  EXPECT_EQ(llvm::cantFail(getHardwareMetric(hw, "sram_kib")), 320);
  EXPECT_EQ(llvm::cantFail(getHardwareMetric(hw, "array.rows")), 16);
  EXPECT_EQ(llvm::cantFail(getHardwareMetric(hw, "scratchpad.bytes")),
            256 * 1024);
  EXPECT_NEAR(llvm::cantFail(getHardwareMetric(hw, "peak_tops")), 0.512, 1e-12);
  EXPECT_NEAR(llvm::cantFail(getHardwareMetric(hw, "area_mm2")), 6.31, 0.01);
  llvm::Expected<double> name = getHardwareMetric(hw, "name");
  ASSERT_FALSE(name);
  EXPECT_EQ(llvm::toString(name.takeError()), "metric 'name' is not a number");
}

PointResult makeResult(unsigned index, double latency, double energy,
                       double area, const char *status = "ok") {
  PointResult r;
  r.point.index = index;
  r.point.id = "p" + std::to_string(index);
  r.point.digest = "d";
  r.status = status;
  r.latencyMicroseconds = latency;
  r.energyPJ = energy;
  r.areaMM2 = area;
  return r;
}

TEST(Pareto, Front) {
  std::vector<PointResult> results = {
      makeResult(0, 10, 10, 10), // dominated by 1
      makeResult(1, 5, 10, 10),  // front
      makeResult(2, 5, 10, 10),  // a tie with 1: front too
      makeResult(3, 20, 1, 10),  // front (least energy)
      makeResult(4, 1, 1, 1, "failed"),
      makeResult(5, 30, 30, 1), // front (least area)
      makeResult(6, 30, 30, 2), // dominated by 5
  };
  EXPECT_EQ(getParetoFront(results), (std::vector<unsigned>{1, 2, 3, 5}));
}

TEST(JSON, RoundTrip) {
  PointResult r = makeResult(7, 12.5, 1e9 + 0.25, 6.31);
  r.point.id = "p0007";
  r.point.settings = {{"array.cols", "32"}, {"array.rows", "16"}};
  r.point.hw.rows = 16;
  r.point.hw.cols = 32;
  r.pareto = true;
  ModelResult m;
  m.model = "tiny";
  m.latencyMicroseconds = 12.5;
  m.npuCycles = 1234567890123ULL;
  m.utilization = 0.1;
  m.energy.dram = 0.3;
  m.simulated = true;
  m.agreement = -0.02;
  LayerResult l;
  l.name = "conv1+relu";
  l.kind = "conv";
  l.place = "npu";
  l.macs = 42;
  l.simulatedCycles = 99;
  m.layers.push_back(l);
  l.simulatedCycles.reset();
  m.layers.push_back(l);
  r.models.push_back(m);
  llvm::json::Value v = toJSON(r);
  llvm::Expected<PointResult> back = pointResultFromJSON(v);
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->point.id, "p0007");
  EXPECT_EQ(back->point.index, 7u);
  EXPECT_EQ(back->point.settings, r.point.settings);
  EXPECT_EQ(back->point.hw.cols, 32u);
  EXPECT_EQ(back->latencyMicroseconds, 12.5);
  EXPECT_EQ(back->energyPJ, 1e9 + 0.25);
  EXPECT_TRUE(back->pareto);
  ASSERT_EQ(back->models.size(), 1u);
  EXPECT_EQ(back->models[0].npuCycles, 1234567890123ULL);
  EXPECT_EQ(back->models[0].utilization, 0.1);
  EXPECT_EQ(back->models[0].energy.dram, 0.3);
  EXPECT_EQ(back->models[0].agreement, -0.02);
  ASSERT_EQ(back->models[0].layers.size(), 2u);
  EXPECT_EQ(back->models[0].layers[0].simulatedCycles, 99u);
  EXPECT_FALSE(back->models[0].layers[1].simulatedCycles.has_value());
  EXPECT_EQ(llvm::toString(
                pointResultFromJSON(llvm::json::Object{{"id", 3}}).takeError()),
            "point: 'id' must be a string");
}

TEST(Tool, PointList) {
  SweepSpec spec = mustParse(std::string(kModels) +
                             "axes:\n  array.rows: [8, 16, 32, 64]\n");
  std::vector<Point> plan = mustPlan(spec);
  EXPECT_EQ(llvm::cantFail(parsePointList("3,0-1,p0001", plan)),
            (std::vector<unsigned>{0, 1, 3}));
  EXPECT_EQ(llvm::toString(parsePointList("5", plan).takeError()),
            "--points: point 5 is out of range (the plan has 4 points)");
  EXPECT_EQ(llvm::toString(parsePointList("x", plan).takeError()),
            "--points: bad entry 'x' (expected indices or ids such as 0,3,5-9 "
            "or p0004)");
}

} // namespace
