//===- TesseraModule.cpp - the tessera._tessera Python extension ----------===//
//
// Part of Tessera. The pybind11 module under the `tessera` package
// (docs/python.md): thin bindings of the C++ entry points the tools call
// (Driver.h's compileAndReport, Run.h's runArtifact, Hardware.h, Explore.h).
// Only plain values cross the boundary: strings, numbers, lists, dicts; JSON
// documents cross as text and are parsed by the pure-Python layer, tensors
// as .npy files. No LLVM or MLIR class is bound.
//
// This file is the one translation unit built with -fexceptions -frtti
// (pybind11 needs both); the libraries it calls are built without, so no
// C++ exception may cross them: errors come back as llvm::Error or exit
// codes and are raised here as `tessera.Error`, the pure-Python class. Long
// calls release the GIL, so that threads and progress printing go on.
//
//===----------------------------------------------------------------------===//

#include "tessera/Driver/Driver.h"
#include "tessera/Driver/Target.h"
#include "tessera/NPU/Hardware.h"
#include "tessera/Runtime/Run.h"
#ifdef TESSERA_PYTHON_EXPLORE
#include "tessera/Explore/Explore.h"
#endif

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"
#include "llvm/Support/raw_ostream.h"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace py = pybind11;

/// Raises `tessera.<className>(message)`: the exception classes live in the
/// pure-Python package, which is imported before any binding is called.
[[noreturn]] static void raiseError(const std::string &message,
                                    const char *className = "Error") {
  py::object cls = py::module_::import("tessera").attr(className);
  PyErr_SetObject(cls.ptr(), py::str(message).ptr());
  throw py::error_already_set();
}

/// The value of an llvm::Expected, or `tessera.Error` with its message.
template <typename T> static T takeOrRaise(llvm::Expected<T> value) {
  if (!value)
    raiseError(llvm::toString(value.takeError()));
  return std::move(*value);
}

/// The targets register once per process, before the first compilation.
static void registerTargetsOnce() {
  static std::once_flag once;
  std::call_once(once, [] { tessera::registerAllTargets(); });
}

//===----------------------------------------------------------------------===//
// compile
//===----------------------------------------------------------------------===//

template <typename T>
static void readOption(const py::dict &options, const char *key, T &field) {
  if (options.contains(key) && !options[key].is_none())
    field = options[key].cast<T>();
}

/// `tessera-compile` with the options of a dict (the keys of
/// tessera.compile); returns the exit code and the diagnostics printed.
static std::tuple<int, std::string> compileModel(const py::dict &options) {
  registerTargetsOnce();
  tessera::CompileOptions o;
  readOption(options, "input", o.inputFile);
  readOption(options, "output", o.outputPath);
  readOption(options, "target", o.target);
  readOption(options, "emit", o.emitStage);
  readOption(options, "input_shapes", o.inputShapes);
  readOption(options, "hardware", o.hardware);
  readOption(options, "report", o.report);
  readOption(options, "report_json", o.reportJsonPath);
  readOption(options, "npu_placement", o.npuPlacementFile);
  readOption(options, "npu_strict", o.npuStrict);
  readOption(options, "npu_tiling", o.npuTiling);
  readOption(options, "lower_qdq", o.lowerQDQ);
  readOption(options, "quantize", o.quant.mode);
  readOption(options, "calibration", o.quant.calibrationDir);
  readOption(options, "calibration_cache", o.quant.calibrationCache);
  readOption(options, "cpu", o.cpu.name);
  readOption(options, "cpu_features", o.cpu.features);
  std::string diagnostics;
  int code;
  {
    py::gil_scoped_release release;
    llvm::raw_string_ostream os(diagnostics);
    code = tessera::compileAndReport(o, os);
  }
  return {code, diagnostics};
}

//===----------------------------------------------------------------------===//
// run
//===----------------------------------------------------------------------===//

/// `tessera-run ARTIFACT --input ... --output-dir DIR [--npu-report-json F]`;
/// returns the exit code, what the run printed and its errors.
static std::tuple<int, std::string, std::string>
runArtifact(const std::string &artifact, const std::vector<std::string> &inputs,
            const std::string &outputDir, const std::string &npuReportJSON) {
  tessera::runtime::RunOptions o;
  o.artifactDir = artifact;
  o.inputs = inputs;
  o.outputDir = outputDir;
  o.npuReportJSON = npuReportJSON;
  std::string out, err;
  int code;
  {
    py::gil_scoped_release release;
    llvm::raw_string_ostream outStream(out), errStream(err);
    code = static_cast<int>(
        tessera::runtime::runArtifact(o, outStream, errStream));
  }
  return {code, out, err};
}

//===----------------------------------------------------------------------===//
// hardware
//===----------------------------------------------------------------------===//

/// A YAML scalar as Python: int, float, bool or str (quoted stays str).
static py::object scalarToPython(llvm::yaml::ScalarNode *node) {
  llvm::SmallString<64> storage;
  llvm::StringRef text = node->getValue(storage);
  if (node->getRawValue().starts_with("\"") ||
      node->getRawValue().starts_with("'"))
    return py::str(text.str());
  if (text == "true")
    return py::bool_(true);
  if (text == "false")
    return py::bool_(false);
  long long integer;
  if (!text.getAsInteger(10, integer))
    return py::int_(integer);
  double real;
  if (!text.getAsDouble(real))
    return py::float_(real);
  return py::str(text.str());
}

/// Mappings become dicts, sequences lists, scalars Python values.
static py::object yamlToPython(llvm::yaml::Node *node) {
  if (auto *scalar = llvm::dyn_cast_or_null<llvm::yaml::ScalarNode>(node))
    return scalarToPython(scalar);
  if (auto *sequence = llvm::dyn_cast_or_null<llvm::yaml::SequenceNode>(node)) {
    py::list list;
    for (llvm::yaml::Node &element : *sequence)
      list.append(yamlToPython(&element));
    return list;
  }
  if (auto *map = llvm::dyn_cast_or_null<llvm::yaml::MappingNode>(node)) {
    py::dict dict;
    for (llvm::yaml::KeyValueNode &entry : *map) {
      auto *key =
          llvm::dyn_cast_or_null<llvm::yaml::ScalarNode>(entry.getKey());
      if (!key)
        continue;
      llvm::SmallString<32> storage;
      dict[py::str(key->getValue(storage).str())] =
          yamlToPython(entry.getValue());
    }
    return dict;
  }
  return py::none();
}

/// The hardware description `spec` (preset or YAML file) with `settings`
/// (`key=value`) applied: its canonical YAML and that YAML as a dict.
static std::tuple<std::string, py::object>
describeHardware(const std::string &spec,
                 const std::vector<std::string> &settings) {
  tessera::npu::HardwareDesc hw =
      takeOrRaise(tessera::npu::loadHardwareDesc(spec));
  if (!settings.empty())
    hw = takeOrRaise(tessera::npu::overrideHardwareDesc(hw, settings, spec));
  std::string yaml = tessera::npu::printHardwareDesc(hw);
  llvm::SourceMgr sourceMgr;
  llvm::yaml::Stream stream(yaml, sourceMgr);
  py::object dict = py::dict();
  for (llvm::yaml::Document &document : stream)
    dict = yamlToPython(document.getRoot());
  return {yaml, dict};
}

//===----------------------------------------------------------------------===//
// explore
//===----------------------------------------------------------------------===//

#ifdef TESSERA_PYTHON_EXPLORE
namespace explore = tessera::explore;

static void checkOrRaise(llvm::Error error) {
  if (error)
    raiseError(llvm::toString(std::move(error)));
}

static std::optional<explore::Fidelity>
parseFidelity(const std::optional<std::string> &name) {
  if (!name)
    return std::nullopt;
  for (explore::Fidelity f :
       {explore::Fidelity::Analytic, explore::Fidelity::Simulated,
        explore::Fidelity::Pareto})
    if (explore::getFidelityName(f) == *name)
      return f;
  raiseError("unknown fidelity '" + *name + "' (analytic, simulated, pareto)");
}

/// The sweep file at `path`, its fidelity replaced by `fidelity` when given
/// (as tessera-explore --fidelity does: digests and the merge follow it).
static explore::SweepSpec loadSpec(const std::string &path,
                                   const std::optional<std::string> &fidelity) {
  std::optional<explore::Fidelity> replaced = parseFidelity(fidelity);
  explore::SweepSpec spec = takeOrRaise(explore::loadSweepSpec(path));
  if (replaced)
    spec.fidelity = *replaced;
  return spec;
}

static std::string toText(const llvm::json::Value &value) {
  std::string text;
  llvm::raw_string_ostream(text) << value;
  return text;
}

/// The spec as a JSON document (the sweep file's content, resolved).
static std::string specToJSON(const std::string &path,
                              const std::optional<std::string> &fidelity) {
  explore::SweepSpec spec = loadSpec(path, fidelity);
  llvm::json::Array models, axes, constraints;
  for (const explore::ModelSpec &m : spec.models)
    models.push_back(
        llvm::json::Object{{"name", m.name},
                           {"path", m.path},
                           {"input_shapes", llvm::json::Array(m.inputShapes)},
                           {"calibration", m.calibrationDir},
                           {"calibration_samples", m.calibrationSamples},
                           {"lower_qdq", m.lowerQDQ}});
  for (const explore::AxisSpec &a : spec.axes)
    axes.push_back(llvm::json::Object{{"key", a.key},
                                      {"values", llvm::json::Array(a.values)}});
  for (const explore::Constraint &c : spec.constraints)
    constraints.push_back(c.text);
  return toText(
      llvm::json::Object{{"name", spec.name},
                         {"file", spec.file},
                         {"hardware", spec.hardware},
                         {"models", std::move(models)},
                         {"axes", std::move(axes)},
                         {"sampling", explore::getSamplingName(spec.sampling)},
                         {"samples", spec.samples},
                         {"sampling_seed", spec.samplingSeed},
                         {"constraints", std::move(constraints)},
                         {"fidelity", explore::getFidelityName(spec.fidelity)},
                         {"simulate_max", spec.simulateMax},
                         {"seed", spec.seed},
                         {"heatmap", llvm::json::Array(spec.heatmapAxes)}});
}

/// The plan: one JSON object per point.
static std::string planToJSON(const std::string &path,
                              const std::optional<std::string> &fidelity) {
  explore::SweepSpec spec = loadSpec(path, fidelity);
  std::vector<explore::Point> points = takeOrRaise(explore::planSweep(spec));
  llvm::json::Array array;
  for (const explore::Point &p : points) {
    llvm::json::Object settings;
    for (const auto &[key, value] : p.settings)
      settings[key] = value;
    array.push_back(llvm::json::Object{{"index", p.index},
                                       {"id", p.id},
                                       {"settings", std::move(settings)},
                                       {"runnable", p.isRunnable()},
                                       {"invalid_reason", p.invalidReason},
                                       {"excluded_reason", p.excludedReason},
                                       {"digest", p.digest}});
  }
  return toText(std::move(array));
}

/// SweepStats' counts by name.
static const std::pair<const char *, unsigned explore::SweepStats::*>
    kStatCounts[] = {
        {"points", &explore::SweepStats::points},
        {"selected", &explore::SweepStats::selected},
        {"evaluated", &explore::SweepStats::evaluated},
        {"resumed", &explore::SweepStats::resumed},
        {"failed", &explore::SweepStats::failed},
        {"invalid", &explore::SweepStats::invalid},
        {"excluded", &explore::SweepStats::excluded},
        {"simulated", &explore::SweepStats::simulated},
        {"simulationsResumed", &explore::SweepStats::simulationsResumed},
        {"simulationsFailed", &explore::SweepStats::simulationsFailed}};

static py::dict statsToDict(const explore::SweepStats &stats) {
  py::dict dict;
  for (const auto &[name, field] : kStatCounts)
    dict[name] = stats.*field;
  dict["seconds"] = stats.seconds;
  return dict;
}

static explore::SweepStats statsFromDict(const py::dict &dict) {
  explore::SweepStats stats;
  for (const auto &[name, field] : kStatCounts)
    if (dict.contains(name))
      stats.*field = dict[name].cast<unsigned>();
  if (dict.contains("seconds"))
    stats.seconds = dict["seconds"].cast<double>();
  return stats;
}

/// runSweep on the sweep file `path` (its fidelity replaced by `fidelity`
/// when given): `evaluate` false prepares the models only; `simulate` runs
/// the simulation pass of a pareto sweep on `only`. Returns its SweepStats.
static py::dict runSweep(const std::string &path, const std::string &outDir,
                         const std::vector<unsigned> &only,
                         const std::optional<std::string> &fidelity,
                         bool evaluate, bool simulate, unsigned jobs) {
  explore::SweepSpec spec = loadSpec(path, fidelity);
  explore::SweepStats stats;
  explore::SweepOptions options;
  options.outDir = outDir;
  options.jobs = jobs ? jobs : 1;
  if (simulate)
    options.fidelity = explore::Fidelity::Simulated;
  options.only = only;
  options.evaluate = evaluate;
  options.merge = false;
  options.report = false;
  options.stats = &stats;
  llvm::Error error = llvm::Error::success();
  {
    py::gil_scoped_release release;
    error = explore::runSweep(spec, options);
  }
  checkOrRaise(std::move(error));
  return statsToDict(stats);
}

static std::vector<unsigned>
simulationCandidates(const std::string &path, const std::string &outDir,
                     const std::optional<std::string> &fidelity) {
  explore::SweepSpec spec = loadSpec(path, fidelity);
  return takeOrRaise(explore::selectSimulationCandidates(spec, outDir));
}

/// mergeResults, then the report when `report`: the merged JSON and the
/// tool's end-of-sweep summary (with `stats`' counts when given), as text.
static std::tuple<std::string, std::string>
mergeResults(const std::string &path, const std::string &outDir,
             const std::optional<std::string> &fidelity, bool report,
             const std::optional<py::dict> &stats) {
  explore::SweepSpec spec = loadSpec(path, fidelity);
  llvm::json::Value merged = takeOrRaise(explore::mergeResults(spec, outDir));
#ifdef TESSERA_PYTHON_EXPLORE_REPORT
  if (report)
    checkOrRaise(explore::writeReport(spec, merged, outDir));
#else
  (void)report;
#endif
  std::string summary;
  llvm::raw_string_ostream os(summary);
  std::optional<explore::SweepStats> counts;
  if (stats)
    counts = statsFromDict(*stats);
  explore::printSummary(merged, counts ? &*counts : nullptr, outDir, os);
  return {toText(merged), summary};
}
#endif // TESSERA_PYTHON_EXPLORE

PYBIND11_MODULE(_tessera, m) {
  m.doc() = "Tessera's C++ entry points (use the `tessera` package instead)";
  m.def("compile", &compileModel, py::arg("options"),
        "Runs tessera-compile with a dict of options; returns (exit code, "
        "diagnostics).");
  m.def("run", &runArtifact, py::arg("artifact"), py::arg("inputs"),
        py::arg("output_dir"), py::arg("npu_report_json"),
        "Runs tessera-run; returns (exit code, output, errors).");
  m.def("hardware", &describeHardware, py::arg("spec"), py::arg("settings"),
        "Loads a hardware description with settings applied; returns "
        "(canonical YAML, dict).");
  m.def(
      "presets",
      [] {
        std::vector<std::string> names;
        for (llvm::StringRef name : tessera::npu::getPresetNames())
          names.push_back(name.str());
        return names;
      },
      "The names of the hardware presets.");
#ifdef TESSERA_PYTHON_EXPLORE
  m.attr("has_explore") = true;
  m.def("explore_load", &specToJSON, py::arg("path"), py::arg("fidelity"),
        "Parses a sweep file; returns the spec as JSON text.");
  m.def("explore_plan", &planToJSON, py::arg("path"), py::arg("fidelity"),
        "Plans a sweep; returns its points as JSON text.");
  m.def("explore_run", &runSweep, py::arg("path"), py::arg("out_dir"),
        py::arg("only"), py::arg("fidelity"), py::arg("evaluate"),
        py::arg("simulate"), py::arg("jobs"),
        "Runs runSweep without its merge; returns its SweepStats as a dict.");
  m.def("explore_candidates", &simulationCandidates, py::arg("path"),
        py::arg("out_dir"), py::arg("fidelity"),
        "The point indices a pareto sweep simulates (after its analytic "
        "pass).");
  m.def("explore_merge", &mergeResults, py::arg("path"), py::arg("out_dir"),
        py::arg("fidelity"), py::arg("report"), py::arg("stats"),
        "Merges the point files (and writes the report); returns the merged "
        "JSON and the summary as text.");
#ifdef TESSERA_PYTHON_EXPLORE_REPORT
  m.attr("has_report") = true;
#else
  m.attr("has_report") = false;
#endif
#else
  m.attr("has_explore") = false;
  m.attr("has_report") = false;
#endif
}
