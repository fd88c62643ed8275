//===- tessera-explore.cpp - hardware co-design sweeps over models --------===//
//
//   tessera-explore SWEEP.yaml -o DIR [-j N]
//                   [--fidelity=analytic|simulated|pareto] [--points=LIST]
//                   [--plan] [--no-report] [--merge-only]
//
// Maps the flags to the explorer's library calls (lib/Explore,
// docs/explore.md): loadSweepSpec, planSweep, runSweep, mergeResults and the
// summary. Exit status: 0 the sweep ran (failed points are listed in the
// summary), 1 it could not run (a model that does not prepare, an unwritable
// directory), 2 bad options or a bad sweep file.
//
//===----------------------------------------------------------------------===//

#include "tessera/Explore/Explore.h"
#include "tessera/Version.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace tessera::explore;

static cl::OptionCategory category("tessera-explore options");
static cl::opt<std::string> sweepPath(cl::Positional, cl::desc("<sweep.yaml>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string>
    outDir("o", cl::desc("Output directory (point files, results, report)"),
           cl::value_desc("DIR"), cl::cat(category));
static cl::opt<unsigned> jobs("j", cl::desc("Points evaluated in parallel"),
                              cl::init(1), cl::value_desc("N"), cl::Prefix,
                              cl::cat(category));
static cl::opt<std::string>
    fidelity("fidelity",
             cl::desc("analytic, simulated or pareto (default: the sweep "
                      "file's)"),
             cl::cat(category));
static cl::opt<std::string>
    pointList("points",
              cl::desc("Only these points: indices, ids and ranges "
                       "(0,3,5-9,p0012)"),
              cl::value_desc("LIST"), cl::cat(category));
static cl::opt<bool> planOnly("plan",
                              cl::desc("Print the points (id, settings, "
                                       "status) without evaluating"),
                              cl::cat(category));
static cl::opt<bool> noReport("no-report", cl::desc("Do not write report.html"),
                              cl::cat(category));
static cl::opt<bool>
    png("png",
        cl::desc("Also render every figure of the report to PNG beside its "
                 "SVG (figures/*.png; needs chromium)"),
        cl::cat(category));
static cl::opt<std::string>
    chromiumPath("chromium",
                 cl::desc("The chromium to render PNGs with (default: "
                          "chromium on PATH)"),
                 cl::value_desc("PATH"), cl::cat(category));
static cl::opt<bool>
    mergeOnly("merge-only",
              cl::desc("Merge the existing point files only (no evaluation)"),
              cl::cat(category));

enum ExitCode { Success = 0, CannotRun = 1, BadInput = 2 };

/// Prints `error` as a tool error unless it is already located.
static void report(Error error) {
  std::string message = toString(std::move(error));
  if (!StringRef(message).contains(": error: "))
    message = "tessera-explore: error: " + message;
  errs() << message << "\n";
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  tessera::setVersionPrinter("tessera-explore");
  cl::HideUnrelatedOptions(category);
  cl::extrahelp exitCodes("\nExit codes: 0 the sweep ran (failed points are "
                          "listed), 1 it could not run, 2 bad options or "
                          "sweep file.\n");
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "Tessera hardware co-design explorer: "
                                   "sweeps NPU descriptions over models\n",
                                   &errs()))
    return BadInput;
  // lld, with which the models' preparation links, resets every command-line
  // option to its default: the flags are read before anything runs.
  const std::string out = outDir;
  const bool noReportFlag = noReport, mergeOnlyFlag = mergeOnly;
  const bool pngFlag = png;
  const std::string chromium = chromiumPath;
  if (pngFlag && noReportFlag) {
    errs() << "tessera-explore: error: --png renders the report's figures: "
              "it cannot go with --no-report\n";
    return BadInput;
  }

  Expected<SweepSpec> spec = loadSweepSpec(sweepPath);
  if (!spec) {
    report(spec.takeError());
    return BadInput;
  }
  if (!fidelity.empty()) {
    bool known = false;
    for (Fidelity f :
         {Fidelity::Analytic, Fidelity::Simulated, Fidelity::Pareto})
      if (fidelity == getFidelityName(f)) {
        spec->fidelity = f;
        known = true;
      }
    if (!known) {
      errs() << "tessera-explore: error: unknown --fidelity '" << fidelity
             << "' (analytic, simulated, pareto)\n";
      return BadInput;
    }
  }
  Expected<std::vector<Point>> plan = planSweep(*spec);
  if (!plan) {
    report(plan.takeError());
    return BadInput;
  }
  if (planOnly) {
    printPlan(*spec, *plan, outs());
    return Success;
  }
  if (out.empty()) {
    errs() << "tessera-explore: error: no output directory (-o DIR)\n";
    return BadInput;
  }
  if (jobs == 0) {
    errs() << "tessera-explore: error: -j must be at least 1\n";
    return BadInput;
  }

  SweepStats stats;
  if (mergeOnlyFlag) {
    SmallString<256> points(out);
    sys::path::append(points, "points");
    if (!sys::fs::is_directory(points)) {
      errs() << "tessera-explore: error: --merge-only: no point files in '"
             << out << "' (run the sweep first)\n";
      return CannotRun;
    }
  } else {
    SweepOptions options;
    options.outDir = out;
    options.jobs = jobs;
    options.progress = &errs();
    options.stats = &stats;
    // The merge below gives the summary its numbers.
    options.merge = false;
    options.report = false;
    if (!pointList.empty()) {
      Expected<std::vector<unsigned>> only = parsePointList(pointList, *plan);
      if (!only) {
        report(only.takeError());
        return BadInput;
      }
      options.only = std::move(*only);
    }
    if (Error e = runSweep(*spec, options)) {
      report(std::move(e));
      return CannotRun;
    }
  }
  Expected<json::Value> merged = mergeResults(*spec, out);
  if (!merged) {
    report(merged.takeError());
    return CannotRun;
  }
  if (!noReportFlag)
    if (Error e = writeReport(*spec, *merged, out)) {
      report(std::move(e));
      return CannotRun;
    }
  if (pngFlag)
    if (Error e = writeReportPNGs(out, chromium)) {
      report(std::move(e));
      return CannotRun;
    }
  printSummary(*merged, mergeOnlyFlag ? nullptr : &stats, out, outs());
  if (!noReportFlag)
    outs() << "explore: report in " << out << "/report.html\n";
  return Success;
}
