//===- Results.cpp - point files, resume, merge, the sweep driver ---------===//
//
// Every point's outcome is one JSON file, `DIR/points/<id>.json` (and
// `<id>.sim.json` for the simulations of a pareto sweep), written atomically
// with the point's digest: a later run reuses a file whose digest matches and
// evaluates the others again. The merge reads them in plan order and writes
// results.json, results.csv and layers.csv with fixed formatting, so that the
// same inputs give the same bytes. runSweep drives it all on a thread pool
// with a progress line; wall times go to DIR/timing.json only.
//
//===----------------------------------------------------------------------===//

#include "Support.h"
#include "tessera/Explore/Explore.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>

using namespace llvm;

namespace tessera::explore {

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

/// A finite double, or null (JSON has no infinities).
static json::Value number(double value) {
  if (!std::isfinite(value))
    return nullptr;
  return value;
}

/// Writes `v` with sorted keys and shortest round-trip numbers (llvm::json
/// prints every double with 17 digits).
static void writeValue(json::OStream &j, const json::Value &v) {
  switch (v.kind()) {
  case json::Value::Null:
  case json::Value::Boolean:
  case json::Value::String:
    j.value(v);
    return;
  case json::Value::Number:
    if (std::optional<int64_t> i = v.getAsInteger())
      j.rawValue(std::to_string(*i));
    else if (std::optional<uint64_t> u = v.getAsUINT64())
      j.rawValue(std::to_string(*u));
    else
      j.rawValue(formatShortest(*v.getAsNumber()));
    return;
  case json::Value::Array:
    j.array([&] {
      for (const json::Value &e : *v.getAsArray())
        writeValue(j, e);
    });
    return;
  case json::Value::Object: {
    const json::Object &o = *v.getAsObject();
    std::vector<StringRef> keys;
    for (const auto &kv : o)
      keys.push_back(kv.first);
    llvm::sort(keys);
    j.object([&] {
      for (StringRef key : keys)
        j.attributeBegin(key), writeValue(j, *o.get(key)), j.attributeEnd();
    });
    return;
  }
  }
}

/// Writes `v` to `path` through a temporary file and a rename, so that a
/// reader (or a run that was killed) never sees half a file.
static Error writeJSONFile(StringRef path, const json::Value &v) {
  return writeToOutput(path, [&](raw_ostream &os) {
    json::OStream j(os, 1);
    writeValue(j, v);
    os << "\n";
    return Error::success();
  });
}

static json::Value toJSON(const sim::Energy &e) {
  return json::Object{{"array", number(e.array)},
                      {"scratchpad", number(e.scratchpad)},
                      {"accumulator", number(e.accumulator)},
                      {"dram", number(e.dram)},
                      {"vector", number(e.vector)},
                      {"leakage", number(e.leakage)},
                      {"total", number(e.total())}};
}

static json::Value toJSON(const LayerResult &l) {
  return json::Object{{"name", l.name},
                      {"kind", l.kind},
                      {"place", l.place},
                      {"reason", l.reason},
                      {"tiling", l.tiling},
                      {"bound", l.bound},
                      {"macs", l.macs},
                      {"predicted_cycles", l.predictedCycles},
                      {"simulated_cycles", l.simulatedCycles
                                               ? json::Value(*l.simulatedCycles)
                                               : json::Value(nullptr)},
                      {"dram_bytes", l.dramBytes},
                      {"energy_pj", number(l.energyPJ)},
                      {"host_us", number(l.hostMicroseconds)}};
}

static json::Value toJSON(const ModelResult &m) {
  json::Array layers;
  for (const LayerResult &l : m.layers)
    layers.push_back(toJSON(l));
  return json::Object{{"model", m.model},
                      {"latency_us", number(m.latencyMicroseconds)},
                      {"npu_cycles", m.npuCycles},
                      {"predicted_npu_cycles", m.predictedNPUCycles},
                      {"host_us", number(m.hostMicroseconds)},
                      {"transfer_us", number(m.transferMicroseconds)},
                      {"macs", m.macs},
                      {"npu_macs", m.npuMacs},
                      {"utilization", number(m.utilization)},
                      {"dram_bytes", m.dramBytes},
                      {"energy_pj", toJSON(m.energy)},
                      {"npu_layers", m.npuLayers},
                      {"host_layers", m.hostLayers},
                      {"segments", m.segments},
                      {"simulated", m.simulated},
                      {"agreement", number(m.agreement)},
                      {"worst_layer_error", number(m.worstLayerError)},
                      {"worst_layer", m.worstLayer},
                      {"layers", std::move(layers)}};
}

static json::Value hardwareSummary(const npu::HardwareDesc &hw) {
  return json::Object{
      {"name", hw.name},
      {"rows", hw.rows},
      {"cols", hw.cols},
      {"clock_mhz", number(hw.clockMHz)},
      {"scratchpad_kib", number(double(hw.scratchpadBytes) / 1024)},
      {"accumulator_kib", number(double(hw.accumulatorBytes) / 1024)},
      {"dram_bytes_per_cycle", number(hw.dramBytesPerCycle)},
      {"peak_macs_per_cycle", hw.peakMacsPerCycle()}};
}

static json::Value areaBreakdown(const npu::AreaTable &a) {
  return json::Object{{"array", number(a.array)},
                      {"scratchpad", number(a.scratchpad)},
                      {"accumulator", number(a.accumulator)},
                      {"vector_unit", number(a.vectorUnit)},
                      {"dma", number(a.dma)},
                      {"control", number(a.control)}};
}

json::Value toJSON(const PointResult &r) {
  const Point &p = r.point;
  json::Object settings;
  for (const auto &[key, value] : p.settings)
    settings[key] = value;
  bool ok = r.status == "ok";
  bool hasHardware = p.invalidReason.empty();
  json::Object o{{"id", p.id},
                 {"index", p.index},
                 {"settings", std::move(settings)},
                 {"status", r.status},
                 {"reason", r.reason},
                 {"digest", p.digest},
                 {"hardware", hasHardware ? hardwareSummary(p.hw) : nullptr},
                 {"area_mm2", hasHardware ? number(r.areaMM2) : nullptr},
                 {"area", hasHardware ? areaBreakdown(p.hw.area) : nullptr},
                 {"latency_us", ok ? number(r.latencyMicroseconds) : nullptr},
                 {"energy_pj", ok ? number(r.energyPJ) : nullptr},
                 {"pareto", r.pareto}};
  if (r.status == "ok" || r.status == "failed") {
    json::Array models;
    for (const ModelResult &m : r.models)
      models.push_back(toJSON(m));
    o["models"] = std::move(models);
  }
  return o;
}

namespace {
/// Reads fields of one JSON object, remembering the first problem.
class Reader {
public:
  Reader(const json::Object *o, std::string &error, StringRef where)
      : o(o), error(error), where(where) {}

  template <typename T> void integer(StringRef key, T &out) {
    const json::Value *v = get(key);
    if (!v || v->kind() == json::Value::Null)
      return;
    std::optional<uint64_t> u = v->getAsUINT64();
    if (!u || *u > uint64_t(std::numeric_limits<T>::max()))
      return fail(key, "a non-negative integer");
    out = T(*u);
  }
  void real(StringRef key, double &out) {
    const json::Value *v = get(key);
    if (!v || v->kind() == json::Value::Null)
      return;
    std::optional<double> d = v->getAsNumber();
    if (!d)
      return fail(key, "a number");
    out = *d;
  }
  void string(StringRef key, std::string &out) {
    const json::Value *v = get(key);
    if (!v)
      return;
    std::optional<StringRef> s = v->getAsString();
    if (!s)
      return fail(key, "a string");
    out = s->str();
  }
  void boolean(StringRef key, bool &out) {
    const json::Value *v = get(key);
    if (!v)
      return;
    std::optional<bool> b = v->getAsBoolean();
    if (!b)
      return fail(key, "a boolean");
    out = *b;
  }
  const json::Object *object(StringRef key) {
    const json::Value *v = get(key);
    if (!v || v->kind() == json::Value::Null)
      return nullptr;
    if (!v->getAsObject())
      fail(key, "an object");
    return v->getAsObject();
  }
  const json::Array *array(StringRef key) {
    const json::Value *v = get(key);
    if (!v)
      return nullptr;
    if (!v->getAsArray())
      fail(key, "an array");
    return v->getAsArray();
  }

private:
  const json::Object *o;
  std::string &error;
  std::string where;

  const json::Value *get(StringRef key) { return o ? o->get(key) : nullptr; }
  void fail(StringRef key, StringRef what) {
    if (error.empty())
      error = (where + ": '" + key + "' must be " + what).str();
  }
};
} // namespace

static sim::Energy energyFromJSON(const json::Object *o, std::string &error) {
  sim::Energy e;
  Reader r(o, error, "energy_pj");
  r.real("array", e.array);
  r.real("scratchpad", e.scratchpad);
  r.real("accumulator", e.accumulator);
  r.real("dram", e.dram);
  r.real("vector", e.vector);
  r.real("leakage", e.leakage);
  return e;
}

static LayerResult layerFromJSON(const json::Object *o, std::string &error) {
  LayerResult l;
  Reader r(o, error, "layer");
  r.string("name", l.name);
  r.string("kind", l.kind);
  r.string("place", l.place);
  r.string("reason", l.reason);
  r.string("tiling", l.tiling);
  r.string("bound", l.bound);
  r.integer("macs", l.macs);
  r.integer("predicted_cycles", l.predictedCycles);
  if (o)
    if (const json::Value *v = o->get("simulated_cycles");
        v && v->kind() != json::Value::Null) {
      uint64_t cycles = 0;
      r.integer("simulated_cycles", cycles);
      l.simulatedCycles = cycles;
    }
  r.integer("dram_bytes", l.dramBytes);
  r.real("energy_pj", l.energyPJ);
  r.real("host_us", l.hostMicroseconds);
  return l;
}

static ModelResult modelFromJSON(const json::Object *o, std::string &error) {
  ModelResult m;
  Reader r(o, error, "model");
  r.string("model", m.model);
  r.real("latency_us", m.latencyMicroseconds);
  r.integer("npu_cycles", m.npuCycles);
  r.integer("predicted_npu_cycles", m.predictedNPUCycles);
  r.real("host_us", m.hostMicroseconds);
  r.real("transfer_us", m.transferMicroseconds);
  r.integer("macs", m.macs);
  r.integer("npu_macs", m.npuMacs);
  r.real("utilization", m.utilization);
  r.integer("dram_bytes", m.dramBytes);
  m.energy = energyFromJSON(r.object("energy_pj"), error);
  r.integer("npu_layers", m.npuLayers);
  r.integer("host_layers", m.hostLayers);
  r.integer("segments", m.segments);
  r.boolean("simulated", m.simulated);
  r.real("agreement", m.agreement);
  r.real("worst_layer_error", m.worstLayerError);
  r.string("worst_layer", m.worstLayer);
  if (const json::Array *layers = r.array("layers"))
    for (const json::Value &l : *layers)
      m.layers.push_back(layerFromJSON(l.getAsObject(), error));
  return m;
}

Expected<PointResult> pointResultFromJSON(const json::Value &v) {
  const json::Object *o = v.getAsObject();
  if (!o)
    return createStringError(inconvertibleErrorCode(),
                             "a point result must be a JSON object");
  std::string error;
  PointResult result;
  Point &p = result.point;
  Reader r(o, error, "point");
  r.string("id", p.id);
  r.integer("index", p.index);
  r.string("status", result.status);
  r.string("reason", result.reason);
  r.string("digest", p.digest);
  if (const json::Object *settings = r.object("settings")) {
    for (const auto &kv : *settings) {
      std::optional<StringRef> value = kv.second.getAsString();
      if (!value) {
        error = "point: settings must be strings";
        break;
      }
      p.settings.push_back({kv.first.str(), value->str()});
    }
    llvm::sort(p.settings);
  }
  if (const json::Object *hw = r.object("hardware")) {
    Reader h(hw, error, "hardware");
    h.string("name", p.hw.name);
    h.integer("rows", p.hw.rows);
    h.integer("cols", p.hw.cols);
    h.real("clock_mhz", p.hw.clockMHz);
    double kib = 0;
    h.real("scratchpad_kib", kib);
    p.hw.scratchpadBytes = uint64_t(std::llround(kib * 1024));
    h.real("accumulator_kib", kib);
    p.hw.accumulatorBytes = uint64_t(std::llround(kib * 1024));
    h.real("dram_bytes_per_cycle", p.hw.dramBytesPerCycle);
  }
  if (const json::Object *area = r.object("area")) {
    Reader a(area, error, "area");
    a.real("array", p.hw.area.array);
    a.real("scratchpad", p.hw.area.scratchpad);
    a.real("accumulator", p.hw.area.accumulator);
    a.real("vector_unit", p.hw.area.vectorUnit);
    a.real("dma", p.hw.area.dma);
    a.real("control", p.hw.area.control);
  }
  r.real("area_mm2", result.areaMM2);
  r.real("latency_us", result.latencyMicroseconds);
  r.real("energy_pj", result.energyPJ);
  r.boolean("pareto", result.pareto);
  if (const json::Array *models = r.array("models"))
    for (const json::Value &m : *models)
      result.models.push_back(modelFromJSON(m.getAsObject(), error));
  if (result.status == "invalid")
    p.invalidReason = result.reason;
  else if (result.status == "excluded")
    p.excludedReason = result.reason;
  if (error.empty() &&
      (p.id.empty() || result.status.empty() || p.digest.empty()))
    error = "point: 'id', 'status' and 'digest' are required";
  if (!error.empty())
    return createStringError(inconvertibleErrorCode(), error);
  return result;
}

//===----------------------------------------------------------------------===//
// Pareto fronts
//===----------------------------------------------------------------------===//

/// Whether `a` is no worse than `b` in every objective and better in one.
static bool dominates(const PointResult &a, const PointResult &b) {
  double oa[] = {a.latencyMicroseconds, a.energyPJ, a.areaMM2};
  double ob[] = {b.latencyMicroseconds, b.energyPJ, b.areaMM2};
  bool better = false;
  for (int i = 0; i < 3; ++i) {
    if (oa[i] > ob[i])
      return false;
    better |= oa[i] < ob[i];
  }
  return better;
}

std::vector<unsigned> getParetoFront(ArrayRef<PointResult> results) {
  // Points with equal objectives do not dominate each other: all of them are
  // on the front, in index order.
  std::vector<unsigned> front;
  for (auto [i, candidate] : enumerate(results)) {
    if (candidate.status != "ok")
      continue;
    bool dominated = any_of(results, [&](const PointResult &other) {
      return other.status == "ok" && dominates(other, candidate);
    });
    if (!dominated)
      front.push_back(unsigned(i));
  }
  return front;
}

//===----------------------------------------------------------------------===//
// Point files
//===----------------------------------------------------------------------===//

/// The digest of a point's simulation file (`<id>.sim.json`, pareto
/// sweeps): the main file's, marked.
static std::string getSimulationDigest(const Point &p) {
  return p.digest + "-sim";
}

static std::string pointPath(StringRef outDir, const Point &p, bool sim) {
  SmallString<256> path(outDir);
  sys::path::append(path, "points", p.id + (sim ? ".sim.json" : ".json"));
  return path.str().str();
}

/// The point file's result when it belongs to `p` (same id and digest) and
/// holds an evaluation (ok or failed); std::nullopt otherwise.
static std::optional<PointResult> readPointFile(StringRef outDir,
                                                const Point &p, bool sim) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(pointPath(outDir, p, sim), /*IsText=*/true);
  if (!file)
    return std::nullopt;
  Expected<json::Value> value = json::parse((*file)->getBuffer());
  if (!value) {
    consumeError(value.takeError());
    return std::nullopt;
  }
  Expected<PointResult> result = pointResultFromJSON(*value);
  if (!result) {
    consumeError(result.takeError());
    return std::nullopt;
  }
  if (result->point.id != p.id ||
      result->point.digest != (sim ? getSimulationDigest(p) : p.digest) ||
      (result->status != "ok" && result->status != "failed"))
    return std::nullopt;
  // The plan knows the hardware in full; the file only its summary.
  result->point = p;
  return std::move(*result);
}

/// The result of a point that is not evaluated: invalid or excluded.
static PointResult planResult(const Point &p) {
  PointResult r;
  r.point = p;
  if (!p.invalidReason.empty()) {
    r.status = "invalid";
    r.reason = p.invalidReason;
    return r;
  }
  r.areaMM2 = p.hw.area.total();
  r.status = "excluded";
  r.reason = p.excludedReason;
  return r;
}

//===----------------------------------------------------------------------===//
// Merge
//===----------------------------------------------------------------------===//

/// One CSV field, quoted when it must be.
static std::string csv(StringRef field) {
  if (field.find_first_of(",\"\n\r") == StringRef::npos)
    return field.str();
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"')
      quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

static std::string fixed(double value, int decimals) {
  if (!std::isfinite(value))
    return "";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

/// The point's results as merged: the point file's, with the simulated
/// models of a pareto sweep where they exist.
static PointResult mergedResult(StringRef outDir, const Point &p) {
  if (!p.isRunnable())
    return planResult(p);
  std::optional<PointResult> r = readPointFile(outDir, p, /*sim=*/false);
  if (!r) {
    PointResult pending;
    pending.point = p;
    pending.areaMM2 = p.hw.area.total();
    pending.status = "pending";
    pending.reason = "not evaluated yet";
    return pending;
  }
  return std::move(*r);
}

static void substituteSimulation(StringRef outDir, PointResult &r) {
  std::optional<PointResult> sim = readPointFile(outDir, r.point, /*sim=*/true);
  if (!sim)
    return;
  if (sim->status != "ok") {
    r.reason = "simulation failed: " + sim->reason;
    return;
  }
  r.models = std::move(sim->models);
  r.latencyMicroseconds = sim->latencyMicroseconds;
  r.energyPJ = sim->energyPJ;
}

static void writeResultsCSV(raw_ostream &os, const SweepSpec &spec,
                            ArrayRef<PointResult> results) {
  os << "id,status";
  for (const AxisSpec &axis : spec.axes)
    os << "," << csv(axis.key);
  os << ",model,area_mm2,latency_us,npu_cycles,predicted_npu_cycles,host_us,"
        "transfer_us,energy_pj,energy_array_pj,energy_scratchpad_pj,"
        "energy_accumulator_pj,energy_dram_pj,energy_vector_pj,"
        "energy_leakage_pj,utilization,dram_bytes,macs,npu_macs,npu_layers,"
        "host_layers,segments,simulated,agreement,worst_layer_error,"
        "worst_layer,pareto,reason\n";
  for (const PointResult &r : results) {
    auto prefix = [&] {
      os << r.point.id << "," << r.status;
      for (const auto &setting : r.point.settings)
        os << "," << csv(setting.second);
    };
    std::string area = r.point.invalidReason.empty() ? fixed(r.areaMM2, 4) : "";
    if (r.models.empty() || r.status != "ok") {
      prefix();
      // model, area, 23 empty metric columns, pareto, reason.
      os << ",," << area << std::string(23, ',') << "," << (r.pareto ? 1 : 0)
         << "," << csv(r.reason) << "\n";
      continue;
    }
    for (const ModelResult &m : r.models) {
      prefix();
      const sim::Energy &e = m.energy;
      os << "," << csv(m.model) << "," << area << ","
         << fixed(m.latencyMicroseconds, 3) << "," << m.npuCycles << ","
         << m.predictedNPUCycles << "," << fixed(m.hostMicroseconds, 3) << ","
         << fixed(m.transferMicroseconds, 3) << "," << fixed(e.total(), 1)
         << "," << fixed(e.array, 1) << "," << fixed(e.scratchpad, 1) << ","
         << fixed(e.accumulator, 1) << "," << fixed(e.dram, 1) << ","
         << fixed(e.vector, 1) << "," << fixed(e.leakage, 1) << ","
         << fixed(m.utilization, 4) << "," << m.dramBytes << "," << m.macs
         << "," << m.npuMacs << "," << m.npuLayers << "," << m.hostLayers << ","
         << m.segments << "," << (m.simulated ? 1 : 0) << ","
         << (m.simulated ? fixed(m.agreement, 4) : "") << ","
         << (m.simulated ? fixed(m.worstLayerError, 4) : "") << ","
         << csv(m.worstLayer) << "," << (r.pareto ? 1 : 0) << ","
         << csv(r.reason) << "\n";
    }
  }
}

static void writeLayersCSV(raw_ostream &os, ArrayRef<PointResult> results) {
  os << "id,model,layer,kind,place,reason,tiling,bound,macs,"
        "predicted_cycles,simulated_cycles,dram_bytes,energy_pj,host_us\n";
  for (const PointResult &r : results) {
    if (r.status != "ok")
      continue;
    for (const ModelResult &m : r.models)
      for (const LayerResult &l : m.layers)
        os << r.point.id << "," << csv(m.model) << "," << csv(l.name) << ","
           << csv(l.kind) << "," << l.place << "," << csv(l.reason) << ","
           << csv(l.tiling) << "," << csv(l.bound) << "," << l.macs << ","
           << l.predictedCycles << ","
           << (l.simulatedCycles ? std::to_string(*l.simulatedCycles) : "")
           << "," << l.dramBytes << "," << fixed(l.energyPJ, 1) << ","
           << fixed(l.hostMicroseconds, 3) << "\n";
  }
}

static Error writeTextFile(StringRef path,
                           function_ref<void(raw_ostream &)> write) {
  return writeToOutput(path, [&](raw_ostream &os) {
    write(os);
    return Error::success();
  });
}

static std::string joinPath(StringRef dir, StringRef name) {
  SmallString<256> path(dir);
  sys::path::append(path, name);
  return path.str().str();
}

Expected<json::Value> mergeResults(const SweepSpec &spec, StringRef outDir) {
  Expected<std::vector<Point>> plan = planSweep(spec);
  if (!plan)
    return plan.takeError();
  std::vector<PointResult> results;
  results.reserve(plan->size());
  for (const Point &p : *plan)
    results.push_back(mergedResult(outDir, p));
  // The front of the analytic pass (what chose the simulated points), then
  // the simulations in place of the analytic results where they exist.
  for (unsigned i : getParetoFront(results))
    results[i].pareto = true;
  // Any sweep whose point files are analytic: a pareto pass run with
  // another spec's fidelity still shows.
  if (spec.fidelity != Fidelity::Simulated)
    for (PointResult &r : results)
      if (r.status == "ok")
        substituteSimulation(outDir, r);

  json::Array axes, models, heatmap, points;
  for (const AxisSpec &axis : spec.axes) {
    json::Array values;
    for (const std::string &v : axis.values)
      values.push_back(v);
    axes.push_back(
        json::Object{{"key", axis.key}, {"values", std::move(values)}});
  }
  for (const ModelSpec &m : spec.models)
    models.push_back(m.name);
  for (const std::string &axis : spec.heatmapAxes)
    heatmap.push_back(axis);
  for (const PointResult &r : results)
    points.push_back(toJSON(r));
  json::Value merged =
      json::Object{{"sweep", spec.name},
                   {"hardware", spec.hardware},
                   {"fidelity", getFidelityName(spec.fidelity)},
                   {"sampling", getSamplingName(spec.sampling)},
                   {"axes", std::move(axes)},
                   {"models", std::move(models)},
                   {"heatmap", std::move(heatmap)},
                   {"points", std::move(points)}};

  if (std::error_code ec = sys::fs::create_directories(outDir))
    return createStringError(ec,
                             "cannot create '" + outDir + "': " + ec.message());
  if (Error e = writeJSONFile(joinPath(outDir, "results.json"), merged))
    return std::move(e);
  if (Error e =
          writeTextFile(joinPath(outDir, "results.csv"), [&](raw_ostream &os) {
            writeResultsCSV(os, spec, results);
          }))
    return std::move(e);
  if (Error e =
          writeTextFile(joinPath(outDir, "layers.csv"),
                        [&](raw_ostream &os) { writeLayersCSV(os, results); }))
    return std::move(e);
  return merged;
}

Expected<std::vector<unsigned>>
selectSimulationCandidates(const SweepSpec &spec, StringRef outDir) {
  Expected<std::vector<Point>> plan = planSweep(spec);
  if (!plan)
    return plan.takeError();
  std::vector<PointResult> results;
  for (const Point &p : *plan) {
    if (!p.isRunnable()) {
      results.push_back(planResult(p));
      continue;
    }
    std::optional<PointResult> r = readPointFile(outDir, p, /*sim=*/false);
    if (!r)
      return createStringError(inconvertibleErrorCode(),
                               "point " + p.id + " has no result in '" +
                                   outDir +
                                   "/points': run the analytic pass first");
    results.push_back(std::move(*r));
  }
  std::vector<unsigned> front = getParetoFront(results);
  // Latency order, index for ties: the simulated points spread from the
  // fastest to the leanest design.
  llvm::stable_sort(front, [&](unsigned a, unsigned b) {
    return results[a].latencyMicroseconds < results[b].latencyMicroseconds;
  });
  std::vector<unsigned> chosen;
  size_t n = front.size(), m = std::min<size_t>(n, spec.simulateMax);
  for (size_t k = 0; k < m; ++k) {
    size_t at = m == 1 ? 0 : (k * (n - 1) + (m - 1) / 2) / (m - 1);
    chosen.push_back(results[front[at]].point.index);
  }
  llvm::sort(chosen);
  chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  return chosen;
}

//===----------------------------------------------------------------------===//
// The driver
//===----------------------------------------------------------------------===//

namespace {
using Clock = std::chrono::steady_clock;

static std::string formatDuration(double seconds) {
  unsigned s = unsigned(std::lround(seconds));
  if (s < 60)
    return std::to_string(s) + "s";
  if (s < 3600)
    return std::to_string(s / 60) + "m" + (s % 60 < 10 ? "0" : "") +
           std::to_string(s % 60) + "s";
  unsigned m = (s % 3600) / 60;
  return std::to_string(s / 3600) + "h" + (m < 10 ? "0" : "") +
         std::to_string(m) + "m";
}

/// The progress line of one pass: one line per finished point, or one line
/// rewritten in place on a terminal.
class Progress {
public:
  Progress(raw_ostream *os, StringRef what, unsigned total)
      : os(os), what(what.str()), total(total), start(Clock::now()),
        terminal(os && os->is_displayed()) {}

  /// A point finished: `evaluated` (not resumed or skipped) counts for the
  /// rate behind the eta.
  void finished(StringRef status, bool evaluated, bool resumed) {
    std::lock_guard<std::mutex> lock(mutex);
    ++done;
    failed += status == "failed";
    invalid += status == "invalid";
    excluded += status == "excluded";
    this->resumed += resumed;
    this->evaluated += evaluated;
    if (evaluated || done == total)
      print();
  }
  /// Toevaluate: how many points the pass evaluates.
  void setToEvaluate(unsigned n) { toEvaluate = n; }
  void end() {
    std::lock_guard<std::mutex> lock(mutex);
    if (!printed)
      print();
    if (terminal && os)
      *os << "\n";
  }
  double seconds() const {
    return std::chrono::duration<double>(Clock::now() - start).count();
  }
  unsigned failed = 0, invalid = 0, excluded = 0, resumed = 0, evaluated = 0;

private:
  raw_ostream *os;
  std::string what;
  unsigned total, done = 0, toEvaluate = 0;
  Clock::time_point start;
  bool terminal, printed = false;
  std::mutex mutex;

  void print() {
    if (!os)
      return;
    printed = true;
    double elapsed = seconds();
    std::string line = "explore: " + what + std::to_string(done) + "/" +
                       std::to_string(total) + " points (" +
                       std::to_string(failed) + " failed, " +
                       std::to_string(invalid) + " invalid, " +
                       std::to_string(excluded) + " excluded, " +
                       std::to_string(resumed) + " resumed), " +
                       (elapsed < 60 ? std::to_string(unsigned(elapsed)) + " s"
                                     : formatDuration(elapsed));
    if (evaluated > 0 && evaluated < toEvaluate)
      line += ", eta " +
              formatDuration(elapsed / evaluated * (toEvaluate - evaluated));
    if (terminal)
      *os << "\r" << line << "\x1b[K";
    else
      *os << line << "\n";
    os->flush();
  }
};
} // namespace

/// Evaluates `p` on every model.
static PointResult evaluatePoint(const Point &p, ArrayRef<PreparedModel> models,
                                 bool simulate, StringRef outDir) {
  PointResult r;
  r.point = p;
  r.status = "ok";
  r.areaMM2 = p.hw.area.total();
  for (const PreparedModel &model : models) {
    Expected<ModelResult> m = [&]() -> Expected<ModelResult> {
      if (!simulate)
        return evaluateAnalytic(model, p.hw);
      std::string workDir =
          joinPath(joinPath(outDir, "work"), p.id + "-" + model.spec.name);
      if (std::error_code ec = sys::fs::create_directories(workDir))
        return createStringError(ec, "cannot create '" + workDir +
                                         "': " + ec.message());
      Expected<ModelResult> result = evaluateSimulated(model, p.hw, workDir);
      sys::fs::remove_directories(workDir);
      return result;
    }();
    if (!m) {
      r.status = "failed";
      std::string message = toString(m.takeError());
      SmallVector<StringRef> lines;
      StringRef(message).split(lines, '\n', -1, /*KeepEmpty=*/false);
      r.reason = "model " + model.spec.name + ": " + join(lines, "; ");
      r.models.clear();
      r.latencyMicroseconds = r.energyPJ = 0;
      return r;
    }
    r.latencyMicroseconds += m->latencyMicroseconds;
    r.energyPJ += m->energy.total();
    r.models.push_back(std::move(*m));
  }
  return r;
}

namespace {
/// One pass over a set of points: resume, evaluate, write the point files.
struct PassResult {
  unsigned evaluated = 0, resumed = 0, failed = 0, invalid = 0, excluded = 0;
  std::vector<std::pair<std::string, double>> timings;
};
} // namespace

static Expected<PassResult>
runPass(ArrayRef<Point> plan, ArrayRef<unsigned> selection,
        ArrayRef<PreparedModel> models, bool simulate, bool simFiles,
        const SweepOptions &options, StringRef what) {
  PassResult pass;
  Progress progress(options.progress, what, unsigned(selection.size()));
  std::vector<const Point *> todo;
  for (unsigned index : selection) {
    const Point &p = plan[index];
    if (!p.isRunnable()) {
      if (!simFiles)
        if (Error e = writeJSONFile(pointPath(options.outDir, p, false),
                                    toJSON(planResult(p))))
          return std::move(e);
      progress.finished(p.invalidReason.empty() ? "excluded" : "invalid", false,
                        false);
      continue;
    }
    if (readPointFile(options.outDir, p, simFiles)) {
      progress.finished("ok", false, true);
      continue;
    }
    todo.push_back(&p);
  }
  progress.setToEvaluate(unsigned(todo.size()));

  std::mutex mutex;
  std::optional<std::string> writeError;
  {
    DefaultThreadPool pool(hardware_concurrency(std::max(1u, options.jobs)));
    for (const Point *p : todo)
      pool.async([&, p] {
        Clock::time_point start = Clock::now();
        PointResult r = evaluatePoint(*p, models, simulate, options.outDir);
        if (simFiles)
          r.point.digest = getSimulationDigest(*p);
        double seconds =
            std::chrono::duration<double>(Clock::now() - start).count();
        Error e =
            writeJSONFile(pointPath(options.outDir, *p, simFiles), toJSON(r));
        {
          std::lock_guard<std::mutex> lock(mutex);
          if (e && !writeError)
            writeError = toString(std::move(e));
          else
            consumeError(std::move(e));
          pass.timings.push_back({p->id, seconds});
        }
        progress.finished(r.status, true, false);
      });
    pool.wait();
  }
  progress.end();
  if (writeError)
    return createStringError(inconvertibleErrorCode(), *writeError);
  pass.evaluated = progress.evaluated;
  pass.resumed = progress.resumed;
  pass.failed = progress.failed;
  pass.invalid = progress.invalid;
  pass.excluded = progress.excluded;
  return pass;
}

Error runSweep(const SweepSpec &spec, const SweepOptions &options) {
  Clock::time_point start = Clock::now();
  // A pareto spec keeps its passes whichever fidelity is asked for (its
  // simulations go to <id>.sim.json); any other spec is planned for it.
  SweepSpec effective = spec;
  Fidelity fidelity = options.fidelity.value_or(spec.fidelity);
  if (spec.fidelity != Fidelity::Pareto)
    effective.fidelity = fidelity;
  Expected<std::vector<Point>> plan = planSweep(effective);
  if (!plan)
    return plan.takeError();
  std::vector<unsigned> selection = options.only;
  for (unsigned index : selection)
    if (index >= plan->size())
      return createStringError(inconvertibleErrorCode(),
                               "point index " + Twine(index) +
                                   " is out of range (the plan has " +
                                   Twine(plan->size()) + " points)");
  if (selection.empty())
    for (unsigned i = 0; i < plan->size(); ++i)
      selection.push_back(i);

  std::string pointsDir = joinPath(options.outDir, "points");
  if (std::error_code ec = sys::fs::create_directories(pointsDir))
    return createStringError(ec, "cannot create '" + pointsDir +
                                     "': " + ec.message());
  std::vector<PreparedModel> models;
  for (const ModelSpec &m : effective.models) {
    Expected<PreparedModel> prepared =
        prepareModel(m, options.outDir, effective.seed);
    if (!prepared)
      return prepared.takeError();
    models.push_back(std::move(*prepared));
  }
  if (!options.evaluate)
    return Error::success();

  SweepStats stats;
  stats.points = unsigned(plan->size());
  stats.selected = unsigned(selection.size());
  std::vector<std::pair<std::string, double>> timings;
  bool paretoSpec = effective.fidelity == Fidelity::Pareto;
  // Which passes: the analytic pass of a pareto spec writes <id>.json, its
  // simulations <id>.sim.json.
  bool mainPass = !(paretoSpec && fidelity == Fidelity::Simulated);
  if (mainPass) {
    bool simulate = effective.fidelity == Fidelity::Simulated;
    Expected<PassResult> pass = runPass(*plan, selection, models, simulate,
                                        /*simFiles=*/false, options, "");
    if (!pass)
      return pass.takeError();
    stats.evaluated = pass->evaluated;
    stats.resumed = pass->resumed;
    stats.failed = pass->failed;
    stats.invalid = pass->invalid;
    stats.excluded = pass->excluded;
    timings = std::move(pass->timings);
  }
  bool simPass =
      paretoSpec && (fidelity == Fidelity::Simulated ||
                     (fidelity == Fidelity::Pareto && options.only.empty()));
  if (simPass) {
    std::vector<unsigned> candidates = options.only;
    if (fidelity == Fidelity::Pareto || candidates.empty()) {
      Expected<std::vector<unsigned>> chosen =
          selectSimulationCandidates(effective, options.outDir);
      if (!chosen)
        return chosen.takeError();
      candidates = std::move(*chosen);
    }
    Expected<PassResult> pass =
        runPass(*plan, candidates, models, /*simulate=*/true,
                /*simFiles=*/true, options, "simulated ");
    if (!pass)
      return pass.takeError();
    stats.simulated = pass->evaluated;
    stats.simulationsResumed = pass->resumed;
    stats.simulationsFailed = pass->failed;
    for (auto &t : pass->timings)
      timings.push_back({t.first + ".sim", t.second});
  }
  // The simulations' work directories are gone; their parent goes when
  // empty (a failing remove leaves it for a look).
  sys::fs::remove(joinPath(options.outDir, "work"));

  stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!timings.empty()) {
    llvm::sort(timings);
    json::Object perPoint;
    for (const auto &[id, seconds] : timings)
      perPoint[id] = seconds;
    json::Value timing = json::Object{{"seconds", stats.seconds},
                                      {"jobs", options.jobs},
                                      {"points", std::move(perPoint)}};
    if (Error e =
            writeJSONFile(joinPath(options.outDir, "timing.json"), timing))
      return e;
  }
  if (options.stats)
    *options.stats = stats;
  if (!options.merge)
    return Error::success();
  Expected<json::Value> merged = mergeResults(effective, options.outDir);
  if (!merged)
    return merged.takeError();
  if (!options.report)
    return Error::success();
  return writeReport(effective, *merged, options.outDir);
}

//===----------------------------------------------------------------------===//
// The tool's helpers
//===----------------------------------------------------------------------===//

Expected<std::vector<unsigned>> parsePointList(StringRef list,
                                               ArrayRef<Point> plan) {
  auto parseOne = [&](StringRef text) -> std::optional<unsigned> {
    text = text.trim();
    for (const Point &p : plan)
      if (p.id == text)
        return p.index;
    unsigned index;
    if (text.getAsInteger(10, index))
      return std::nullopt;
    return index;
  };
  std::vector<unsigned> indices;
  SmallVector<StringRef> parts;
  list.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    auto [first, last] = part.split('-');
    std::optional<unsigned> lo = parseOne(first);
    std::optional<unsigned> hi = part.contains('-') ? parseOne(last) : lo;
    if (!lo || !hi || *lo > *hi)
      return createStringError(inconvertibleErrorCode(),
                               "--points: bad entry '" + part.trim() +
                                   "' (expected indices or ids such as "
                                   "0,3,5-9 or p0004)");
    if (*hi >= plan.size())
      return createStringError(inconvertibleErrorCode(),
                               "--points: point " + Twine(*hi) +
                                   " is out of range (the plan has " +
                                   Twine(plan.size()) + " points)");
    for (unsigned i = *lo; i <= *hi; ++i)
      indices.push_back(i);
  }
  if (indices.empty())
    return createStringError(inconvertibleErrorCode(),
                             "--points: no points given");
  llvm::sort(indices);
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  return indices;
}

void printPlan(const SweepSpec &spec, ArrayRef<Point> plan, raw_ostream &os) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"id"};
  for (const AxisSpec &axis : spec.axes)
    header.push_back(axis.key);
  header.push_back("area_mm2");
  header.push_back("status");
  rows.push_back(header);
  for (const Point &p : plan) {
    std::vector<std::string> row = {p.id};
    for (const auto &setting : p.settings)
      row.push_back(setting.second);
    row.push_back(p.invalidReason.empty() ? fixed(p.hw.area.total(), 2) : "-");
    if (!p.invalidReason.empty())
      row.push_back("invalid: " + p.invalidReason);
    else if (!p.excludedReason.empty())
      row.push_back("excluded: " + p.excludedReason);
    else
      row.push_back("run");
    rows.push_back(std::move(row));
  }
  std::vector<size_t> widths(header.size(), 0);
  for (const auto &row : rows)
    for (auto [i, cell] : enumerate(row))
      widths[i] = std::max(widths[i], cell.size());
  os << "# sweep " << spec.name << ": " << plan.size() << " points ("
     << getSamplingName(spec.sampling) << " over " << spec.axes.size()
     << (spec.axes.size() == 1 ? " axis" : " axes") << "), hardware "
     << spec.hardware << ", fidelity " << getFidelityName(spec.fidelity)
     << "\n";
  for (const auto &row : rows) {
    for (auto [i, cell] : enumerate(row)) {
      if (i + 1 == row.size()) {
        os << cell;
        break;
      }
      os << cell << std::string(widths[i] - cell.size() + 2, ' ');
    }
    os << "\n";
  }
}

void printSummary(const json::Value &merged, const SweepStats *stats,
                  StringRef outDir, raw_ostream &os) {
  const json::Object *o = merged.getAsObject();
  const json::Array *points = o ? o->getArray("points") : nullptr;
  if (!points)
    return;
  std::map<std::string, unsigned> counts;
  std::vector<std::string> failures;
  unsigned pareto = 0;
  for (const json::Value &v : *points) {
    const json::Object *p = v.getAsObject();
    if (!p)
      continue;
    std::string status = p->getString("status").value_or("").str();
    ++counts[status];
    pareto += p->getBoolean("pareto").value_or(false);
    if (status == "failed")
      failures.push_back((p->getString("id").value_or("") + " " +
                          p->getString("reason").value_or(""))
                             .str());
  }
  os << "explore: " << points->size() << " points: " << counts["ok"] << " ok, "
     << counts["failed"] << " failed, " << counts["invalid"] << " invalid, "
     << counts["excluded"] << " excluded";
  if (counts["pending"])
    os << ", " << counts["pending"] << " not evaluated";
  os << "; " << pareto << " on the pareto front\n";
  if (stats)
    os << "explore: this run evaluated " << stats->evaluated
       << (stats->evaluated == 1 ? " point" : " points") << " and resumed "
       << stats->resumed
       << (stats->simulated + stats->simulationsResumed
               ? ", simulated " + std::to_string(stats->simulated) +
                     " and resumed " +
                     std::to_string(stats->simulationsResumed) + " simulations"
               : "")
       << " in " << formatDuration(stats->seconds) << "\n";
  for (const std::string &f : failures)
    os << "explore: failed " << f << "\n";
  os << "explore: results in " << joinPath(outDir, "results.csv") << "\n";
}

} // namespace tessera::explore
