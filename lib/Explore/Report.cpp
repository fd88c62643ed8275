//===- Report.cpp - the co-design sweep's HTML report and figures ---------===//
//
// Part of Tessera. writeReport draws `report.html` and `figures/*.svg` from
// the merged results JSON alone (the schema above explore::toJSON), so a
// report can be redrawn from a results.json without the models or the
// compiler. The figures are plain SVG written by SVG.h's helpers: no
// script, no fonts or styles from the network, the same text for the same
// JSON. writeReportPNGs renders them with headless chromium.
//
//===----------------------------------------------------------------------===//

#include "tessera/Explore/Explore.h"

#include "SVG.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

using namespace llvm;
using namespace tessera;
using namespace tessera::explore;

//===----------------------------------------------------------------------===//
// The merged results, as the report reads them
//===----------------------------------------------------------------------===//

namespace {
struct LayerData {
  std::string name, kind, place, bound, tiling;
  uint64_t macs = 0, predictedCycles = 0, dramBytes = 0;
  std::optional<uint64_t> simulatedCycles;
};

struct ModelData {
  std::string model;
  double latencyUs = 0, utilization = 0, energyPJ = 0;
  uint64_t npuCycles = 0, predictedNPUCycles = 0;
  bool simulated = false;
  double agreement = 0, worstLayerError = 0;
  std::string worstLayer;
  std::vector<LayerData> layers;
};

struct HardwareData {
  uint64_t rows = 0, cols = 0;
  double dramBytesPerCycle = 0;
};

struct PointData {
  std::string id;
  unsigned index = 0;
  std::map<std::string, std::string> settings;
  std::string status, reason;
  std::optional<double> areaMM2;
  double latencyUs = 0, energyPJ = 0;
  bool pareto = false;
  std::optional<HardwareData> hardware;
  std::vector<ModelData> models;

  bool isOK() const { return status == "ok"; }
  const ModelData *getModel(StringRef name) const {
    for (const ModelData &model : models)
      if (model.model == name)
        return &model;
    return nullptr;
  }
  std::string getSetting(StringRef key) const {
    auto it = settings.find(key.str());
    return it == settings.end() ? std::string() : it->second;
  }
};

struct AxisData {
  std::string key;
  std::vector<std::string> values;
};

struct ResultsData {
  std::string sweep, hardware, fidelity, sampling;
  std::vector<AxisData> axes;
  std::vector<std::string> models;
  std::vector<std::string> heatmap;
  std::vector<PointData> points;
};

/// A JSON scalar as the text the sweep file had: strings as they are,
/// numbers and booleans as JSON prints them.
bool fromJSON(const json::Value &value, std::string &text, json::Path path,
              bool scalarOK) {
  if (std::optional<StringRef> s = value.getAsString()) {
    text = s->str();
    return true;
  }
  if (!scalarOK || value.kind() == json::Value::Object ||
      value.kind() == json::Value::Array || value.kind() == json::Value::Null) {
    path.report("expected a string");
    return false;
  }
  text.clear();
  raw_string_ostream os(text);
  os << value;
  return true;
}

bool fromJSON(const json::Value &value, LayerData &layer, json::Path path) {
  json::ObjectMapper o(value, path);
  return o && o.map("name", layer.name) && o.map("place", layer.place) &&
         o.map("macs", layer.macs) &&
         o.map("predicted_cycles", layer.predictedCycles) &&
         o.map("dram_bytes", layer.dramBytes) &&
         o.mapOptional("kind", layer.kind) &&
         o.mapOptional("bound", layer.bound) &&
         o.mapOptional("tiling", layer.tiling) &&
         o.mapOptional("simulated_cycles", layer.simulatedCycles);
}

bool fromJSON(const json::Value &value, ModelData &model, json::Path path) {
  json::ObjectMapper o(value, path);
  if (!(o && o.map("model", model.model) &&
        o.map("latency_us", model.latencyUs) &&
        o.map("npu_cycles", model.npuCycles) &&
        o.map("utilization", model.utilization) &&
        o.mapOptional("predicted_npu_cycles", model.predictedNPUCycles) &&
        o.mapOptional("simulated", model.simulated) &&
        o.mapOptional("agreement", model.agreement) &&
        o.mapOptional("worst_layer_error", model.worstLayerError) &&
        o.mapOptional("worst_layer", model.worstLayer) &&
        o.mapOptional("layers", model.layers)))
    return false;
  const json::Object *energy = value.getAsObject()->getObject("energy_pj");
  std::optional<double> total =
      energy ? energy->getNumber("total") : std::nullopt;
  if (!total) {
    path.field("energy_pj").field("total").report("expected a number");
    return false;
  }
  model.energyPJ = *total;
  return true;
}

bool fromJSON(const json::Value &value, HardwareData &hw, json::Path path) {
  json::ObjectMapper o(value, path);
  return o && o.map("rows", hw.rows) && o.map("cols", hw.cols) &&
         o.map("dram_bytes_per_cycle", hw.dramBytesPerCycle);
}

bool fromJSON(const json::Value &value, PointData &point, json::Path path) {
  json::ObjectMapper o(value, path);
  if (!(o && o.map("id", point.id) && o.map("index", point.index) &&
        o.map("status", point.status) && o.mapOptional("reason", point.reason)))
    return false;
  if (const json::Value *settings = value.getAsObject()->get("settings")) {
    const json::Object *object = settings->getAsObject();
    if (!object) {
      path.field("settings").report("expected an object");
      return false;
    }
    for (const auto &[key, setting] : *object)
      if (!fromJSON(setting, point.settings[key.str()],
                    path.field("settings").field(key), /*scalarOK=*/true))
        return false;
  }
  // Invalid and excluded points have no results; failed ones may lack them.
  if (!point.isOK())
    return o.mapOptional("area_mm2", point.areaMM2) &&
           o.mapOptional("hardware", point.hardware);
  return o.map("area_mm2", point.areaMM2) &&
         o.map("latency_us", point.latencyUs) &&
         o.map("energy_pj", point.energyPJ) &&
         o.mapOptional("pareto", point.pareto) &&
         o.map("hardware", point.hardware) && o.map("models", point.models);
}

bool fromJSON(const json::Value &value, AxisData &axis, json::Path path) {
  json::ObjectMapper o(value, path);
  if (!(o && o.map("key", axis.key)))
    return false;
  const json::Array *values = value.getAsObject()->getArray("values");
  if (!values) {
    path.field("values").report("expected an array");
    return false;
  }
  for (auto [i, v] : llvm::enumerate(*values))
    if (!fromJSON(v, axis.values.emplace_back(), path.field("values").index(i),
                  /*scalarOK=*/true))
      return false;
  return true;
}
} // namespace

static Error reportError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(),
                           "merged results: " + message);
}

static Expected<ResultsData> readResults(const json::Value &merged) {
  const json::Object *object = merged.getAsObject();
  if (!object)
    return reportError("expected a json object");
  if (!object->getArray("points"))
    return reportError("missing the \"points\" array");
  ResultsData results;
  json::Path::Root root("results");
  json::ObjectMapper o(merged, root);
  if (!(o.map("points", results.points) &&
        o.mapOptional("sweep", results.sweep) &&
        o.mapOptional("hardware", results.hardware) &&
        o.mapOptional("fidelity", results.fidelity) &&
        o.mapOptional("sampling", results.sampling) &&
        o.mapOptional("axes", results.axes) &&
        o.mapOptional("models", results.models) &&
        o.mapOptional("heatmap", results.heatmap)))
    return reportError(toString(root.getError()));
  llvm::sort(results.points, [](const PointData &a, const PointData &b) {
    return a.index < b.index;
  });
  // Older or hand-written merges may not list the models: take them from
  // the points, in order of appearance.
  if (results.models.empty())
    for (const PointData &point : results.points)
      for (const ModelData &model : point.models)
        if (!llvm::is_contained(results.models, model.model))
          results.models.push_back(model.model);
  return results;
}

//===----------------------------------------------------------------------===//
// Units and small helpers
//===----------------------------------------------------------------------===//

namespace {
/// A display unit: value in the JSON's unit times `scale`.
struct Unit {
  std::string name;
  double scale = 1;
};

/// One figure of the report.
struct Figure {
  std::string name;    ///< file stem under figures/
  std::string svg;     ///< the document, inlined as it is
  std::string caption; ///< HTML (escaped)
};

/// A scatter plot: one dot per entry, colored by `color`.
struct Scatter {
  std::string title, xLabel, yLabel, colorLabel;
  std::vector<double> x, y, color;
  std::vector<std::string> tips;
  std::vector<bool> ringed; ///< on the sweep's Pareto front
};
} // namespace

static Unit getLatencyUnit(double maxMicroseconds) {
  if (maxMicroseconds >= 1e4)
    return {"ms", 1e-3};
  return {"\u00b5s", 1};
}

static Unit getEnergyUnit(double maxPicojoules) {
  if (maxPicojoules >= 1e9)
    return {"mJ", 1e-9};
  return {"\u00b5J", 1e-6};
}

static double maxOf(ArrayRef<double> values) {
  double result = 0;
  for (double v : values)
    result = std::max(result, v);
  return result;
}

/// A file stem made of [A-Za-z0-9._-] only, unique among `used`.
static std::string getFigureName(StringRef wanted, StringSet<> &used) {
  std::string name;
  for (char c : wanted)
    name += (isAlnum(c) || c == '-' || c == '_' || c == '.') ? c : '_';
  std::string unique = name;
  for (unsigned n = 2; used.contains(unique); ++n)
    unique = name + "-" + std::to_string(n);
  used.insert(unique);
  return unique;
}

/// "array.rows=16, array.cols=32" in axis order.
static std::string getSettingsText(const ResultsData &results,
                                   const PointData &point) {
  std::string text;
  for (const AxisData &axis : results.axes) {
    if (!text.empty())
      text += ", ";
    text += axis.key + "=" + point.getSetting(axis.key);
  }
  return text;
}

/// The 2-D Pareto front of (x, y), both minimized: indices in x order.
static std::vector<size_t> getFront(ArrayRef<double> x, ArrayRef<double> y) {
  std::vector<size_t> order(x.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  llvm::stable_sort(order, [&](size_t a, size_t b) {
    return x[a] != x[b] ? x[a] < x[b] : y[a] < y[b];
  });
  std::vector<size_t> front;
  double bestY = INFINITY;
  for (size_t i : order) {
    if (y[i] < bestY) {
      front.push_back(i);
      bestY = y[i];
    }
  }
  return front;
}

//===----------------------------------------------------------------------===//
// Figures
//===----------------------------------------------------------------------===//

namespace {
/// The layout shared by the figures: a 640 x 420 canvas, the plot area on
/// the left, legends and color bars in the right margin.
constexpr unsigned figureWidth = 640, figureHeight = 420;
constexpr double plotLeft = 86, plotRight = 468, plotTop = 44, plotBottom = 356,
                 marginX = plotRight + 22;
} // namespace

static std::string drawScatter(const Scatter &plot) {
  svg::Writer w(figureWidth, figureHeight);
  w.title(plot.title);
  svg::Scale xs = svg::Scale::fit(plot.x, true, plotLeft, plotRight);
  svg::Scale ys = svg::Scale::fit(plot.y, true, plotBottom, plotTop);
  w.axes(xs, ys, plot.xLabel, plot.yLabel);
  if (plot.x.empty()) {
    w.text((plotLeft + plotRight) / 2, (plotTop + plotBottom) / 2,
           "no ok points", "middle", 13, "empty");
    return w.finish();
  }
  double cLo = INFINITY, cHi = -INFINITY;
  for (double c : plot.color) {
    cLo = std::min(cLo, c);
    cHi = std::max(cHi, c);
  }
  bool cLog = cLo > 0 && cHi / cLo > 10;
  auto colorOf = [&](double c) {
    if (!(cHi > cLo))
      return svg::viridis(0.5);
    double t = cLog ? std::log(c / cLo) / std::log(cHi / cLo)
                    : (c - cLo) / (cHi - cLo);
    return svg::viridis(t);
  };
  // The front as a staircase (under the dots): what no point of the plot
  // beats in both objectives.
  std::vector<std::pair<double, double>> steps;
  for (size_t i : getFront(plot.x, plot.y)) {
    double px = xs.map(plot.x[i]), py = ys.map(plot.y[i]);
    if (!steps.empty())
      steps.push_back({px, steps.back().second});
    steps.push_back({px, py});
  }
  w.polyline(steps, "#d62728", 1.6, "front");
  for (size_t i = 0; i < plot.x.size(); ++i)
    w.raw("<circle class=\"point\" cx=\"" +
          svg::formatCoord(xs.map(plot.x[i])) + "\" cy=\"" +
          svg::formatCoord(ys.map(plot.y[i])) + "\" r=\"4.5\" fill=\"" +
          colorOf(plot.color[i]) + "\" fill-opacity=\"0.9\"><title>" +
          svg::escape(plot.tips[i]) + "</title></circle>\n");
  for (size_t i = 0; i < plot.x.size(); ++i)
    if (plot.ringed[i])
      w.raw("<circle class=\"pareto\" cx=\"" +
            svg::formatCoord(xs.map(plot.x[i])) + "\" cy=\"" +
            svg::formatCoord(ys.map(plot.y[i])) +
            "\" r=\"8\" fill=\"none\" stroke=\"#111111\" "
            "stroke-width=\"1.5\"/>\n");
  // Legend: the ring, the front line, the color bar.
  w.raw("<circle cx=\"" + svg::formatCoord(marginX + 6) + "\" cy=\"" +
        svg::formatCoord(plotTop + 6) +
        "\" r=\"6\" fill=\"none\" stroke=\"#111111\" stroke-width=\"1.5\"/>\n");
  w.text(marginX + 18, plotTop + 10, "Pareto point", "start", 11, "legend");
  w.text(marginX + 18, plotTop + 23, "(latency, energy, area)", "start", 10,
         "legend");
  w.line(marginX, plotTop + 40, marginX + 14, plotTop + 40, "#d62728", 1.6);
  w.text(marginX + 18, plotTop + 44, "2-D front", "start", 11, "legend");
  w.colorBar(marginX, plotTop + 86, plotBottom - plotTop - 86, cLo, cHi, cLog,
             plot.colorLabel);
  return w.finish();
}

namespace {
/// Builds the figures of one report.
class ReportBuilder {
public:
  ReportBuilder(const SweepSpec &spec, const ResultsData &results)
      : spec(spec), results(results) {}

  Error build();
  std::string getHTML() const;
  const std::vector<Figure> &getFigures() const { return figures; }

private:
  void addParetoFigures();
  void addRooflines();
  Error addUtilizationFigures();
  void addAgreement();

  Figure drawRoofline(const std::string &model, const PointData &point);
  Figure drawHeatmap(const std::string &model, const AxisData &xAxis,
                     const AxisData &yAxis);
  Figure drawBars(const std::string &model, const AxisData &axis);

  std::string getSummaryHTML() const;
  std::string getTableHTML() const;
  std::string getAgreementTableHTML() const;
  static std::string getFiguresHTML(ArrayRef<Figure> list);

  std::vector<const PointData *> getOKPoints() const {
    std::vector<const PointData *> ok;
    for (const PointData &point : results.points)
      if (point.isOK())
        ok.push_back(&point);
    return ok;
  }

  const SweepSpec &spec;
  const ResultsData &results;
  StringSet<> usedNames;
  std::vector<Figure> figures;
  std::vector<Figure> paretoFigures, rooflineFigures, utilizationFigures,
      agreementFigures;
  /// Notes shown under a section's heading (escaped HTML).
  std::string rooflineNotes, utilizationNotes;
  Unit latencyUnit, energyUnit;
};
} // namespace

Error ReportBuilder::build() {
  std::vector<double> latencies, energies;
  for (const PointData *point : getOKPoints()) {
    latencies.push_back(point->latencyUs);
    energies.push_back(point->energyPJ);
  }
  latencyUnit = getLatencyUnit(maxOf(latencies));
  energyUnit = getEnergyUnit(maxOf(energies));
  addParetoFigures();
  addRooflines();
  if (Error error = addUtilizationFigures())
    return error;
  addAgreement();
  for (auto *list : {&paretoFigures, &rooflineFigures, &utilizationFigures,
                     &agreementFigures})
    llvm::append_range(figures, *list);
  return Error::success();
}

void ReportBuilder::addParetoFigures() {
  std::vector<const PointData *> ok = getOKPoints();
  struct Objective {
    const char *name;
    std::string label;
    std::function<double(const PointData &)> get;
  };
  std::vector<double> area;
  for (const PointData *point : ok)
    area.push_back(point->areaMM2.value_or(0));
  Unit lat = latencyUnit, energy = energyUnit;
  Objective objectives[] = {
      {"latency", "latency (" + lat.name + ")",
       [=](const PointData &p) { return p.latencyUs * lat.scale; }},
      {"energy", "energy (" + energy.name + ")",
       [=](const PointData &p) { return p.energyPJ * energy.scale; }},
      {"area", "area (mm\u00b2)",
       [](const PointData &p) { return p.areaMM2.value_or(0); }}};
  auto tipOf = [&](const PointData &p) {
    return p.id + " (" + getSettingsText(results, p) +
           "): " + svg::formatNumber(p.latencyUs * lat.scale, 4) + " " +
           lat.name + ", " + svg::formatNumber(p.energyPJ * energy.scale, 4) +
           " " + energy.name + ", " +
           svg::formatNumber(p.areaMM2.value_or(0), 4) + " mm\u00b2";
  };
  // (x, y, color) per plot: every pair, colored by the third objective.
  const unsigned pairs[3][3] = {{0, 1, 2}, {0, 2, 1}, {1, 2, 0}};
  for (const auto &pair : pairs) {
    const Objective &x = objectives[pair[0]], &y = objectives[pair[1]],
                    &c = objectives[pair[2]];
    Scatter plot;
    plot.title = std::string("All models: ") + x.name + " \u00d7 " + y.name;
    plot.xLabel = x.label + ", all models";
    plot.yLabel = y.label + (pair[1] == 2 ? "" : ", all models");
    plot.colorLabel = c.label;
    for (const PointData *point : ok) {
      plot.x.push_back(x.get(*point));
      plot.y.push_back(y.get(*point));
      plot.color.push_back(c.get(*point));
      plot.tips.push_back(tipOf(*point));
      plot.ringed.push_back(point->pareto);
    }
    Figure figure;
    figure.name = getFigureName(std::string("pareto-") + x.name + "-" + y.name,
                                usedNames);
    figure.svg = drawScatter(plot);
    figure.caption = svg::escape(
        std::string("Every ok point's ") + x.name + " and " + y.name +
        (pair[2] == 2 ? " summed over the models" : "") + ", colored by its " +
        c.name +
        ". Ringed: the points on the sweep's Pareto front of (latency, "
        "energy, area); red steps: the front of these two objectives alone.");
    paretoFigures.push_back(std::move(figure));
  }
  for (const std::string &model : results.models) {
    Scatter plot;
    plot.title = model + ": latency \u00d7 energy";
    std::vector<double> lats, energies;
    for (const PointData *point : ok)
      if (const ModelData *m = point->getModel(model)) {
        lats.push_back(m->latencyUs);
        energies.push_back(m->energyPJ);
      }
    Unit mLat = getLatencyUnit(maxOf(lats)),
         mEnergy = getEnergyUnit(maxOf(energies));
    plot.xLabel = "latency (" + mLat.name + ")";
    plot.yLabel = "energy (" + mEnergy.name + ")";
    plot.colorLabel = "area (mm\u00b2)";
    for (const PointData *point : ok) {
      const ModelData *m = point->getModel(model);
      if (!m)
        continue;
      plot.x.push_back(m->latencyUs * mLat.scale);
      plot.y.push_back(m->energyPJ * mEnergy.scale);
      plot.color.push_back(point->areaMM2.value_or(0));
      plot.tips.push_back(
          point->id + " (" + getSettingsText(results, *point) +
          "): " + svg::formatNumber(plot.x.back(), 4) + " " + mLat.name + ", " +
          svg::formatNumber(plot.y.back(), 4) + " " + mEnergy.name +
          ", utilization " + svg::formatNumber(m->utilization * 100, 3) + "%");
      plot.ringed.push_back(point->pareto);
    }
    Figure figure;
    figure.name = getFigureName("pareto-" + model, usedNames);
    figure.svg = drawScatter(plot);
    figure.caption = svg::escape(
        "One inference of " + model +
        " at every ok point, colored by area. Ringed: the sweep's Pareto "
        "points; red steps: this model's latency-energy front.");
    paretoFigures.push_back(std::move(figure));
  }
}

//===----------------------------------------------------------------------===//
// Rooflines
//===----------------------------------------------------------------------===//

static std::string getBoundColor(StringRef bound) {
  if (bound == "compute")
    return svg::categorical(0);
  if (bound == "dram")
    return svg::categorical(1);
  if (bound == "issue")
    return svg::categorical(2);
  return svg::categorical(7);
}

void ReportBuilder::addRooflines() {
  std::vector<const PointData *> ok = getOKPoints();
  bool anyPareto =
      llvm::any_of(ok, [](const PointData *point) { return point->pareto; });
  for (const std::string &model : results.models) {
    // The fastest Pareto point for this model (all ok points when the merge
    // marks none).
    const PointData *best = nullptr;
    for (const PointData *point : ok) {
      const ModelData *m = point->getModel(model);
      if (!m || !point->hardware || (anyPareto && !point->pareto))
        continue;
      if (!best || m->latencyUs < best->getModel(model)->latencyUs)
        best = point;
    }
    if (!best) {
      rooflineNotes += "<p class=\"note\">" + svg::escape(model) +
                       ": no ok point to draw.</p>\n";
      continue;
    }
    rooflineFigures.push_back(drawRoofline(model, *best));
  }
}

Figure ReportBuilder::drawRoofline(const std::string &model,
                                   const PointData &point) {
  const ModelData &m = *point.getModel(model);
  const HardwareData &hw = *point.hardware;
  double peak = static_cast<double>(hw.rows) * hw.cols;
  double bandwidth = hw.dramBytesPerCycle > 0 ? hw.dramBytesPerCycle : 1;
  double ridge = peak / bandwidth;
  struct Dot {
    double intensity, attained;
    const LayerData *layer;
    bool simulated;
  };
  std::vector<Dot> dots;
  unsigned noTraffic = 0, hostLayers = 0;
  for (const LayerData &layer : m.layers) {
    if (layer.place != "npu") {
      ++hostLayers;
      continue;
    }
    uint64_t cycles = layer.simulatedCycles.value_or(layer.predictedCycles);
    if (layer.macs == 0 || cycles == 0)
      continue;
    if (layer.dramBytes == 0) {
      ++noTraffic;
      continue;
    }
    dots.push_back({double(layer.macs) / layer.dramBytes,
                    double(layer.macs) / cycles, &layer,
                    layer.simulatedCycles.has_value()});
  }
  // Both axes span the dots and the ridge; without dots, two decades below
  // the peak.
  double xLo = ridge, xHi = ridge, yLo = dots.empty() ? peak / 100 : peak;
  for (const Dot &dot : dots) {
    xLo = std::min(xLo, dot.intensity);
    xHi = std::max(xHi, dot.intensity);
    yLo = std::min(yLo, dot.attained);
  }
  svg::Scale xs{xLo / 3, xHi * 3, true, plotLeft, plotRight};
  svg::Scale ys{yLo / 3, peak * 3, true, plotBottom, plotTop};

  svg::Writer w(figureWidth, figureHeight);
  w.title(model + ": roofline at " + point.id);
  w.axes(xs, ys, "arithmetic intensity (MACs per DRAM byte)",
         "attained MACs per cycle");
  // The roofs: min(peak, intensity * bandwidth), from where the slope
  // enters the plot.
  double xStart = std::max(xs.lo, ys.lo / bandwidth);
  std::vector<std::pair<double, double>> roof = {
      {xs.map(xStart), ys.map(xStart * bandwidth)},
      {xs.map(ridge), ys.map(peak)},
      {xs.map(xs.hi), ys.map(peak)}};
  w.polyline(roof, "#333333", 2, "roof",
             "data-peak=\"" + svg::formatNumber(peak, 12) +
                 "\" data-bandwidth=\"" + svg::formatNumber(bandwidth, 12) +
                 "\" data-ridge=\"" + svg::formatNumber(ridge, 12) + "\"");
  w.text(plotRight - 4, ys.map(peak) - 6,
         "peak " + std::to_string(hw.rows) + "\u00d7" +
             std::to_string(hw.cols) + " = " + svg::formatNumber(peak, 12) +
             " MACs/cycle",
         "end", 11, "roof-label");
  double slope = std::atan2(roof[1].second - roof[0].second,
                            roof[1].first - roof[0].first) *
                 180 / 3.14159265358979323846;
  double labelX = (roof[0].first + roof[1].first) / 2,
         labelY = (roof[0].second + roof[1].second) / 2;
  w.text(labelX, labelY - 6,
         "DRAM " + svg::formatNumber(bandwidth, 6) + " B/cycle", "middle", 11,
         "roof-label", slope);
  std::set<std::string> bounds;
  for (const Dot &dot : dots) {
    const LayerData &layer = *dot.layer;
    std::string bound = layer.bound.empty() ? "unknown" : layer.bound;
    bounds.insert(bound);
    std::string tip =
        layer.name + " (" + layer.kind + ", " + bound + "-bound" +
        (layer.tiling.empty() ? "" : ", " + layer.tiling) +
        "): " + svg::formatNumber(dot.intensity, 4) + " MACs/B, " +
        svg::formatNumber(dot.attained, 4) + " MACs/cycle over " +
        std::to_string(layer.simulatedCycles.value_or(layer.predictedCycles)) +
        (dot.simulated ? " simulated" : " predicted") + " cycles";
    w.raw("<circle class=\"layer\" cx=\"" +
          svg::formatCoord(xs.map(dot.intensity)) + "\" cy=\"" +
          svg::formatCoord(ys.map(dot.attained)) + "\" r=\"5\" fill=\"" +
          getBoundColor(bound) + "\" fill-opacity=\"0.85\" stroke=\"#ffffff\"" +
          " stroke-width=\"0.8\"><title>" + svg::escape(tip) +
          "</title></circle>\n");
  }
  std::vector<std::pair<std::string, std::string>> legend;
  for (const char *bound : {"compute", "dram", "issue"})
    if (bounds.erase(bound))
      legend.push_back({getBoundColor(bound), std::string(bound) + "-bound"});
  for (const std::string &bound : bounds)
    legend.push_back({getBoundColor(bound), bound + "-bound"});
  w.text(marginX, plotTop + 4, "layers, by bound", "start", 11, "legend");
  w.legend(marginX, plotTop + 24, legend);
  if (dots.empty())
    w.text((plotLeft + plotRight) / 2, (plotTop + plotBottom) / 2,
           "no NPU layer with DRAM traffic", "middle", 13, "empty");

  Figure figure;
  figure.name = getFigureName("roofline-" + model, usedNames);
  figure.svg = w.finish();
  std::string caption =
      "The NPU layers of " + model + " at " + point.id + " (" +
      getSettingsText(results, point) + "), the fastest " +
      (point.pareto ? "Pareto " : "") +
      "point for this model. A dot is a layer: its MACs per byte of DRAM "
      "traffic and the MACs it attains per cycle (" +
      (m.simulated ? "simulated" : "predicted") +
      " cycles). The roofs are the array's peak and the DRAM bandwidth "
      "times the intensity; a dot far below both is held back by "
      "something else (issue, tiling, the vector unit).";
  if (noTraffic)
    caption += " " + std::to_string(noTraffic) +
               " layer(s) without DRAM traffic are not drawn.";
  if (hostLayers)
    caption += " " + std::to_string(hostLayers) +
               " NPU-capable layer(s) stayed on the host.";
  figure.caption = svg::escape(caption);
  return figure;
}

//===----------------------------------------------------------------------===//
// Utilization
//===----------------------------------------------------------------------===//

Error ReportBuilder::addUtilizationFigures() {
  std::vector<std::string> keys = spec.heatmapAxes;
  if (keys.empty())
    keys = results.heatmap;
  if (keys.empty())
    for (const AxisData &axis : results.axes)
      if (keys.size() < 2)
        keys.push_back(axis.key);
  if (keys.size() > 2)
    return createStringError(inconvertibleErrorCode(),
                             "report: the heat maps take two axes, not " +
                                 Twine(keys.size()));
  std::vector<const AxisData *> axes;
  for (const std::string &key : keys) {
    const AxisData *found = nullptr;
    for (const AxisData &axis : results.axes)
      if (axis.key == key)
        found = &axis;
    if (!found) {
      std::string known;
      for (const AxisData &axis : results.axes)
        known += (known.empty() ? "" : ", ") + axis.key;
      return createStringError(inconvertibleErrorCode(),
                               "report: heat-map axis '" + key +
                                   "' is not an axis of the sweep (axes: " +
                                   (known.empty() ? "none" : known) + ")");
    }
    axes.push_back(found);
  }
  if (axes.empty()) {
    utilizationNotes = "<p class=\"note\">The sweep has no axes: its one "
                       "point's utilization is in the table.</p>\n";
    return Error::success();
  }
  for (const std::string &model : results.models)
    utilizationFigures.push_back(axes.size() == 2
                                     ? drawHeatmap(model, *axes[0], *axes[1])
                                     : drawBars(model, *axes[0]));
  return Error::success();
}

/// The best utilization of `model` among the ok points whose settings match
/// `match`, or nullopt.
static std::optional<double>
getBestUtilization(ArrayRef<const PointData *> ok, const std::string &model,
                   ArrayRef<std::pair<std::string, std::string>> match) {
  std::optional<double> best;
  for (const PointData *point : ok) {
    if (!llvm::all_of(match, [&](const auto &kv) {
          return point->getSetting(kv.first) == kv.second;
        }))
      continue;
    if (const ModelData *m = point->getModel(model))
      best = std::max(best.value_or(m->utilization), m->utilization);
  }
  return best;
}

Figure ReportBuilder::drawHeatmap(const std::string &model,
                                  const AxisData &xAxis,
                                  const AxisData &yAxis) {
  std::vector<const PointData *> ok = getOKPoints();
  size_t nx = xAxis.values.size(), ny = yAxis.values.size();
  std::vector<std::optional<double>> cells(nx * ny);
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < nx; ++i)
    for (size_t j = 0; j < ny; ++j) {
      std::optional<double> &cell = cells[j * nx + i];
      cell = getBestUtilization(
          ok, model,
          {{xAxis.key, xAxis.values[i]}, {yAxis.key, yAxis.values[j]}});
      if (cell) {
        lo = std::min(lo, *cell * 100);
        hi = std::max(hi, *cell * 100);
      }
    }
  svg::Writer w(figureWidth, figureHeight);
  w.title(model + ": NPU utilization");
  double left = plotLeft + 10, width = plotRight - left,
         height = plotBottom - plotTop;
  w.plotArea(left, plotTop, width, height);
  double cw = width / std::max<size_t>(nx, 1),
         ch = height / std::max<size_t>(ny, 1);
  unsigned fontSize = static_cast<unsigned>(
      std::clamp(std::min(ch * 0.35, cw / 4.5), 7.0, 13.0));
  for (size_t i = 0; i < nx; ++i)
    for (size_t j = 0; j < ny; ++j) {
      const std::optional<double> &cell = cells[j * nx + i];
      double x = left + i * cw, y = plotBottom - (j + 1) * ch;
      if (!cell) {
        w.rect(x, y, cw, ch, "#d9d9d9", "cell empty", "#ffffff");
        continue;
      }
      double t = hi > lo ? (*cell * 100 - lo) / (hi - lo) : 0.5;
      w.rect(x, y, cw, ch, svg::viridis(t), "cell", "#ffffff");
      w.text(x + cw / 2, y + ch / 2 + fontSize * 0.35,
             svg::formatNumber(*cell * 100, 3) + "%", "middle", fontSize,
             "cell-value", 0, svg::isDark(t) ? "#ffffff" : "#111111");
    }
  for (size_t i = 0; i < nx; ++i)
    w.text(left + (i + 0.5) * cw, plotBottom + 18, xAxis.values[i], "middle",
           11, "tick");
  for (size_t j = 0; j < ny; ++j)
    w.text(left - 8, plotBottom - (j + 0.5) * ch + 4, yAxis.values[j], "end",
           11, "tick");
  w.text(left + width / 2, plotBottom + 38, xAxis.key, "middle", 12,
         "axis-label");
  w.text(left - 62, plotTop + height / 2, yAxis.key, "middle", 12, "axis-label",
         -90);
  w.rect(marginX, plotTop - 2, 14, 14, "#d9d9d9", "", "#666666");
  w.text(marginX + 20, plotTop + 9, "no ok point", "start", 11, "legend");
  if (lo <= hi)
    w.colorBar(marginX, plotTop + 56, height - 56, lo, hi, false,
               "utilization (%)");

  Figure figure;
  figure.name = getFigureName("utilization-" + model, usedNames);
  figure.svg = w.finish();
  bool others = results.axes.size() > 2;
  figure.caption = svg::escape(
      "The NPU utilization of " + model +
      " (its MACs on the NPU / (NPU cycles \u00d7 rows \u00d7 cols)) over " +
      xAxis.key + " and " + yAxis.key + ". " +
      (others ? "A cell shows the best (highest) utilization among the ok "
                "points with these two settings, whatever the other axes."
              : "A cell is the ok point with these settings.") +
      " Grey: no ok point (invalid, excluded, failed or not sampled).");
  return figure;
}

Figure ReportBuilder::drawBars(const std::string &model, const AxisData &axis) {
  std::vector<const PointData *> ok = getOKPoints();
  std::vector<std::optional<double>> bars;
  double hi = 0;
  for (const std::string &value : axis.values) {
    bars.push_back(getBestUtilization(ok, model, {{axis.key, value}}));
    if (bars.back())
      hi = std::max(hi, *bars.back() * 100);
  }
  svg::Writer w(figureWidth, figureHeight);
  w.title(model + ": NPU utilization");
  std::vector<double> range = {0, hi > 0 ? hi * 1.1 : 1};
  svg::Scale ys = svg::Scale::fit(range, false, plotBottom, plotTop);
  ys.lo = 0;
  double left = plotLeft, width = plotRight - plotLeft;
  w.plotArea(left, plotTop, width, plotBottom - plotTop);
  for (double tick : ys.ticks()) {
    double py = ys.map(tick);
    w.line(left, py, plotRight, py, "#e4e4e4", 1, "grid");
    w.line(left - 5, py, left, py, "#444444");
    w.text(left - 8, py + 4, ys.tickLabel(tick), "end", 11, "tick");
  }
  double slot = width / std::max<size_t>(axis.values.size(), 1);
  for (auto [i, bar] : llvm::enumerate(bars)) {
    double x = left + i * slot;
    w.text(x + slot / 2, plotBottom + 18, axis.values[i], "middle", 11, "tick");
    if (!bar)
      continue;
    double top = ys.map(*bar * 100);
    w.rect(x + slot * 0.2, top, slot * 0.6, plotBottom - top,
           svg::categorical(0), "bar");
    w.text(x + slot / 2, top - 5, svg::formatNumber(*bar * 100, 3) + "%",
           "middle", 11, "bar-value");
  }
  w.text(left + width / 2, plotBottom + 38, axis.key, "middle", 12,
         "axis-label");
  w.text(left - 58, (plotTop + plotBottom) / 2, "best utilization (%)",
         "middle", 12, "axis-label", -90);

  Figure figure;
  figure.name = getFigureName("utilization-" + model, usedNames);
  figure.svg = w.finish();
  figure.caption =
      svg::escape("The best (highest) NPU utilization of " + model +
                  " among the ok points with each value of " + axis.key +
                  "; no bar: no ok point with that value.");
  return figure;
}

//===----------------------------------------------------------------------===//
// Agreement of the cost model with the simulator
//===----------------------------------------------------------------------===//

void ReportBuilder::addAgreement() {
  std::vector<double> predicted, simulated;
  std::vector<std::pair<std::string, std::string>> legend;
  std::vector<unsigned> modelOf;
  std::vector<std::string> tips;
  for (const PointData *point : getOKPoints())
    for (const ModelData &m : point->models) {
      if (!m.simulated)
        continue;
      unsigned modelIndex =
          llvm::find(results.models, m.model) - results.models.begin();
      predicted.push_back(double(m.predictedNPUCycles));
      simulated.push_back(double(m.npuCycles));
      modelOf.push_back(modelIndex);
      tips.push_back(point->id + " " + m.model + ": predicted " +
                     std::to_string(m.predictedNPUCycles) + ", simulated " +
                     std::to_string(m.npuCycles) + " cycles (" +
                     svg::formatNumber(m.agreement * 100, 3) + "%)");
    }
  if (predicted.empty())
    return;
  std::vector<double> all = predicted;
  llvm::append_range(all, simulated);
  svg::Scale xs = svg::Scale::fit(all, true, plotLeft, plotRight);
  svg::Scale ys = xs;
  ys.pixLo = plotBottom;
  ys.pixHi = plotTop;
  svg::Writer w(figureWidth, figureHeight);
  w.title("Cost model vs simulator: NPU cycles");
  w.axes(xs, ys, "predicted NPU cycles (cost model)", "simulated NPU cycles");
  w.line(xs.map(xs.lo), ys.map(xs.lo), xs.map(xs.hi), ys.map(xs.hi), "#999999",
         1.2, "diagonal", "5,4");
  for (size_t i = 0; i < predicted.size(); ++i)
    w.raw("<circle class=\"point\" cx=\"" +
          svg::formatCoord(xs.map(predicted[i])) + "\" cy=\"" +
          svg::formatCoord(ys.map(simulated[i])) + "\" r=\"5\" fill=\"" +
          svg::categorical(modelOf[i]) + "\" fill-opacity=\"0.9\"><title>" +
          svg::escape(tips[i]) + "</title></circle>\n");
  for (auto [i, model] : llvm::enumerate(results.models))
    if (llvm::is_contained(modelOf, i))
      legend.push_back({svg::categorical(i), model});
  w.line(marginX, plotTop + 4, marginX + 14, plotTop + 4, "#999999", 1.2, "",
         "5,4");
  w.text(marginX + 18, plotTop + 8, "exact", "start", 11, "legend");
  w.legend(marginX, plotTop + 30, legend);
  Figure figure;
  figure.name = getFigureName("agreement", usedNames);
  figure.svg = w.finish();
  figure.caption = svg::escape(
      "Each simulated model at each simulated point: the cost model's NPU "
      "cycles against the simulator's. On the dashed diagonal the two agree; "
      "above it the simulator is slower than predicted.");
  agreementFigures.push_back(std::move(figure));
}

//===----------------------------------------------------------------------===//
// HTML
//===----------------------------------------------------------------------===//

static constexpr StringLiteral styleSheet = R"css(
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
       margin: 24px; color: #222; background: #ffffff; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 18px; border-bottom: 1px solid #ccc; padding-bottom: 4px;
     margin-top: 36px; }
p, li { font-size: 14px; line-height: 1.45; max-width: 1100px; }
.figures { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; border: 1px solid #ddd; padding: 6px; background: #fff; }
figcaption { font-size: 12px; color: #444; max-width: 640px; margin-top: 4px; }
table { border-collapse: collapse; font-size: 12px; margin-top: 8px; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th { background: #f0f0f0; }
td.text, th.text { text-align: left; }
tr.invalid td, tr.excluded td, tr.failed td { color: #777; }
tr.pareto td { background: #fff8e0; }
.summary td, .summary th { text-align: left; font-size: 13px; }
.note { color: #555; font-style: italic; }
)css";

std::string ReportBuilder::getFiguresHTML(ArrayRef<Figure> list) {
  std::string html = "<div class=\"figures\">\n";
  for (const Figure &figure : list)
    html += "<figure id=\"fig-" + figure.name + "\">\n" + figure.svg +
            "<figcaption>" + figure.caption + " <a href=\"figures/" +
            figure.name + ".svg\">" + figure.name +
            ".svg</a></figcaption>\n</figure>\n";
  return html + "</div>\n";
}

std::string ReportBuilder::getSummaryHTML() const {
  std::map<std::string, unsigned> counts;
  for (const PointData &point : results.points)
    ++counts[point.status];
  auto row = [](StringRef name, StringRef value) {
    return "<tr><th>" + svg::escape(name) + "</th><td>" + svg::escape(value) +
           "</td></tr>\n";
  };
  std::string models, axes;
  for (const std::string &model : results.models)
    models += (models.empty() ? "" : ", ") + model;
  for (const AxisData &axis : results.axes) {
    axes += (axes.empty() ? "" : "; ") + axis.key + ": ";
    for (auto [i, value] : llvm::enumerate(axis.values))
      axes += (i ? ", " : "") + value;
  }
  std::string countText = std::to_string(results.points.size()) +
                          " points: " + std::to_string(counts["ok"]) + " ok, " +
                          std::to_string(counts["failed"]) + " failed, " +
                          std::to_string(counts["invalid"]) + " invalid, " +
                          std::to_string(counts["excluded"]) + " excluded";
  std::string html = "<table class=\"summary\">\n";
  html += row("base hardware", results.hardware);
  html += row("fidelity", results.fidelity);
  html += row("sampling", results.sampling);
  html += row("models", models);
  html += row("axes", axes.empty() ? "none" : axes);
  html += "<tr><th>points</th><td class=\"counts\">" + svg::escape(countText) +
          "</td></tr>\n";
  // The extremes an architect asks for first.
  std::vector<const PointData *> ok = getOKPoints();
  auto best = [&](StringRef what, auto key, const Unit &unit) {
    const PointData *winner = nullptr;
    for (const PointData *point : ok)
      if (!winner || key(*point) < key(*winner))
        winner = point;
    if (!winner)
      return std::string();
    return row(what,
               winner->id + " (" + getSettingsText(results, *winner) +
                   "): " + svg::formatNumber(key(*winner) * unit.scale, 4) +
                   " " + unit.name);
  };
  html += best(
      "fastest", [](const PointData &p) { return p.latencyUs; }, latencyUnit);
  html += best(
      "lowest energy", [](const PointData &p) { return p.energyPJ; },
      energyUnit);
  html += best(
      "smallest", [](const PointData &p) { return p.areaMM2.value_or(0); },
      Unit{"mm\u00b2", 1});
  return html + "</table>\n";
}

std::string ReportBuilder::getTableHTML() const {
  std::string html = "<table class=\"points\">\n<tr><th class=\"text\">id</th>";
  for (const AxisData &axis : results.axes)
    html += "<th>" + svg::escape(axis.key) + "</th>";
  html += "<th class=\"text\">status</th><th class=\"text\">reason</th>"
          "<th>area (mm\u00b2)</th><th>latency (" +
          latencyUnit.name + ")</th><th>energy (" + energyUnit.name + ")</th>";
  for (const std::string &model : results.models)
    html += "<th>utilization " + svg::escape(model) + " (%)</th>";
  html += "<th>Pareto</th></tr>\n";
  for (const PointData &point : results.points) {
    html += "<tr class=\"" + svg::escape(point.status) +
            (point.pareto ? " pareto" : "") + "\"><td class=\"text\">" +
            svg::escape(point.id) + "</td>";
    for (const AxisData &axis : results.axes)
      html += "<td>" + svg::escape(point.getSetting(axis.key)) + "</td>";
    html += "<td class=\"text\">" + svg::escape(point.status) +
            "</td><td class=\"text\">" + svg::escape(point.reason) + "</td>";
    html += "<td>" +
            (point.areaMM2 ? svg::formatNumber(*point.areaMM2, 4) : "") +
            "</td>";
    bool ok = point.isOK();
    html +=
        "<td>" +
        (ok ? svg::formatNumber(point.latencyUs * latencyUnit.scale, 4) : "") +
        "</td><td>" +
        (ok ? svg::formatNumber(point.energyPJ * energyUnit.scale, 4) : "") +
        "</td>";
    for (const std::string &model : results.models) {
      const ModelData *m = point.getModel(model);
      html += "<td>" +
              (ok && m ? svg::formatNumber(m->utilization * 100, 3) : "") +
              "</td>";
    }
    html +=
        std::string("<td>") + (point.pareto ? "\u2605" : "") + "</td></tr>\n";
  }
  return html + "</table>\n";
}

std::string ReportBuilder::getAgreementTableHTML() const {
  std::string html =
      "<table class=\"agreement\">\n<tr><th class=\"text\">point</th>"
      "<th class=\"text\">model</th><th>predicted cycles</th>"
      "<th>simulated cycles</th><th>simulated / predicted - 1 (%)</th>"
      "<th class=\"text\">worst layer</th><th>its error (%)</th></tr>\n";
  for (const PointData *point : getOKPoints())
    for (const ModelData &m : point->models) {
      if (!m.simulated)
        continue;
      html += "<tr><td class=\"text\">" + svg::escape(point->id) +
              "</td><td class=\"text\">" + svg::escape(m.model) + "</td><td>" +
              std::to_string(m.predictedNPUCycles) + "</td><td>" +
              std::to_string(m.npuCycles) + "</td><td>" +
              svg::formatNumber(m.agreement * 100, 3) +
              "</td><td class=\"text\">" + svg::escape(m.worstLayer) +
              "</td><td>" + svg::formatNumber(m.worstLayerError * 100, 3) +
              "</td></tr>\n";
    }
  return html + "</table>\n";
}

std::string ReportBuilder::getHTML() const {
  std::string name = results.sweep.empty() ? spec.name : results.sweep;
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                     "<meta charset=\"utf-8\">\n<title>" +
                     svg::escape(name) +
                     ": co-design sweep report</title>\n<style>" +
                     styleSheet.str() + "</style>\n</head>\n<body>\n";
  html += "<h1>Co-design sweep <em>" + svg::escape(name) + "</em></h1>\n";
  html += getSummaryHTML();
  html += "<h2 id=\"pareto\">Pareto fronts</h2>\n<p>Lower is better on every "
          "axis. The sweep's objectives are the latency and the energy of "
          "one inference of each model, summed over the models, and the "
          "chip's area. A point is Pareto-optimal when no other point is at "
          "least as good in all three and better in one.</p>\n";
  html += getFiguresHTML(paretoFigures);
  html += "<h2 id=\"rooflines\">Per-layer rooflines</h2>\n" + rooflineNotes;
  html += getFiguresHTML(rooflineFigures);
  html += "<h2 id=\"utilization\">Utilization</h2>\n" + utilizationNotes;
  html += getFiguresHTML(utilizationFigures);
  if (!agreementFigures.empty()) {
    html += "<h2 id=\"agreement\">Cost model and simulator</h2>\n";
    html += getFiguresHTML(agreementFigures);
    html += getAgreementTableHTML();
  }
  html += "<h2 id=\"points\">Points</h2>\n<p>Every planned point in plan "
          "order; latency and energy summed over the models; \u2605: on the "
          "Pareto front.</p>\n";
  html += getTableHTML();
  return html + "</body>\n</html>\n";
}

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

static Error writeFile(const Twine &path, StringRef content) {
  std::error_code ec;
  raw_fd_ostream os(path.str(), ec, sys::fs::OF_None);
  if (ec)
    return createStringError(ec, "cannot write '" + path.str() +
                                     "': " + ec.message());
  os << content;
  os.close();
  if (os.has_error())
    return createStringError(os.error(), "cannot write '" + path.str() +
                                             "': " + os.error().message());
  return Error::success();
}

/// The figures of an earlier report that this one does not draw (a renamed
/// model, fewer axes): removed so that figures/ matches report.html.
static Error removeStaleFigures(StringRef dir, const StringSet<> &current) {
  std::error_code ec;
  std::vector<std::string> stale;
  for (sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    StringRef file = sys::path::filename(it->path());
    StringRef ext = sys::path::extension(file);
    if ((ext == ".svg" || ext == ".png") &&
        !current.contains(sys::path::stem(file)))
      stale.push_back(it->path());
  }
  if (ec)
    return createStringError(ec, "cannot list '" + dir + "': " + ec.message());
  for (const std::string &path : stale)
    if (std::error_code removeError = sys::fs::remove(path))
      return createStringError(removeError, "cannot remove '" + path +
                                                "': " + removeError.message());
  return Error::success();
}

Error explore::writeReport(const SweepSpec &spec, const json::Value &merged,
                           StringRef outDir) {
  Expected<ResultsData> results = readResults(merged);
  if (!results)
    return results.takeError();
  ReportBuilder builder(spec, *results);
  if (Error error = builder.build())
    return error;
  SmallString<256> figuresDir(outDir);
  sys::path::append(figuresDir, "figures");
  if (std::error_code ec = sys::fs::create_directories(figuresDir))
    return createStringError(ec, "cannot create '" + figuresDir +
                                     "': " + ec.message());
  StringSet<> names;
  for (const Figure &figure : builder.getFigures()) {
    names.insert(figure.name);
    SmallString<256> path(figuresDir);
    sys::path::append(path, figure.name + ".svg");
    if (Error error = writeFile(path, figure.svg))
      return error;
  }
  if (Error error = removeStaleFigures(figuresDir, names))
    return error;
  SmallString<256> htmlPath(outDir);
  sys::path::append(htmlPath, "report.html");
  return writeFile(htmlPath, builder.getHTML());
}

//===----------------------------------------------------------------------===//
// PNG
//===----------------------------------------------------------------------===//

/// The width and height of an SVG document's root element.
static std::optional<std::pair<unsigned, unsigned>>
getSVGSize(StringRef document) {
  size_t start = document.find("<svg");
  if (start == StringRef::npos)
    return std::nullopt;
  StringRef tag = document.substr(start, document.find('>', start) - start);
  auto attribute = [&](StringRef name) -> std::optional<unsigned> {
    size_t at = tag.find((" " + name + "=\"").str());
    if (at == StringRef::npos)
      return std::nullopt;
    StringRef rest = tag.substr(at + name.size() + 3);
    unsigned value;
    if (rest.take_until([](char c) { return c == '"'; })
            .getAsInteger(10, value) ||
        value == 0)
      return std::nullopt;
    return value;
  };
  std::optional<unsigned> width = attribute("width"),
                          height = attribute("height");
  if (!width || !height)
    return std::nullopt;
  return std::make_pair(*width, *height);
}

static Expected<std::string> findChromium(StringRef chromium) {
  if (chromium.contains('/')) {
    if (sys::fs::can_execute(chromium))
      return chromium.str();
    return createStringError(inconvertibleErrorCode(),
                             "chromium not found: '" + chromium +
                                 "' is not an executable file");
  }
  std::vector<StringRef> names;
  if (!chromium.empty())
    names.push_back(chromium);
  else
    names = {"chromium", "chromium-browser", "google-chrome",
             "google-chrome-stable"};
  for (StringRef name : names)
    if (ErrorOr<std::string> path = sys::findProgramByName(name))
      return *path;
  return createStringError(
      inconvertibleErrorCode(),
      chromium.empty()
          ? "chromium not found on PATH (tried chromium, chromium-browser, "
            "google-chrome): install it or name it"
          : "chromium not found: no '" + chromium + "' on PATH");
}

Error explore::writeReportPNGs(StringRef outDir, StringRef chromium) {
  Expected<std::string> program = findChromium(chromium);
  if (!program)
    return program.takeError();
  SmallString<256> figuresDir(outDir);
  sys::path::append(figuresDir, "figures");
  std::error_code ec;
  std::vector<std::string> svgs;
  for (sys::fs::directory_iterator it(figuresDir, ec), end; it != end && !ec;
       it.increment(ec))
    if (sys::path::extension(it->path()) == ".svg")
      svgs.push_back(it->path());
  if (ec)
    return createStringError(ec, "cannot list '" + figuresDir +
                                     "': " + ec.message());
  if (svgs.empty())
    return createStringError(inconvertibleErrorCode(),
                             "no figures to render in '" + figuresDir +
                                 "' (write the report first)");
  llvm::sort(svgs);
  // A profile of its own, so that a running browser does not take the job.
  SmallString<128> profile;
  if (std::error_code dirError =
          sys::fs::createUniqueDirectory("tessera-chromium", profile))
    return createStringError(dirError, "cannot create a temporary directory: " +
                                           dirError.message());
  llvm::scope_exit cleanup(
      [&] { sys::fs::remove_directories(profile, /*IgnoreErrors=*/true); });
  for (const std::string &svgPath : svgs) {
    ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
        MemoryBuffer::getFile(svgPath);
    if (!buffer)
      return createStringError(buffer.getError(),
                               "cannot read '" + svgPath +
                                   "': " + buffer.getError().message());
    std::optional<std::pair<unsigned, unsigned>> size =
        getSVGSize((*buffer)->getBuffer());
    if (!size)
      return createStringError(inconvertibleErrorCode(),
                               "'" + svgPath +
                                   "': no width and height on its <svg>");
    SmallString<256> absolute(svgPath);
    sys::fs::make_absolute(absolute);
    SmallString<256> pngPath(absolute);
    sys::path::replace_extension(pngPath, "png");
    std::string screenshot = ("--screenshot=" + pngPath).str();
    std::string window =
        formatv("--window-size={0},{1}", size->first, size->second).str();
    std::string userData = ("--user-data-dir=" + profile).str();
    std::string url = ("file://" + absolute).str();
    SmallVector<StringRef> args = {*program,
                                   "--headless",
                                   "--disable-gpu",
                                   "--no-sandbox",
                                   "--hide-scrollbars",
                                   "--force-device-scale-factor=1",
                                   userData,
                                   screenshot,
                                   window,
                                   url};
    sys::fs::remove(pngPath);
    // Chromium's chatter (dbus, GPU) is noise here: dropped.
    std::optional<StringRef> redirects[] = {StringRef(), StringRef(),
                                            StringRef()};
    std::string message;
    bool failed = false;
    int rc = sys::ExecuteAndWait(*program, args, /*Env=*/std::nullopt,
                                 redirects, /*SecondsToWait=*/120,
                                 /*MemoryLimit=*/0, &message, &failed);
    if (failed || rc != 0 || !sys::fs::exists(pngPath))
      return createStringError(
          inconvertibleErrorCode(),
          "chromium did not render '" + svgPath + "'" +
              (message.empty() ? (rc == -2 ? ": timed out" : "")
                               : ": " + message) +
              (rc > 0 ? " (exit code " + std::to_string(rc) + ")" : ""));
  }
  return Error::success();
}
