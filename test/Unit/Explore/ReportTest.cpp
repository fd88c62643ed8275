//===- ReportTest.cpp - the co-design report's figures and HTML -----------===//
//
// Part of Tessera. Draws the report of a synthetic merged results JSON (a
// 3x3 grid over array.rows and array.cols, two models, one simulated point,
// an invalid, an excluded and a failed point, reasons and a model name with
// markup characters) and checks what each figure must contain.
//
// With TESSERA_EXPLORE_REPORT_DIR set, the Fixture test writes that report
// into the directory for test/Explore/report-render.test, and renders its
// PNGs with the chromium named by TESSERA_EXPLORE_CHROMIUM.
//
//===----------------------------------------------------------------------===//

#include "tessera/Explore/Explore.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <string>

using namespace llvm;
using namespace tessera::explore;

namespace {

const char *const weirdModel = "mlp<&>";
const char *const invalidReason = "array.rows * array.cols <&> \"too\" wide";

json::Object makeLayer(StringRef name, StringRef kind, StringRef place,
                       StringRef bound, uint64_t macs, uint64_t cycles,
                       uint64_t dramBytes, std::optional<uint64_t> simulated) {
  return json::Object{{"name", name},
                      {"kind", kind},
                      {"place", place},
                      {"reason", place == "host" ? "cheaper on the host" : ""},
                      {"tiling", place == "npu" ? "m=16 n=16 k=32" : ""},
                      {"bound", bound},
                      {"macs", macs},
                      {"predicted_cycles", cycles},
                      {"simulated_cycles", simulated ? json::Value(*simulated)
                                                     : json::Value(nullptr)},
                      {"dram_bytes", dramBytes},
                      {"energy_pj", 1000.0},
                      {"host_us", place == "host" ? 3.5 : 0.0}};
}

/// One model's results; its layers as the report's roofline reads them:
/// at 32x32 with 16 B/cycle, two dots per model below the roofs.
json::Object makeModel(StringRef name, double latency, double energy,
                       double utilization, bool simulated) {
  json::Array layers;
  auto sim = [&](uint64_t cycles) {
    return simulated ? std::optional<uint64_t>(cycles * 11 / 10) : std::nullopt;
  };
  if (name == "tiny_cnn") {
    layers.push_back(makeLayer("conv1", "conv", "npu", "compute", 1000000, 1300,
                               20000, sim(1300)));
    layers.push_back(makeLayer("conv2<&>", "conv", "npu", "dram", 200000, 10000,
                               150000, sim(10000)));
    layers.push_back(
        makeLayer("pool", "maxpool", "npu", "issue", 5000, 400, 0, sim(400)));
    layers.push_back(
        makeLayer("fc", "matmul", "host", "", 10000, 0, 0, std::nullopt));
  } else {
    layers.push_back(makeLayer("mm1", "matmul", "npu", "dram", 400000, 5500,
                               80000, sim(5500)));
    layers.push_back(makeLayer("mm2", "matmul", "npu", "issue", 300000, 600,
                               1000, sim(600)));
  }
  uint64_t predicted = static_cast<uint64_t>(latency * 1000);
  return json::Object{
      {"model", name},
      {"latency_us", latency},
      {"npu_cycles", simulated ? predicted * 11 / 10 : predicted},
      {"predicted_npu_cycles", predicted},
      {"host_us", 3.5},
      {"macs", 1215000},
      {"npu_macs", 1205000},
      {"utilization", utilization},
      {"dram_bytes", 170000},
      {"energy_pj", json::Object{{"array", energy / 2},
                                 {"scratchpad", energy / 4},
                                 {"accumulator", 0.0},
                                 {"dram", energy / 4},
                                 {"vector", 0.0},
                                 {"leakage", 0.0},
                                 {"total", energy}}},
      {"npu_layers", 3},
      {"host_layers", 1},
      {"segments", 1},
      {"simulated", simulated},
      {"agreement", simulated ? 0.1 : 0.0},
      {"worst_layer_error", simulated ? 0.1 : 0.0},
      {"worst_layer", simulated ? "conv1" : ""},
      {"layers", std::move(layers)}};
}

struct PointSpec {
  std::string status, reason;
  double area, latency, energy, utilization;
  bool pareto, simulated;
};

/// The grid: rows x cols in {8, 16, 32}, point i = (rows[i / 3],
/// cols[i % 3]). The ok points' sweep Pareto front (latency, energy, area)
/// is p0, p1, p4, p5, p8 (p3 is beaten by p1); the latency-energy front is
/// p8, p5, p4, the latency-area front p8, p5, p4, p1, p0 and the
/// energy-area front p4, p1, p0.
const PointSpec grid[9] = {
    {"ok", "", 1.0, 400, 9e6, 0.82, true, false},
    {"ok", "", 1.5, 220, 7e6, 0.74, true, false},
    {"invalid", invalidReason, 0, 0, 0, 0, false, false},
    {"ok", "", 1.5, 250, 8e6, 0.71, false, false},
    {"ok", "", 2.5, 120, 6e6, 0.63, true, true},
    {"ok", "", 4.5, 70, 6.5e6, 0.52, true, false},
    {"excluded", "peak_macs_per_cycle != 256: 256", 3.0, 0, 0, 0, false, false},
    {"failed", "model mlp<&>: compilation failed & <stopped>", 6.0, 0, 0, 0,
     false, false},
    {"ok", "", 8.5, 40, 6.8e6, 0.41, true, false}};

const char *const values[3] = {"8", "16", "32"};

json::Object makePoint(unsigned index, json::Object settings, unsigned rows,
                       unsigned cols, const PointSpec &spec) {
  char id[8];
  std::snprintf(id, sizeof(id), "p%04u", index);
  json::Object point{{"id", std::string(id)},           {"index", index},
                     {"settings", std::move(settings)}, {"status", spec.status},
                     {"reason", spec.reason},           {"digest", "0123abcd"}};
  if (spec.status == "invalid")
    return point;
  point["hardware"] = json::Object{{"name", "edge"},
                                   {"rows", rows},
                                   {"cols", cols},
                                   {"clock_mhz", 1000},
                                   {"scratchpad_kib", 256},
                                   {"accumulator_kib", 64},
                                   {"dram_bytes_per_cycle", 16},
                                   {"peak_macs_per_cycle", rows * cols}};
  point["area_mm2"] = spec.area;
  if (spec.status != "ok")
    return point;
  point["latency_us"] = spec.latency;
  point["energy_pj"] = spec.energy;
  point["pareto"] = spec.pareto;
  point["models"] =
      json::Array{makeModel("tiny_cnn", spec.latency * 0.7, spec.energy * 0.6,
                            spec.utilization, spec.simulated),
                  makeModel(weirdModel, spec.latency * 0.3, spec.energy * 0.4,
                            spec.utilization / 2, spec.simulated)};
  return point;
}

json::Object makeMerged(json::Array axes, json::Array points) {
  return json::Object{{"sweep", "grid<study>"},
                      {"hardware", "edge"},
                      {"fidelity", "pareto"},
                      {"sampling", "grid"},
                      {"axes", std::move(axes)},
                      {"models", json::Array{"tiny_cnn", weirdModel}},
                      {"heatmap", json::Array{"array.rows", "array.cols"}},
                      {"points", std::move(points)}};
}

json::Value makeGridResults() {
  json::Array points;
  for (unsigned i = 0; i < 9; ++i)
    points.push_back(makePoint(i,
                               json::Object{{"array.rows", values[i / 3]},
                                            {"array.cols", values[i % 3]}},
                               8u << (i / 3), 8u << (i % 3), grid[i]));
  json::Array axes{json::Object{{"key", "array.rows"},
                                {"values", json::Array{"8", "16", "32"}}},
                   json::Object{{"key", "array.cols"},
                                {"values", json::Array{"8", "16", "32"}}}};
  return makeMerged(std::move(axes), std::move(points));
}

SweepSpec makeSpec() {
  SweepSpec spec;
  spec.name = "grid<study>";
  return spec;
}

std::string readFile(const Twine &path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getFile(path.str());
  if (!buffer)
    return "";
  return (*buffer)->getBuffer().str();
}

unsigned countOf(StringRef text, StringRef what) {
  unsigned n = 0;
  for (size_t at = text.find(what); at != StringRef::npos;
       at = text.find(what, at + what.size()))
    ++n;
  return n;
}

/// The number of vertices of the first `<polyline class="CLS"`.
unsigned countVertices(StringRef svg, StringRef cls) {
  size_t at = svg.find(("<polyline class=\"" + cls + "\" points=\"").str());
  if (at == StringRef::npos)
    return 0;
  StringRef points = svg.substr(at).split("points=\"").second.split('"').first;
  return countOf(points, ",");
}

/// writeReport's message, empty on success.
std::string write(const SweepSpec &spec, json::Value merged, StringRef dir) {
  return toString(writeReport(spec, merged, dir));
}

/// A fresh temporary directory, removed at the end of the test.
class TempDir {
public:
  TempDir() {
    std::error_code ec =
        sys::fs::createUniqueDirectory("tessera-report-test", path);
    EXPECT_FALSE(ec) << ec.message();
  }
  ~TempDir() { sys::fs::remove_directories(path); }
  std::string str(StringRef file = "") const {
    SmallString<256> full(path);
    if (!file.empty())
      sys::path::append(full, file);
    return full.str().str();
  }

private:
  SmallString<128> path;
};

const char *const figureNames[] = {
    "pareto-latency-energy", "pareto-latency-area",
    "pareto-energy-area",    "pareto-tiny_cnn",
    "pareto-mlp___",         "roofline-tiny_cnn",
    "roofline-mlp___",       "utilization-tiny_cnn",
    "utilization-mlp___",    "agreement"};

} // namespace

TEST(ExploreReport, WritesEveryFigure) {
  TempDir dir;
  ASSERT_EQ(write(makeSpec(), makeGridResults(), dir.str()), "");
  std::string html = readFile(dir.str("report.html"));
  ASSERT_FALSE(html.empty());
  for (const char *name : figureNames) {
    std::string svg =
        readFile(dir.str(std::string("figures/") + name + ".svg"));
    ASSERT_FALSE(svg.empty()) << name;
    // The same document is inlined in the HTML, and every plot has an area
    // the render test can find.
    EXPECT_NE(html.find(svg), std::string::npos) << name;
    EXPECT_EQ(countOf(svg, "<rect class=\"plot-area\""), 1u) << name;
  }
  std::error_code ec;
  unsigned files = 0;
  for (sys::fs::directory_iterator it(dir.str("figures"), ec), end;
       it != end && !ec; it.increment(ec))
    ++files;
  EXPECT_EQ(files, std::size(figureNames));
  // Self-contained: no script, no external resource.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://www.w3.org/2000/svg\" width"), html.find("http"));
  EXPECT_EQ(countOf(html, "https://"), 0u);
}

TEST(ExploreReport, ParetoFigures) {
  TempDir dir;
  ASSERT_EQ(write(makeSpec(), makeGridResults(), dir.str()), "");
  // Pareto front sizes of each pair (see `grid`): the staircase of n points
  // has 2n - 1 vertices.
  struct Expected {
    const char *name;
    unsigned frontPoints;
  } expected[] = {{"pareto-latency-energy", 3},
                  {"pareto-latency-area", 5},
                  {"pareto-energy-area", 3},
                  {"pareto-tiny_cnn", 3},
                  {"pareto-mlp___", 3}};
  for (const Expected &e : expected) {
    std::string svg =
        readFile(dir.str(std::string("figures/") + e.name + ".svg"));
    EXPECT_EQ(countOf(svg, "<circle class=\"point\""), 6u) << e.name;
    EXPECT_EQ(countOf(svg, "<circle class=\"pareto\""), 5u) << e.name;
    EXPECT_EQ(countVertices(svg, "front"), 2 * e.frontPoints - 1) << e.name;
    EXPECT_NE(svg.find("class=\"colorbar\""), std::string::npos) << e.name;
  }
  std::string overall = readFile(dir.str("figures/pareto-latency-energy.svg"));
  EXPECT_NE(overall.find("latency (\u00b5s), all models"), std::string::npos);
  EXPECT_NE(overall.find("energy (\u00b5J), all models"), std::string::npos);
  EXPECT_NE(overall.find(">area (mm\u00b2)</text>"), std::string::npos);
  // The latencies span 10x (40 to 400 us): a log axis with a decade tick.
  EXPECT_NE(overall.find("class=\"tick\""), std::string::npos);
  EXPECT_NE(overall.find(">100</text>"), std::string::npos);
}

TEST(ExploreReport, UnitsFollowTheMagnitude) {
  // Latencies of 4 to 40 ms and energies of 6 to 9 mJ.
  json::Value merged = makeGridResults();
  for (json::Value &value : *merged.getAsObject()->getArray("points")) {
    json::Object &point = *value.getAsObject();
    if (point.getString("status") != "ok")
      continue;
    point["latency_us"] = *point.getNumber("latency_us") * 100;
    point["energy_pj"] = *point.getNumber("energy_pj") * 1000;
  }
  TempDir dir;
  ASSERT_EQ(write(makeSpec(), merged, dir.str()), "");
  std::string svg = readFile(dir.str("figures/pareto-latency-energy.svg"));
  EXPECT_NE(svg.find(">latency (ms), all models</text>"), std::string::npos);
  EXPECT_NE(svg.find(">energy (mJ), all models</text>"), std::string::npos);
  std::string html = readFile(dir.str("report.html"));
  EXPECT_NE(html.find("<th>latency (ms)</th><th>energy (mJ)</th>"),
            std::string::npos);
  EXPECT_NE(html.find("fastest</th><td>p0008 (array.rows=32, "
                      "array.cols=32): 4 ms"),
            std::string::npos);
}

TEST(ExploreReport, Rooflines) {
  TempDir dir;
  ASSERT_EQ(write(makeSpec(), makeGridResults(), dir.str()), "");
  for (const char *name : {"roofline-tiny_cnn", "roofline-mlp___"}) {
    std::string svg =
        readFile(dir.str(std::string("figures/") + name + ".svg"));
    // p0008 (32x32, 16 B/cycle) is the fastest Pareto point: peak 1024,
    // ridge at 64 MACs per byte.
    EXPECT_NE(svg.find("roofline at p0008"), std::string::npos) << name;
    EXPECT_NE(svg.find("<polyline class=\"roof\""), std::string::npos);
    EXPECT_EQ(countVertices(svg, "roof"), 3u) << name;
    EXPECT_NE(svg.find("data-peak=\"1024\" data-bandwidth=\"16\" "
                       "data-ridge=\"64\""),
              std::string::npos)
        << name;
    EXPECT_NE(svg.find("peak 32\u00d732 = 1024 MACs/cycle"), std::string::npos);
    EXPECT_NE(svg.find("DRAM 16 B/cycle"), std::string::npos);
    // Two NPU layers with DRAM traffic each; pool (no traffic) and the host
    // layer are not drawn.
    EXPECT_EQ(countOf(svg, "<circle class=\"layer\""), 2u) << name;
  }
  std::string cnn = readFile(dir.str("figures/roofline-tiny_cnn.svg"));
  EXPECT_NE(cnn.find("conv2&lt;&amp;&gt; (conv, dram-bound"),
            std::string::npos);
  EXPECT_NE(cnn.find(">compute-bound</text>"), std::string::npos);
  EXPECT_NE(cnn.find(">dram-bound</text>"), std::string::npos);
  std::string mlp = readFile(dir.str("figures/roofline-mlp___.svg"));
  EXPECT_NE(mlp.find(">issue-bound</text>"), std::string::npos);
}

TEST(ExploreReport, UtilizationHeatMaps) {
  TempDir dir;
  ASSERT_EQ(write(makeSpec(), makeGridResults(), dir.str()), "");
  std::string cnn = readFile(dir.str("figures/utilization-tiny_cnn.svg"));
  // Six ok points, three grey cells (invalid, excluded, failed).
  EXPECT_EQ(countOf(cnn, "<rect class=\"cell\""), 6u);
  EXPECT_EQ(countOf(cnn, "<rect class=\"cell empty\""), 3u);
  EXPECT_EQ(countOf(cnn, "<text class=\"cell-value\""), 6u);
  for (const char *value :
       {">82%<", ">74%<", ">71%<", ">63%<", ">52%<", ">41%<"})
    EXPECT_NE(cnn.find(value), std::string::npos) << value;
  EXPECT_NE(cnn.find(">array.rows</text>"), std::string::npos);
  EXPECT_NE(cnn.find(">array.cols</text>"), std::string::npos);
  std::string mlp = readFile(dir.str("figures/utilization-mlp___.svg"));
  EXPECT_NE(mlp.find(">41%<"), std::string::npos);
  EXPECT_NE(mlp.find(">20.5%<"), std::string::npos);
}

TEST(ExploreReport, HeatMapTakesTheBestOverTheOtherAxes) {
  // Two points share (rows, cols) = (8, 8) and differ in bandwidth: the
  // cell shows the higher utilization.
  json::Array points;
  PointSpec low = grid[0], high = grid[0];
  low.utilization = 0.3;
  high.utilization = 0.6;
  points.push_back(makePoint(0,
                             json::Object{{"array.rows", "8"},
                                          {"array.cols", "8"},
                                          {"dram.bytes_per_cycle", "8"}},
                             8, 8, low));
  points.push_back(makePoint(1,
                             json::Object{{"array.rows", "8"},
                                          {"array.cols", "8"},
                                          {"dram.bytes_per_cycle", "16"}},
                             8, 8, high));
  json::Array axes{
      json::Object{{"key", "dram.bytes_per_cycle"},
                   {"values", json::Array{"8", "16"}}},
      json::Object{{"key", "array.rows"}, {"values", json::Array{"8"}}},
      json::Object{{"key", "array.cols"}, {"values", json::Array{"8"}}}};
  TempDir dir;
  SweepSpec spec = makeSpec();
  spec.heatmapAxes = {"array.rows", "array.cols"};
  ASSERT_EQ(
      write(spec, makeMerged(std::move(axes), std::move(points)), dir.str()),
      "");
  std::string svg = readFile(dir.str("figures/utilization-tiny_cnn.svg"));
  EXPECT_EQ(countOf(svg, "<text class=\"cell-value\""), 1u);
  EXPECT_NE(svg.find(">60%<"), std::string::npos);
  EXPECT_EQ(svg.find(">30%<"), std::string::npos);
  std::string html = readFile(dir.str("report.html"));
  EXPECT_NE(html.find("best (highest) utilization"), std::string::npos);
}

TEST(ExploreReport, OneAxisDrawsBars) {
  json::Array points;
  for (unsigned i = 0; i < 3; ++i)
    points.push_back(makePoint(i, json::Object{{"array.rows", values[i]}},
                               8u << i, 16, grid[i == 2 ? 4 : i]));
  json::Array axes{json::Object{{"key", "array.rows"},
                                {"values", json::Array{"8", "16", "32"}}}};
  json::Object merged = makeMerged(std::move(axes), std::move(points));
  merged.erase("heatmap");
  TempDir dir;
  ASSERT_EQ(write(makeSpec(), std::move(merged), dir.str()), "");
  std::string svg = readFile(dir.str("figures/utilization-tiny_cnn.svg"));
  EXPECT_EQ(countOf(svg, "<rect class=\"bar\""), 3u);
  EXPECT_NE(svg.find(">82%</text>"), std::string::npos);
  EXPECT_NE(svg.find(">63%</text>"), std::string::npos);
  EXPECT_EQ(countOf(svg, "class=\"cell"), 0u);
}

TEST(ExploreReport, Agreement) {
  TempDir dir;
  ASSERT_EQ(write(makeSpec(), makeGridResults(), dir.str()), "");
  std::string svg = readFile(dir.str("figures/agreement.svg"));
  // p0004 is simulated for both models.
  EXPECT_EQ(countOf(svg, "<circle class=\"point\""), 2u);
  EXPECT_NE(svg.find("class=\"diagonal\""), std::string::npos);
  EXPECT_NE(svg.find("p0004 tiny_cnn: predicted 84000, simulated 92400"),
            std::string::npos);
  std::string html = readFile(dir.str("report.html"));
  EXPECT_NE(html.find("<table class=\"agreement\">"), std::string::npos);

  // Without simulated models there is no agreement figure.
  json::Value merged = makeGridResults();
  for (json::Value &point : *merged.getAsObject()->getArray("points"))
    if (json::Array *models = point.getAsObject()->getArray("models"))
      for (json::Value &model : *models)
        (*model.getAsObject())["simulated"] = false;
  TempDir plain;
  ASSERT_EQ(write(makeSpec(), merged, plain.str()), "");
  EXPECT_FALSE(sys::fs::exists(plain.str("figures/agreement.svg")));
  EXPECT_EQ(readFile(plain.str("report.html")).find("id=\"agreement\""),
            std::string::npos);
}

TEST(ExploreReport, HTMLSummaryTableAndEscaping) {
  TempDir dir;
  ASSERT_EQ(write(makeSpec(), makeGridResults(), dir.str()), "");
  std::string html = readFile(dir.str("report.html"));
  EXPECT_NE(html.find("<title>grid&lt;study&gt;: co-design sweep report"),
            std::string::npos);
  EXPECT_NE(html.find("9 points: 6 ok, 1 failed, 1 invalid, 1 excluded"),
            std::string::npos);
  EXPECT_NE(html.find("<td>pareto</td>"), std::string::npos);
  EXPECT_NE(
      html.find("array.rows * array.cols &lt;&amp;&gt; &quot;too&quot; wide"),
      std::string::npos);
  EXPECT_NE(html.find("model mlp&lt;&amp;&gt;: compilation failed &amp; "
                      "&lt;stopped&gt;"),
            std::string::npos);
  EXPECT_NE(html.find("utilization mlp&lt;&amp;&gt; (%)"), std::string::npos);
  // No raw markup characters from the data anywhere.
  EXPECT_EQ(html.find("<&>"), std::string::npos);
  EXPECT_EQ(html.find("<stopped>"), std::string::npos);
  EXPECT_EQ(html.find("<study>"), std::string::npos);
  // The table: one row per point, by index, five Pareto stars.
  EXPECT_EQ(countOf(html, "<tr class=\""), 9u);
  EXPECT_LT(html.find(">p0007<"), html.find(">p0008<"));
  EXPECT_EQ(countOf(html, "<td>\u2605</td>"), 5u);
  EXPECT_NE(html.find("fastest</th><td>p0008 (array.rows=32, array.cols=32): "
                      "40 \u00b5s"),
            std::string::npos);
}

TEST(ExploreReport, ByteIdentical) {
  TempDir first, second;
  ASSERT_EQ(write(makeSpec(), makeGridResults(), first.str()), "");
  ASSERT_EQ(write(makeSpec(), makeGridResults(), second.str()), "");
  EXPECT_EQ(readFile(first.str("report.html")),
            readFile(second.str("report.html")));
  for (const char *name : figureNames) {
    std::string file = std::string("figures/") + name + ".svg";
    EXPECT_EQ(readFile(first.str(file)), readFile(second.str(file))) << name;
  }
  // Writing again over the same directory gives the same files too.
  std::string before = readFile(first.str("report.html"));
  ASSERT_EQ(write(makeSpec(), makeGridResults(), first.str()), "");
  EXPECT_EQ(readFile(first.str("report.html")), before);
}

TEST(ExploreReport, NoOKPoint) {
  // Every point invalid: the report still says what happened.
  json::Array points;
  for (unsigned i = 0; i < 9; ++i)
    points.push_back(makePoint(i,
                               json::Object{{"array.rows", values[i / 3]},
                                            {"array.cols", values[i % 3]}},
                               8u << (i / 3), 8u << (i % 3), grid[2]));
  json::Value merged = makeGridResults();
  (*merged.getAsObject())["points"] = std::move(points);
  TempDir dir;
  ASSERT_EQ(write(makeSpec(), merged, dir.str()), "");
  std::string html = readFile(dir.str("report.html"));
  EXPECT_NE(html.find("9 points: 0 ok, 0 failed, 9 invalid, 0 excluded"),
            std::string::npos);
  EXPECT_NE(html.find("tiny_cnn: no ok point to draw."), std::string::npos);
  std::string pareto = readFile(dir.str("figures/pareto-latency-energy.svg"));
  EXPECT_NE(pareto.find(">no ok points</text>"), std::string::npos);
  EXPECT_EQ(countOf(pareto, "<circle class=\"point\""), 0u);
  EXPECT_FALSE(sys::fs::exists(dir.str("figures/roofline-tiny_cnn.svg")));
  std::string heatmap = readFile(dir.str("figures/utilization-tiny_cnn.svg"));
  EXPECT_EQ(countOf(heatmap, "<rect class=\"cell empty\""), 9u);
  EXPECT_EQ(countOf(heatmap, "class=\"cell-value\""), 0u);
}

TEST(ExploreReport, RemovesStaleFigures) {
  TempDir dir;
  ASSERT_FALSE(sys::fs::create_directories(dir.str("figures")));
  {
    std::error_code ec;
    raw_fd_ostream(dir.str("figures/utilization-old.svg"), ec) << "<svg/>";
    raw_fd_ostream(dir.str("figures/notes.txt"), ec) << "mine";
  }
  ASSERT_EQ(write(makeSpec(), makeGridResults(), dir.str()), "");
  EXPECT_FALSE(sys::fs::exists(dir.str("figures/utilization-old.svg")));
  EXPECT_TRUE(sys::fs::exists(dir.str("figures/notes.txt")));
}

TEST(ExploreReport, Errors) {
  TempDir dir;
  auto message = [&](json::Value merged, SweepSpec spec = makeSpec()) {
    return toString(writeReport(spec, merged, dir.str()));
  };
  json::Value noPoints = makeGridResults();
  noPoints.getAsObject()->erase("points");
  EXPECT_EQ(message(std::move(noPoints)),
            "merged results: missing the \"points\" array");
  EXPECT_EQ(message(json::Array{}), "merged results: expected a json object");

  json::Value noLatency = makeGridResults();
  (*noLatency.getAsObject()->getArray("points"))[4].getAsObject()->erase(
      "latency_us");
  EXPECT_EQ(message(std::move(noLatency)),
            "merged results: missing value at results.points[4].latency_us");

  json::Value badLayer = makeGridResults();
  json::Object &model = *(*(*badLayer.getAsObject()->getArray("points"))[0]
                               .getAsObject()
                               ->getArray("models"))[0]
                             .getAsObject();
  (*(*model.getArray("layers"))[0].getAsObject())["macs"] = "many";
  EXPECT_EQ(message(std::move(badLayer)),
            "merged results: expected uint64_t at "
            "results.points[0].models[0].layers[0].macs");

  SweepSpec unknownAxis = makeSpec();
  unknownAxis.heatmapAxes = {"array.rows", "clock.mhz"};
  EXPECT_EQ(message(makeGridResults(), unknownAxis),
            "report: heat-map axis 'clock.mhz' is not an axis of the sweep "
            "(axes: array.rows, array.cols)");
  EXPECT_FALSE(sys::fs::exists(dir.str("report.html")));
}

TEST(ExploreReport, PNGsNeedChromium) {
  TempDir dir;
  ASSERT_EQ(write(makeSpec(), makeGridResults(), dir.str()), "");
  EXPECT_EQ(toString(writeReportPNGs(dir.str(), "/nonexistent/chromium")),
            "chromium not found: '/nonexistent/chromium' is not an executable "
            "file");
  EXPECT_EQ(toString(writeReportPNGs(dir.str(), "no-such-chromium-here")),
            "chromium not found: no 'no-such-chromium-here' on PATH");
  TempDir empty;
  // Any executable passes the lookup; the missing figures stop it first.
  EXPECT_EQ(toString(writeReportPNGs(empty.str(), "/bin/sh")),
            "cannot list '" + empty.str("figures") +
                "': No such file or directory");
}

/// Reads a PNG's size from its IHDR chunk.
static std::optional<std::pair<unsigned, unsigned>> getPNGSize(StringRef png) {
  if (png.size() < 24 || !png.starts_with("\x89PNG\r\n\x1a\n"))
    return std::nullopt;
  auto be32 = [&](size_t at) {
    return (unsigned(uint8_t(png[at])) << 24) |
           (unsigned(uint8_t(png[at + 1])) << 16) |
           (unsigned(uint8_t(png[at + 2])) << 8) |
           unsigned(uint8_t(png[at + 3]));
  };
  return std::make_pair(be32(16), be32(20));
}

TEST(ExploreReport, Fixture) {
  const char *outDir = std::getenv("TESSERA_EXPLORE_REPORT_DIR");
  if (!outDir)
    GTEST_SKIP() << "TESSERA_EXPLORE_REPORT_DIR names no directory";
  ASSERT_EQ(write(makeSpec(), makeGridResults(), outDir), "");
  const char *chromium = std::getenv("TESSERA_EXPLORE_CHROMIUM");
  if (!chromium)
    return;
  Error error = writeReportPNGs(outDir, chromium);
  ASSERT_FALSE(error) << toString(std::move(error));
  for (const char *name : figureNames) {
    SmallString<256> path(outDir);
    sys::path::append(path, "figures", std::string(name) + ".png");
    std::optional<std::pair<unsigned, unsigned>> size =
        getPNGSize(readFile(path));
    ASSERT_TRUE(size) << path.str().str();
    EXPECT_EQ(size->first, 640u) << name;
    EXPECT_EQ(size->second, 420u) << name;
  }
}
