//===- Run.h - the run entry point ------------------------------*- C++ -*-===//
//
// Part of Tessera. `tessera-run` maps its flags onto `RunOptions` and calls
// `runArtifact`; tests and the Python package call the same entry point.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_RUN_H
#define TESSERA_RUNTIME_RUN_H

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace tessera::runtime {

/// One run of an artifact, checked against expected outputs.
struct RunOptions {
  /// The artifact directory (manifest.json + library).
  std::string artifactDir;
  /// Inputs and expected outputs: `name=FILE`, `#k=FILE` (by position) or
  /// `FILE.pb` (by the TensorProto's own name); FILE is .npy or a TensorProto.
  std::vector<std::string> inputs, expects;
  /// An output matches when |got - want| <= absTol + relTol * |want|.
  double relTol = 1e-3, absTol = 1e-5;
  /// Write every output here as NAME.npy; empty for none.
  std::string outputDir;
  /// Fill float32 inputs not given with uniform [-1, 1) values (seed 0).
  bool randomInputs = false;
  /// Also time this many runs (after 2 warm-up runs) and print the median.
  unsigned benchmarkRuns = 0;
  /// An npu-target artifact's reports on the first run (NPUReport.h): the
  /// table to `out`, and files ('-' for `out`) for the JSON report, the CSV
  /// and the Chrome trace; empty for none.
  bool npuReport = false;
  std::string npuReportJSON, npuReportCSV, npuTrace;
  /// A gpu-target artifact: time every kernel launch (CUDA events) of all
  /// runs and print the per-kernel times after them.
  bool gpuProfile = false;
};

/// The outcome of `runArtifact`, as the tool's exit code.
enum class RunStatus { Ok = 0, Failed = 1, BadOptions = 2 };

/// Loads the artifact, runs it on the inputs, writes and compares outputs.
/// Prints a line per compared output (max abs/rel error) and the latency to
/// `out`, errors to `err`.
RunStatus runArtifact(const RunOptions &options, llvm::raw_ostream &out,
                      llvm::raw_ostream &err);

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_RUN_H
