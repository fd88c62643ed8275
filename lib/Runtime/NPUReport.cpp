//===- NPUReport.cpp - reports of an npu-target artifact's run ------------===//
//
// Part of Tessera. The fields are documented in docs/npu/compiler.md
// ("Reports"); test/tools/tessera-run checks their names.
//
//===----------------------------------------------------------------------===//

#include "tessera/Runtime/NPUReport.h"
#include "tessera/Sim/Report.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace llvm;

namespace tessera::runtime {

namespace {
/// The numbers of one report row (a layer, a program or the model).
struct Row {
  std::string kind, program, name;
  uint64_t launches = 0;
  const sim::Counters *counters = nullptr;
  const NPUPredictedLayer *predicted = nullptr;
  std::optional<int64_t> predictedCycles;
  /// The useful MACs of the layers (the compiler's count, over the
  /// launches), when every layer of the row has one: the array's count also
  /// has the identity blocks that pooling moves data with and the zero
  /// blocks of depthwise convolutions.
  std::optional<uint64_t> usefulMacs;

  uint64_t macs() const { return usefulMacs.value_or(counters->actions.macs); }
  double utilization(const npu::HardwareDesc &hw) const {
    return counters->cycles ? double(macs()) / (double(counters->cycles) *
                                                hw.peakMacsPerCycle())
                            : 0;
  }
  uint64_t dramBytes() const {
    return counters->actions.dramRead + counters->actions.dramWritten;
  }
  /// compute when execute is the busiest unit, dram when load or store is,
  /// issue (the fetch unit) otherwise.
  StringRef bound() const {
    uint64_t busy[sim::kNumUnits];
    for (unsigned u = 0; u < sim::kNumUnits; ++u)
      busy[u] = counters->get(sim::Unit(u), sim::Cause::Busy);
    uint64_t exec = busy[unsigned(sim::Unit::Execute)];
    uint64_t dma = std::max(busy[unsigned(sim::Unit::Load)],
                            busy[unsigned(sim::Unit::Store)]);
    uint64_t fetch = busy[unsigned(sim::Unit::Fetch)];
    if (exec >= dma && exec >= fetch)
      return "compute";
    if (dma >= fetch)
      return "dram";
    return "issue";
  }
  double intensity() const {
    return dramBytes() ? double(macs()) / dramBytes() : NAN;
  }
  double attained() const {
    return counters->cycles ? double(macs()) / counters->cycles : 0;
  }
  double roof(const npu::HardwareDesc &hw) const {
    double peak = double(hw.peakMacsPerCycle());
    double i = intensity();
    return std::isnan(i) ? peak : std::min(peak, i * hw.dramBytesPerCycle);
  }
  std::optional<double> cycleError() const {
    if (!predictedCycles || *predictedCycles <= 0 || !launches)
      return std::nullopt;
    double predicted = double(*predictedCycles) * launches;
    return (double(counters->cycles) - predicted) / predicted;
  }
};
} // namespace

static json::Value number(double value) {
  if (!std::isfinite(value))
    return nullptr;
  return value;
}

template <typename T> static json::Value optional(const std::optional<T> &v) {
  if (!v)
    return nullptr;
  return number(double(*v));
}

static SmallVector<std::pair<StringRef, double>, 8>
energyParts(const sim::Energy &e) {
  return {{"array", e.array},
          {"scratchpad", e.scratchpad},
          {"accumulator", e.accumulator},
          {"dram", e.dram},
          {"vector", e.vector},
          {"leakage", e.leakage},
          {"total", e.total()}};
}

/// The rows: every layer of every program, then each program, then the
/// model (`model` holds the model's summed counters).
static std::vector<Row> getRows(const NPUDevice &device, sim::Counters &model) {
  std::vector<Row> rows, programRows;
  int64_t modelPredicted = 0;
  bool modelHasPrediction = false;
  std::optional<uint64_t> modelMacs = 0;
  for (const NPUProgramState &program : device.getPrograms()) {
    int64_t programPredicted = 0;
    bool hasPrediction = false;
    std::optional<uint64_t> programMacs = 0;
    for (auto [index, layer] : llvm::enumerate(program.layers)) {
      Row row{"layer", program.name, layer.name, program.launches, &layer};
      if (index < program.predicted.size() &&
          program.predicted[index].name == layer.name) {
        row.predicted = &program.predicted[index];
        row.predictedCycles = row.predicted->cycles;
        if (row.predicted->macs)
          row.usefulMacs = uint64_t(*row.predicted->macs) * program.launches;
        if (row.predictedCycles) {
          programPredicted += *row.predictedCycles;
          hasPrediction = true;
        }
      }
      if (row.usefulMacs && programMacs)
        *programMacs += *row.usefulMacs;
      else
        programMacs.reset();
      rows.push_back(row);
    }
    Row row{"program", program.name, program.name, program.launches,
            &program.total};
    row.usefulMacs = programMacs;
    if (programMacs && modelMacs)
      *modelMacs += *programMacs;
    else
      modelMacs.reset();
    if (hasPrediction) {
      row.predictedCycles = programPredicted;
      modelPredicted += programPredicted * int64_t(program.launches);
      modelHasPrediction = true;
    }
    programRows.push_back(row);
    sim::Counters copy = program.total;
    copy.name = "model";
    accumulateCounters(model, copy);
  }
  rows.insert(rows.end(), programRows.begin(), programRows.end());
  Row total{"model", "", "model", 1, &model};
  total.usefulMacs = modelMacs;
  if (modelHasPrediction)
    total.predictedCycles = modelPredicted;
  rows.push_back(total);
  return rows;
}

namespace {
/// The distribution of the cost model's per-layer error |predicted -
/// simulated| / simulated over the layers that have a prediction.
struct ErrorSummary {
  size_t layers = 0;    ///< NPU layers
  size_t predicted = 0; ///< of which with a prediction
  double median = 0, p90 = 0, worst = 0;
  std::string worstLayer;
};
} // namespace

static ErrorSummary summarizeErrors(ArrayRef<Row> rows) {
  ErrorSummary summary;
  std::vector<std::pair<double, std::string>> errors;
  for (const Row &row : rows) {
    if (row.kind != "layer")
      continue;
    ++summary.layers;
    if (std::optional<double> error = row.cycleError())
      errors.emplace_back(std::abs(*error), row.name);
  }
  summary.predicted = errors.size();
  if (errors.empty())
    return summary;
  llvm::sort(errors,
             [](const auto &a, const auto &b) { return a.first < b.first; });
  // Nearest-rank percentiles.
  auto rank = [&](double q) {
    size_t i = size_t(std::ceil(q * double(errors.size())));
    return errors[std::min(errors.size(), std::max<size_t>(i, 1)) - 1].first;
  };
  summary.median = rank(0.5);
  summary.p90 = rank(0.9);
  summary.worst = errors.back().first;
  summary.worstLayer = errors.back().second;
  return summary;
}

static json::Object rowToJSON(const Row &row, const npu::HardwareDesc &hw) {
  const sim::Counters &c = *row.counters;
  json::Object energy;
  for (auto [name, value] : energyParts(c.energy))
    energy[name] = number(value);
  json::Object busy;
  for (unsigned u = 0; u < sim::kNumUnits; ++u)
    busy[sim::getUnitName(sim::Unit(u))] =
        int64_t(c.get(sim::Unit(u), sim::Cause::Busy));
  json::Object obj{
      {"program", row.program},
      {"name", row.name},
      {"launches", int64_t(row.launches)},
      {"instructions", int64_t(c.instructions)},
      {"cycles", int64_t(c.cycles)},
      {"predicted_cycles", optional(row.predictedCycles)},
      {"cycle_error", optional(row.cycleError())},
      {"macs", int64_t(row.macs())},
      {"array_macs", int64_t(c.actions.macs)},
      {"mac_utilization", number(row.utilization(hw))},
      {"dram_bytes", int64_t(row.dramBytes())},
      {"dram_read", int64_t(c.actions.dramRead)},
      {"dram_written", int64_t(c.actions.dramWritten)},
      {"energy_pj", std::move(energy)},
      {"unit_busy_cycles", std::move(busy)},
      {"overlap_cycles", int64_t(c.overlapCycles)},
      {"bound", row.bound()},
      {"arithmetic_intensity", number(row.intensity())},
      {"attained_macs_per_cycle", number(row.attained())},
      {"roof_macs_per_cycle", number(row.roof(hw))},
      {"roof_fraction",
       number(row.roof(hw) > 0 ? row.attained() / row.roof(hw) : NAN)}};
  if (const NPUPredictedLayer *p = row.predicted) {
    obj["predicted_dram_bytes"] = optional(p->dramBytes);
    obj["predicted_energy_pj"] = optional(p->energyPJ);
    obj["predicted_bound"] = p->bound;
    obj["tiling"] = p->tiling;
  }
  return obj;
}

static json::Object errorSummaryToJSON(const ErrorSummary &summary) {
  json::Object obj{{"layers", int64_t(summary.layers)},
                   {"layers_predicted", int64_t(summary.predicted)}};
  if (summary.predicted) {
    obj["error_median"] = number(summary.median);
    obj["error_p90"] = number(summary.p90);
    obj["error_worst"] = number(summary.worst);
    obj["worst_layer"] = summary.worstLayer;
  }
  return obj;
}

json::Value npuReportToJSON(const NPUDevice &device) {
  const npu::HardwareDesc &hw = device.getHardware();
  sim::Counters model;
  std::vector<Row> rows = getRows(device, model);
  json::Array layers, programs;
  size_t npuLayers = 0;
  for (const Row &row : rows) {
    if (row.kind == "layer") {
      layers.push_back(rowToJSON(row, hw));
      ++npuLayers;
    } else if (row.kind == "program") {
      programs.push_back(rowToJSON(row, hw));
    }
  }
  json::Object total = rowToJSON(rows.back(), hw);
  total.erase("program");
  total["time_us"] = number(double(model.cycles) / hw.clockMHz);
  json::Array host;
  for (const NPUHostOp &op : device.getHostOps())
    host.push_back(
        json::Object{{"name", op.name}, {"op", op.op}, {"reason", op.reason}});
  return json::Object{
      {"hardware",
       json::Object{{"name", hw.name},
                    {"rows", hw.rows},
                    {"cols", hw.cols},
                    {"clock_mhz", number(hw.clockMHz)},
                    {"peak_macs_per_cycle", int64_t(hw.peakMacsPerCycle())},
                    {"dram_bytes_per_cycle", number(hw.dramBytesPerCycle)}}},
      {"total", std::move(total)},
      {"cost_model", errorSummaryToJSON(summarizeErrors(rows))},
      {"split", json::Object{{"npu_layers", int64_t(npuLayers)},
                             {"host_ops", int64_t(host.size())},
                             {"host", std::move(host)}}},
      {"programs", std::move(programs)},
      {"layers", std::move(layers)}};
}

using sim::csvField;

static std::string csvOptional(const std::optional<int64_t> &v) {
  return v ? std::to_string(*v) : "";
}

static std::string csvOptional(const std::optional<double> &v) {
  return v && std::isfinite(*v) ? formatv("{0:f6}", *v).str() : "";
}

/// A whole number without decimals, else three.
static std::string formatNumber(double value) {
  if (std::fabs(value) < 1e15 && value == std::trunc(value))
    return std::to_string(int64_t(value));
  return formatv("{0:f3}", value).str();
}

static std::string csvNumber(double value) {
  return std::isfinite(value) ? formatv("{0:f6}", value).str() : "";
}

void printNPUReportCSV(const NPUDevice &device, raw_ostream &os) {
  const npu::HardwareDesc &hw = device.getHardware();
  os << "kind,program,name,launches,instructions,predicted_cycles,cycles,"
        "cycle_error,macs,array_macs,mac_utilization,dram_bytes,"
        "predicted_dram_bytes";
  for (auto [name, value] : energyParts(sim::Energy()))
    os << ",energy_pj_" << name;
  os << ",predicted_energy_pj,bound,predicted_bound,arithmetic_intensity,"
        "attained_macs_per_cycle,roof_macs_per_cycle,roof_fraction,tiling\n";
  sim::Counters model;
  for (const Row &row : getRows(device, model)) {
    const sim::Counters &c = *row.counters;
    const NPUPredictedLayer *p = row.predicted;
    os << row.kind << "," << csvField(row.program) << "," << csvField(row.name)
       << "," << row.launches << "," << c.instructions << ","
       << csvOptional(row.predictedCycles) << "," << c.cycles << ","
       << csvOptional(row.cycleError()) << "," << row.macs() << ","
       << c.actions.macs << "," << csvNumber(row.utilization(hw)) << ","
       << row.dramBytes() << "," << (p ? csvOptional(p->dramBytes) : "");
    for (auto [name, value] : energyParts(c.energy))
      os << "," << formatv("{0:f3}", value);
    double roof = row.roof(hw);
    os << "," << (p ? csvOptional(p->energyPJ) : "") << "," << row.bound()
       << "," << (p ? p->bound : "") << "," << csvNumber(row.intensity()) << ","
       << csvNumber(row.attained()) << "," << csvNumber(roof) << ","
       << csvNumber(roof > 0 ? row.attained() / roof : NAN) << ","
       << csvField(p ? p->tiling : "") << "\n";
  }
}

static std::string percent(double fraction) {
  return formatv("{0:f1}%", fraction * 100).str();
}

void printNPUReportTable(const NPUDevice &device, raw_ostream &os) {
  const npu::HardwareDesc &hw = device.getHardware();
  sim::Counters model;
  std::vector<Row> rows = getRows(device, model);
  size_t npuLayers =
      llvm::count_if(rows, [](const Row &row) { return row.kind == "layer"; });
  os << "NPU report: " << hw.name << " (" << hw.rows << "x" << hw.cols
     << " array, " << formatNumber(hw.clockMHz) << " MHz, "
     << formatNumber(hw.dramBytesPerCycle) << " DRAM bytes/cycle)\n";
  os << formatv("  {0,-32} {1,10} {2,10} {3,7} {4,12} {5,7} {6,10} {7,10} "
                "{8,-7} {9,-7} {10,8} {11,6}\n",
                "layer", "predicted", "cycles", "error", "MACs", "util",
                "DRAM B", "energy nJ", "bound", "pred", "MAC/B", "roof");
  for (const Row &row : rows) {
    if (row.kind == "model")
      os << "\n";
    const sim::Counters &c = *row.counters;
    std::optional<double> error = row.cycleError();
    double roof = row.roof(hw);
    std::string name = row.kind == "layer" ? row.name : "[" + row.name + "]";
    os << formatv("  {0,-32} {1,10} {2,10} {3,7} {4,12} {5,7} {6,10} "
                  "{7,10:f3} {8,-7} {9,-7} {10,8:f2} {11,6}\n",
                  name, csvOptional(row.predictedCycles), c.cycles,
                  error ? (*error >= 0 ? "+" : "") +
                              formatv("{0:f1}%", *error * 100).str()
                        : "-",
                  row.macs(), percent(row.utilization(hw)), row.dramBytes(),
                  c.energy.total() / 1000, row.bound(),
                  row.predicted && !row.predicted->bound.empty()
                      ? row.predicted->bound
                      : "-",
                  std::isnan(row.intensity()) ? 0.0 : row.intensity(),
                  percent(roof > 0 ? row.attained() / roof : 0));
  }
  os << formatv("\n  total: {0} cycles = {1:f3} us at {2} MHz, MAC "
                "utilization {3}, {4} DRAM bytes, {5:f3} nJ\n",
                model.cycles, double(model.cycles) / hw.clockMHz,
                formatNumber(hw.clockMHz), percent(rows.back().utilization(hw)),
                model.actions.dramRead + model.actions.dramWritten,
                model.energy.total() / 1000);
  os << "  energy (nJ):";
  for (auto [name, value] : energyParts(model.energy))
    os << " " << name << " " << formatv("{0:f3}", value / 1000);
  ErrorSummary errors = summarizeErrors(rows);
  os << "\n  cost model: " << errors.predicted << " of " << errors.layers
     << " layers predicted";
  if (errors.predicted)
    os << formatv(", |error| median {0:f1}%, p90 {1:f1}%, worst {2:f1}% ({3})",
                  errors.median * 100, errors.p90 * 100, errors.worst * 100,
                  errors.worstLayer);
  os << "\n  split: " << npuLayers << " layers on the NPU, "
     << device.getHostOps().size() << " ops on the host\n";
  // Consecutive host ops of one ONNX node, for one reason, on one line.
  ArrayRef<NPUHostOp> host = device.getHostOps();
  for (size_t i = 0; i < host.size();) {
    size_t j = i + 1;
    std::string ops = host[i].op;
    for (; j < host.size() && host[j].name == host[i].name &&
           host[j].reason == host[i].reason;
         ++j)
      ops += "+" + host[j].op;
    os << "    host: " << (host[i].name.empty() ? "<unnamed>" : host[i].name)
       << " (" << ops << ")"
       << (host[i].reason.empty() ? "" : ": " + host[i].reason) << "\n";
    i = j;
  }
}

void printNPUTrace(const NPUDevice &device, raw_ostream &os) {
  const npu::HardwareDesc &hw = device.getHardware();
  constexpr int64_t kSegmentTrack = sim::kTraceLayerTrack + 1;
  json::OStream j(os);
  j.object([&] {
    j.attribute("displayTimeUnit", "ns");
    j.attributeObject("otherData", [&] {
      j.attribute("hardware", hw.name);
      j.attribute("time_unit", "1 trace microsecond = 1 NPU cycle");
      j.attribute("clock_mhz", number(hw.clockMHz));
      j.attribute("cycles", int64_t(device.getRecordedCycles()));
      j.attribute("launches", int64_t(device.getLaunches().size()));
    });
    j.attributeArray("traceEvents", [&] {
      sim::writeChromeTraceMetadata(j, "tessera-npu " + hw.name + ": model");
      j.object([&] {
        j.attribute("name", "thread_name");
        j.attribute("ph", "M");
        j.attribute("pid", 1);
        j.attribute("tid", kSegmentTrack);
        j.attributeObject("args", [&] { j.attribute("name", "segments"); });
      });
      int64_t layerId = 0;
      for (const NPULaunchRecord &launch : device.getLaunches()) {
        const NPUProgramState &program = device.getPrograms()[launch.program];
        j.object([&] {
          j.attribute("name", program.name);
          j.attribute("cat", "segment");
          j.attribute("ph", "X");
          j.attribute("pid", 1);
          j.attribute("tid", kSegmentTrack);
          j.attribute("ts", int64_t(launch.offset));
          j.attribute("dur", int64_t(launch.result.total.cycles));
          j.attributeObject("args", [&] {
            j.attribute("macs", int64_t(launch.result.total.actions.macs));
            j.attribute("mac_utilization",
                        number(launch.result.total.macUtilization(hw)));
          });
        });
        sim::ReportContext ctx{program.name, program.program, hw,
                               launch.result};
        sim::writeChromeTraceEvents(j, ctx, launch.offset, layerId);
        layerId += launch.result.layers.size();
      }
    });
  });
}

} // namespace tessera::runtime
