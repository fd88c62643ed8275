//===- Explore.h - hardware co-design sweeps over whole models --*- C++ -*-===//
//
// Part of Tessera. `tessera-explore sweep.yaml -o DIR` and the Python
// package's `tessera.explore` (docs/explore.md): a sweep names models, a
// base NPU hardware description and axes over its keys; every sampled point
// is compiled with the real compiler (placement and tiling search of the npu
// target) and costed analytically, or compiled into an artifact and run on
// the simulator. Results are written per point (resumable) and merged into
// byte-identical CSV and JSON, from which the HTML report is drawn.
//
// The library is split by concern, one file each in lib/Explore:
//   Sweep.cpp     the sweep file, sampling (grid, random, Latin hypercube),
//                 constraints, the point plan;
//   Evaluate.cpp  model preparation (import, calibration, quantization, once
//                 per model), the analytic and the simulated evaluation;
//   Results.cpp   point files, resume, merge, Pareto fronts, CSV/JSON, the
//                 sweep driver with its progress line;
//   Report.cpp    the self-contained HTML report and its SVG figures.
//
// Every user error (a bad sweep file, an unknown axis, an empty range, an
// unreadable model) is an llvm::Error whose message is located
// ("<file>:<line>:<col>: error: <message>" for the sweep file) and
// lowercase; a point whose hardware is invalid is no error: it is recorded
// with its reason and the sweep goes on.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_EXPLORE_EXPLORE_H
#define TESSERA_EXPLORE_EXPLORE_H

#include "tessera/NPU/Hardware.h"
#include "tessera/Sim/CostModel.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tessera::explore {

//===----------------------------------------------------------------------===//
// The sweep file (Sweep.cpp)
//===----------------------------------------------------------------------===//

/// One model of a sweep.
struct ModelSpec {
  /// Name in results and reports (default: the file's stem); unique.
  std::string name;
  /// The ONNX file, absolute (relative paths in the sweep file are resolved
  /// against the sweep file's directory).
  std::string path;
  /// `name=d0,d1,...` pins of dynamic input dims (tessera-compile
  /// --input-shape).
  std::vector<std::string> inputShapes;
  /// Calibration input sets (docs/quantization.md), absolute; empty: the
  /// preparation draws `calibrationSamples` standard-normal float inputs
  /// from `seed` (good for shapes and speed, not for accuracy).
  std::string calibrationDir;
  unsigned calibrationSamples = 2;
  /// Whether the model is already quantized (QDQ / QLinear ops,
  /// tessera-compile --lower-qdq) rather than float.
  bool lowerQDQ = false;
};

/// One swept hardware key.
struct AxisSpec {
  /// A dotted key of the hardware description's canonical form, as
  /// `tessera-compile --hw-set` / npu::overrideHardwareDesc takes it
  /// ("array.rows", "scratchpad.kib", "dram.bytes_per_cycle", ...), or a
  /// linked axis: several keys separated by commas, set together from each
  /// value's comma-separated parts (`array.rows,array.cols: ["16,16",
  /// "32,32"]`; getAxisSettings).
  std::string key;
  /// Discrete values, as YAML scalars (`[8, 16, 32]`, `range: {from: 8,
  /// to: 64, step: 8}`, `pow2: {from: 8, to: 64}`), in the file's order.
  /// Grid sampling takes their product; random and Latin-hypercube sampling
  /// draw among them.
  std::vector<std::string> values;
  /// Line and column of the axis in the sweep file, for messages.
  unsigned line = 0, column = 0;
};

/// `metric op value`, e.g. `area_mm2 <= 8`. Metrics: any hardware key (as
/// an axis), and the derived `area_mm2`, `peak_macs_per_cycle`,
/// `sram_kib` (scratchpad + accumulator), `peak_tops`; checked before a
/// point is evaluated (a violating point is recorded as excluded).
struct Constraint {
  std::string metric;
  enum class Op : uint8_t { LT, LE, GT, GE, EQ, NE } op = Op::LE;
  double value = 0;
  std::string text; ///< as written, for the excluded reason
  unsigned line = 0, column = 0;
};

enum class Sampling : uint8_t { Grid, Random, LatinHypercube };
/// analytic: the compiler's cost model only; simulated: every point
/// compiled into an artifact and run on the simulator; pareto: every point
/// analytic, then the Pareto candidates simulated as well.
enum class Fidelity : uint8_t { Analytic, Simulated, Pareto };

llvm::StringRef getSamplingName(Sampling sampling); ///< grid, random, lhs
llvm::StringRef getFidelityName(Fidelity fidelity); ///< analytic, ...

/// A parsed sweep file. Format (docs/explore.md):
///
///   name: array-study
///   hardware: edge            # preset or YAML file (the base point)
///   models:
///     - path: resnet50.onnx
///       input_shapes: [input=1,3,224,224]
///       calibration: cal/      # or calibration_samples: 2
///   axes:
///     array.rows: [8, 16, 32, 64]
///     array.cols: {pow2: {from: 8, to: 64}}
///     dram.bytes_per_cycle: {range: {from: 8, to: 64, step: 8}}
///   sampling: {method: lhs, points: 500, seed: 1}   # or grid (default)
///   constraints: ["area_mm2 <= 20"]
///   fidelity: pareto          # analytic (default), simulated, pareto
///   simulate_max: 16          # pareto: at most this many points simulated
///   seed: 0                   # calibration and simulation inputs
///   report: {heatmap: [array.rows, array.cols]}
struct SweepSpec {
  std::string name;
  /// The sweep file's path (messages) and directory (relative paths).
  std::string file;
  /// Base hardware: a preset name or an absolute YAML path.
  std::string hardware = "edge";
  std::vector<ModelSpec> models;
  std::vector<AxisSpec> axes;
  Sampling sampling = Sampling::Grid;
  unsigned samples = 0; ///< random and lhs: points drawn
  uint64_t samplingSeed = 0;
  std::vector<Constraint> constraints;
  Fidelity fidelity = Fidelity::Analytic;
  unsigned simulateMax = 16;
  uint64_t seed = 0;
  /// The two axes of the utilization heat maps; default the first two.
  std::vector<std::string> heatmapAxes;
};

/// Parses `yaml` (the text of `fileName`); errors are located at the key.
llvm::Expected<SweepSpec> parseSweepSpec(llvm::StringRef yaml,
                                         llvm::StringRef fileName);
/// Reads and parses a sweep file.
llvm::Expected<SweepSpec> loadSweepSpec(llvm::StringRef path);

/// One sampled hardware point.
struct Point {
  unsigned index = 0; ///< position in the plan, from 0
  std::string id;     ///< "p0007": index, zero-padded to the plan's width
  /// Axis key -> value, in axis order (the value as YAML text).
  std::vector<std::pair<std::string, std::string>> settings;
  /// The base with the settings applied (valid unless `invalidReason`).
  npu::HardwareDesc hw;
  /// Why the hardware is invalid (npu::overrideHardwareDesc's message), or
  /// empty.
  std::string invalidReason;
  /// The constraint the point violates ("area_mm2 <= 8: 9.31"), or empty.
  std::string excludedReason;
  /// Hex digest of everything that decides the point's results (hardware,
  /// models, calibration, fidelity, the tool's result format version): a
  /// point file whose digest differs is evaluated again on resume.
  std::string digest;
  bool isRunnable() const {
    return invalidReason.empty() && excludedReason.empty();
  }
};

/// The points of the sweep, deterministic for the spec (sampling with the
/// spec's seed; duplicates drawn by random sampling kept once). Errors: an
/// axis key the hardware description does not have (with the list of
/// keys), an axis without values; a base hardware that does not load.
llvm::Expected<std::vector<Point>> planSweep(const SweepSpec &spec);

/// The `key=value` settings of one axis value: one for a plain axis; for a
/// linked axis, whose key lists several hardware keys separated by commas
/// ("array.rows,array.cols"), one per key from the value's comma-separated
/// parts ("32,32"). Error: a value with another number of parts.
llvm::Expected<std::vector<std::string>> getAxisSettings(llvm::StringRef key,
                                                         llvm::StringRef value);

/// The value of a constraint metric for `hw` (error: unknown metric).
llvm::Expected<double> getHardwareMetric(const npu::HardwareDesc &hw,
                                         llvm::StringRef metric);

//===----------------------------------------------------------------------===//
// Evaluation (Evaluate.cpp)
//===----------------------------------------------------------------------===//

/// One layer of a model at one point (the placement's NPU layers, and
/// the NPU-capable layers that stayed on the host).
struct LayerResult {
  std::string name;   ///< ONNX node names joined with '+'
  std::string kind;   ///< conv, matmul, maxpool, globalsum, avgpool, add, lut
  std::string place;  ///< npu or host
  std::string reason; ///< host: why (no tiling fits, cheaper on the host)
  std::string tiling; ///< npu: ConvTiling::str() etc.
  std::string bound;  ///< npu: compute, dram, issue (the cost model's)
  uint64_t macs = 0;
  uint64_t predictedCycles = 0;
  /// Simulated cycles of the layer; std::nullopt when not simulated.
  std::optional<uint64_t> simulatedCycles;
  uint64_t dramBytes = 0;      ///< predicted (simulated when simulated)
  double energyPJ = 0;         ///< predicted (simulated when simulated)
  double hostMicroseconds = 0; ///< host: the cost rule's estimate
};

/// One model at one point.
struct ModelResult {
  std::string model;
  /// Latency: NPU cycles / clock + the host estimate of NPU-capable layers
  /// left on the host (the placement's cost rule, 20 GMAC/s) + the
  /// transfers of the segments' inputs and outputs (10 GB/s). Host ops
  /// no hardware point can run (quantize, reshape) are not counted.
  double latencyMicroseconds = 0;
  uint64_t npuCycles = 0;          ///< predicted, or simulated when simulated
  uint64_t predictedNPUCycles = 0; ///< always the cost model's
  double hostMicroseconds = 0;
  /// The transfers of the segments' inputs and outputs (10 GB/s), the
  /// third term of the latency.
  double transferMicroseconds = 0;
  uint64_t macs = 0;    ///< of every NPU-capable layer
  uint64_t npuMacs = 0; ///< of the layers on the NPU
  /// npuMacs / (npuCycles * rows * cols).
  double utilization = 0;
  uint64_t dramBytes = 0;
  sim::Energy energy; ///< picojoules, the NPU's
  unsigned npuLayers = 0, hostLayers = 0, segments = 0;
  bool simulated = false;
  /// Simulated: simulated / predicted NPU cycles - 1, and the worst
  /// per-layer |simulated / predicted - 1| with its layer.
  double agreement = 0, worstLayerError = 0;
  std::string worstLayer;
  std::vector<LayerResult> layers;
};

/// A model imported, calibrated and quantized once per sweep: what every
/// point's evaluation starts from. Files live in `<DIR>/models/<name>/`
/// (statistics cache, the int8 nn module, the simulation input).
struct PreparedModel {
  ModelSpec spec;
  std::string dir;
  std::string quantizedModule; ///< the int8 nn stage (.mlir)
  std::string statsFile;       ///< calibration cache
  /// `name=FILE.npy` inputs of the simulated runs (seeded).
  std::vector<std::string> simulationInputs;
};

/// Prepares `spec` under `outDir/models/<name>` (idempotent: existing
/// files whose digest matches are reused). Errors name the model file.
llvm::Expected<PreparedModel>
prepareModel(const ModelSpec &spec, llvm::StringRef outDir, uint64_t seed);

/// The compiler's placement and tiling search for `hw`, costed by the
/// cost model. Thread-safe (a context per thread).
llvm::Expected<ModelResult> evaluateAnalytic(const PreparedModel &model,
                                             const npu::HardwareDesc &hw);

/// Compiles the model for `hw` into an artifact under `workDir`, runs it on
/// the simulator with the simulation inputs and reads its NPU report; the
/// artifact is removed afterwards. Thread-safe.
llvm::Expected<ModelResult> evaluateSimulated(const PreparedModel &model,
                                              const npu::HardwareDesc &hw,
                                              llvm::StringRef workDir);

//===----------------------------------------------------------------------===//
// Results and the sweep driver (Results.cpp)
//===----------------------------------------------------------------------===//

/// One point's outcome.
struct PointResult {
  Point point;
  /// ok, invalid (hardware), excluded (constraint), failed (an evaluation
  /// error: `reason`).
  std::string status;
  std::string reason;
  double areaMM2 = 0;
  std::vector<ModelResult> models; ///< in the spec's model order
  /// Sums over the models: the point's objectives.
  double latencyMicroseconds = 0, energyPJ = 0;
  /// On the Pareto front of (latency, energy, area) among the ok points.
  bool pareto = false;
};

/// What one runSweep call did (the tool's summary).
struct SweepStats {
  unsigned points = 0;   ///< in the plan
  unsigned selected = 0; ///< covered by this call (SweepOptions::only)
  /// The main pass (analytic, or simulated for a simulated sweep).
  unsigned evaluated = 0, resumed = 0, failed = 0, invalid = 0, excluded = 0;
  /// The simulations of a pareto sweep.
  unsigned simulated = 0, simulationsResumed = 0, simulationsFailed = 0;
  double seconds = 0; ///< wall time
};

/// What runSweep does.
struct SweepOptions {
  std::string outDir;
  unsigned jobs = 1; ///< worker threads
  /// Override of the spec's fidelity.
  std::optional<Fidelity> fidelity;
  /// Only these point indices (an executor's share); empty: all.
  std::vector<unsigned> only;
  /// False: plan and prepare the models only (an executor's first step,
  /// so that its workers find the prepared files).
  bool evaluate = true;
  /// Merge and write results.csv/results.json (and the report) at the end.
  bool merge = true;
  bool report = true;
  /// The progress line ("explore: 37/500 points (2 failed, 11 invalid, 4
  /// excluded, 120 resumed), 41 s, eta 2m10s": rewritten in place on a
  /// terminal, else one line per evaluated point), or null for none.
  llvm::raw_ostream *progress = nullptr;
  /// Filled in when not null.
  SweepStats *stats = nullptr;
};

/// Plans the sweep, prepares the models, evaluates every runnable point
/// whose point file is missing or stale (resume), simulates the Pareto
/// candidates (fidelity pareto), merges and writes the report. Errors are
/// the sweep's own (bad spec, a model that does not prepare); a point that
/// fails is recorded and the sweep goes on.
llvm::Error runSweep(const SweepSpec &spec, const SweepOptions &options);

/// Fidelity pareto: the points to simulate after the analytic pass, read
/// from the point files of `outDir` (every runnable point must have one):
/// the Pareto front of (latency, energy, area), at most `simulateMax` of
/// them (evenly spaced in latency order when the front is larger),
/// deterministic. Their simulated results go to `points/<id>.sim.json`
/// beside the analytic `points/<id>.json`; the merge reports the simulated
/// models (with the predicted cycles and the agreement) where they exist.
/// runSweep with fidelity Simulated and `only` set to these indices on a
/// pareto spec writes them.
llvm::Expected<std::vector<unsigned>>
selectSimulationCandidates(const SweepSpec &spec, llvm::StringRef outDir);

/// Reads every point file of `outDir` for the plan of `spec` and writes
/// `results.json`, `results.csv` (one row per point and model) and
/// `layers.csv` (one row per point, model and layer): byte-identical for
/// the same inputs. Returns the merged JSON.
llvm::Expected<llvm::json::Value> mergeResults(const SweepSpec &spec,
                                               llvm::StringRef outDir);

/// Point-file JSON, both ways (the per-point files and the merge use them).
/// The schema (also each element of the merged "points"):
///
///   {"id": "p0007", "index": 7, "settings": {"array.rows": "32", ...},
///    "status": "ok", "reason": "", "digest": "...",
///    "hardware": {"name", "rows", "cols", "clock_mhz", "scratchpad_kib",
///                 "accumulator_kib", "dram_bytes_per_cycle",
///                 "peak_macs_per_cycle"},
///    "area_mm2": 6.31, "area": {"array", "scratchpad", "accumulator",
///                               "vector_unit", "dma", "control"},
///    "latency_us": ..., "energy_pj": ..., "pareto": true,
///    "models": [{"model", "latency_us", "npu_cycles",
///                "predicted_npu_cycles", "host_us", "macs", "npu_macs",
///                "utilization", "dram_bytes",
///                "energy_pj": {"array", "scratchpad", "accumulator",
///                              "dram", "vector", "leakage", "total"},
///                "npu_layers", "host_layers", "segments", "simulated",
///                "agreement", "worst_layer_error", "worst_layer",
///                "layers": [{"name", "kind", "place", "reason", "tiling",
///                            "bound", "macs", "predicted_cycles",
///                            "simulated_cycles" (null when not simulated),
///                            "dram_bytes", "energy_pj", "host_us"}]}]}
///
/// The merged results.json: {"sweep": NAME, "hardware": BASE, "fidelity",
/// "sampling", "axes": [{"key", "values": [...]}], "models": [NAMES],
/// "heatmap": [AXIS, AXIS], "points": [POINT...]} with points in index
/// order (invalid and excluded points included, without "models").
llvm::json::Value toJSON(const PointResult &result);
llvm::Expected<PointResult> pointResultFromJSON(const llvm::json::Value &v);

/// The indices of the Pareto-optimal points among `results` (status ok),
/// minimizing latency, energy and area.
std::vector<unsigned> getParetoFront(llvm::ArrayRef<PointResult> results);

/// `--points=LIST`: comma-separated indices, ids and ranges ("0,3,5-9",
/// "p0004"), checked against `plan`; sorted, without duplicates.
llvm::Expected<std::vector<unsigned>>
parsePointList(llvm::StringRef list, llvm::ArrayRef<Point> plan);

/// `--plan`: one line per point (id, settings, area, status with reason).
void printPlan(const SweepSpec &spec, llvm::ArrayRef<Point> plan,
               llvm::raw_ostream &os);

/// The end-of-sweep summary: counts by status, the failed points with their
/// reasons, what this run evaluated and resumed (`stats`, may be null).
void printSummary(const llvm::json::Value &merged, const SweepStats *stats,
                  llvm::StringRef outDir, llvm::raw_ostream &os);

//===----------------------------------------------------------------------===//
// The report (Report.cpp)
//===----------------------------------------------------------------------===//

/// Writes `outDir/report.html` (self-contained: inline SVG and CSS, no
/// script or network access) and `outDir/figures/*.svg` from the merged
/// results (mergeResults' JSON): the Pareto fronts (latency x energy,
/// latency x area, energy x area, per model and overall), per-layer
/// rooflines of the fastest Pareto point per model, utilization heat maps
/// over the spec's two heat-map axes, and the table of points.
llvm::Error writeReport(const SweepSpec &spec, const llvm::json::Value &merged,
                        llvm::StringRef outDir);

/// Renders every `outDir/figures/*.svg` to a PNG beside it (same stem, the
/// SVG's size) with headless chromium: `chromium` is its path or program
/// name; empty: chromium, chromium-browser or google-chrome on PATH. Errors:
/// no chromium (a clear message), no figures, a render that fails or takes
/// over two minutes.
llvm::Error writeReportPNGs(llvm::StringRef outDir,
                            llvm::StringRef chromium = "");

} // namespace tessera::explore

#endif // TESSERA_EXPLORE_EXPLORE_H
