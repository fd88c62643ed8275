//===- Simulate.h - one tessera-sim run as a library call -------*- C++ -*-===//
//
// Everything tessera-sim does behind its flags: load the program and the
// hardware description (with --set overrides), bind the .npy inputs, run,
// write the reports, the trace and the outputs, and compare the expected
// outputs (docs/npu/simulator.md, "tessera-sim"). Tests, Python and sweep
// tools call this rather than the tool.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_SIM_SIMULATE_H
#define TESSERA_SIM_SIMULATE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace tessera::sim {

/// The options of one run, one member per tessera-sim flag.
struct SimulateOptions {
  /// The program: a binary container or text assembly.
  std::string programPath;
  /// A preset name (edge, mid, large) or a YAML file.
  std::string hwSpec;
  /// KEY=VALUE changes of the hardware description (overrideHardwareDesc).
  std::vector<std::string> hwSettings;
  /// NAME=FILE.npy for every program input.
  std::vector<std::string> inputs;
  /// NAME=FILE.npy for the outputs to compare.
  std::vector<std::string> expects;
  /// When set, every output is written as DIR/<name>.npy.
  std::string outputDir;
  /// Off: functional execution in program order, no cycles or tokens.
  bool timing = true;
  /// BEGIN:END: counters for instructions [BEGIN, END); empty for none.
  std::string range;
  /// Report files written when set: JSON, per-layer CSV, Chrome trace.
  std::string reportJSON, reportCSV, tracePath;
  /// Do not print the report table and the expectations that hold.
  bool quiet = false;
};

/// The exit status of a run (tessera-sim's).
enum class SimulateStatus : int {
  Success = 0,
  /// An output differs from its expectation, or a runtime error (an access
  /// outside a memory, a deadlock).
  Failure = 1,
  /// A usage or input error: bad option value, unreadable or invalid
  /// program, hardware description or .npy file, unwritable report.
  InputError = 2,
};

/// Runs `options`. The report table and the expectations that hold go to
/// `out`; every problem is one line "<toolName>: error: <message>" on `err`.
SimulateStatus simulate(const SimulateOptions &options, llvm::raw_ostream &out,
                        llvm::raw_ostream &err,
                        llvm::StringRef toolName = "tessera-sim");

} // namespace tessera::sim

#endif // TESSERA_SIM_SIMULATE_H
