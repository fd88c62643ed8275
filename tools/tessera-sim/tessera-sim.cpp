//===- tessera-sim.cpp - run an NPU program on the simulator --------------===//
//
//   tessera-sim PROGRAM --hw=edge|mid|large|FILE.yaml [--set KEY=VALUE ...]
//               [--input name=FILE.npy ...] [--expect name=FILE.npy ...]
//               [--output-dir DIR] [--no-timing] [--range=BEGIN:END]
//               [--report-json=FILE] [--report-csv=FILE] [--trace=FILE] [-q]
//
// Maps the flags to a SimulateOptions and calls tessera::sim::simulate
// (lib/Sim/Simulate.cpp). Exit status: 0 ok, 1 an output differs from
// --expect or a runtime error, 2 a usage or input error
// (docs/npu/simulator.md, "tessera-sim").
//
//===----------------------------------------------------------------------===//

#include "tessera/Sim/Simulate.h"
#include "tessera/Version.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"

using namespace llvm;

static cl::OptionCategory category("tessera-sim options");
static cl::opt<std::string> programPath(cl::Positional, cl::desc("<program>"),
                                        cl::Required, cl::cat(category));
static cl::opt<std::string>
    hwSpec("hw",
           cl::desc("Hardware description: edge, mid, large or a YAML "
                    "file"),
           cl::Required, cl::cat(category));
static cl::list<std::string> hwSettings(
    "set",
    cl::desc("KEY=VALUE: change one hardware parameter of --hw, KEY a dotted "
             "key of the description (dma.bytes_per_cycle=32, "
             "dram.latency_cycles=200, array.rows=32); repeatable"),
    cl::cat(category));
static cl::list<std::string> inputArgs("input",
                                       cl::desc("name=FILE.npy (every input)"),
                                       cl::cat(category));
static cl::list<std::string>
    expectArgs("expect", cl::desc("name=FILE.npy: compare an output"),
               cl::cat(category));
static cl::opt<std::string>
    outputDir("output-dir", cl::desc("Write every output as DIR/<name>.npy"),
              cl::cat(category));
static cl::opt<bool> noTiming("no-timing",
                              cl::desc("Functional execution only (program "
                                       "order, no cycles or tokens)"),
                              cl::cat(category));
static cl::opt<std::string>
    rangeArg("range",
             cl::desc("BEGIN:END: counters for instructions "
                      "[BEGIN, END)"),
             cl::cat(category));
static cl::opt<std::string> reportJSON("report-json",
                                       cl::desc("Write the JSON report here"),
                                       cl::cat(category));
static cl::opt<std::string>
    reportCSV("report-csv", cl::desc("Write the per-layer CSV report here"),
              cl::cat(category));
static cl::opt<std::string>
    tracePath("trace",
              cl::desc("Write a Chrome trace-event JSON timeline "
                       "(Perfetto, chrome://tracing) here"),
              cl::cat(category));
static cl::opt<bool> quiet("q", cl::desc("Do not print the report table"),
                           cl::cat(category));

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  tessera::setVersionPrinter("tessera-sim");
  cl::HideUnrelatedOptions(category);
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "Tessera NPU simulator: runs an NPU "
                                   "program bit-exactly with cycle and "
                                   "energy accounting\n",
                                   &errs()))
    return int(tessera::sim::SimulateStatus::InputError);

  tessera::sim::SimulateOptions options;
  options.programPath = programPath;
  options.hwSpec = hwSpec;
  options.hwSettings = hwSettings;
  options.inputs = inputArgs;
  options.expects = expectArgs;
  options.outputDir = outputDir;
  options.timing = !noTiming;
  options.range = rangeArg;
  options.reportJSON = reportJSON;
  options.reportCSV = reportCSV;
  options.tracePath = tracePath;
  options.quiet = quiet;
  return int(tessera::sim::simulate(options, outs(), errs()));
}
