//===- tessera-run.cpp - run a Tessera artifact ---------------------------===//
//
// Part of Tessera.
//
//   tessera-run DIR --input name=FILE ... [--expect name=FILE ...]
//               [--rtol R --atol A] [--output-dir OUT]
//               [--npu-report] [--npu-report-json F] [--npu-report-csv F]
//               [--npu-trace F] [--gpu-profile]
//
// Maps flags onto `tessera::runtime::RunOptions` and calls `runArtifact`
// (lib/Runtime). FILE is .npy or an ONNX TensorProto (.pb). A bare
// `--input FILE.pb` binds by the tensor's own name; `#k=FILE` binds by
// position. Prints the max abs/rel error per compared output; exit 0 ok,
// 1 mismatch or error, 2 bad command line.
//
//===----------------------------------------------------------------------===//

#include "tessera/Runtime/Run.h"
#include "tessera/Version.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"

using namespace llvm;

static cl::OptionCategory category("tessera-run options");
static cl::opt<std::string> artifactDir(cl::Positional,
                                        cl::desc("<artifact dir>"),
                                        cl::Required, cl::cat(category));
static cl::list<std::string>
    inputArgs("input", cl::desc("name=FILE, #k=FILE or FILE.pb"),
              cl::cat(category));
static cl::list<std::string>
    expectArgs("expect", cl::desc("name=FILE, #k=FILE or FILE.pb"),
               cl::cat(category));
static cl::opt<double> relTol("rtol", cl::desc("Relative tolerance"),
                              cl::init(1e-3), cl::cat(category));
static cl::opt<double> absTol("atol", cl::desc("Absolute tolerance"),
                              cl::init(1e-5), cl::cat(category));
static cl::opt<std::string> outputDir("output-dir",
                                      cl::desc("Write outputs as .npy here"),
                                      cl::init(""), cl::cat(category));
static cl::opt<bool>
    randomInputs("random-inputs",
                 cl::desc("Fill inputs not given with uniform [-1, 1) values"),
                 cl::init(false), cl::cat(category));
static cl::opt<unsigned> benchmark(
    "benchmark",
    cl::desc("Also time N runs (after 2 warm-up runs) and print the median"),
    cl::init(0), cl::cat(category));

static cl::opt<bool>
    npuReport("npu-report",
              cl::desc("npu artifacts: print the per-layer NPU report "
                       "(predicted vs simulated cycles, utilization, DRAM, "
                       "energy, bound, roofline) of the first run"),
              cl::init(false), cl::cat(category));
static cl::opt<std::string>
    npuReportJSON("npu-report-json",
                  cl::desc("npu artifacts: write the NPU report as JSON "
                           "('-' for stdout)"),
                  cl::value_desc("file.json"), cl::init(""), cl::cat(category));
static cl::opt<std::string>
    npuReportCSV("npu-report-csv",
                 cl::desc("npu artifacts: write the NPU report as CSV, one "
                          "row per layer ('-' for stdout)"),
                 cl::value_desc("file.csv"), cl::init(""), cl::cat(category));
static cl::opt<std::string> npuTrace(
    "npu-trace",
    cl::desc("npu artifacts: write a Chrome/Perfetto trace of every NPU "
             "launch on one timeline"),
    cl::value_desc("file.json"), cl::init(""), cl::cat(category));

static cl::opt<bool> gpuProfile(
    "gpu-profile",
    cl::desc("gpu artifacts: time every kernel launch (CUDA events) and print "
             "the per-kernel times after the runs"),
    cl::init(false), cl::cat(category));

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  tessera::setVersionPrinter("tessera-run");
  cl::HideUnrelatedOptions(category);
  if (!cl::ParseCommandLineOptions(argc, argv, "Run a Tessera artifact\n",
                                   &errs()))
    return 2;
  tessera::runtime::RunOptions options;
  options.artifactDir = artifactDir;
  options.inputs.assign(inputArgs.begin(), inputArgs.end());
  options.expects.assign(expectArgs.begin(), expectArgs.end());
  options.relTol = relTol;
  options.absTol = absTol;
  options.outputDir = outputDir;
  options.randomInputs = randomInputs;
  options.benchmarkRuns = benchmark;
  options.npuReport = npuReport;
  options.npuReportJSON = npuReportJSON;
  options.npuReportCSV = npuReportCSV;
  options.npuTrace = npuTrace;
  options.gpuProfile = gpuProfile;
  return static_cast<int>(runArtifact(options, outs(), errs()));
}
